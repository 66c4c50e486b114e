package io.dht.sim;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Chooses which nodes survive a correlated crash so that every targeted item keeps <em>exactly one</em> of its
 * holders: the harshest crash after which no item is lost by construction. Given each item's holder set (node
 * indices) and whether the item is targeted ("exact") or only must not be lost ("at least one"), it searches for a
 * set S of nodes with |holders(i) ∩ S| = 1 for every exact item and ≥ 1 for every other; every node outside S
 * then crashes.
 *
 * <p>This is exact 1-in-k satisfiability, solved by a WalkSAT-style local search: start from a greedy cover, then
 * repeatedly take a random violated item and add (count 0) or remove (exact item, count ≥ 2) the one holder that
 * breaks the fewest other items (a random holder with probability {@code NOISE}); keep the best set seen. A final
 * pass gives every item left with no survivor one (the holder that over-covers fewest items), so the result never
 * loses an item; exact items left with two or more survivors are reported, not hidden. The k closest nodes of
 * targets spread at random over the XOR space overlap irregularly: with as many items as nodes the search leaves
 * about a tenth of the items with two survivors ({@link DurabilityExperiment} then destroys their extra copies).
 */
public final class SurvivorChoice {
  static final double NOISE = 0.2;

  /**
   * The outcome.
   *
   * @param survivor per node index: survives the crash
   * @param survivorsPerItem per item: how many of its holders survive (1 for every item when exact)
   * @param steps local-search steps taken
   */
  public record Result(boolean[] survivor, int[] survivorsPerItem, int steps) {
    /** Items with exactly one surviving holder. */
    public int exactlyOne() {
      return (int) Arrays.stream(survivorsPerItem).filter(c -> c == 1).count();
    }

    /** Items with two or more surviving holders. */
    public int moreThanOne() {
      return (int) Arrays.stream(survivorsPerItem).filter(c -> c >= 2).count();
    }

    /** How many nodes survive. */
    public int survivors() {
      int n = 0;
      for (boolean b : survivor) {
        if (b) {
          n++;
        }
      }
      return n;
    }

    /** Items with no surviving holder (always 0: the final pass prevents it). */
    public int none() {
      return (int) Arrays.stream(survivorsPerItem).filter(c -> c == 0).count();
    }
  }

  private final int[][] holders;
  private final boolean[] exact;
  private final int[][] itemsOf;
  private final int[] count;
  private final boolean[] inS;
  private final RandomGenerator random;
  /** Items whose count is not 1, with each one's position in it (-1 when absent). */
  private final int[] bad;
  private final int[] badPos;
  private int badSize;

  private SurvivorChoice(int[][] holders, boolean[] exact, int nodes, RandomGenerator random) {
    if (exact.length != holders.length) {
      throw new IllegalArgumentException("one exact flag per item");
    }
    this.holders = holders;
    this.exact = exact;
    this.random = random;
    this.count = new int[holders.length];
    this.inS = new boolean[nodes];
    this.bad = new int[holders.length];
    this.badPos = new int[holders.length];
    int[] degree = new int[nodes];
    for (int[] h : holders) {
      if (h.length == 0) {
        throw new IllegalArgumentException("an item without holders cannot keep one");
      }
      for (int v : h) {
        degree[v]++;
      }
    }
    this.itemsOf = new int[nodes][];
    for (int v = 0; v < nodes; v++) {
      itemsOf[v] = new int[degree[v]];
    }
    int[] fill = new int[nodes];
    for (int i = 0; i < holders.length; i++) {
      for (int v : holders[i]) {
        itemsOf[v][fill[v]++] = i;
      }
    }
    for (int i = 0; i < holders.length; i++) {
      bad[badSize] = i;
      badPos[i] = badSize++;
    }
  }

  /**
   * Chooses survivors among {@code nodes} nodes for items whose holders are {@code holders[i]} (distinct node
   * indices in [0, nodes)): exactly one for the items with {@code exact[i]}, at least one for the others; at most
   * {@code maxSteps} local-search steps.
   */
  public static Result choose(
      int[][] holders, boolean[] exact, int nodes, RandomGenerator random, int maxSteps) {
    return new SurvivorChoice(holders, exact, nodes, random).run(maxSteps);
  }

  /** Exactly one survivor for every item. */
  public static Result choose(int[][] holders, int nodes, RandomGenerator random, int maxSteps) {
    boolean[] exact = new boolean[holders.length];
    Arrays.fill(exact, true);
    return choose(holders, exact, nodes, random, maxSteps);
  }

  private Result run(int maxSteps) {
    // greedy start: items in random order, each uncovered one takes the holder that over-covers fewest items
    int[] order = new int[holders.length];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    for (int i = order.length - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    for (int i : order) {
      if (count[i] == 0) {
        add(bestToAdd(i, false));
      }
    }
    boolean[] best = inS.clone();
    int bestBad = badSize;
    int steps = 0;
    while (badSize > 0 && steps < maxSteps) {
      steps++;
      int i = bad[random.nextInt(badSize)];
      boolean noisy = random.nextDouble() < NOISE;
      if (count[i] == 0) {
        add(bestToAdd(i, noisy));
      } else {
        remove(bestToRemove(i, noisy));
      }
      if (badSize < bestBad) {
        bestBad = badSize;
        best = inS.clone();
      }
    }
    // back to the best set seen, then make sure no item is left without a survivor
    for (int v = 0; v < inS.length; v++) {
      if (inS[v] != best[v]) {
        if (best[v]) {
          add(v);
        } else {
          remove(v);
        }
      }
    }
    for (int i = 0; i < holders.length; i++) {
      if (count[i] == 0) {
        add(bestToAdd(i, false));
      }
    }
    return new Result(inS.clone(), count.clone(), steps);
  }

  /** The holder of {@code i} (not yet a survivor) whose addition breaks the fewest items and fixes the most. */
  private int bestToAdd(int i, boolean noisy) {
    List<Integer> ties = new ArrayList<>();
    int bestScore = Integer.MAX_VALUE;
    for (int v : holders[i]) {
      if (inS[v]) {
        continue;
      }
      if (noisy) {
        ties.add(v);
        continue;
      }
      int score = 0;
      for (int j : itemsOf[v]) {
        if (count[j] == 1 && exact[j]) {
          score++; // j goes from 1 to 2
        } else if (count[j] == 0) {
          score--; // j is fixed
        }
      }
      if (score < bestScore) {
        bestScore = score;
        ties.clear();
      }
      if (score == bestScore) {
        ties.add(v);
      }
    }
    return ties.get(random.nextInt(ties.size()));
  }

  /** The surviving holder of {@code i} whose removal breaks the fewest items and fixes the most. */
  private int bestToRemove(int i, boolean noisy) {
    List<Integer> ties = new ArrayList<>();
    int bestScore = Integer.MAX_VALUE;
    for (int v : holders[i]) {
      if (!inS[v]) {
        continue;
      }
      if (noisy) {
        ties.add(v);
        continue;
      }
      int score = 0;
      for (int j : itemsOf[v]) {
        if (count[j] == 1) {
          score++; // j goes from 1 to 0
        } else if (count[j] == 2 && exact[j]) {
          score--; // j is fixed
        }
      }
      if (score < bestScore) {
        bestScore = score;
        ties.clear();
      }
      if (score == bestScore) {
        ties.add(v);
      }
    }
    return ties.get(random.nextInt(ties.size()));
  }

  private void add(int v) {
    inS[v] = true;
    for (int j : itemsOf[v]) {
      count[j]++;
      updateBad(j);
    }
  }

  private void remove(int v) {
    inS[v] = false;
    for (int j : itemsOf[v]) {
      count[j]--;
      updateBad(j);
    }
  }

  private void updateBad(int j) {
    boolean isBad = count[j] == 0 || (exact[j] && count[j] != 1);
    boolean listed = badPos[j] >= 0;
    if (isBad && !listed) {
      bad[badSize] = j;
      badPos[j] = badSize++;
    } else if (!isBad && listed) {
      int last = bad[--badSize];
      bad[badPos[j]] = last;
      badPos[last] = badPos[j];
      badPos[j] = -1;
    }
  }
}
