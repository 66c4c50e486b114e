package io.dht.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A guard on what one simulated node costs, so that a regression in per-node memory shows up in {@code mvn verify}
 * instead of in the next million-node run (session 3 found one that way: a 28 KB ring allocated per node up front).
 * 20,000 seeded nodes; the heap is measured after full collections, against the heap before the cluster was built.
 */
class ScaleExperimentTest {
  /** Bytes per node allowed; the tree measures about 11 KB (docs/benchmarks-sim.md §3). */
  private static final long MAX_BYTES_PER_NODE = 16_000;

  @Test
  void twentyThousandSeededNodesCostLessThan16KbEachAnd64BytesPerRoutingEntry() {
    long before = ScaleExperiment.usedAfterGc();
    ScaleExperiment.Size size =
        ScaleExperiment.measure(20_000, 1, Duration.ofSeconds(60), 50, 0, ScaleExperiment.Build.SEEDED, 20);
    long perNode = (size.usedBytes() - before) / size.nodes();
    assertThat(size.exactness()).isEqualTo(1.0);
    assertThat(perNode).as("heap bytes per node").isLessThan(MAX_BYTES_PER_NODE);
    assertThat((double) size.routingBytes() / size.routingEntries()).as("bytes per routing entry").isLessThan(64);
    assertThat(size.idleDatagrams()).as("an idle seeded network is silent").isZero();
  }
}
