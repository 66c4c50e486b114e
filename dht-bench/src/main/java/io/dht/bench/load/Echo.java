package io.dht.bench.load;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;

/**
 * A minimal Java NIO UDP echo: one thread, one non-blocking channel, one direct buffer; reads every queued
 * datagram and sends it straight back. The best a single-threaded JDK 17 NIO server can do per datagram (one
 * {@code receive} and one {@code send} syscall each, no batching), i.e. the ceiling for our node's event loop.
 *
 * <pre>java -cp dht-bench/target/benchmarks.jar io.dht.bench.load.Echo --bind 127.0.0.41 --port 6881 [--ttl 600]</pre>
 *
 * Stops after {@code --ttl} seconds or when the process is signalled.
 */
public final class Echo {
  private Echo() {}

  public static void main(String[] args) throws IOException {
    String bind = "127.0.0.41";
    int port = 6881;
    double ttl = 600;
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--bind": bind = args[i + 1]; break;
        case "--port": port = Integer.parseInt(args[i + 1]); break;
        case "--ttl": ttl = Math.min(3600, Double.parseDouble(args[i + 1])); break;
        default: throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    InetAddress addr = InetAddress.getByName(bind);
    if (!addr.isLoopbackAddress()) {
      throw new IllegalArgumentException("loopback only, got " + bind);
    }
    try (DatagramChannel ch = DatagramChannel.open(java.net.StandardProtocolFamily.INET);
        Selector selector = Selector.open()) {
      ch.setOption(StandardSocketOptions.SO_RCVBUF, 4 << 20);
      ch.bind(new InetSocketAddress(addr, port));
      ch.configureBlocking(false);
      ch.register(selector, SelectionKey.OP_READ);
      System.out.println("java echo on " + bind + ":" + port);
      System.out.flush();
      ByteBuffer buf = ByteBuffer.allocateDirect(65_536);
      long end = System.nanoTime() + (long) (ttl * 1e9);
      long echoed = 0;
      while (System.nanoTime() - end < 0) {
        selector.select(200);
        selector.selectedKeys().clear();
        for (int n = 0; n < 1024; n++) {
          buf.clear();
          SocketAddress from = ch.receive(buf);
          if (from == null) {
            break;
          }
          buf.flip();
          ch.send(buf, from);
          echoed++;
        }
      }
      System.out.println("java echo stopped: " + echoed + " datagrams echoed");
    }
  }
}
