package io.dht.sim;

/** The seed of a simulation test: a fixed default, or {@code -Ddht.sim.seed=S} to replay or explore another. */
final class TestSeeds {
  private TestSeeds() {}

  static long seed(long fallback) {
    String s = System.getProperty("dht.sim.seed");
    long seed = s == null || s.isBlank() ? fallback : Long.parseLong(s.trim());
    System.out.println("simulation seed " + seed + " (replay with -Ddht.sim.seed=" + seed + ")");
    return seed;
  }
}
