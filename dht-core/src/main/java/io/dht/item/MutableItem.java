package io.dht.item;

import io.dht.bencode.BString;
import io.dht.bencode.Bencode;
import io.dht.id.NodeId;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * A mutable BEP 44 item, signed by an Ed25519 key: its target is SHA-1(public key ‖ salt) and the signature covers
 * {@code [4:salt<len>:<salt>]3:seqi<seq>e1:v<bencoded v>} exactly.
 */
public record MutableItem(BString publicKey, BString salt, long seq, BString value, BString signature)
    implements Item {
  /** BEP 44's limit on the salt. */
  public static final int MAX_SALT_BYTES = 64;

  public MutableItem {
    if (publicKey.length() != Ed25519.PUBLIC_KEY_BYTES) {
      throw new IllegalArgumentException("public key must be 32 bytes, got " + publicKey.length());
    }
    if (signature.length() != Ed25519.SIGNATURE_BYTES) {
      throw new IllegalArgumentException("signature must be 64 bytes, got " + signature.length());
    }
    if (salt.length() > MAX_SALT_BYTES) {
      throw new IllegalArgumentException("salt is at most 64 bytes, got " + salt.length());
    }
    if (value.length() > MAX_VALUE_BYTES) {
      throw new IllegalArgumentException(
          "a BEP 44 value is at most 1000 bytes bencoded, got " + value.length());
    }
    if (seq < 0) {
      throw new IllegalArgumentException("seq must not be negative, got " + seq);
    }
  }

  /** Signs {@code data} (stored as a bencoded byte string) with a key given as its seed and public key. */
  public static MutableItem sign(byte[] seed, byte[] publicKey, byte[] salt, long seq, byte[] data) {
    BString v = BString.of(Bencode.encode(BString.of(data)));
    byte[] sig = Ed25519.sign(seed, signedBuffer(BString.of(salt), seq, v));
    return new MutableItem(BString.of(publicKey), BString.of(salt), seq, v, BString.of(sig));
  }

  /** The target of a mutable item: SHA-1(public key ‖ salt). */
  public static NodeId target(byte[] publicKey, byte[] salt) {
    return Sha1.of(publicKey, salt);
  }

  @Override
  public NodeId target() {
    return target(publicKey.toByteArray(), salt.toByteArray());
  }

  /** Whether the signature is valid for the public key. */
  public boolean verify() {
    return Ed25519.verify(
        publicKey.toByteArray(), signedBuffer(salt, seq, value), signature.toByteArray());
  }

  /** The value as user data: the contents when {@code v} is a byte string, else the bencoding itself. */
  public byte[] data() {
    return ImmutableItem.contents(value);
  }

  /** BEP 44's signed buffer. */
  public static byte[] signedBuffer(BString salt, long seq, BString value) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(value.length() + 96);
    if (salt.length() > 0) {
      out.writeBytes(("4:salt" + salt.length() + ":").getBytes(StandardCharsets.US_ASCII));
      out.writeBytes(salt.toByteArray());
    }
    out.writeBytes(("3:seqi" + seq + "e1:v").getBytes(StandardCharsets.US_ASCII));
    out.writeBytes(value.toByteArray());
    return out.toByteArray();
  }
}
