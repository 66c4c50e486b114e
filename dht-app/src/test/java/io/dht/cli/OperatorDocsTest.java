package io.dht.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.dht.http.ApiSwarm;
import io.dht.http.HttpApi;
import io.dht.http.Json;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The operator documentation stays true: {@code docs/operations.md} lists every setting of {@code dht node}, and the
 * README's HTTP API examples work as written (run with curl against a swarm's API, its address substituted).
 */
class OperatorDocsTest {
  private static final Path ROOT = Path.of(System.getProperty("user.dir")).toAbsolutePath().getParent();

  @Test
  void operationsDocListsEverySettingOfDhtNode() throws Exception {
    String doc = Files.readString(ROOT.resolve("docs/operations.md"));
    List<String> missing = new ArrayList<>();
    for (OptionSpec o : new CommandLine(new NodeCommand()).getCommandSpec().options()) {
      String name = o.longestName().replaceFirst("^--", "");
      if (o.usageHelp() || o.versionHelp() || name.equals("config")) {
        continue;
      }
      if (!doc.contains("| `" + name + "` |")) {
        missing.add(name);
      }
    }
    assertThat(missing).as("settings of 'dht node' missing from the table in docs/operations.md").isEmpty();
    assertThat(ROOT.resolve("packaging/dht.service")).exists();
    assertThat(ROOT.resolve("docs/dashboard.png")).exists();
  }

  @Test
  void readmeApiExamplesWorkAsWritten() throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/curl")) || "1".equals(System.getenv("DHT_REQUIRE_PEERS")),
        "curl is not installed");
    String readme = Files.readString(ROOT.resolve("README.md"));
    int at = readme.indexOf("## Operating a node");
    assertThat(at).as("README section 'Operating a node'").isPositive();
    String section = readme.substring(at, readme.indexOf("\n## ", at + 5));
    List<String> lines = section.lines().filter(l -> l.startsWith("curl ") || l.startsWith("./dht get ")).toList();
    assertThat(lines).hasSizeGreaterThanOrEqualTo(5);

    // 'dht swarm --dashboard' serves all nodes; node 0 must be at 127.0.0.2 for the peers example: a swarm of our
    // own on 127.0.3.x, so the example's "127.0.0.2:6881" is checked by the address pattern instead
    try (ApiSwarm swarm = ApiSwarm.start(8, 200);
        HttpApi api =
            HttpApi.builder(swarm.nodes).bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).start()) {
      String base = "http://127.0.0.1:" + api.address().getPort();
      for (String line : lines) {
        String command = line.replace("http://127.0.0.1:8080", base);
        if (command.startsWith("./dht ")) {
          String[] args = command.substring(6).replaceAll("\\s+#.*$", "").split("\\s+");
          StringWriter out = new StringWriter();
          StringWriter err = new StringWriter();
          int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
          assertThat(code).as("%s: %s", line, err).isZero();
          assertThat(out.toString()).isEqualTo("hello, HTTP");
          continue;
        }
        String answer = bash(command);
        if (command.contains("/metrics")) {
          assertThat(answer).contains("dht_routing_table_contacts{node=\"0\"}");
          continue;
        }
        Object json = Json.parse(answer);
        assertThat(answer).as(line).doesNotContain("\"error\"");
        if (command.contains("api/items/162f4b3c")) {
          assertThat(Json.write(json)).contains("\"value\":\"hello, HTTP\"");
        }
        if (command.contains("api/peers/")) {
          Matcher m = Pattern.compile("\"peers\":\\[\"127\\.0\\.3\\.200:6881\"\\]").matcher(answer);
          assertThat(m.find()).as("node 5 finds node 0: %s", answer).isTrue();
        }
      }
    }
  }

  private static String bash(String command) throws Exception {
    Path output = Files.createTempFile("readme-example", ".out");
    try {
      Process p = new ProcessBuilder("bash", "-c", command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
        fail("timed out: " + command);
      }
      assertThat(p.exitValue()).as("exit code of %s", command).isZero();
      return Files.readString(output, StandardCharsets.UTF_8);
    } finally {
      Files.deleteIfExists(output);
    }
  }
}
