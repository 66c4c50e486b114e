package io.dht.krpc;

/** BEP 32's {@code want}: which node families a querier asks for. Unknown strings are ignored. */
public enum Want {
  /** No {@code want}: answer with the family the query arrived on. */
  SAME_FAMILY,
  /** {@code want = ["n4"]}. */
  N4,
  /** {@code want = ["n6"]}. */
  N6,
  /** {@code want = ["n4", "n6"]}. */
  BOTH;

  /** Whether IPv4 nodes are wanted by a query that arrived over IPv6 ({@code viaIpv6}) or IPv4. */
  public boolean wantsV4(boolean viaIpv6) {
    return this == N4 || this == BOTH || (this == SAME_FAMILY && !viaIpv6);
  }

  /** Whether IPv6 nodes are wanted. */
  public boolean wantsV6(boolean viaIpv6) {
    return this == N6 || this == BOTH || (this == SAME_FAMILY && viaIpv6);
  }
}
