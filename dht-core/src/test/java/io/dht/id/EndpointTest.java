package io.dht.id;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.concurrent.TimeUnit;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class EndpointTest {

  @Test
  void parsesIpv4() {
    Endpoint e = Endpoint.parse("127.0.0.2:6881");
    assertThat(e.address()).isInstanceOf(Inet4Address.class);
    assertThat(e.address().getAddress()).containsExactly(127, 0, 0, 2);
    assertThat(e.port()).isEqualTo(6881);
    assertThat(e.isIpv4()).isTrue();
    assertThat(e.isIpv6()).isFalse();
    assertThat(e).hasToString("127.0.0.2:6881");
    assertThat(Endpoint.parse(e.toString())).isEqualTo(e);
  }

  @Test
  void parsesBracketedIpv6() {
    Endpoint e = Endpoint.parse("[::1]:6881");
    assertThat(e.address()).isInstanceOf(Inet6Address.class);
    byte[] loopback = new byte[16];
    loopback[15] = 1;
    assertThat(e.address().getAddress()).isEqualTo(loopback);
    assertThat(e.port()).isEqualTo(6881);
    assertThat(e.isIpv6()).isTrue();
    assertThat(e.isIpv4()).isFalse();
    assertThat(e.toString()).startsWith("[").endsWith("]:6881");
    assertThat(Endpoint.parse(e.toString())).isEqualTo(e);
  }

  @Test
  void parsesPortBounds() {
    assertThat(Endpoint.parse("1.2.3.4:1").port()).isEqualTo(1);
    assertThat(Endpoint.parse("1.2.3.4:65535").port()).isEqualTo(65535);
    assertThat(Endpoint.parse("255.255.255.255:5").address().getAddress()).containsExactly(-1, -1, -1, -1);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "host:1|host",
        "1.2.3.4|1.2.3.4",
        "1.2.3.4:0|1.2.3.4:0",
        "1.2.3.4:70000|70000",
        "1.2.3.4:-1|1.2.3.4:-1",
        "1.2.3.4:65536|65536",
        "256.1.1.1:5|256.1.1.1",
        ":5|:5",
        "1.2.3.4:|1.2.3.4:",
        "1.2.3.4:x|1.2.3.4:x",
        "1.2.3:5|1.2.3",
        "1.2.3.4.5:5|1.2.3.4.5",
        "[::1]|[::1]",
        "[::1:6881|::1",
        "[::g]:5|::g",
        "localhost:6881|localhost",
      })
  void rejectsNonLiterals(String text, String named) {
    assertThatThrownBy(() -> Endpoint.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(named);
  }

  @Test
  void constructorValidates() {
    InetAddress a = Endpoint.parse("1.2.3.4:5").address();
    assertThatThrownBy(() -> new Endpoint(a, -1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("-1");
    assertThatThrownBy(() -> new Endpoint(a, 65536))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("65536");
    assertThatThrownBy(() -> new Endpoint(null, 5)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Endpoint.of(new byte[5], 5))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("5");
  }

  @Test
  void compactIpv4IsSixBytes() {
    Endpoint e = Endpoint.parse("1.2.3.4:6881");
    byte[] compact = e.toCompact();
    assertThat(compact).containsExactly(1, 2, 3, 4, 0x1a, 0xe1);
    assertThat(e.compactLength()).isEqualTo(Endpoint.COMPACT_V4);
    assertThat(Endpoint.fromCompact(compact, 0, 6)).isEqualTo(e);
  }

  @Test
  void compactIpv6IsEighteenBytes() {
    Endpoint e = Endpoint.parse("[2001:db8::ff:1]:51413");
    byte[] compact = e.toCompact();
    assertThat(compact).hasSize(18);
    assertThat(e.compactLength()).isEqualTo(Endpoint.COMPACT_V6);
    assertThat(compact).startsWith(0x20, 0x01, 0x0d, 0xb8, 0, 0);
    assertThat(compact).endsWith(0x00, 0xff, 0x00, 0x01, 0xc8, 0xd5);
    assertThat(Endpoint.fromCompact(compact, 0, 18)).isEqualTo(e);
  }

  @Test
  void compactAtAnOffset() {
    Endpoint e = Endpoint.parse("200.100.50.25:65535");
    byte[] buffer = new byte[10];
    assertThat(e.writeCompact(buffer, 3)).isEqualTo(6);
    assertThat(buffer).containsExactly(0, 0, 0, 200, 100, 50, 25, 0xff, 0xff, 0);
    assertThat(Endpoint.fromCompact(buffer, 3, 6)).isEqualTo(e);
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 4, 5, 7, 16, 17, 19, 26})
  void fromCompactRejectsOtherLengths(int length) {
    assertThatThrownBy(() -> Endpoint.fromCompact(new byte[40], 0, length))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(String.valueOf(length));
  }

  @Provide
  Arbitrary<byte[]> addresses() {
    Arbitrary<byte[]> v4 = Arbitraries.bytes().array(byte[].class).ofSize(4);
    // first byte 0x20..0x3f (global unicast) keeps clear of ::ffff:0:0/96, which the JDK turns into IPv4
    Arbitrary<byte[]> v6 =
        Arbitraries.bytes()
            .array(byte[].class)
            .ofSize(16)
            .map(
                b -> {
                  b[0] = (byte) (0x20 | (b[0] & 0x1f));
                  return b;
                });
    return Arbitraries.oneOf(v4, v6);
  }

  @Property(tries = 500)
  void compactRoundTrip(@ForAll("addresses") byte[] address, @ForAll @IntRange(min = 0, max = 65535) int port) {
    Endpoint e = Endpoint.of(address, port);
    byte[] compact = e.toCompact();
    assertThat(compact).hasSize(address.length + 2);
    assertThat(compact).startsWith(address);
    assertThat(((compact[compact.length - 2] & 0xff) << 8) | (compact[compact.length - 1] & 0xff)).isEqualTo(port);
    assertThat(Endpoint.fromCompact(compact, 0, compact.length)).isEqualTo(e);
    if (port > 0) {
      assertThat(Endpoint.parse(e.toString())).isEqualTo(e);
    }
  }

  @Test
  void compactIpv6RoundTripKeepsIpv4MappedAddressesAsIpv6() {
    byte[] compact = new byte[18];
    compact[10] = (byte) 0xff;
    compact[11] = (byte) 0xff;
    compact[12] = 1;
    compact[13] = 2;
    compact[14] = 3;
    compact[15] = 4;
    compact[17] = 80;
    Endpoint e = Endpoint.fromCompact(compact, 0, 18);
    assertThat(e.isIpv6()).isTrue();
    assertThat(e.toCompact()).isEqualTo(compact);
  }

  @Test
  void unbracketedIpv6IsRejected() {
    assertThatThrownBy(() -> Endpoint.parse("::1:6881")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Endpoint.parse("fe80::1:5")).isInstanceOf(IllegalArgumentException.class);
  }

  /**
   * The core must never resolve names. A name containing ':' that does not start with a hex digit passes
   * Endpoint.parseAddress's IPv4/colon check and reaches InetAddress.getByName, which looks it up. A child JVM with
   * a hosts file mapping "g::1" shows the lookup happening without any network.
   */
  @Test
  void parseNeverResolvesNames(@TempDir Path dir) throws IOException, InterruptedException {
    Path hosts = dir.resolve("hosts");
    Files.writeString(hosts, "10.11.12.13 g::1\n", StandardCharsets.US_ASCII);
    Path java = Paths.get(System.getProperty("java.home"), "bin", "java");
    Process p =
        new ProcessBuilder(
                java.toString(),
                "-Djdk.net.hosts.file=" + hosts,
                "-cp",
                System.getProperty("java.class.path"),
                ParseProbe.class.getName(),
                "[g::1]:5")
            .redirectErrorStream(true)
            .start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertThat(out).startsWith("rejected");
  }

  /** Child-JVM entry point of {@link #parseNeverResolvesNames}. */
  static final class ParseProbe {
    public static void main(String[] args) {
      try {
        System.out.println("parsed " + Endpoint.parse(args[0]));
      } catch (IllegalArgumentException e) {
        System.out.println("rejected " + e.getMessage());
      }
    }
  }
}
