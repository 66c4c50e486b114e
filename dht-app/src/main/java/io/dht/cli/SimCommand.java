package io.dht.cli;

import io.dht.sim.LookupExperiment;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code dht sim}: the deterministic simulator's lookup experiment (virtual time, in-memory network). */
@Command(
    name = "sim",
    mixinStandardHelpOptions = true,
    description = "Measure lookups in a simulated network (deterministic for a given seed).")
final class SimCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--nodes", paramLabel = "N", defaultValue = "1000", description = "Nodes (default: ${DEFAULT-VALUE}).")
  int nodes;

  @Option(names = "--lookups", paramLabel = "M", defaultValue = "1000", description = "Lookups (default: ${DEFAULT-VALUE}).")
  int lookups;

  @Option(names = "--seed", paramLabel = "S", defaultValue = "1", description = "Seed (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(
      names = "--dead",
      paramLabel = "F",
      defaultValue = "0",
      description = "Fraction of nodes crashed before the lookups, 0 <= F < 1 (default: ${DEFAULT-VALUE}).")
  double dead;

  @Option(
      names = "--restart",
      description =
          "Restart the crashed nodes (same id, address and saved routing table) before the measured lookups;"
              + " needs --dead.")
  boolean restart;

  @Override
  public Integer call() {
    if (nodes < 2) {
      throw new ParameterException(spec.commandLine(), "--nodes must be at least 2, got " + nodes);
    }
    if (lookups < 0) {
      throw new ParameterException(spec.commandLine(), "--lookups must not be negative, got " + lookups);
    }
    if (!(dead >= 0 && dead < 1)) {
      throw new ParameterException(spec.commandLine(), "--dead must be in [0, 1), got " + dead);
    }
    if (restart && dead == 0) {
      throw new ParameterException(spec.commandLine(), "--restart needs --dead F > 0: it restarts the crashed nodes");
    }
    PrintWriter out = spec.commandLine().getOut();
    out.print(LookupExperiment.run(nodes, lookups, seed, dead, restart).format());
    out.flush();
    return 0;
  }
}
