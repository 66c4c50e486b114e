package io.dht.bench.hot;

import io.dht.bencode.BValue;
import io.dht.bencode.Bencode;
import io.dht.bencode.DecodeException;
import io.dht.bencode.DecodeLimits;
import io.dht.krpc.KrpcCodec;
import io.dht.krpc.MalformedMessageException;
import io.dht.krpc.Message;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Bencode and KRPC codec on typical datagrams: BEP 5's example queries and ping reply, a find_node reply with 8
 * nodes and a get_peers reply with 50 values. {@code decodeBencode} builds the value tree, {@code decodeKrpc}
 * goes on to the typed {@link Message} (what the node does per datagram), {@code encodeBencode} writes a tree
 * back to bytes.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class BencodeBench {
  @Param({"ping_q", "find_node_q", "get_peers_q", "announce_q", "ping_r", "find_node_r8", "get_peers_r50"})
  public String message;

  private byte[] bytes;
  private BValue tree;
  private final DecodeLimits limits = DecodeLimits.krpc();

  @Setup
  public void setup() {
    bytes = Fixtures.message(message);
    tree = Fixtures.decode(bytes);
  }

  @Benchmark
  public BValue decodeBencode() throws DecodeException {
    return Bencode.decode(bytes, 0, bytes.length, limits);
  }

  @Benchmark
  public Message decodeKrpc() throws DecodeException, MalformedMessageException {
    return KrpcCodec.decode(bytes, 0, bytes.length);
  }

  @Benchmark
  public byte[] encodeBencode() {
    return Bencode.encode(tree);
  }
}
