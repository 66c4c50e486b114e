package io.dht.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.dht.id.NodeId;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node process killed with SIGKILL right after acknowledging writes has lost none of them: a child JVM puts
 * items and journals peers, printing {@code acked i} after each; we kill it mid-stream, reopen the database and
 * find every acknowledged item and peer.
 */
class KillNineTest {
  private static final NodeId SELF = NodeId.parseHex("0123456789abcdef0123456789abcdef01234567");

  @TempDir Path dir;

  @Test
  void everyAcknowledgedWriteSurvivesKillMinus9() throws Exception {
    Path dataDir = dir.resolve("data");
    int lastAck;
    try (ChildProcess child = ChildProcess.start(dir, "write", dataDir.toString(), SELF.toString(), "1000000")) {
      child.awaitOutput(lines -> acks(lines) >= 500, Duration.ofSeconds(60));
      child.kill();
      assertThat(child.process().exitValue()).isEqualTo(137); // 128 + SIGKILL: it was still writing
      lastAck = acks(child.lines()) - 1;
    }

    try (NodeDatabase db = NodeDatabase.open(dataDir, SELF)) {
      long now = System.nanoTime();
      List<Integer> missing = new ArrayList<>();
      for (int i = 0; i <= lastAck; i++) {
        if (!db.items().get(DatabaseChild.item(i).target(), now).equals(Optional.of(DatabaseChild.item(i)))) {
          missing.add(i);
        }
      }
      assertThat(missing).as("acknowledged items missing after kill -9 (of %d)", lastAck + 1).isEmpty();

      PeerStore peers = new PeerStore(Duration.ofMinutes(30).toNanos(), 500, 2_000_000);
      db.peers().restoreInto(peers, now);
      for (int i = 0; i <= lastAck; i++) {
        if (!peers.peers(DatabaseChild.infoHash(i), 10, false, now).contains(DatabaseChild.peer(i))) {
          missing.add(i);
        }
      }
      assertThat(missing).as("acknowledged peers missing after kill -9 (of %d)", lastAck + 1).isEmpty();
    }
  }

  private static int acks(List<String> lines) {
    int n = 0;
    for (String line : lines) {
      if (line.startsWith("acked ")) {
        n = Math.max(n, Integer.parseInt(line.substring(6)) + 1);
      }
    }
    return n;
  }
}
