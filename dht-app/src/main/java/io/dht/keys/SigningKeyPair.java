package io.dht.keys;

import io.dht.item.Ed25519;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.interfaces.EdECPrivateKey;
import java.security.interfaces.EdECPublicKey;
import java.security.spec.EdECPoint;
import java.security.spec.NamedParameterSpec;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * An Ed25519 key pair for signing BEP 44 mutable items: the 32-byte RFC 8032 seed (the secret) and the 32-byte
 * public key derived from it. Immutable and thread-safe; accessors return copies.
 *
 * <p>Key file format ({@link #save}, {@link #load}): UTF-8 text, at most 4 KiB; blank lines and lines starting with
 * {@code #} are ignored; the other lines are {@code <name> <value>}:
 *
 * <pre>
 * # dht signing key (Ed25519, BEP 44). Keep this file secret.
 * ed25519-seed 9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60
 * public d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a
 * </pre>
 *
 * {@code ed25519-seed} (64 hex digits) is required; {@code public} is optional and, when present, must be the key
 * derived from the seed (a check against a truncated or edited file). Files are created with permissions 600 where
 * the file system supports POSIX permissions. Nothing here ever prints or logs the seed, including {@link
 * #toString()} and every error message.
 */
public final class SigningKeyPair {
  /** The line name of the seed in a key file. */
  public static final String SEED_ENTRY = "ed25519-seed";
  /** The line name of the public key in a key file. */
  public static final String PUBLIC_ENTRY = "public";

  private static final int MAX_FILE_BYTES = 4096;
  private static final HexFormat HEX = HexFormat.of();
  private static final SecureRandom RANDOM = new SecureRandom();

  private final byte[] seed;
  private final byte[] publicKey;

  private SigningKeyPair(byte[] seed, byte[] publicKey) {
    this.seed = seed;
    this.publicKey = publicKey;
  }

  /** A new key pair from the JDK's Ed25519 generator and a {@link SecureRandom}. */
  public static SigningKeyPair generate() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("Ed25519");
      generator.initialize(NamedParameterSpec.ED25519, RANDOM);
      KeyPair pair = generator.generateKeyPair();
      byte[] seed =
          ((EdECPrivateKey) pair.getPrivate())
              .getBytes()
              .orElseThrow(() -> new IllegalStateException("the Ed25519 provider does not expose the seed"));
      return new SigningKeyPair(seed, encode(((EdECPublicKey) pair.getPublic()).getPoint()));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("Ed25519 key generation is not available: " + e.getMessage(), e);
    }
  }

  /**
   * The key pair of a 32-byte RFC 8032 seed (the "private key" of RFC 8032, not the 64-byte expanded secret some
   * libraries use). The public key is derived with the JDK's generator, fed the seed as its only random bytes.
   */
  public static SigningKeyPair fromSeed(byte[] seed) {
    if (seed == null || seed.length != Ed25519.SEED_BYTES) {
      throw new IllegalArgumentException(
          "an Ed25519 seed has 32 bytes, got " + (seed == null ? "none" : seed.length));
    }
    byte[] copy = seed.clone();
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("Ed25519");
      generator.initialize(NamedParameterSpec.ED25519, new FixedSeed(copy));
      KeyPair pair = generator.generateKeyPair();
      byte[] derivedSeed = ((EdECPrivateKey) pair.getPrivate()).getBytes().orElse(null);
      if (derivedSeed == null || !MessageDigest.isEqual(derivedSeed, copy)) {
        throw new IllegalStateException("the Ed25519 provider did not use the given seed");
      }
      return new SigningKeyPair(copy, encode(((EdECPublicKey) pair.getPublic()).getPoint()));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("Ed25519 is not available: " + e.getMessage(), e);
    }
  }

  /** The 32-byte seed (the secret). A copy; never print it. */
  public byte[] seed() {
    return seed.clone();
  }

  /** The 32-byte public key (RFC 8032 encoding, as BEP 44's {@code k}). A copy. */
  public byte[] publicKey() {
    return publicKey.clone();
  }

  /** The public key as 64 lowercase hex digits. */
  public String publicKeyHex() {
    return HEX.formatHex(publicKey);
  }

  /** Signs {@code message} (Ed25519, RFC 8032); 64 bytes. */
  public byte[] sign(byte[] message) {
    return Ed25519.sign(seed, message);
  }

  // ------------------------------------------------------------------ files

  /** Writes the key file; refuses to replace an existing file (see {@link #save(Path, boolean)}). */
  public void save(Path file) throws KeyFileException {
    save(file, false);
  }

  /**
   * Writes the key file with permissions 600 (where supported). With {@code overwrite} an existing file is replaced
   * atomically (temporary file, fsync, rename); without it an existing file is an error and nothing is written.
   */
  public void save(Path file, boolean overwrite) throws KeyFileException {
    byte[] text = format().getBytes(StandardCharsets.UTF_8);
    Path dir = file.toAbsolutePath().getParent();
    FileAttribute<?>[] ownerOnly = ownerOnly(dir);
    try {
      if (!overwrite) {
        writeNew(file, text, ownerOnly);
        return;
      }
      Path tmp = Files.createTempFile(dir, "." + file.getFileName() + "-", ".tmp", ownerOnly);
      try {
        writeAndForce(tmp, text, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
        try {
          Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
          Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
      } finally {
        Files.deleteIfExists(tmp);
      }
    } catch (FileAlreadyExistsException e) {
      throw new KeyFileException("key file " + file + " already exists; not overwriting it");
    } catch (IOException e) {
      throw new KeyFileException("cannot write key file " + file + ": " + describe(e), e);
    }
  }

  private static void writeNew(Path file, byte[] text, FileAttribute<?>[] attributes) throws IOException {
    Files.createFile(file, attributes); // atomic create-if-absent: never clobbers a key
    try {
      writeAndForce(file, text, StandardOpenOption.WRITE);
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(file); // a torn key file is worse than none
      throw e;
    }
  }

  private static void writeAndForce(Path file, byte[] text, StandardOpenOption... options) throws IOException {
    try (FileChannel ch = FileChannel.open(file, options)) {
      ByteBuffer buf = ByteBuffer.wrap(text);
      while (buf.hasRemaining()) {
        ch.write(buf);
      }
      ch.force(true);
    }
  }

  private static FileAttribute<?>[] ownerOnly(Path dir) {
    boolean posix =
        dir != null && dir.getFileSystem().supportedFileAttributeViews().contains("posix");
    return posix
        ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))}
        : new FileAttribute<?>[0];
  }

  /** The key file's text. */
  String format() {
    return "# dht signing key (Ed25519, BEP 44). Keep this file secret: the seed lets anyone update your items.\n"
        + SEED_ENTRY + " " + HEX.formatHex(seed) + "\n"
        + PUBLIC_ENTRY + " " + publicKeyHex() + "\n";
  }

  /**
   * Reads a key file written by {@link #save}.
   *
   * @throws KeyFileException with a one-line message ({@code cannot read key file k: no such file}, {@code k is not
   *     a key file: line 2: the seed must be 64 hex digits}) that never contains key material
   */
  public static SigningKeyPair load(Path file) throws KeyFileException {
    String text;
    try {
      if (Files.isDirectory(file)) {
        throw new KeyFileException("cannot read key file " + file + ": it is a directory");
      }
      long size = Files.size(file);
      if (size > MAX_FILE_BYTES) {
        throw new KeyFileException(file + " is not a key file: " + size + " bytes (a key file has about 200)");
      }
      byte[] bytes = Files.readAllBytes(file);
      text =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(bytes))
              .toString();
    } catch (CharacterCodingException e) {
      throw new KeyFileException(file + " is not a key file: not UTF-8 text");
    } catch (KeyFileException e) {
      throw e;
    } catch (IOException e) {
      throw new KeyFileException("cannot read key file " + file + ": " + describe(e), e);
    }
    return parse(text, file.toString());
  }

  /** Parses key-file text; {@code name} names the source in errors. */
  static SigningKeyPair parse(String text, String name) throws KeyFileException {
    byte[] seed = null;
    byte[] pub = null;
    List<String> lines = text.lines().toList();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String[] parts = line.split("\\s+");
      String entry = parts[0];
      String where = name + " is not a key file: line " + (i + 1) + ": ";
      if (!entry.equals(SEED_ENTRY) && !entry.equals(PUBLIC_ENTRY)) {
        String shown = entry.length() > 20 || !entry.matches("[A-Za-z0-9_.-]+") ? "(unreadable)" : "'" + entry + "'";
        throw new KeyFileException(
            where + "unknown entry " + shown + " (expected '" + SEED_ENTRY + " <64 hex>' and '" + PUBLIC_ENTRY
                + " <64 hex>')");
      }
      if (parts.length != 2) {
        throw new KeyFileException(where + "expected '" + entry + " <64 hex digits>'");
      }
      byte[] value = hex32(parts[1]);
      if (value == null) {
        String what = entry.equals(SEED_ENTRY) ? "the seed" : "the public key";
        throw new KeyFileException(where + what + " must be 64 hex digits");
      }
      if (entry.equals(SEED_ENTRY)) {
        if (seed != null) {
          throw new KeyFileException(where + "a second " + SEED_ENTRY);
        }
        seed = value;
      } else {
        if (pub != null) {
          throw new KeyFileException(where + "a second " + PUBLIC_ENTRY);
        }
        pub = value;
      }
    }
    if (seed == null) {
      throw new KeyFileException(name + " is not a key file: no '" + SEED_ENTRY + " <64 hex>' line");
    }
    SigningKeyPair key = fromSeed(seed);
    if (pub != null && !MessageDigest.isEqual(pub, key.publicKey)) {
      throw new KeyFileException(
          name + " is damaged: its public key " + HEX.formatHex(pub) + " does not belong to its seed (which gives "
              + key.publicKeyHex() + ")");
    }
    return key;
  }

  private static byte[] hex32(String s) {
    if (s.length() != 64) {
      return null;
    }
    try {
      return HEX.parseHex(s.toLowerCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static String describe(IOException e) {
    if (e instanceof NoSuchFileException) {
      return "no such file";
    }
    if (e instanceof AccessDeniedException) {
      return "permission denied";
    }
    if (e instanceof FileSystemException fse && fse.getReason() != null) {
      return fse.getReason();
    }
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }

  // ------------------------------------------------------------------ encoding

  /** RFC 8032 encoding of a point: y little-endian in 32 bytes, the top bit set when x is odd. */
  private static byte[] encode(EdECPoint point) {
    byte[] be = point.getY().toByteArray(); // big-endian, maybe with a leading 0
    byte[] le = new byte[32];
    for (int i = 0; i < be.length && i < 32; i++) {
      le[i] = be[be.length - 1 - i];
    }
    if (point.getY().compareTo(BigInteger.ONE.shiftLeft(255)) >= 0) {
      throw new IllegalStateException("Ed25519 point out of range");
    }
    if (point.isXOdd()) {
      le[31] |= (byte) 0x80;
    }
    return le;
  }

  /** A "random" source that yields exactly the seed, once: lets the JDK's generator derive a given key. */
  private static final class FixedSeed extends SecureRandom {
    private static final long serialVersionUID = 1L;
    private final transient byte[] seed;
    private transient boolean used;

    FixedSeed(byte[] seed) {
      this.seed = seed;
    }

    @Override
    public void nextBytes(byte[] bytes) {
      if (used || bytes.length != seed.length) {
        throw new IllegalStateException("the Ed25519 generator asked for unexpected random bytes");
      }
      used = true;
      System.arraycopy(seed, 0, bytes, 0, seed.length);
    }
  }

  /** Equal when the seeds are equal (compared in constant time). */
  @Override
  public boolean equals(Object o) {
    return o instanceof SigningKeyPair other && MessageDigest.isEqual(seed, other.seed);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(publicKey);
  }

  /** Names the public key only. */
  @Override
  public String toString() {
    return "SigningKeyPair(public " + publicKeyHex() + ")";
  }
}
