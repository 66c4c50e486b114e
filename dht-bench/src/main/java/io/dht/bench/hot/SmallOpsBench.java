package io.dht.bench.hot;

import io.dht.bencode.BString;
import io.dht.id.NodeId;
import io.dht.item.Ed25519;
import io.dht.item.MutableItem;
import io.dht.keys.SigningKeyPair;
import io.dht.storage.TokenIssuer;
import java.net.InetAddress;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The small per-query operations: XOR distance comparison ({@link NodeId#compareDistance}), write-token issue and
 * check ({@link TokenIssuer}, SipHash-2-4 based), and Ed25519 signature verification of a BEP 44 mutable item
 * ({@link Ed25519#verify}, the JDK provider).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class SmallOpsBench {
  private NodeId[] ids;
  private NodeId target;
  private int next;
  private TokenIssuer tokens;
  private InetAddress requester;
  private BString token;
  private NodeId infoHash;
  private byte[] publicKey;
  private byte[] signed;
  private byte[] signature;
  private static final long NOW = 5_000_000_000L;

  @Setup
  public void setup() throws Exception {
    SplittableRandom r = new SplittableRandom(5);
    ids = new NodeId[1024];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = Fixtures.randomId(r);
    }
    target = Fixtures.randomId(r);
    tokens = new TokenIssuer(new java.util.Random(1), 300_000_000_000L);
    requester = InetAddress.getByName("127.0.0.9");
    infoHash = Fixtures.randomId(r);
    token = tokens.issue(requester, infoHash, NOW);
    byte[] seed = new byte[32];
    r.nextBytes(seed);
    SigningKeyPair key = SigningKeyPair.fromSeed(seed);
    MutableItem item = MutableItem.sign(seed, key.publicKey(), new byte[0], 1, "Hello World!".getBytes());
    publicKey = key.publicKey();
    signed = MutableItem.signedBuffer(item.salt(), item.seq(), item.value());
    signature = item.signature().toByteArray();
    if (!Ed25519.verify(publicKey, signed, signature)) {
      throw new IllegalStateException("signature does not verify");
    }
  }

  @Benchmark
  public int compareDistance() {
    int i = next++;
    return target.compareDistance(ids[i & 1023], ids[(i + 1) & 1023]);
  }

  @Benchmark
  public BString tokenIssue() {
    return tokens.issue(requester, infoHash, NOW);
  }

  @Benchmark
  public boolean tokenCheck() {
    return tokens.isValid(token, requester, infoHash, NOW);
  }

  @Benchmark
  public boolean ed25519Verify() {
    return Ed25519.verify(publicKey, signed, signature);
  }
}
