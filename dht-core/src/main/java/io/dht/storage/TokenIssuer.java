package io.dht.storage;

import io.dht.bencode.BString;
import io.dht.id.NodeId;
import java.net.InetAddress;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.random.RandomGenerator;

/**
 * Write tokens for announce_peer (and BEP 44 put): the first 8 bytes of SHA-1(secret, epoch, requester IP,
 * target). The epoch advances every {@code rotationNanos}, so the effective secret rotates on schedule without a
 * timer; a token is accepted during its own epoch and the next one, i.e. for one to two rotations (BEP 5: rotate
 * every 5 minutes, accept for up to 10). Binding the token to the IP and the target means a token obtained for one
 * info-hash cannot be spent on another.
 */
public final class TokenIssuer {
  /** Length of the tokens we issue. */
  public static final int LENGTH = 8;

  private final byte[] secret = new byte[16];
  private final long rotationNanos;
  private final MessageDigest sha1;

  public TokenIssuer(RandomGenerator random, long rotationNanos) {
    random.nextBytes(secret);
    this.rotationNanos = rotationNanos;
    try {
      this.sha1 = MessageDigest.getInstance("SHA-1");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK always provides SHA-1", e);
    }
  }

  /** The token for {@code requester} writing {@code target} now. */
  public BString issue(InetAddress requester, NodeId target, long now) {
    return BString.of(compute(requester, target, epoch(now)));
  }

  /** Whether {@code token} was issued to {@code requester} for {@code target} in this epoch or the previous one. */
  public boolean isValid(BString token, InetAddress requester, NodeId target, long now) {
    if (token.length() != LENGTH) {
      return false;
    }
    long epoch = epoch(now);
    return token.contentEquals(compute(requester, target, epoch))
        || token.contentEquals(compute(requester, target, epoch - 1));
  }

  private long epoch(long now) {
    return Math.floorDiv(now, rotationNanos);
  }

  private byte[] compute(InetAddress requester, NodeId target, long epoch) {
    sha1.reset();
    sha1.update(secret);
    for (int i = 7; i >= 0; i--) {
      sha1.update((byte) (epoch >>> (8 * i)));
    }
    sha1.update(requester.getAddress());
    sha1.update(target.toBytes());
    byte[] digest = sha1.digest();
    byte[] token = new byte[LENGTH];
    System.arraycopy(digest, 0, token, 0, LENGTH);
    return token;
  }
}
