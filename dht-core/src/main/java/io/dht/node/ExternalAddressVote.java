package io.dht.node;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Learns our external address from the BEP 42 {@code ip} fields of replies: each reporter IP holds one vote (its
 * latest report), at most {@code maxVoters} recent reporters are remembered, and an address wins only with at
 * least {@code quorum} votes and more than half of all votes. A single reporter can never decide.
 */
final class ExternalAddressVote {
  private final int maxVoters;
  private final int quorum;
  private final LinkedHashMap<InetAddress, InetAddress> votes = new LinkedHashMap<>(16, 0.75f, true);

  ExternalAddressVote(int maxVoters, int quorum) {
    this.maxVoters = maxVoters;
    this.quorum = quorum;
  }

  void vote(InetAddress reporter, InetAddress reported) {
    votes.put(reporter, reported);
    if (votes.size() > maxVoters) {
      InetAddress eldest = votes.keySet().iterator().next();
      votes.remove(eldest);
    }
  }

  /** The address a clear majority reports, if any. */
  Optional<InetAddress> winner() {
    Map<InetAddress, Integer> counts = new HashMap<>();
    InetAddress best = null;
    int bestCount = 0;
    for (InetAddress a : votes.values()) {
      int c = counts.merge(a, 1, Integer::sum);
      if (c > bestCount) {
        bestCount = c;
        best = a;
      }
    }
    return bestCount >= quorum && 2 * bestCount > votes.size() ? Optional.of(best) : Optional.empty();
  }
}
