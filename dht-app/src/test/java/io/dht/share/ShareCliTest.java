package io.dht.share;

import static org.assertj.core.api.Assertions.assertThat;

import io.dht.TestSwarm;
import io.dht.id.Endpoint;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/**
 * {@code dht share} and {@code dht fetch} in-process, with the program's own error handling ({@code
 * Main.commandLine}): exit 2 and one line for bad arguments, 1 for failures, 0 and the path on stdout for a
 * complete fetch. The commands are added to the command line here when {@code Main} does not list them yet.
 */
@Timeout(60)
class ShareCliTest {
  private static final String HASH = "0123456789abcdef0123456789abcdef01234567";

  @TempDir static Path dir;
  private static TestSwarm net;
  private static Share share;
  private static Path data;

  @BeforeAll
  static void seed() throws Exception {
    net = TestSwarm.start(3, 190); // .190 bootstraps the CLI nodes, .191 shares, .192 holds announces
    net.bootstrapAll();
    data = ShareFixtures.writeData(dir.resolve("seed/cli.bin"), 600_000, 9);
    share = Share.start(net.node(1), data, ShareOptions.defaults());
  }

  @AfterAll
  static void stop() {
    if (share != null) {
      share.close();
    }
    if (net != null) {
      net.close();
    }
  }

  private record Run(int code, String out, String err) {}

  private static Run run(String... args) throws Exception {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = mainCommandLine(new PrintWriter(out, true), new PrintWriter(err, true));
    for (String[] command : new String[][] {{"share", "io.dht.cli.ShareCommand"}, {"fetch", "io.dht.cli.FetchCommand"}}) {
      if (!cl.getSubcommands().containsKey(command[0])) {
        Constructor<?> c = Class.forName(command[1]).getDeclaredConstructor();
        c.setAccessible(true);
        cl.addSubcommand(command[0], c.newInstance());
        // Streams set before a subcommand is added do not reach it.
        cl.getSubcommands().get(command[0]).setOut(cl.getOut()).setErr(cl.getErr());
      }
    }
    int code = cl.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  /**
   * {@code Main.commandLine(...)}: the program's command line with its exception handlers. Found by name and filled
   * by parameter type (PrintWriters for out and err, an OutputStream for raw stdout), so that it keeps working while
   * Main evolves.
   */
  private static CommandLine mainCommandLine(PrintWriter out, PrintWriter err) throws Exception {
    for (Method m : Class.forName("io.dht.cli.Main").getDeclaredMethods()) {
      if (!m.getName().equals("commandLine") || m.getReturnType() != CommandLine.class) {
        continue;
      }
      Object[] args = new Object[m.getParameterCount()];
      int writers = 0;
      for (int i = 0; i < args.length; i++) {
        Class<?> type = m.getParameterTypes()[i];
        if (type == PrintWriter.class) {
          args[i] = writers++ == 0 ? out : err;
        } else if (type == OutputStream.class) {
          args[i] = new ByteArrayOutputStream();
        } else {
          throw new IllegalStateException("unexpected parameter " + type + " of " + m);
        }
      }
      m.setAccessible(true);
      return (CommandLine) m.invoke(null, args);
    }
    throw new IllegalStateException("io.dht.cli.Main has no commandLine(...) method");
  }

  private static void assertOneLineError(Run r) {
    assertThat(r.err().strip()).as("stderr").doesNotContain("\n").doesNotContain("Exception").doesNotContain("\tat ");
    assertThat(r.err()).startsWith("dht ");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "share /no/such/file/anywhere",
        "share",
        "share . --port 70000",
        "fetch",
        "fetch not-a-magnet",
        "fetch magnet:?xt=urn:btih:1234",
        "fetch " + HASH + " --timeout -1",
        "fetch " + HASH + " --bootstrap nonsense",
        "fetch " + HASH + " --port 99999"
      })
  void badArgumentsExitWith2AndOneLine(String line) throws Exception {
    Run r = run(line.split(" "));
    assertThat(r.code()).as(r.err()).isEqualTo(2);
    assertOneLineError(r);
  }

  @Test
  void fetchWithNowhereToLookFailsWith1() throws Exception {
    Run r = run("fetch", HASH, "--no-seed", "--bind", "127.0.0.193", "--out", dir.resolve("x").toString());
    assertThat(r.code()).isEqualTo(1);
    assertOneLineError(r);
    assertThat(r.err()).contains("nowhere to look for peers");
  }

  @Test
  void fetchOfAnUnknownInfoHashGivesUpAfterTheStallTimeout() throws Exception {
    Run r = run("fetch", HASH, "--no-seed", "--private", "--bind", "127.0.0.193", "--timeout", "2",
        "--bootstrap", net.node(0).localEndpoint().toString(), "--out", dir.resolve("y").toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("no progress for 2 s").doesNotContain("Exception");
  }

  @Test
  void fetchDownloadsThroughTheDhtShowsProgressAndPrintsThePath() throws Exception {
    Path out = dir.resolve("cli-out");
    ShareFixtures.awaitPeers(net.node(2), share.infoHash(), List.of(share.localEndpoint()),
        java.time.Duration.ofSeconds(20));
    Run r = run("fetch", share.magnet(), "--no-seed", "--private", "--bind", "127.0.0.195",
        "--bootstrap", net.node(0).localEndpoint().toString(), "--out", out.toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out().strip()).isEqualTo(out.resolve("cli.bin").toAbsolutePath().toString());
    assertThat(Files.mismatch(out.resolve("cli.bin"), data)).isEqualTo(-1);
    assertThat(r.err()).contains("100.0%").contains("600.0 kB / 600.0 kB").contains("pieces verified");
  }

  @Test
  void fetchUsesThePeerHintOfTheMagnetWithoutAnyBootstrap() throws Exception {
    Path out = dir.resolve("cli-hint");
    Endpoint at = share.localEndpoint();
    Run r = run("fetch", share.magnet(at).toString(), "--no-seed", "--bind", "127.0.0.194", "--out", out.toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(Files.mismatch(out.resolve("cli.bin"), data)).isEqualTo(-1);
  }
}
