package io.dht.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.dht.id.Endpoint;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

class AddressCacheTest {
  private final AddressCache cache = new AddressCache();

  @Test
  void aRepeatedSenderIsConvertedOnceAndItsRepliesReuseItsSocketAddress() throws Exception {
    InetSocketAddress source = new InetSocketAddress(InetAddress.getByName("127.0.0.7"), 6881);
    Endpoint first = cache.endpointOf(source);
    assertThat(first).isEqualTo(new Endpoint(source.getAddress(), 6881));
    assertThat(cache.endpointOf(source)).isSameAs(first);
    // an equal but distinct InetSocketAddress (the JDK makes one when the sender changes) hits too
    assertThat(cache.endpointOf(new InetSocketAddress(InetAddress.getByName("127.0.0.7"), 6881))).isSameAs(first);
    assertThat(cache.socketAddressOf(first)).isSameAs(source);
    assertThat(cache.socketAddressOf(new Endpoint(source.getAddress(), 6881))).isSameAs(source);
    assertThat(cache.misses()).isEqualTo(1);
    assertThat(cache.hits()).isEqualTo(4);
  }

  @Test
  void manyMoreAddressesThanSlotsAreAlwaysConvertedCorrectly() throws Exception {
    for (int round = 0; round < 2; round++) {
      for (int i = 0; i < 3 * AddressCache.SLOTS; i++) {
        InetAddress a = InetAddress.getByAddress(new byte[] {10, (byte) (i >> 16), (byte) (i >> 8), (byte) i});
        int port = 1000 + i % 7;
        Endpoint e = cache.endpointOf(new InetSocketAddress(a, port));
        assertThat(e).isEqualTo(new Endpoint(a, port));
        Endpoint other = new Endpoint(a, port + 1);
        assertThat(cache.socketAddressOf(other)).isEqualTo(new InetSocketAddress(a, port + 1));
      }
    }
    assertThat(cache.hits() + cache.misses()).isEqualTo(2 * 2 * 3 * AddressCache.SLOTS);
  }

  @Test
  void linkLocalAddressesOfDifferentScopesAreDifferentDestinations() throws Exception {
    byte[] bytes = InetAddress.getByName("fe80::1").getAddress();
    Inet6Address scope1 = Inet6Address.getByAddress(null, bytes, 1);
    Inet6Address scope2 = Inet6Address.getByAddress(null, bytes, 2);
    InetSocketAddress one = cache.socketAddressOf(new Endpoint(scope1, 6881));
    InetSocketAddress two = cache.socketAddressOf(new Endpoint(scope2, 6881));
    assertThat(((Inet6Address) one.getAddress()).getScopeId()).isEqualTo(1);
    assertThat(((Inet6Address) two.getAddress()).getScopeId()).isEqualTo(2);
    Endpoint back = cache.endpointOf(new InetSocketAddress(scope1, 6881));
    assertThat(((Inet6Address) back.address()).getScopeId()).isEqualTo(1);
  }
}
