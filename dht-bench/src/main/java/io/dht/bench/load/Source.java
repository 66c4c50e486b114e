package io.dht.bench.load;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.DatagramChannel;

/**
 * One source address of the load generator: a non-blocking UDP channel bound to its own 127.0.0.x and connected
 * to the target (so it reads and writes without socket-address objects), with its window of in-flight queries
 * and preallocated send/receive buffers. Owned by one worker thread.
 */
final class Source {
  final int index;
  final InetAddress address;
  final DatagramChannel channel;
  final ByteBuffer send = ByteBuffer.allocateDirect(2048).order(ByteOrder.BIG_ENDIAN);
  final ByteBuffer receive = ByteBuffer.allocateDirect(65_536);
  final ByteBuffer reply = ByteBuffer.allocateDirect(512);

  // The window: slot i holds one query in flight (or none while a send is pending a retry).
  final long[] sentAt;
  final int[] gen;
  final byte[] type;
  final short[] keyIndex;
  final boolean[] outstanding;

  // Write tokens from get_peers replies, by info-hash index (mix mode's announces use them).
  final byte[] tokens;
  final byte[] tokenLengths;
  int mixCursor;

  Source(int index, InetAddress address, InetSocketAddress target, int window, int infoHashes) throws IOException {
    this.index = index;
    this.address = address;
    this.sentAt = new long[window];
    this.gen = new int[window];
    this.type = new byte[window];
    this.keyIndex = new short[window];
    this.outstanding = new boolean[window];
    this.tokens = new byte[infoHashes * Wire.MAX_TOKEN];
    this.tokenLengths = new byte[infoHashes];
    DatagramChannel ch = DatagramChannel.open(java.net.StandardProtocolFamily.INET);
    try {
      ch.setOption(StandardSocketOptions.SO_RCVBUF, 4 << 20);
      ch.setOption(StandardSocketOptions.SO_SNDBUF, 4 << 20);
      ch.bind(new InetSocketAddress(address, 0));
      ch.connect(target);
      ch.configureBlocking(false);
    } catch (IOException e) {
      ch.close();
      throw new IOException("source " + address.getHostAddress() + ": " + e.getMessage(), e);
    }
    this.channel = ch;
  }

  int window() {
    return sentAt.length;
  }

  void close() {
    try {
      channel.close();
    } catch (IOException e) {
      // closing at the end of a run: nothing to do
    }
  }
}
