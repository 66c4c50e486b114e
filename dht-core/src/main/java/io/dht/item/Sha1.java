package io.dht.item;

import io.dht.id.NodeId;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** SHA-1 into a {@link NodeId}: the protocol's hash for immutable targets, mutable targets and info-hashes. */
public final class Sha1 {
  private Sha1() {}

  /** SHA-1 of the concatenation of {@code parts}. */
  public static NodeId of(byte[]... parts) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-1");
      for (byte[] p : parts) {
        md.update(p);
      }
      return NodeId.of(md.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK always provides SHA-1", e);
    }
  }
}
