package io.dht.share;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/** Builds a {@link Torrent} for a file or folder: lists the files, picks the piece length, hashes the pieces. */
final class InfoBuilder {
  private static final int READ_BUFFER = 1 << 20;

  private InfoBuilder() {}

  static Torrent build(Path path) throws IOException {
    Path abs = path.toAbsolutePath().normalize();
    if (!Files.exists(abs, LinkOption.NOFOLLOW_LINKS) && !Files.exists(abs)) {
      throw new NoSuchFileException(path.toString());
    }
    Path fileName = abs.getFileName();
    if (fileName == null) {
      throw new IllegalArgumentException("cannot share the file system root");
    }
    String name = fileName.toString();
    List<Path> paths = new ArrayList<>();
    List<TorrentFile> files = new ArrayList<>();
    boolean multi;
    if (Files.isRegularFile(abs)) {
      multi = false;
      long size = Files.size(abs);
      if (size == 0) {
        throw new IllegalArgumentException(path + " is empty: nothing to share");
      }
      paths.add(abs);
      files.add(new TorrentFile(List.of(name), size, 0));
    } else if (Files.isDirectory(abs)) {
      multi = true;
      List<Path> found;
      try (Stream<Path> walk = Files.walk(abs)) {
        found =
            walk.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS))
                .sorted(Comparator.comparing(p -> abs.relativize(p).toString().replace('\\', '/')))
                .toList();
      }
      if (found.size() > Torrent.MAX_FILES) {
        throw new IllegalArgumentException(path + " holds more than " + Torrent.MAX_FILES + " files");
      }
      long offset = 0;
      for (Path p : found) {
        List<String> parts = new ArrayList<>();
        abs.relativize(p).forEach(c -> parts.add(c.toString()));
        long size = Files.size(p);
        paths.add(p);
        files.add(new TorrentFile(parts, size, offset));
        offset += size;
      }
      if (offset == 0) {
        throw new IllegalArgumentException(path + " holds no data: nothing to share");
      }
    } else {
      throw new IllegalArgumentException(path + " is neither a regular file nor a folder");
    }
    long total = files.get(files.size() - 1).offset() + files.get(files.size() - 1).length();
    int pieceLength = Torrent.choosePieceLength(total);
    byte[] hashes = hash(paths, files, total, pieceLength);
    return Torrent.of(name, pieceLength, hashes, files, multi);
  }

  /** SHA-1 of every piece of the concatenated files. */
  private static byte[] hash(List<Path> paths, List<TorrentFile> files, long total, int pieceLength)
      throws IOException {
    int count = (int) ((total + pieceLength - 1) / pieceLength);
    byte[] hashes = new byte[count * 20];
    MessageDigest sha1 = sha1();
    ByteBuffer buffer = ByteBuffer.allocate(READ_BUFFER);
    int piece = 0;
    long inPiece = 0; // bytes of the current piece hashed so far
    for (int i = 0; i < paths.size(); i++) {
      long remaining = files.get(i).length();
      try (FileChannel ch = FileChannel.open(paths.get(i), StandardOpenOption.READ)) {
        while (remaining > 0) {
          buffer.clear();
          int want = (int) Math.min(buffer.capacity(), Math.min(remaining, pieceLength - inPiece));
          buffer.limit(want);
          int n = ch.read(buffer);
          if (n < 0) {
            throw new IOException(paths.get(i) + " shrank while it was being hashed");
          }
          sha1.update(buffer.array(), 0, n);
          remaining -= n;
          inPiece += n;
          if (inPiece == pieceLength) {
            finish(sha1, hashes, piece++);
            inPiece = 0;
          }
        }
      }
    }
    if (inPiece > 0) {
      finish(sha1, hashes, piece++);
    }
    if (piece != count) {
      throw new IllegalStateException("hashed " + piece + " pieces, expected " + count);
    }
    return hashes;
  }

  private static void finish(MessageDigest sha1, byte[] hashes, int piece) {
    System.arraycopy(sha1.digest(), 0, hashes, piece * 20, 20);
  }

  static MessageDigest sha1() {
    try {
      return MessageDigest.getInstance("SHA-1");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK always provides SHA-1", e);
    }
  }
}
