package io.dht.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class ScrapeFilterTest {
  /** BEP 33's vector: 192.0.2.0-255 and 2001:DB8::0-3E7 (1256 addresses). */
  @Test
  void matchesTheBepVectorAndEstimate() throws UnknownHostException {
    ScrapeFilter f = new ScrapeFilter();
    for (int i = 0; i < 256; i++) {
      f.add(InetAddress.getByAddress(new byte[] {(byte) 192, 0, 2, (byte) i}));
    }
    for (int i = 0; i < 1000; i++) {
      byte[] v6 = new byte[16];
      v6[0] = 0x20;
      v6[1] = 0x01;
      v6[2] = 0x0d;
      v6[3] = (byte) 0xb8;
      v6[14] = (byte) (i >>> 8);
      v6[15] = (byte) i;
      f.add(InetAddress.getByAddress(v6));
    }
    String hex = HexFormat.of().formatHex(f.toBytes());
    assertThat(hex).startsWith("f6c3f5eaa07ffd91bde89f777f26fb2b").endsWith("feee76b6fd8f72ef");
    assertThat(f.estimate()).isCloseTo(1224.9308, org.assertj.core.data.Offset.offset(0.0001));
  }

  @Test
  void emptyFilterEstimatesZeroAndUnionAddsUp() throws UnknownHostException {
    ScrapeFilter a = new ScrapeFilter();
    assertThat(a.estimate()).isLessThan(1.0); // c is capped at m - 1, so the BEP formula gives 0.5
    ScrapeFilter b = new ScrapeFilter();
    for (int i = 0; i < 50; i++) {
      a.add(InetAddress.getByAddress(new byte[] {10, 0, 0, (byte) i}));
      b.add(InetAddress.getByAddress(new byte[] {10, 0, 1, (byte) i}));
    }
    a.addAll(b);
    assertThat(a.estimate()).isBetween(90.0, 110.0);
    assertThat(ScrapeFilter.of(a.toBytes()).estimate()).isEqualTo(a.estimate());
    assertThatThrownBy(() -> ScrapeFilter.of(new byte[10])).isInstanceOf(IllegalArgumentException.class);
  }
}
