package io.dht.share;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dht.id.Endpoint;
import io.dht.id.NodeId;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MagnetTest {
  private static final String HEX = "c12fe1c06bba254a9dc9f519b335aa7c1367a88a";

  @Test
  void formatsAndParsesBack() {
    Magnet m = Magnet.of(NodeId.parseHex(HEX), "my file (1).txt", List.of(Endpoint.parse("127.0.0.5:6881")));
    assertThat(m.toString())
        .isEqualTo("magnet:?xt=urn:btih:" + HEX + "&dn=my%20file%20%281%29.txt&x.pe=127.0.0.5:6881");
    assertThat(Magnet.parse(m.toString())).isEqualTo(m);
  }

  @Test
  void parsesBase32AndUppercaseHexAndBareHashes() {
    // The same 20 bytes in base32 (RFC 4648).
    String base32 = "YEX6DQDLXISUVHOJ6UM3GNNKPQJWPKEK";
    assertThat(Magnet.parse("magnet:?xt=urn:btih:" + base32).infoHash()).isEqualTo(NodeId.parseHex(HEX));
    assertThat(Magnet.parse("MAGNET:?XT=urn:btih:" + HEX.toUpperCase()).infoHash()).isEqualTo(NodeId.parseHex(HEX));
    assertThat(Magnet.parse(HEX).infoHash()).isEqualTo(NodeId.parseHex(HEX));
    assertThat(Magnet.parse(base32.toLowerCase()).infoHash()).isEqualTo(NodeId.parseHex(HEX));
  }

  @Test
  void keepsNameAndPeersIgnoresTrackersAndBadHints() {
    Magnet m =
        Magnet.parse("magnet:?dn=a+b&tr=udp%3A%2F%2Ftracker.example%3A80&xt=urn:btih:" + HEX
            + "&x.pe=127.0.0.9:7000&x.pe=host.example:1&x.pe=[::1]:7001");
    assertThat(m.displayName()).contains("a b");
    assertThat(m.peers()).containsExactly(Endpoint.parse("127.0.0.9:7000"), Endpoint.parse("[::1]:7001"));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "hello",
        "magnet:?dn=nohash",
        "magnet:?xt=urn:btih:1234",
        "magnet:?xt=urn:btih:zz2fe1c06bba254a9dc9f519b335aa7c1367a88a",
        "magnet:?xt=urn:btih:" + HEX + "&dn=%E",
        "c12fe1c06bba254a9dc9f519b335aa7c1367a88",
        "http://example.com/x.torrent"
      })
  void rejectsWithOneLineReason(String text) {
    assertThatThrownBy(() -> Magnet.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n").isNotBlank());
  }
}
