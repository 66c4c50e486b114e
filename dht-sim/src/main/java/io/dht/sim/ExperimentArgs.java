package io.dht.sim;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The command line of an experiment's {@code main}: options {@code --name value} and bare switches {@code --name}.
 * Every problem (an unknown option, a missing or malformed value, a check the experiment adds) is an {@link
 * IllegalArgumentException} with a one-line message; {@link #parseOrExit} prints it with the usage line and exits
 * with status 2, never with a stack trace. A later repetition of an option wins.
 */
final class ExperimentArgs {
  private final Map<String, String> values = new HashMap<>();
  private final Set<String> switches = new HashSet<>();

  /**
   * Reads {@code args}: the names in {@code switchNames} take no value, those in {@code optionNames} take one.
   *
   * @throws IllegalArgumentException for an unknown name or an option without its value
   */
  ExperimentArgs(String[] args, Set<String> switchNames, Set<String> optionNames) {
    for (int i = 0; i < args.length; i++) {
      String name = args[i];
      if (switchNames.contains(name)) {
        switches.add(name);
      } else if (optionNames.contains(name)) {
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException("missing value after " + name);
        }
        values.put(name, args[++i]);
      } else {
        throw new IllegalArgumentException("unknown option " + name);
      }
    }
  }

  /**
   * Parses {@code args} and builds the experiment's settings with {@code settings}; on any {@link
   * IllegalArgumentException} prints its message and {@code usage} to standard error and exits with status 2.
   */
  static <T> T parseOrExit(
      String[] args,
      String usage,
      Set<String> switchNames,
      Set<String> optionNames,
      Function<ExperimentArgs, T> settings) {
    try {
      return settings.apply(new ExperimentArgs(args, switchNames, optionNames));
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.err.println("usage: " + usage);
      System.exit(2);
      throw new AssertionError("unreachable");
    }
  }

  /** Whether the switch {@code name} was given. */
  boolean has(String name) {
    return switches.contains(name) || values.containsKey(name);
  }

  String string(String name, String otherwise) {
    return values.getOrDefault(name, otherwise);
  }

  int intValue(String name, int otherwise) {
    long v = longValue(name, otherwise);
    if (v != (int) v) {
      throw new IllegalArgumentException("out of range after " + name + ": " + values.get(name));
    }
    return (int) v;
  }

  long longValue(String name, long otherwise) {
    String v = values.get(name);
    try {
      return v == null ? otherwise : Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      throw notA("whole number", name, v);
    }
  }

  double doubleValue(String name, double otherwise) {
    String v = values.get(name);
    try {
      double d = v == null ? otherwise : Double.parseDouble(v.trim());
      if (!Double.isFinite(d)) {
        throw notA("finite number", name, v);
      }
      return d;
    } catch (NumberFormatException e) {
      throw notA("number", name, v);
    }
  }

  /** Fails with {@code problem} unless {@code ok}. */
  static void require(boolean ok, String problem) {
    if (!ok) {
      throw new IllegalArgumentException(problem);
    }
  }

  private static IllegalArgumentException notA(String what, String name, String value) {
    return new IllegalArgumentException("not a " + what + " after " + name + ": " + value);
  }
}
