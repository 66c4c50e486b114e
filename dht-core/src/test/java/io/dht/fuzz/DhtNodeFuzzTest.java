package io.dht.fuzz;

import static io.dht.fuzz.NodeHarness.SECOND;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.dht.node.DhtConfig;
import io.dht.node.DhtNode;

/**
 * Fuzzes the whole datagram path of {@link DhtNode}: {@code onDatagram}, the timers behind {@code tick()}, and
 * (in {@link #conversation}) the node's own queries and their answers. Every step ends with {@link NodeHarness}'s
 * checks: nothing thrown, no internal errors, routing-table invariants, decodable and correctly sized replies.
 */
class DhtNodeFuzzTest {
  private static final long SEED = 20_241_128L;

  /**
   * One raw datagram, delivered to a node that already has routing-table entries, stored peers and two stored BEP 44
   * items: from a stranger, from a known peer (whose write tokens the seeds may carry), from an IPv6 stranger and
   * again later, with timers fired in between (verification pings time out, buckets go stale, tokens rotate).
   */
  @FuzzTest(maxDuration = "2m")
  @DictionaryEntries({
    "d1:ad2:id20:", "e1:q4:ping1:t2:aa1:y1:qe", "1:q9:find_node", "1:q9:get_peers", "1:q13:announce_peer",
    "1:q3:get", "1:q3:put", "1:q17:sample_infohashes", "6:target20:", "9:info_hash20:", "4:porti6881e",
    "5:token8:", "12:implied_porti1e", "4:wantl2:n42:n6e", "6:scrapei1e", "6:noseedi1e", "4:seedi1e",
    "3:seqi1e", "3:casi1e", "4:salt", "1:k32:", "3:sig64:", "1:v", "1:rd2:id20:", "5:nodes", "6:nodes6",
    "6:valuesl6:", "1:eli203e", "2:ip6:", "2:roi1e", "1:y1:r", "1:y1:e"
  })
  void datagram(byte[] datagram) {
    NodeHarness h = NodeHarness.warmedUp(DhtConfig.privateNetwork(), SEED);
    h.deliver(NodeHarness.STRANGER, datagram);
    h.deliver(NodeHarness.PEERS.get(0).endpoint(), datagram);
    h.advance(6 * SECOND);
    h.deliver(NodeHarness.STRANGER_V6, datagram);
    h.deliver(NodeHarness.STRANGER, datagram);
    h.advance(16 * 60 * SECOND);
    h.deliver(NodeHarness.STRANGER_2, datagram);
    h.advance(2 * 3600 * SECOND);
  }

  /**
   * A scripted exchange of almost valid KRPC traffic (see {@link Conversation}), on a cold or warmed-up node, with
   * or without BEP 42 id adoption.
   */
  @FuzzTest(maxDuration = "2m")
  void conversation(FuzzedDataProvider data) {
    DhtConfig config = DhtConfig.privateNetwork();
    if (data.consumeBoolean()) {
      config = config.toBuilder().secureNodeId(true).build();
    }
    NodeHarness h = data.consumeBoolean() ? new NodeHarness(config, SEED) : NodeHarness.warmedUp(config, SEED);
    new Conversation(data, h).run();
  }
}
