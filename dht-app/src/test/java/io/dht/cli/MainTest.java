package io.dht.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.dht.Dht;
import io.dht.TestSwarm;
import io.dht.id.Endpoint;
import io.dht.id.NodeId;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The CLI in-process: exit codes, one-line errors on stderr, no stack traces. */
class MainTest {
  private static final String HASH = "0123456789abcdef0123456789abcdef01234567";

  private record Run(int code, String out, String err) {}

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
    return new Run(code, out.toString(), err.toString());
  }

  private static void assertOneLineError(Run r) {
    assertThat(r.err()).as("stderr").endsWith("\n");
    assertThat(r.err().strip()).as("stderr").doesNotContain("\n").doesNotContain("Exception").doesNotContain("\tat ");
    assertThat(r.err()).startsWith("dht");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "bogus",
        "--frobnicate",
        "ping",
        "ping --frobnicate 127.0.0.1:6881",
        "ping 127.0.0.1",
        "ping 127.0.0.1:http",
        "ping 127.0.0.1:99999",
        "ping 1.2.3.4.5:6881",
        "ping [::1:6881",
        "ping 127.0.0.1:6881 --timeout soon",
        "peers " + HASH,
        "peers 1234 --bootstrap 127.0.0.1:6881",
        "peers " + HASH + " --bootstrap nonsense",
        "announce " + HASH + " --bootstrap 127.0.0.1:6881",
        "announce " + HASH + " --port 70000 --bootstrap 127.0.0.1:6881",
        "announce xyz --port 1 --bootstrap 127.0.0.1:6881",
        "node --port -1",
        "node --bootstrap 127.0.0.1",
        "swarm --nodes 1",
        "swarm --nodes 10 --lookups 0",
        "swarm --nodes 100000 --lookups 1",
        "swarm --bind-base ::1 --lookups 1",
        "sim --dead 1.5",
        "sim --nodes many",
      })
  void badArgumentsExitWithTwoAndOneLineOnStderr(String line) {
    Run r = run(line.isEmpty() ? new String[0] : line.split(" "));

    assertThat(r.code()).as("exit code of '%s' (stderr %s)", line, r.err()).isEqualTo(2);
    assertOneLineError(r);
  }

  @Test
  void badInfoHashIsNamedInTheError() {
    Run r = run("peers", "not-a-hash", "--bootstrap", "127.0.0.1:6881");

    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("'not-a-hash'").contains("info-hash");
  }

  @Test
  void badHostPortIsNamedInTheError() {
    Run r = run("ping", "127.0.0.1:notaport");

    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("'127.0.0.1:notaport'");
  }

  @Test
  void helpAndVersionExitZero() {
    assertThat(run("--help").code()).isZero();
    assertThat(run("--version").out()).startsWith("dht ");
    assertThat(run("swarm", "--help").out()).contains("--lookups");
  }

  @Test
  void noReplyIsAnOperationalFailure() throws Exception {
    try (DatagramSocket silent = new DatagramSocket(new InetSocketAddress(TestSwarm.host(1), 0))) {
      Run r = run("ping", "127.0.0.1:" + silent.getLocalPort(), "--bind", "127.0.0.1", "--timeout", "10");

      assertThat(r.code()).isEqualTo(1);
      assertOneLineError(r);
      assertThat(r.err()).contains("no reply from 127.0.0.1:" + silent.getLocalPort());
    }
  }

  @Test
  void bootstrapWithNobodyAnsweringIsAnOperationalFailure() throws Exception {
    try (DatagramSocket silent = new DatagramSocket(new InetSocketAddress(TestSwarm.host(1), 0))) {
      Run r = run("peers", HASH, "--bootstrap", "127.0.0.1:" + silent.getLocalPort(), "--bind", "127.0.0.1");

      assertThat(r.code()).isEqualTo(1);
      assertOneLineError(r);
      assertThat(r.err()).contains("bootstrap");
    }
  }

  @Test
  void pingAnnounceAndPeersAgainstALiveSwarm() throws Exception {
    try (TestSwarm swarm = TestSwarm.start(6, 70)) {
      swarm.bootstrapAll();
      Dht seed = swarm.node(0);
      String infoHash = NodeId.random(new SplittableRandom(11)).toString();

      Run ping = run("ping", seed.localEndpoint().toString(), "--bind", "127.0.0.1");
      assertThat(ping.code()).as(ping.err()).isZero();
      assertThat(ping.out()).startsWith("pong from " + seed.localEndpoint() + ": id " + seed.id());

      Run announce =
          run("announce", infoHash, "--port", "4242", "--bootstrap", seed.localEndpoint().toString(), "--private",
              "--bind", "127.0.0.1");
      assertThat(announce.code()).as(announce.err()).isZero();
      assertThat(announce.out()).startsWith("announced " + infoHash + " port 4242 on ");

      Run peers =
          run("peers", infoHash, "--bootstrap", seed.localEndpoint().toString(), "--private", "--bind", "127.0.0.1");
      assertThat(peers.code()).as(peers.err()).isZero();
      assertThat(peers.out().lines()).contains(new Endpoint(TestSwarm.host(1), 4242).toString());
      assertThat(peers.out().lines()).allMatch(l -> l.matches("[0-9.]+:\\d+"));
      assertThat(peers.out().lines()).as("printed as found, once each").doesNotHaveDuplicates();
    }
  }

  @Test
  void swarmOfTenWithFiveLookupsSucceeds() {
    Run r = run("swarm", "--nodes", "10", "--lookups", "5", "--bind-base", "127.0.0.80", "--seed", "1");

    assertThat(r.code()).as(r.out() + r.err()).isZero();
    assertThat(r.out()).contains("found       5/5 (100.0%)");
    assertThat(r.err()).isEmpty();
  }

  @Test
  void simRunsTheDeterministicExperiment() {
    Run r = run("sim", "--nodes", "50", "--lookups", "10", "--seed", "1");

    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("nodes 50, lookups 10, seed 1");
  }

  @Test
  void simRestartsTheCrashedNodesWhenAsked() {
    Run r = run("sim", "--nodes", "50", "--lookups", "10", "--seed", "1", "--dead", "0.2", "--restart");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("restarted           10 crashed nodes");

    Run refused = run("sim", "--nodes", "50", "--restart");
    assertThat(refused.code()).isEqualTo(2);
    assertThat(refused.err()).contains("--restart needs --dead").doesNotContain("Exception");
  }

  @Test
  void swarmNodeAddressesWrapIntoTheNextBlock() {
    assertThat(SwarmCommand.address(TestSwarm.host(2), 0)).isEqualTo(TestSwarm.host(2));
    assertThat(SwarmCommand.address(TestSwarm.host(2), 249)).isEqualTo(TestSwarm.host(251));
    assertThat(SwarmCommand.address(TestSwarm.host(2), 250)).isEqualTo(Endpoint.parseAddress("127.0.1.2"));
  }
}
