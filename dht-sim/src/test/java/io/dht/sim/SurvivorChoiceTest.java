package io.dht.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SurvivorChoiceTest {
  @Test
  void intervalsOfEightGetExactlyOneSurvivorEach() {
    // items held by the 8 nodes starting at every position of a ring of 80 nodes: every 8th node is exact
    int nodes = 80;
    int[][] sets = new int[nodes][8];
    for (int i = 0; i < nodes; i++) {
      for (int j = 0; j < 8; j++) {
        sets[i][j] = (i + j) % nodes;
      }
    }
    SurvivorChoice.Result r = SurvivorChoice.choose(sets, nodes, new SplittableRandom(1), 100_000);

    assertThat(r.exactlyOne()).isEqualTo(nodes);
    assertThat(r.survivorsPerItem()).containsOnly(1);
    assertThat(r.survivors()).isEqualTo(10);
  }

  @Test
  void neverLeavesAnItemWithoutASurvivorAndCountsTheOverCovered() {
    // {0,1} {1,2} {0,2}: exactly one of each pair is impossible (odd cycle); at least one each is kept
    int[][] sets = {{0, 1}, {1, 2}, {0, 2}};
    SurvivorChoice.Result r = SurvivorChoice.choose(sets, 3, new SplittableRandom(2), 1_000);

    assertThat(r.none()).isZero();
    assertThat(r.moreThanOne()).isEqualTo(1);
    assertThat(r.exactlyOne()).isEqualTo(2);
    for (int i = 0; i < sets.length; i++) {
      int kept = 0;
      for (int v : sets[i]) {
        kept += r.survivor()[v] ? 1 : 0;
      }
      assertThat(kept).isEqualTo(r.survivorsPerItem()[i]);
    }
  }

  @Test
  void itemsThatNeedOnlyOneSurvivorMayKeepMore() {
    // item 0 must keep exactly one of {0,1,2}; item 1 (not exact) needs one of {2,3}
    int[][] sets = {{0, 1, 2}, {2, 3}};
    SurvivorChoice.Result r =
        SurvivorChoice.choose(sets, new boolean[] {true, false}, 4, new SplittableRandom(3), 1_000);

    assertThat(r.survivorsPerItem()[0]).isEqualTo(1);
    assertThat(r.survivorsPerItem()[1]).isPositive();
  }
}
