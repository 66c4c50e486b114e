package io.dht.storage;

import io.dht.bencode.BString;
import io.dht.id.NodeId;
import java.net.InetAddress;
import java.util.random.RandomGenerator;

/**
 * Write tokens for announce_peer (and BEP 44 put): the 8 bytes of SipHash-2-4 under a random 128-bit secret key of
 * the message {@code epoch ‖ requester IP ‖ target} (see {@link SipHash#token} for its exact bytes: the epoch as 8
 * bytes big-endian, the 4 or 16 address bytes, the 20 target bytes), written out little-endian as in the SipHash
 * paper. The epoch advances every {@code rotationNanos}, so the effective secret rotates on schedule without a
 * timer; a token is accepted during its own epoch and the next one, i.e. for one to two rotations (BEP 5: rotate
 * every 5 minutes, accept for up to 10). Binding the token to the IP and the target means a token obtained for one
 * info-hash cannot be spent on another.
 *
 * <p>Why SipHash: BEP 5 asks only that a token be unforgeable and tied to the requester's IP (its example is a SHA-1
 * of the IP and a secret that changes every 5 minutes); nothing but this node ever checks it. That is what a keyed
 * pseudorandom function gives, and SipHash-2-4 is one designed for short inputs like these 32 or 44 bytes: a 64-bit
 * MAC under a 128-bit key, so a forger must guess 64 bits (the key is claimed no easier to find than by exhaustive
 * search), and because the epoch is part of the message every 5 minutes brings fresh, unrelated tokens, each
 * accepted for at most 10. A truncated SHA-1 of secret and message (what this class did before; libtorrent's own
 * tokens are 4 bytes of SHA-1) is no stronger for this use and took several times as long on every get_peers
 * reply (docs/benchmarks.md, "Write tokens: SipHash-2-4 instead of SHA-1"). Once the JIT has inlined
 * {@link SipHash#token} and {@link InetAddress#getAddress}, checking a token allocates nothing (the address copy is
 * scalar-replaced) and issuing one allocates only the returned {@link BString}.
 *
 * <p>Safe to share between threads: the key is fixed at construction and the computation keeps no state.
 */
public final class TokenIssuer {
  /** Length of the tokens we issue. */
  public static final int LENGTH = 8;

  private final long k0;
  private final long k1;
  private final long rotationNanos;

  public TokenIssuer(RandomGenerator random, long rotationNanos) {
    byte[] secret = new byte[16];
    random.nextBytes(secret);
    this.k0 = SipHash.keyWord(secret, 0);
    this.k1 = SipHash.keyWord(secret, 8);
    this.rotationNanos = rotationNanos;
  }

  /** The token for {@code requester} writing {@code target} now. */
  public BString issue(InetAddress requester, NodeId target, long now) {
    long mac = SipHash.token(k0, k1, epoch(now), requester.getAddress(), target);
    byte[] token = {
      (byte) mac,
      (byte) (mac >>> 8),
      (byte) (mac >>> 16),
      (byte) (mac >>> 24),
      (byte) (mac >>> 32),
      (byte) (mac >>> 40),
      (byte) (mac >>> 48),
      (byte) (mac >>> 56)
    };
    return BString.of(token);
  }

  /** Whether {@code token} was issued to {@code requester} for {@code target} in this epoch or the previous one. */
  public boolean isValid(BString token, InetAddress requester, NodeId target, long now) {
    if (token.length() != LENGTH) {
      return false;
    }
    long presented = 0;
    for (int i = LENGTH - 1; i >= 0; i--) {
      presented = (presented << 8) | (token.byteAt(i) & 0xffL);
    }
    byte[] ip = requester.getAddress();
    long epoch = epoch(now);
    return presented == SipHash.token(k0, k1, epoch, ip, target)
        || presented == SipHash.token(k0, k1, epoch - 1, ip, target);
  }

  private long epoch(long now) {
    return Math.floorDiv(now, rotationNanos);
  }
}
