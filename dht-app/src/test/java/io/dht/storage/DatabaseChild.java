package io.dht.storage;

import io.dht.id.Endpoint;
import io.dht.id.NodeId;
import io.dht.item.Sha1;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * The child JVM of {@link KillNineTest} and {@link NodeDatabaseTest}:
 *
 * <ul>
 *   <li>{@code write DATA_DIR SELF_HEX COUNT}: opens the database and, for i = 0, 1, ..., puts item i and journals
 *       peer i, then prints {@code acked i}; never closes the database.
 *   <li>{@code hold DATA_DIR SELF_HEX}: opens the database, prints {@code open} and waits to be killed (60 s at
 *       most).
 * </ul>
 */
public final class DatabaseChild {
  private DatabaseChild() {}

  public static void main(String[] args) throws Exception {
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    Path dataDir = Paths.get(args[1]);
    NodeId self = NodeId.parseHex(args[2]);
    NodeDatabase db = NodeDatabase.open(dataDir, self);
    if (args[0].equals("hold")) {
      out.println("open");
      Thread.sleep(60_000);
      return;
    }
    int count = Integer.parseInt(args[3]);
    for (int i = 0; i < count; i++) {
      if (!db.items().put(item(i), System.nanoTime())) {
        throw new IllegalStateException("put " + i + " refused");
      }
      db.peers().announced(infoHash(i), peer(i), i % 2 == 0);
      out.println("acked " + i);
    }
    Thread.sleep(60_000); // wait to be killed; never close
  }

  static io.dht.item.ImmutableItem item(int i) {
    return TestItems.immutable("acknowledged item " + i);
  }

  static NodeId infoHash(int i) {
    return Sha1.of(("torrent " + i).getBytes(StandardCharsets.UTF_8));
  }

  static Endpoint peer(int i) {
    return Endpoint.of(new byte[] {10, 0, (byte) (i >> 8), (byte) i}, 1024 + (i % 60000));
  }
}
