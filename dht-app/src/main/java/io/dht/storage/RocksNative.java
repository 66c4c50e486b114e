package io.dht.storage;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.JarURLConnection;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import java.util.zip.CRC32;
import org.rocksdb.RocksDB;
import org.rocksdb.util.Environment;

/**
 * Loads RocksDB's native library from a per-user cache instead of a fresh temporary file per JVM.
 *
 * <p>Why: {@code RocksDB.loadLibrary()} copies the 16 MB library to a new file in {@code java.io.tmpdir} on every
 * start and deletes it only on a normal JVM exit, so each {@code kill -9} or crash of a node leaves 16 MB behind.
 * Here the library is copied once to {@code <java.io.tmpdir>/dht-rocksdbjni-<user>/<crc>/}, a directory only
 * this user may write (checked), verified against the CRC-32 the jar records for it, and loaded from there. Any
 * problem (not a jar, not POSIX, foreign owner, unexpected layout) falls back to RocksDB's own loader.
 */
final class RocksNative {
  private static final System.Logger LOG = System.getLogger(RocksNative.class.getName());
  private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");
  private static boolean loaded;

  private RocksNative() {}

  static synchronized void load() {
    if (loaded) {
      return;
    }
    try {
      loadCached();
    } catch (IOException | RuntimeException | UnsatisfiedLinkError e) {
      LOG.log(
          System.Logger.Level.DEBUG, "RocksDB library cache not used (" + NodeDatabase.oneLine(e) + ")");
      RocksDB.loadLibrary();
    }
    loaded = true;
  }

  private static void loadCached() throws IOException {
    if (!FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
      throw new IOException("no POSIX permissions to protect a cached library");
    }
    String resource = Environment.getJniLibraryFileName("rocksdb");
    URL url = RocksDB.class.getClassLoader().getResource(resource);
    if (url == null) {
      throw new IOException(resource + " is not on the class path");
    }
    URLConnection connection = url.openConnection();
    if (!(connection instanceof JarURLConnection jar) || jar.getJarEntry().getCrc() < 0) {
      throw new IOException(resource + " is not in a jar");
    }
    long crc = jar.getJarEntry().getCrc();
    Path base = Path.of(System.getProperty("java.io.tmpdir"), "dht-rocksdbjni-" + System.getProperty("user.name"));
    Path dir = base.resolve(Long.toHexString(crc));
    ownerOnlyDirectory(base);
    ownerOnlyDirectory(dir);
    // RocksDB.loadLibrary(paths) looks for this name in each path (it differs from the resource's name).
    Path lib = dir.resolve(Environment.getJniLibraryFileName("rocksdbjni"));
    if (!Files.isRegularFile(lib, LinkOption.NOFOLLOW_LINKS) || crcOf(lib) != crc) {
      Path part = Files.createTempFile(dir, "lib", ".part");
      try (InputStream in = connection.getInputStream()) {
        Files.copy(in, part, StandardCopyOption.REPLACE_EXISTING);
        if (crcOf(part) != crc) {
          throw new IOException("copy of " + resource + " does not match its CRC");
        }
        Files.move(part, lib, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } finally {
        Files.deleteIfExists(part);
      }
    }
    RocksDB.loadLibrary(List.of(dir.toString()));
  }

  /** Creates {@code dir} for this user only, or checks that an existing one is ours and closed to others. */
  private static void ownerOnlyDirectory(Path dir) throws IOException {
    if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
      try {
        Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
      } catch (java.nio.file.FileAlreadyExistsException raced) {
        // another process made it: checked below
      }
    }
    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)
        || !Files.getOwner(dir, LinkOption.NOFOLLOW_LINKS).getName().equals(System.getProperty("user.name"))
        || !Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS).equals(OWNER_ONLY)) {
      throw new IOException(dir + " is not a directory owned by this user and closed to others");
    }
  }

  private static long crcOf(Path file) {
    CRC32 crc = new CRC32();
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buf = new byte[1 << 16];
      for (int n; (n = in.read(buf)) > 0; ) {
        crc.update(buf, 0, n);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return crc.getValue();
  }
}
