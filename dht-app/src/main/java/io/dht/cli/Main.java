package io.dht.cli;

import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The {@code dht} program: parses arguments, runs one command, maps the outcome to an exit code. Exit 0 on
 * success, 1 on an operational failure (no reply, nothing stored), 2 on bad arguments; errors are one line on
 * stderr, never a stack trace (set {@code DHT_DEBUG=1} to see one for an unexpected error).
 */
@Command(
    name = "dht",
    mixinStandardHelpOptions = true,
    version = "dht 0.1.0",
    description = "A BitTorrent Mainline DHT (Kademlia) node.",
    subcommands = {
      NodeCommand.class,
      SwarmCommand.class,
      PingCommand.class,
      PeersCommand.class,
      AnnounceCommand.class,
      KeygenCommand.class,
      PutCommand.class,
      GetCommand.class,
      ShareCommand.class,
      FetchCommand.class,
      SimCommand.class,
      CompletionCommand.class,
      CommandLine.HelpCommand.class
    })
public final class Main implements Runnable {
  /** Exit code of an operational failure. */
  public static final int EXIT_FAILURE = 1;
  /** Exit code of bad arguments. */
  public static final int EXIT_USAGE = 2;

  @Spec CommandSpec spec;

  /** Where commands write raw bytes ({@code dht get}); null to write them through the text writer. */
  private final OutputStream stdout;

  private Main(OutputStream stdout) {
    this.stdout = stdout;
  }

  public static void main(String[] args) {
    if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
      // One line per log record; the stack trace only when debugging.
      String trace = System.getenv("DHT_DEBUG") != null ? "%6$s" : "";
      System.setProperty("java.util.logging.SimpleFormatter.format", "dht: %4$s: %5$s" + trace + "%n");
    }
    PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
    PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
    int code = run(System.out, out, err, args);
    out.flush();
    err.flush();
    System.exit(code);
  }

  /**
   * Runs the program in-process with the given streams; returns the exit code. Raw output ({@code dht get}'s value)
   * goes through {@code out} as UTF-8 text.
   */
  public static int run(PrintWriter out, PrintWriter err, String... args) {
    return run(null, out, err, args);
  }

  /**
   * Runs the program in-process; {@code stdout} receives raw bytes ({@code dht get}'s value) after {@code out} is
   * flushed. Returns the exit code.
   */
  public static int run(OutputStream stdout, PrintWriter out, PrintWriter err, String... args) {
    return commandLine(stdout, out, err).execute(args);
  }

  static CommandLine commandLine(OutputStream stdout, PrintWriter out, PrintWriter err) {
    CommandLine cl = new CommandLine(new Main(stdout));
    cl.setOut(out);
    cl.setErr(err);
    cl.setCaseInsensitiveEnumValuesAllowed(true);
    cl.setParameterExceptionHandler(
        (ParameterException e, String[] args) -> {
          String name = e.getCommandLine().getCommandSpec().qualifiedName();
          e.getCommandLine()
              .getErr()
              .println(name + ": " + oneLine(e.getMessage()) + " (see '" + name + " --help')");
          return EXIT_USAGE;
        });
    cl.setExecutionExceptionHandler(
        (Exception e, CommandLine commandLine, CommandLine.ParseResult parsed) -> {
          String name = commandLine.getCommandSpec().qualifiedName();
          PrintWriter errors = commandLine.getErr();
          if (e instanceof CommandFailure) {
            errors.println(name + ": " + oneLine(e.getMessage()));
          } else {
            errors.println(name + ": " + oneLine(Await.reason(e)));
            if (System.getenv("DHT_DEBUG") != null) {
              e.printStackTrace(errors);
            }
          }
          return EXIT_FAILURE;
        });
    cl.setExitCodeExceptionMapper(e -> EXIT_FAILURE);
    return cl;
  }

  static String oneLine(String message) {
    if (message == null) {
      return "error";
    }
    String line = message.strip();
    int nl = line.indexOf('\n');
    return nl < 0 ? line : line.substring(0, nl).strip();
  }

  /** The raw output stream, or null when raw bytes go through the text writer. */
  OutputStream stdout() {
    return stdout;
  }

  @Override
  public void run() {
    throw new ParameterException(
        spec.commandLine(), "missing command: node, swarm, ping, peers, announce, keygen, put, get, share, fetch, sim or completion");
  }
}
