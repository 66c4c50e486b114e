package io.dht.share;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dht.bencode.BDictionary;
import io.dht.bencode.BList;
import io.dht.bencode.BString;
import io.dht.bencode.Bencode;
import io.dht.bencode.DecodeException;
import io.dht.item.Sha1;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TorrentTest {
  @TempDir Path dir;

  @Test
  void pieceLengthAimsAtAtMost2000PiecesWithin16KiBAnd4MiB() {
    assertThat(Torrent.choosePieceLength(1)).isEqualTo(16 * 1024);
    assertThat(Torrent.choosePieceLength(2000L * 16 * 1024)).isEqualTo(16 * 1024);
    assertThat(Torrent.choosePieceLength(2000L * 16 * 1024 + 1)).isEqualTo(32 * 1024);
    assertThat(Torrent.choosePieceLength(50L << 20)).isEqualTo(32 * 1024); // 1600 pieces
    assertThat(Torrent.choosePieceLength(1L << 40)).isEqualTo(4 << 20);
    for (long size = 1 << 20; size < 1L << 33; size *= 3) {
      long pieces = (size + Torrent.choosePieceLength(size) - 1) / Torrent.choosePieceLength(size);
      assertThat(pieces).as("pieces for %d bytes", size).isBetween(1L, 2000L);
    }
  }

  @Test
  void singleFileInfoIsCanonicalAndHashesMatch() throws Exception {
    Path f = ShareFixtures.writeData(dir.resolve("data.bin"), 100_000, 1);
    Torrent t = Torrent.create(f);
    assertThat(t.name()).isEqualTo("data.bin");
    assertThat(t.isMultiFile()).isFalse();
    assertThat(t.totalLength()).isEqualTo(100_000);
    assertThat(t.pieceLength()).isEqualTo(16 * 1024);
    assertThat(t.pieceCount()).isEqualTo(7);
    assertThat(t.pieceSize(6)).isEqualTo(100_000 - 6 * 16 * 1024);
    byte[] all = Files.readAllBytes(f);
    for (int i = 0; i < t.pieceCount(); i++) {
      byte[] piece = Arrays.copyOfRange(all, i * 16 * 1024, Math.min(all.length, (i + 1) * 16 * 1024));
      assertThat(t.pieceHashMatches(i, MessageDigest.getInstance("SHA-1").digest(piece))).isTrue();
    }
    byte[] info = t.infoBytes();
    assertThat(Bencode.encode(Bencode.decode(info))).isEqualTo(info);
    assertThat(new String(info, StandardCharsets.ISO_8859_1))
        .startsWith("d6:lengthi100000e4:name8:data.bin12:piece lengthi16384e6:pieces140:");
    assertThat(t.infoHash()).isEqualTo(Sha1.of(info));
    assertThat(Torrent.parseInfo(info)).isEqualTo(t);
  }

  @Test
  void folderListsFilesInPathOrderAcrossPieces() throws Exception {
    Path root = dir.resolve("album");
    ShareFixtures.writeData(root.resolve("b.bin"), 20_000, 2);
    ShareFixtures.writeData(root.resolve("a/z.bin"), 5, 3);
    Files.createDirectories(root.resolve("empty"));
    Files.write(root.resolve("a/empty.txt"), new byte[0]);
    Torrent t = Torrent.create(root);
    assertThat(t.isMultiFile()).isTrue();
    assertThat(t.name()).isEqualTo("album");
    assertThat(t.files()).extracting(TorrentFile::displayPath).containsExactly("a/empty.txt", "a/z.bin", "b.bin");
    assertThat(t.files()).extracting(TorrentFile::offset).containsExactly(0L, 0L, 5L);
    assertThat(t.totalLength()).isEqualTo(20_005);
    try (Storage s = Storage.openForReading(t, root)) {
      assertThat(s.verifyAll().cardinality()).isEqualTo(t.pieceCount());
    }
  }

  @Test
  void refusesEmptyContent() throws Exception {
    Path empty = Files.createFile(dir.resolve("empty"));
    assertThatThrownBy(() -> Torrent.create(empty)).isInstanceOf(IllegalArgumentException.class);
    Path folder = Files.createDirectories(dir.resolve("nothing"));
    assertThatThrownBy(() -> Torrent.create(folder)).isInstanceOf(IllegalArgumentException.class);
  }

  @ParameterizedTest
  @ValueSource(strings = {"..", ".", "a/b", "a\\b", "", "nul\0"})
  void rejectsUnsafeNames(String bad) {
    byte[] single = info(BString.utf8(bad), null);
    assertThatThrownBy(() -> Torrent.parseInfo(single)).isInstanceOf(DecodeException.class);
    byte[] multi = info(BString.utf8("ok"), List.of("dir", bad));
    assertThatThrownBy(() -> Torrent.parseInfo(multi)).isInstanceOf(DecodeException.class);
  }

  @Test
  void rejectsInconsistentInfo() {
    BDictionary.Builder b = BDictionary.builder().putUtf8("name", "x").put("piece length", 16384)
        .put("length", 16385).put("pieces", new byte[20]); // needs 2 hashes
    assertThatThrownBy(() -> Torrent.parseInfo(Bencode.encode(b.build())))
        .isInstanceOf(DecodeException.class).hasMessageContaining("pieces");
    assertThatThrownBy(() -> Torrent.parseInfo("de".getBytes(StandardCharsets.US_ASCII)))
        .isInstanceOf(DecodeException.class);
    assertThatThrownBy(() -> Torrent.parseInfo("garbage".getBytes(StandardCharsets.US_ASCII)))
        .isInstanceOf(DecodeException.class);
  }

  private static byte[] info(BString name, List<String> path) {
    BDictionary.Builder b = BDictionary.builder().put("name", name).put("piece length", 16384)
        .put("pieces", new byte[20]);
    if (path == null) {
      b.put("length", 10);
    } else {
      BList p = new BList(path.stream().map(s -> (io.dht.bencode.BValue) BString.utf8(s)).toList());
      b.put("files", BList.of(BDictionary.builder().put("length", 10).put("path", p).build()));
    }
    return Bencode.encode(b.build());
  }
}
