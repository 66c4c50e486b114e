package io.dht.share;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.BitSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The bytes of a torrent on disk: maps (piece, offset) ranges onto the files, reads blocks, writes blocks and
 * verifies pieces against their SHA-1. For a single-file torrent the content path is the file; for several files
 * it is the folder holding them. At most {@link #MAX_OPEN_FILES} files are open at once (least recently used closed
 * first). Not thread-safe: owned by one swarm thread.
 */
final class Storage implements AutoCloseable {
  static final int MAX_OPEN_FILES = 64;

  private final Torrent torrent;
  private Path root; // changes once, when a finished download is renamed
  private final boolean writable;
  private final long[] starts; // offset of each file in the torrent
  private final Map<Integer, FileChannel> open =
      new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Integer, FileChannel> eldest) {
          if (size() > MAX_OPEN_FILES) {
            closeQuietly(eldest.getValue());
            return true;
          }
          return false;
        }
      };
  private final MessageDigest sha1 = InfoBuilder.sha1();
  private byte[] pieceBuffer; // allocated on first verify

  private Storage(Torrent torrent, Path root, boolean writable) {
    this.torrent = torrent;
    this.root = root;
    this.writable = writable;
    List<TorrentFile> files = torrent.files();
    this.starts = new long[files.size()];
    for (int i = 0; i < files.size(); i++) {
      starts[i] = files.get(i).offset();
    }
  }

  /**
   * Opens existing content read-only, after checking that every file exists with the length the metadata gives.
   *
   * @throws IOException naming the first file that is missing or has another length
   */
  static Storage openForReading(Torrent torrent, Path content) throws IOException {
    Storage s = new Storage(torrent, content, false);
    for (TorrentFile f : torrent.files()) {
      Path p = s.pathOf(f);
      if (!Files.isRegularFile(p)) {
        throw new IOException("missing file " + p);
      }
      long size = Files.size(p);
      if (size != f.length()) {
        throw new IOException(p + " has " + size + " bytes, the torrent says " + f.length());
      }
    }
    return s;
  }

  /** Opens content for writing: creates the folders and the empty files; keeps whatever data is already there. */
  static Storage openForWriting(Torrent torrent, Path content) throws IOException {
    Storage s = new Storage(torrent, content, true);
    for (TorrentFile f : torrent.files()) {
      Path p = s.pathOf(f);
      Path parent = p.getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      if (f.length() == 0 && !Files.exists(p)) {
        Files.createFile(p);
      }
    }
    return s;
  }

  /** Where the content lives (the file, or the folder of a multi-file torrent). */
  Path root() {
    return root;
  }

  /**
   * Follows a rename of the content (the open files stay valid on POSIX systems; files opened later use the new
   * path).
   */
  void moved(Path newRoot) {
    this.root = newRoot;
  }

  Path pathOf(TorrentFile f) {
    if (!torrent.isMultiFile()) {
      return root;
    }
    Path p = root;
    for (String part : f.path()) {
      p = p.resolve(part);
    }
    return p;
  }

  /**
   * Reads {@code length} bytes at {@code begin} of {@code piece} into {@code dst}; false when the files end
   * first (data not on disk yet).
   */
  boolean read(int piece, int begin, byte[] dst, int dstOffset, int length) throws IOException {
    long at = (long) piece * torrent.pieceLength() + begin;
    int done = 0;
    while (done < length) {
      int fi = fileAt(at + done);
      TorrentFile f = torrent.files().get(fi);
      long inFile = at + done - f.offset();
      int n = (int) Math.min(length - done, f.length() - inFile);
      ByteBuffer buf = ByteBuffer.wrap(dst, dstOffset + done, n);
      FileChannel ch = channel(fi);
      long pos = inFile;
      while (buf.hasRemaining()) {
        int r = ch.read(buf, pos);
        if (r < 0) {
          return false;
        }
        pos += r;
      }
      done += n;
    }
    return true;
  }

  /** Writes {@code length} bytes at {@code begin} of {@code piece}. */
  void write(int piece, int begin, byte[] src, int srcOffset, int length) throws IOException {
    if (!writable) {
      throw new IllegalStateException("storage is read-only");
    }
    long at = (long) piece * torrent.pieceLength() + begin;
    int done = 0;
    while (done < length) {
      int fi = fileAt(at + done);
      TorrentFile f = torrent.files().get(fi);
      long inFile = at + done - f.offset();
      int n = (int) Math.min(length - done, f.length() - inFile);
      ByteBuffer buf = ByteBuffer.wrap(src, srcOffset + done, n);
      FileChannel ch = channel(fi);
      long pos = inFile;
      while (buf.hasRemaining()) {
        pos += ch.write(buf, pos);
      }
      done += n;
    }
  }

  /** Reads piece {@code index} and compares its SHA-1 with the metadata; false when it differs or is missing. */
  boolean verify(int index) throws IOException {
    int size = torrent.pieceSize(index);
    if (pieceBuffer == null) {
      pieceBuffer = new byte[torrent.pieceLength()];
    }
    if (!read(index, 0, pieceBuffer, 0, size)) {
      return false;
    }
    sha1.reset();
    sha1.update(pieceBuffer, 0, size);
    return torrent.pieceHashMatches(index, sha1.digest());
  }

  /**
   * Hashes every piece whose bytes are all on disk (files long enough) and returns the ones that match: what a
   * resumed download already has.
   */
  BitSet verifyAll() throws IOException {
    long[] sizes = new long[torrent.files().size()];
    for (int i = 0; i < sizes.length; i++) {
      Path p = pathOf(torrent.files().get(i));
      sizes[i] = Files.isRegularFile(p) ? Files.size(p) : 0;
    }
    BitSet good = new BitSet(torrent.pieceCount());
    for (int piece = 0; piece < torrent.pieceCount(); piece++) {
      if (onDisk(piece, sizes) && verify(piece)) {
        good.set(piece);
      }
    }
    return good;
  }

  /** Whether every file overlapping {@code piece} is at least as long as the part the piece needs. */
  private boolean onDisk(int piece, long[] sizes) {
    long start = (long) piece * torrent.pieceLength();
    long end = start + torrent.pieceSize(piece);
    for (int fi = fileAt(start); fi < sizes.length; fi++) {
      TorrentFile f = torrent.files().get(fi);
      if (f.offset() >= end) {
        break;
      }
      long need = Math.min(end, f.offset() + f.length()) - f.offset();
      if (sizes[fi] < need) {
        return false;
      }
    }
    return true;
  }

  /** Index of the file holding torrent byte {@code at} (skipping empty files). */
  private int fileAt(long at) {
    int lo = 0;
    int hi = starts.length - 1;
    while (lo < hi) {
      int mid = (lo + hi + 1) >>> 1;
      if (starts[mid] <= at) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    // Several files may start at 'at' when some are empty: the last of them holds the byte.
    while (lo < starts.length - 1 && torrent.files().get(lo).length() == 0) {
      lo++;
    }
    return lo;
  }

  private FileChannel channel(int fileIndex) throws IOException {
    FileChannel ch = open.get(fileIndex);
    if (ch == null) {
      Set<OpenOption> options =
          writable
              ? Set.of(StandardOpenOption.READ, StandardOpenOption.WRITE, StandardOpenOption.CREATE)
              : Set.of(StandardOpenOption.READ);
      ch = FileChannel.open(pathOf(torrent.files().get(fileIndex)), options);
      open.put(fileIndex, ch);
    }
    return ch;
  }

  /** Flushes written data to the device. */
  void force() throws IOException {
    for (FileChannel ch : open.values()) {
      ch.force(false);
    }
  }

  @Override
  public void close() {
    for (Iterator<FileChannel> it = open.values().iterator(); it.hasNext(); ) {
      closeQuietly(it.next());
      it.remove();
    }
  }

  private static void closeQuietly(FileChannel ch) {
    try {
      ch.close();
    } catch (IOException e) {
      // nothing left to do with it
    }
  }
}
