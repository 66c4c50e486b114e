package io.dht.id;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** BEP 42's published vectors: the first 21 bits and the last byte are fixed by the IP and r. */
class NodeIdSecurityTest {
  @ParameterizedTest
  @CsvSource({
    "124.31.75.21, 1, 5fbfbff10c5d6a4ec8a88e4c6ab4c28b95eee401",
    "21.75.31.124, 86, 5a3ce9c14e7a08645677bbd1cfe7d8f956d53256",
    "65.23.51.170, 22, a5d43220bc8f112a3d426c84764f8c2a1150e616",
    "84.124.73.14, 65, 1b0321dd1bb1fe518101ceef99462b947a01ff41",
    "43.213.53.83, 90, e56f6cbf5b7c4be0237986d5243b87aa6d51305a"
  })
  void publishedVectorsVerifyAndGenerateTheSamePrefix(String ip, int r, String hex) {
    NodeId vector = NodeId.parseHex(hex);
    var address = Endpoint.parseAddress(ip);
    assertThat(NodeIdSecurity.isValid(vector, address)).isTrue();

    NodeId generated = NodeIdSecurity.generate(address, r, new SplittableRandom(r));
    assertThat(generated.commonPrefixLength(vector)).isGreaterThanOrEqualTo(21);
    assertThat(generated.toBytes()[19]).isEqualTo((byte) r);
    assertThat(NodeIdSecurity.isValid(generated, address)).isTrue();
  }

  @Test
  void anIdForOneAddressDoesNotConformForAnother() {
    var a = Endpoint.parseAddress("124.31.75.21");
    var b = Endpoint.parseAddress("124.31.75.22");
    var other = Endpoint.parseAddress("21.75.31.124");
    NodeId id = NodeIdSecurity.generate(a, new SplittableRandom(7));
    assertThat(NodeIdSecurity.isValid(id, other)).isFalse();
    // the mask keeps only the low 2 bits of the first octet, etc.; .22 differs in the unmasked low byte
    assertThat(NodeIdSecurity.isValid(id, b)).isEqualTo(NodeIdSecurity.isValid(id, a) && sameMasked(a, b));
  }

  private static boolean sameMasked(java.net.InetAddress a, java.net.InetAddress b) {
    byte[] x = a.getAddress();
    byte[] y = b.getAddress();
    int[] mask = {0x03, 0x0f, 0x3f, 0xff};
    for (int i = 0; i < 4; i++) {
      if ((x[i] & mask[i]) != (y[i] & mask[i])) {
        return false;
      }
    }
    return true;
  }

  @Test
  void randomIdsRarelyConform() {
    var ip = Endpoint.parseAddress("65.23.51.170");
    SplittableRandom random = new SplittableRandom(3);
    int conforming = 0;
    for (int i = 0; i < 10_000; i++) {
      if (NodeIdSecurity.isValid(NodeId.random(random), ip)) {
        conforming++;
      }
    }
    assertThat(conforming).isLessThan(5); // 2^-21 per try
  }

  @Test
  void privateAndLoopbackAddressesAreExempt() {
    for (String ip : new String[] {"10.1.2.3", "127.0.0.2", "172.16.5.4", "172.31.0.1", "192.168.1.1",
        "169.254.3.3", "::1", "fe80::1", "fd00::5"}) {
      assertThat(NodeIdSecurity.isExempt(Endpoint.parseAddress(ip))).as(ip).isTrue();
    }
    for (String ip : new String[] {"8.8.8.8", "172.32.0.1", "2001:db8::1"}) {
      assertThat(NodeIdSecurity.isExempt(Endpoint.parseAddress(ip))).as(ip).isFalse();
    }
  }
}
