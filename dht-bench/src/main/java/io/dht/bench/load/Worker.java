package io.dht.bench.load;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;

/**
 * One load-generator thread: owns some {@link Source}s, keeps each one's window full, matches replies to their
 * slot by transaction id, resends on timeout, and counts. The send/receive path touches only preallocated
 * buffers and arrays. When a full pass over its channels reads nothing it blocks in {@code select} (so an idle
 * generator does not steal the target's CPU); the run ends at a fixed deadline.
 */
final class Worker implements Runnable {
  private static final int MAX_READS_PER_PASS = 256;
  private static final long SCAN_PERIOD_NANOS = 5_000_000;

  private final Source[] sources;
  private final LoadGen.Options opt;
  private final byte[][] ids;
  private final byte[][] keys;
  private final byte[] mix;
  private final Wire.Scan scan = new Wire.Scan();
  private final long startNanos;
  private final long measureStart;
  private final long measureEnd;
  private long rng;
  private Selector selector;

  // Results, counted only for events inside [measureStart, measureEnd).
  final long[] answers = new long[Wire.TYPES];
  final long[] errors = new long[Wire.TYPES];
  final long[] timeouts = new long[Wire.TYPES];
  final long[] replyBytes = new long[Wire.TYPES];
  final long[] nodesSum = new long[Wire.TYPES];
  final long[] nodesReplies = new long[Wire.TYPES];
  final Histogram[] latency = new Histogram[Wire.TYPES];
  long sent;
  long sendFailures;
  long ioErrors;
  long queriesAnswered;
  long unmatched;
  long cpuNanos = -1;
  long lastAnswerAt;
  Throwable failure;

  Worker(Source[] sources, LoadGen.Options opt, byte[][] ids, byte[][] keys, byte[] mix, long seed, long startNanos) {
    this.sources = sources;
    this.opt = opt;
    this.ids = ids;
    this.keys = keys;
    this.mix = mix;
    this.rng = seed | 1;
    this.startNanos = startNanos;
    this.measureStart = startNanos + (long) (opt.warmupSeconds * 1e9);
    this.measureEnd = measureStart + (long) (opt.seconds * 1e9);
    for (int i = 0; i < Wire.TYPES; i++) {
      latency[i] = new Histogram();
    }
  }

  @Override
  public void run() {
    try {
      selector = Selector.open();
      for (Source s : sources) {
        s.channel.register(selector, SelectionKey.OP_READ, s);
      }
      loop();
    } catch (IOException | RuntimeException e) {
      failure = e;
    } finally {
      try {
        if (selector != null) {
          selector.close();
        }
      } catch (IOException e) {
        // end of run
      }
    }
  }

  private void loop() throws IOException {
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    long now = System.nanoTime();
    for (Source s : sources) {
      for (int slot = 0; slot < s.window(); slot++) {
        sendNext(s, slot, now);
      }
    }
    long lastScan = now;
    long cpuAtStart = -1;
    long iterations = 0;
    while (iterations++ < Long.MAX_VALUE) {
      now = System.nanoTime();
      if (now - measureEnd >= 0) {
        break;
      }
      if (cpuAtStart < 0 && now - measureStart >= 0) {
        cpuAtStart = mx.getCurrentThreadCpuTime();
      }
      int got = 0;
      for (Source s : sources) {
        got += drain(s);
      }
      if (now - lastScan >= SCAN_PERIOD_NANOS) {
        lastScan = now;
        for (Source s : sources) {
          scanTimeouts(s, now);
        }
      }
      if (got == 0) {
        selector.select(1);
        selector.selectedKeys().clear();
      }
    }
    if (cpuAtStart >= 0) {
      cpuNanos = mx.getCurrentThreadCpuTime() - cpuAtStart;
    }
  }

  private boolean measuring(long t) {
    return t - measureStart >= 0 && t - measureEnd < 0;
  }

  private int drain(Source s) {
    ByteBuffer b = s.receive;
    int n = 0;
    while (n < MAX_READS_PER_PASS) {
      b.clear();
      int len;
      try {
        len = s.channel.read(b);
      } catch (IOException e) {
        ioErrors++; // e.g. ICMP port unreachable while the target is not (yet) listening
        return n;
      }
      if (len <= 0) {
        return n;
      }
      n++;
      onDatagram(s, b, len);
    }
    return n;
  }

  private void onDatagram(Source s, ByteBuffer b, int len) {
    long now = System.nanoTime();
    if (!Wire.scan(b, len, scan) || scan.tidPos < 0) {
      unmatched++;
      return;
    }
    if (scan.y == 'q' && !opt.echo) {
      if (opt.answerQueries) {
        Wire.reply(s.reply, ids[s.index % ids.length], b, scan.tidPos, scan.tidLength);
        write(s, s.reply);
        queriesAnswered++;
      }
      return;
    }
    if (scan.tidLength != Wire.TID_LENGTH) {
      unmatched++;
      return;
    }
    int slot = (b.get(scan.tidPos) & 0xff) << 8 | (b.get(scan.tidPos + 1) & 0xff);
    int gen = (b.get(scan.tidPos + 2) & 0xff) << 8 | (b.get(scan.tidPos + 3) & 0xff);
    if (slot >= s.window() || !s.outstanding[slot] || s.gen[slot] != gen) {
      unmatched++; // late reply to a query already timed out, or foreign
      return;
    }
    int type = s.type[slot];
    s.outstanding[slot] = false;
    boolean counted = measuring(now);
    if (scan.y == 'r' || (opt.echo && scan.y == 'q')) {
      if (type == Wire.GET_PEERS || type == Wire.FIND_NODE) {
        Wire.scanR(b, len, scan);
        if (type == Wire.GET_PEERS && scan.tokenPos >= 0 && s.keyIndex[slot] < s.tokenLengths.length) {
          int ih = s.keyIndex[slot];
          for (int i = 0; i < scan.tokenLength; i++) {
            s.tokens[ih * Wire.MAX_TOKEN + i] = b.get(scan.tokenPos + i);
          }
          s.tokenLengths[ih] = (byte) scan.tokenLength;
        }
      }
      if (counted) {
        answers[type]++;
        replyBytes[type] += len;
        latency[type].record(now - s.sentAt[slot]);
        if (scan.nodesLength >= 0) {
          nodesSum[type] += scan.nodesLength / 26;
          nodesReplies[type]++;
        }
        lastAnswerAt = now;
      }
    } else if (counted) {
      errors[type]++;
    }
    sendNext(s, slot, now);
  }

  private void scanTimeouts(Source s, long now) {
    long timeout = opt.timeoutMillis * 1_000_000L;
    for (int slot = 0; slot < s.window(); slot++) {
      if (s.outstanding[slot]) {
        if (now - s.sentAt[slot] > timeout) {
          s.outstanding[slot] = false;
          if (measuring(now)) {
            timeouts[s.type[slot]]++;
          }
          sendNext(s, slot, now);
        }
      } else if (now - measureEnd < 0) {
        sendNext(s, slot, now); // a send that failed earlier
      }
    }
  }

  private void sendNext(Source s, int slot, long now) {
    if (now - measureEnd >= 0) {
      return;
    }
    int type = opt.query >= 0 ? opt.query : mix[s.mixCursor++ % mix.length];
    int keyIdx = 0;
    byte[] key = null;
    byte[] id = ids[(int) (nextRandom() >>> 33) % ids.length];
    if (type == Wire.FIND_NODE) {
      keyIdx = (int) ((nextRandom() >>> 33) % keys.length);
      key = keys[keyIdx];
    } else if (type == Wire.GET_PEERS || type == Wire.ANNOUNCE) {
      keyIdx = (int) ((nextRandom() >>> 33) % opt.infoHashes);
      key = keys[keyIdx];
      if (type == Wire.ANNOUNCE && s.tokenLengths[keyIdx] == 0) {
        type = Wire.GET_PEERS; // no token for it yet: fetch one first
      }
    }
    int g = (s.gen[slot] + 1) & 0xffff;
    s.gen[slot] = g;
    s.type[slot] = (byte) type;
    s.keyIndex[slot] = (short) keyIdx;
    if (type == Wire.ANNOUNCE) {
      Wire.query(s.send, type, id, key, slot, g, s.tokens, keyIdx * Wire.MAX_TOKEN, s.tokenLengths[keyIdx]);
    } else {
      Wire.query(s.send, type, id, key, slot, g, null, 0, 0);
    }
    s.sentAt[slot] = now;
    if (write(s, s.send)) {
      s.outstanding[slot] = true;
      sent++;
    }
  }

  private boolean write(Source s, ByteBuffer b) {
    try {
      if (s.channel.write(b) > 0) {
        return true;
      }
      sendFailures++;
    } catch (IOException e) {
      ioErrors++;
    }
    return false;
  }

  private long nextRandom() {
    long x = rng;
    x ^= x << 13;
    x ^= x >>> 7;
    x ^= x << 17;
    rng = x;
    return x;
  }
}
