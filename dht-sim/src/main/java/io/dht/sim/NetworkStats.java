package io.dht.sim;

/**
 * Counters of a {@link SimNetwork} since it was created.
 *
 * @param sent datagrams handed to the network by a live host
 * @param delivered datagrams handed to a receiving host (duplicates count twice)
 * @param duplicated extra copies the network created
 * @param lost datagrams dropped by the loss probability
 * @param partitioned datagrams dropped because sender and receiver were in different partition groups
 * @param hostDown datagrams dropped because the sender or the receiver was crashed
 * @param unreachable datagrams sent to an address where no host lives
 * @param bytesDelivered payload bytes delivered
 */
public record NetworkStats(
    long sent,
    long delivered,
    long duplicated,
    long lost,
    long partitioned,
    long hostDown,
    long unreachable,
    long bytesDelivered) {

  /** Every datagram that was not delivered, whatever the reason. */
  public long dropped() {
    return lost + partitioned + hostDown + unreachable;
  }
}
