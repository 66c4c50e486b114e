package io.dht.share;

import java.util.List;

/**
 * One file of a torrent: its path inside the torrent (for a single-file torrent, just the name), its length, and
 * where it starts in the concatenation of all files that pieces are cut from.
 */
public record TorrentFile(List<String> path, long length, long offset) {
  public TorrentFile {
    path = List.copyOf(path);
    if (path.isEmpty()) {
      throw new IllegalArgumentException("a file path needs at least one component");
    }
    if (length < 0 || offset < 0) {
      throw new IllegalArgumentException("negative length or offset: " + length + ", " + offset);
    }
  }

  /** The path joined with '/'. */
  public String displayPath() {
    return String.join("/", path);
  }
}
