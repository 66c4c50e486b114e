package io.dht.daemon;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The daemon's config file ({@code dht node --config FILE}): UTF-8 text, one {@code name = value} per line, blank
 * lines and lines starting with {@code #} ignored. A name is the long name of a {@code dht node} flag without its
 * dashes ({@code port = 6881} for {@code --port 6881}); flags on the command line override the file. Strict: a line
 * that is not {@code name = value}, a name given twice, a name that is not a setting, an empty value are errors
 * naming the file and line. Values are taken as written (no quotes, no inline comments); a repeatable setting
 * ({@code bootstrap}) takes a comma-separated list; a switch ({@code private}) takes {@code true} or {@code false}.
 * See {@code docs/operations.md} for every setting and its default.
 */
public final class ConfigFile {
  /** Bound on the file's size. */
  public static final long MAX_BYTES = 64 * 1024;

  /** One {@code name = value} line. */
  public record Entry(String name, String value, int line) {}

  /** A config file that cannot be used; the message names the file and, where it applies, the line. */
  public static final class ConfigException extends RuntimeException {
    public ConfigException(String message) {
      super(message, null, false, false);
    }
  }

  private final Path path;
  private final List<Entry> entries;

  private ConfigFile(Path path, List<Entry> entries) {
    this.path = path;
    this.entries = List.copyOf(entries);
  }

  public Path path() {
    return path;
  }

  /** The settings in file order. */
  public List<Entry> entries() {
    return entries;
  }

  public static ConfigFile load(Path file) {
    byte[] bytes;
    try {
      if (Files.isDirectory(file)) {
        throw new ConfigException("config " + file + ": is a directory");
      }
      if (Files.size(file) > MAX_BYTES) {
        throw new ConfigException("config " + file + ": larger than " + MAX_BYTES + " bytes");
      }
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new ConfigException("config " + file + ": no such file");
    } catch (IOException e) {
      throw new ConfigException("config " + file + ": cannot read it: " + e.getMessage());
    }
    String text;
    try {
      text =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(bytes))
              .toString();
    } catch (CharacterCodingException e) {
      throw new ConfigException("config " + file + ": not UTF-8 text");
    }
    return parse(file, text);
  }

  static ConfigFile parse(Path file, String text) {
    List<Entry> entries = new ArrayList<>();
    Map<String, Integer> seen = new HashMap<>();
    String[] lines = text.split("\r?\n", -1);
    for (int i = 0; i < lines.length; i++) {
      int number = i + 1;
      String line = lines[i].strip();
      if (i == 0 && line.startsWith("\uFEFF")) {
        line = line.substring(1).strip();
      }
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      int eq = line.indexOf('=');
      if (eq < 0) {
        throw new ConfigException(where(file, number) + "expected 'name = value', got '" + clip(line) + "'");
      }
      String name = line.substring(0, eq).strip();
      String value = line.substring(eq + 1).strip();
      if (!name.matches("[a-z][a-z0-9-]*")) {
        throw new ConfigException(
            where(file, number) + "'" + clip(name) + "' is not a setting name (lowercase letters, digits, '-')");
      }
      if (value.isEmpty()) {
        throw new ConfigException(where(file, number) + "'" + name + "' has no value (leave the line out for the default)");
      }
      Integer first = seen.putIfAbsent(name, number);
      if (first != null) {
        throw new ConfigException(where(file, number) + "'" + name + "' is already set on line " + first);
      }
      entries.add(new Entry(name, value, number));
    }
    return new ConfigFile(file, entries);
  }

  /** {@code config FILE line N: } */
  public static String where(Path file, int line) {
    return "config " + file + " line " + line + ": ";
  }

  private static String clip(String s) {
    String t = s.length() > 60 ? s.substring(0, 60) + "..." : s;
    return t.replaceAll("\\p{Cntrl}", "?");
  }
}
