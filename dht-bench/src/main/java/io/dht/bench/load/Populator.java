package io.dht.bench.load;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Fills the target's routing table before a run, so that find_node and get_peers replies carry real node lists
 * (an empty table would make them unrealistically small, and differently so for each implementation). Opens
 * {@code count} channels on distinct /24s of loopback ({@code 127.1.X.1}), each with its own random node id,
 * pings the target from each a few times, and answers every query the target sends them (its verification pings
 * and lookups) for as long as the run lasts, on one background thread that sleeps in {@code select}.
 */
final class Populator implements AutoCloseable {
  private final List<DatagramChannel> channels = new ArrayList<>();
  private final List<byte[]> ids = new ArrayList<>();
  private final Selector selector;
  private final Thread thread;
  private final long endNanos;
  private volatile boolean stop;
  long answered;
  long pings;

  Populator(InetSocketAddress target, int count, long runNanos, SplittableRandom random) throws IOException {
    selector = Selector.open();
    for (int i = 0; i < count; i++) {
      InetAddress a = InetAddress.getByAddress(new byte[] {127, 1, (byte) (1 + i), 1});
      DatagramChannel ch = DatagramChannel.open(java.net.StandardProtocolFamily.INET);
      ch.bind(new InetSocketAddress(a, 0));
      ch.connect(target);
      ch.configureBlocking(false);
      byte[] id = new byte[20];
      random.nextBytes(id);
      ch.register(selector, SelectionKey.OP_READ, i);
      channels.add(ch);
      ids.add(id);
    }
    endNanos = System.nanoTime() + runNanos;
    thread = new Thread(this::serve, "loadgen-populator");
    thread.setDaemon(true);
  }

  /** Pings from every channel {@code rounds} times, {@code gapMillis} apart, while serving; then keeps serving. */
  void populate(int rounds, long gapMillis) throws InterruptedException {
    thread.start();
    ByteBuffer out = ByteBuffer.allocateDirect(256);
    for (int r = 0; r < rounds && !stop; r++) {
      for (int i = 0; i < channels.size(); i++) {
        Wire.query(out, Wire.PING, ids.get(i), null, 0xffff, r, null, 0, 0);
        try {
          channels.get(i).write(out);
          pings++;
        } catch (IOException e) {
          // target not answering (yet): the next round tries again
        }
      }
      Thread.sleep(gapMillis);
    }
  }

  private void serve() {
    ByteBuffer in = ByteBuffer.allocateDirect(65_536);
    ByteBuffer out = ByteBuffer.allocateDirect(512);
    Wire.Scan scan = new Wire.Scan();
    try {
      while (!stop && System.nanoTime() - endNanos < 0) {
        selector.select(100);
        for (SelectionKey key : selector.selectedKeys()) {
          int i = (Integer) key.attachment();
          DatagramChannel ch = channels.get(i);
          for (int n = 0; n < 64; n++) {
            in.clear();
            int len;
            try {
              len = ch.read(in);
            } catch (IOException e) {
              break;
            }
            if (len <= 0) {
              break;
            }
            if (Wire.scan(in, len, scan) && scan.y == 'q' && scan.tidPos >= 0) {
              Wire.reply(out, ids.get(i), in, scan.tidPos, scan.tidLength);
              try {
                ch.write(out);
                answered++;
              } catch (IOException e) {
                // dropped, as UDP may
              }
            }
          }
        }
        selector.selectedKeys().clear();
      }
    } catch (IOException | RuntimeException e) {
      System.err.println("populator: " + e);
    }
  }

  /** Waits until the serving thread ends (its deadline); bounded by that deadline plus a second. */
  void awaitEnd() throws InterruptedException {
    long left = (endNanos - System.nanoTime()) / 1_000_000 + 1000;
    thread.join(Math.max(1, left));
  }

  @Override
  public void close() {
    stop = true;
    try {
      thread.join(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (DatagramChannel ch : channels) {
      try {
        ch.close();
      } catch (IOException e) {
        // end of run
      }
    }
    try {
      selector.close();
    } catch (IOException e) {
      // end of run
    }
  }
}
