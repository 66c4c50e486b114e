package io.dht.share;

import io.dht.bencode.BDictionary;
import io.dht.bencode.BInteger;
import io.dht.bencode.BList;
import io.dht.bencode.BString;
import io.dht.bencode.BValue;
import io.dht.bencode.Bencode;
import io.dht.bencode.DecodeException;
import io.dht.bencode.DecodeLimits;
import io.dht.id.Endpoint;
import io.dht.id.NodeId;
import io.dht.item.Sha1;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The metadata of a BitTorrent v1 torrent: the bencoded info dictionary exactly as hashed, and what it says (name,
 * piece length, SHA-1 piece hashes, one file or a list of files). The info-hash is the SHA-1 of the bencoded info
 * dictionary. Immutable.
 *
 * <p>{@link #parseInfo} validates untrusted metadata: file names must be single safe path components (no {@code
 * ..}, no separators, valid UTF-8), so that writing the files can never leave the output directory.
 */
public final class Torrent {
  /** Bytes per request: the block size every client uses (BEP 3 "16 kiB"). */
  public static final int BLOCK_SIZE = 16 * 1024;
  /** Smallest piece length {@link #create} picks. */
  public static final int MIN_PIECE_LENGTH = 16 * 1024;
  /** Largest piece length {@link #create} picks. */
  public static final int MAX_PIECE_LENGTH = 4 * 1024 * 1024;
  /** Largest piece length {@link #parseInfo} accepts (a piece is hashed in one buffer). */
  public static final int MAX_ACCEPTED_PIECE_LENGTH = 32 * 1024 * 1024;
  /** {@link #create} doubles the piece length from 16 KiB until there are at most this many pieces. */
  public static final int TARGET_PIECES = 2000;
  /** Most files accepted in one torrent. */
  public static final int MAX_FILES = 100_000;
  /** Longest file name component accepted, in UTF-8 bytes (leaves room for ".part" within Linux's 255). */
  public static final int MAX_NAME_BYTES = 250;

  private final NodeId infoHash;
  private final byte[] info;
  private final String name;
  private final int pieceLength;
  private final byte[] pieceHashes;
  private final long totalLength;
  private final List<TorrentFile> files;
  private final boolean multiFile;

  private Torrent(
      byte[] info, String name, int pieceLength, byte[] pieceHashes, List<TorrentFile> files, boolean multiFile) {
    this.info = info;
    this.infoHash = Sha1.of(info);
    this.name = name;
    this.pieceLength = pieceLength;
    this.pieceHashes = pieceHashes;
    this.files = List.copyOf(files);
    this.multiFile = multiFile;
    long total = 0;
    for (TorrentFile f : files) {
      total += f.length();
    }
    this.totalLength = total;
  }

  /**
   * Builds the metadata of a file or a folder (every regular file under it, in path order; symbolic links are not
   * followed), hashing its content.
   *
   * @throws IOException when the path cannot be read, or {@link IllegalArgumentException} when there is nothing
   *     to share (an empty file or a folder without data)
   */
  public static Torrent create(Path path) throws IOException {
    return InfoBuilder.build(path);
  }

  /** The piece length {@link #create} uses for {@code totalLength} bytes: a power of two, 16 KiB..4 MiB. */
  public static int choosePieceLength(long totalLength) {
    int length = MIN_PIECE_LENGTH;
    while (length < MAX_PIECE_LENGTH && (totalLength + length - 1) / length > TARGET_PIECES) {
      length *= 2;
    }
    return length;
  }

  /** Assembles a torrent from its parts (used by {@link InfoBuilder}); encodes the info dictionary. */
  static Torrent of(String name, int pieceLength, byte[] pieceHashes, List<TorrentFile> files, boolean multiFile) {
    BDictionary.Builder b = BDictionary.builder();
    if (multiFile) {
      List<BValue> list = new ArrayList<>();
      for (TorrentFile f : files) {
        List<BValue> parts = new ArrayList<>();
        f.path().forEach(p -> parts.add(BString.utf8(p)));
        list.add(BDictionary.builder().put("length", f.length()).put("path", new BList(parts)).build());
      }
      b.put("files", new BList(list));
    } else {
      b.put("length", files.get(0).length());
    }
    b.putUtf8("name", name).put("piece length", pieceLength).put("pieces", pieceHashes);
    byte[] info = Bencode.encode(b.build());
    try {
      return parseInfo(info);
    } catch (DecodeException e) {
      throw new IllegalArgumentException("cannot describe this content as a torrent: " + e.getMessage(), e);
    }
  }

  /**
   * Parses and validates a bencoded info dictionary (as received with BEP 9, already checked against the
   * info-hash by the caller).
   *
   * @throws DecodeException when it is not canonical bencode, lacks a field, or names an unsafe path
   */
  public static Torrent parseInfo(byte[] info) throws DecodeException {
    Objects.requireNonNull(info, "info");
    if (info.length == 0) {
      throw new DecodeException(0, "empty info dictionary");
    }
    DecodeLimits limits = new DecodeLimits(info.length, 16, info.length, 4 * MAX_FILES + 1_000);
    if (!(Bencode.decode(info, 0, info.length, limits) instanceof BDictionary dict)) {
      throw new DecodeException(0, "info is not a dictionary");
    }
    String name = component(dict.getString("name"), "name");
    BInteger pl = dict.getInteger("piece length");
    if (pl == null || pl.value() <= 0 || pl.value() > MAX_ACCEPTED_PIECE_LENGTH) {
      throw new DecodeException(0, "missing or bad 'piece length' (1.." + MAX_ACCEPTED_PIECE_LENGTH + ")");
    }
    int pieceLength = (int) pl.value();
    BString pieces = dict.getString("pieces");
    if (pieces == null || pieces.length() % 20 != 0) {
      throw new DecodeException(0, "missing 'pieces' or its length is not a multiple of 20");
    }
    List<TorrentFile> files = new ArrayList<>();
    boolean multi;
    BInteger length = dict.getInteger("length");
    BList list = dict.getList("files");
    if (length != null && list == null) {
      multi = false;
      if (length.value() < 0) {
        throw new DecodeException(0, "negative 'length'");
      }
      files.add(new TorrentFile(List.of(name), length.value(), 0));
    } else if (list != null && length == null) {
      multi = true;
      parseFiles(list, files);
    } else {
      throw new DecodeException(0, "info needs exactly one of 'length' and 'files'");
    }
    long total = files.isEmpty() ? 0 : files.get(files.size() - 1).offset() + files.get(files.size() - 1).length();
    if (total <= 0) {
      throw new DecodeException(0, "the torrent holds no data");
    }
    long count = (total + pieceLength - 1) / pieceLength;
    if (count != pieces.length() / 20) {
      throw new DecodeException(
          0, "'pieces' holds " + pieces.length() / 20 + " hashes but the data needs " + count + " pieces");
    }
    return new Torrent(info.clone(), name, pieceLength, pieces.toByteArray(), files, multi);
  }

  private static void parseFiles(BList list, List<TorrentFile> files) throws DecodeException {
    if (list.values().isEmpty() || list.values().size() > MAX_FILES) {
      throw new DecodeException(0, "'files' must hold 1.." + MAX_FILES + " entries");
    }
    Set<String> seen = new HashSet<>();
    Set<String> dirs = new HashSet<>();
    long offset = 0;
    for (BValue v : list.values()) {
      if (!(v instanceof BDictionary f)) {
        throw new DecodeException(0, "a 'files' entry is not a dictionary");
      }
      BInteger len = f.getInteger("length");
      BList path = f.getList("path");
      if (len == null || len.value() < 0 || path == null || path.values().isEmpty()) {
        throw new DecodeException(0, "a 'files' entry lacks 'length' or 'path'");
      }
      List<String> parts = new ArrayList<>();
      for (BValue p : path.values()) {
        parts.add(component(p instanceof BString s ? s : null, "path"));
      }
      String joined = String.join("/", parts);
      if (!seen.add(joined) || dirs.contains(joined)) {
        throw new DecodeException(0, "duplicate or conflicting path '" + joined + "'");
      }
      for (int i = 1; i < parts.size(); i++) {
        String dir = String.join("/", parts.subList(0, i));
        if (seen.contains(dir)) {
          throw new DecodeException(0, "path '" + joined + "' runs through file '" + dir + "'");
        }
        dirs.add(dir);
      }
      if (offset > Long.MAX_VALUE / 2 - len.value()) {
        throw new DecodeException(0, "total length overflows");
      }
      files.add(new TorrentFile(parts, len.value(), offset));
      offset += len.value();
    }
  }

  /** A file name component: valid UTF-8, not empty, not "." or "..", no separators or NUL, not too long. */
  private static String component(BString s, String field) throws DecodeException {
    if (s == null || s.length() == 0) {
      throw new DecodeException(0, "missing or empty '" + field + "'");
    }
    if (s.length() > MAX_NAME_BYTES) {
      throw new DecodeException(0, "'" + field + "' longer than " + MAX_NAME_BYTES + " bytes");
    }
    String text;
    try {
      text =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(s.toByteArray()))
              .toString();
    } catch (CharacterCodingException e) {
      throw new DecodeException(0, "'" + field + "' is not valid UTF-8");
    }
    if (text.equals(".") || text.equals("..") || text.indexOf('/') >= 0 || text.indexOf('\\') >= 0
        || text.indexOf('\0') >= 0) {
      throw new DecodeException(0, "unsafe '" + field + "' component '" + text + "'");
    }
    return text;
  }

  public NodeId infoHash() {
    return infoHash;
  }

  /** The bencoded info dictionary, as hashed (a copy). */
  public byte[] infoBytes() {
    return info.clone();
  }

  /** Size of the bencoded info dictionary (what BEP 9 calls {@code metadata_size}). */
  public int infoSize() {
    return info.length;
  }

  /** Copies {@code length} bytes of the info dictionary from {@code offset} into {@code dst}. */
  void copyInfo(int offset, byte[] dst, int dstOffset, int length) {
    System.arraycopy(info, offset, dst, dstOffset, length);
  }

  /** The file name (single file) or folder name (several files). */
  public String name() {
    return name;
  }

  public int pieceLength() {
    return pieceLength;
  }

  public int pieceCount() {
    return pieceHashes.length / 20;
  }

  /** The length of piece {@code index}: {@link #pieceLength()}, except for a shorter last piece. */
  public int pieceSize(int index) {
    Objects.checkIndex(index, pieceCount());
    long start = (long) index * pieceLength;
    return (int) Math.min(pieceLength, totalLength - start);
  }

  /** Number of {@link #BLOCK_SIZE} blocks in piece {@code index}. */
  public int blockCount(int index) {
    return (pieceSize(index) + BLOCK_SIZE - 1) / BLOCK_SIZE;
  }

  /** Whether {@code digest} is the SHA-1 the metadata records for piece {@code index}. */
  public boolean pieceHashMatches(int index, byte[] digest) {
    Objects.checkIndex(index, pieceCount());
    return digest.length == 20
        && Arrays.equals(pieceHashes, index * 20, index * 20 + 20, digest, 0, 20);
  }

  /** The SHA-1 hash of piece {@code index}. */
  public NodeId pieceHash(int index) {
    Objects.checkIndex(index, pieceCount());
    return NodeId.of(pieceHashes, index * 20);
  }

  public long totalLength() {
    return totalLength;
  }

  public List<TorrentFile> files() {
    return files;
  }

  /** Whether the info has a {@code files} list (content is a folder named {@link #name()}). */
  public boolean isMultiFile() {
    return multiFile;
  }

  /** A magnet link naming this torrent, with optional peer hints. */
  public Magnet magnet(List<Endpoint> peerHints) {
    return Magnet.of(infoHash, name, peerHints);
  }

  /** A {@code .torrent} file without trackers: {@code d4:info<info dict>e}. */
  public byte[] torrentFile() {
    byte[] out = new byte[info.length + 8];
    byte[] head = "d4:info".getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(head, 0, out, 0, head.length);
    System.arraycopy(info, 0, out, head.length, info.length);
    out[out.length - 1] = 'e';
    return out;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Torrent t && Arrays.equals(t.info, info);
  }

  @Override
  public int hashCode() {
    return infoHash.hashCode();
  }

  @Override
  public String toString() {
    return "Torrent(" + infoHash + " '" + name + "', " + totalLength + " bytes, " + pieceCount() + " x "
        + pieceLength + ")";
  }
}
