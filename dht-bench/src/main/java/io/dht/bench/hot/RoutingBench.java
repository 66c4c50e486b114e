package io.dht.bench.hot;

import io.dht.id.Contact;
import io.dht.id.NodeId;
import io.dht.node.DhtConfig;
import io.dht.routing.RoutingTable;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The routing table with about 200 entries (8 in each of 25 buckets, as a real table fills): {@code closest8}
 * (what every find_node/get_peers reply needs), {@code insert} (200 fresh contacts into an empty table, reported
 * per insert, splits included) and {@code refreshKnown} (a known contact answers again: the common case).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class RoutingBench {
  private static final int N = 200;
  private NodeId self;
  private Contact[] contacts;
  private NodeId[] targets;
  private RoutingTable table;
  private int next;
  private final DhtConfig config = DhtConfig.privateNetwork();

  @Setup
  public void setup() {
    SplittableRandom r = new SplittableRandom(11);
    self = Fixtures.randomId(r);
    List<NodeId> ids = Fixtures.bucketFillingIds(self, N, r);
    contacts = new Contact[N];
    for (int i = 0; i < N; i++) {
      contacts[i] = new Contact(ids.get(i), Fixtures.endpoint(i));
    }
    table = fill();
    if (table.size() != N) {
      throw new IllegalStateException("table kept " + table.size() + " of " + N);
    }
    targets = new NodeId[1024];
    for (int i = 0; i < targets.length; i++) {
      targets[i] = Fixtures.randomId(r);
    }
  }

  private RoutingTable fill() {
    RoutingTable t =
        new RoutingTable(self, config.k(), config.replacementCacheSize(), config.maxNodesPerSubnetInBucket(),
            config.oneNodePerIp(), config.questionableAfter().toNanos(), config.failuresBeforeBad(), 0);
    for (Contact c : contacts) {
      t.onReply(c, 1);
    }
    return t;
  }

  @Benchmark
  public List<Contact> closest8() {
    return table.closest(targets[next++ & 1023], 8, 2);
  }

  @Benchmark
  @OperationsPerInvocation(N)
  public RoutingTable insert() {
    return fill();
  }

  @Benchmark
  public List<Contact> refreshKnown() {
    return table.onReply(contacts[next++ % N], 3);
  }
}
