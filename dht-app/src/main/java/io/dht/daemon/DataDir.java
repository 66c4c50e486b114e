package io.dht.daemon;

import io.dht.id.Contact;
import io.dht.id.Endpoint;
import io.dht.id.NodeId;
import io.dht.node.DhtException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A node's data directory: its identity and its routing table, kept so a restart rejoins the network at once.
 *
 * <ul>
 *   <li>{@code node-id}: the node id as 40 lowercase hex digits and a newline.
 *   <li>{@code routing-table}: UTF-8 text, one contact per line as {@code <40 hex node id> <ip:port>} (IPv6 as
 *       {@code [addr]:port}); blank lines and lines starting with {@code #} are ignored. A line that does not
 *       parse is skipped with one warning for the file.
 * </ul>
 *
 * <p>Every write is atomic: a temporary file in the same directory is written, forced to disk, then renamed over
 * the old file, so a crash leaves either the old or the new file, never a torn one. Blocking file I/O: callers on
 * the event loop accept a few milliseconds every few minutes.
 */
public final class DataDir {
  public static final String NODE_ID_FILE = "node-id";
  public static final String ROUTING_TABLE_FILE = "routing-table";
  /** Bound on the contacts read back, whatever the file holds. */
  public static final int MAX_CONTACTS = 10_000;

  private static final System.Logger LOG = System.getLogger(DataDir.class.getName());
  private static final long MAX_FILE_BYTES = 4L << 20;

  private final Path dir;

  private DataDir(Path dir) {
    this.dir = dir;
  }

  /** Opens {@code dir}, creating it (and its parents) if missing. */
  public static DataDir open(Path dir) {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new DhtException("cannot create data directory " + dir + ": " + describe(e), e);
    }
    if (!Files.isDirectory(dir)) {
      throw new DhtException("data directory " + dir + " is not a directory");
    }
    return new DataDir(dir);
  }

  public Path path() {
    return dir;
  }

  /**
   * The saved node id, if any.
   *
   * @throws DhtException when the file exists but does not hold an id (we refuse to silently change identity)
   */
  public Optional<NodeId> loadNodeId() {
    Path file = dir.resolve(NODE_ID_FILE);
    Optional<String> text = read(file);
    if (text.isEmpty()) {
      return Optional.empty();
    }
    String hex = text.get().strip();
    try {
      return Optional.of(NodeId.parseHex(hex));
    } catch (IllegalArgumentException e) {
      throw new DhtException(
          "corrupt node id file " + file + " (expected 40 hex digits); fix or delete it to get a new id");
    }
  }

  /** Saves the node id atomically. */
  public void saveNodeId(NodeId id) throws IOException {
    writeAtomically(dir.resolve(NODE_ID_FILE), id + "\n");
  }

  /** The saved contacts, without duplicates and at most {@link #MAX_CONTACTS}; empty when there is no file. */
  public List<Contact> loadRoutingTable() {
    Path file = dir.resolve(ROUTING_TABLE_FILE);
    Optional<String> text;
    try {
      text = read(file);
    } catch (DhtException e) {
      LOG.log(System.Logger.Level.WARNING, e.getMessage() + "; starting with an empty routing table");
      return List.of();
    }
    if (text.isEmpty()) {
      return List.of();
    }
    List<Contact> contacts = new ArrayList<>();
    Set<NodeId> seen = new HashSet<>();
    int bad = 0;
    int firstBadLine = 0;
    String[] lines = text.get().split("\n", -1);
    for (int i = 0; i < lines.length && contacts.size() < MAX_CONTACTS; i++) {
      String line = lines[i].strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      Optional<Contact> contact = parseContact(line);
      if (contact.isEmpty()) {
        if (bad++ == 0) {
          firstBadLine = i + 1;
        }
      } else if (seen.add(contact.get().id())) {
        contacts.add(contact.get());
      }
    }
    if (bad > 0) {
      LOG.log(
          System.Logger.Level.WARNING,
          "ignored " + bad + " malformed line(s) in " + file + " (first at line " + firstBadLine + ")");
    }
    return List.copyOf(contacts);
  }

  /** Parses {@code <40 hex id> <ip:port>}. */
  static Optional<Contact> parseContact(String line) {
    String[] parts = line.split("\\s+");
    if (parts.length != 2) {
      return Optional.empty();
    }
    try {
      return Optional.of(new Contact(NodeId.parseHex(parts[0]), Endpoint.parse(parts[1])));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /** Saves the contacts atomically in the documented text format. */
  public void saveRoutingTable(List<Contact> contacts) throws IOException {
    StringBuilder out = new StringBuilder(64 + contacts.size() * 64);
    out.append("# dht routing table: <40 hex node id> <ip:port>, one contact per line\n");
    for (Contact c : contacts) {
      out.append(c.id()).append(' ').append(c.endpoint()).append('\n');
    }
    writeAtomically(dir.resolve(ROUTING_TABLE_FILE), out.toString());
  }

  private static Optional<String> read(Path file) {
    try {
      if (Files.size(file) > MAX_FILE_BYTES) {
        throw new DhtException(file + " is larger than " + MAX_FILE_BYTES + " bytes");
      }
      return Optional.of(Files.readString(file, StandardCharsets.UTF_8));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (CharacterCodingException e) {
      throw new DhtException("cannot read " + file + ": not UTF-8 text", e);
    } catch (IOException e) {
      throw new DhtException("cannot read " + file + ": " + describe(e), e);
    }
  }

  /** Writes {@code text} to a temporary file beside {@code target}, forces it to disk, renames it over target. */
  static void writeAtomically(Path target, String text) throws IOException {
    Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    try (FileChannel ch =
        FileChannel.open(
            tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
      ByteBuffer buf = ByteBuffer.wrap(bytes);
      while (buf.hasRemaining()) {
        ch.write(buf);
      }
      ch.force(true);
    }
    try {
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
    }
    forceDirectory(target.toAbsolutePath().getParent());
  }

  /** Makes the rename durable where the platform allows opening a directory (Linux); elsewhere a no-op. */
  private static void forceDirectory(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      // Not supported on this platform: the rename is still atomic, only its durability is weaker.
    }
  }

  /** A one-line reason: the message, prefixed by the exception name when the message is only a path. */
  static String describe(IOException e) {
    String m = e.getMessage();
    if (m == null || (e instanceof FileSystemException fse && fse.getReason() == null)) {
      return e.getClass().getSimpleName() + (m == null ? "" : " " + m);
    }
    return m;
  }

  @Override
  public String toString() {
    return dir.toString();
  }
}
