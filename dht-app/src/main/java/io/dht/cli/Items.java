package io.dht.cli;

import io.dht.Dht;
import io.dht.item.Item;
import io.dht.item.MutableItem;
import io.dht.keys.KeyFileException;
import io.dht.keys.SigningKeyPair;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Locale;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/** Argument checks shared by {@code put} and {@code get}; each failure is a one-line {@link ParameterException}. */
final class Items {
  private Items() {}

  /** The size error of a value of {@code length} bytes, or null when it fits. */
  static String sizeError(long length) {
    if (length <= Dht.MAX_DATA_BYTES) {
      return null;
    }
    return "value is " + length + " bytes; BEP 44 allows at most " + Item.MAX_VALUE_BYTES
        + " bytes bencoded, that is " + Dht.MAX_DATA_BYTES + " bytes of data";
  }

  static byte[] checkedValue(CommandSpec spec, byte[] value) {
    String error = sizeError(value.length);
    if (error != null) {
      throw new ParameterException(spec.commandLine(), error);
    }
    return value;
  }

  /** The bytes of {@code --file}, checked for size before reading. */
  static byte[] readValueFile(CommandSpec spec, Path file) {
    try {
      if (Files.isDirectory(file)) {
        throw new ParameterException(spec.commandLine(), "cannot read --file " + file + ": it is a directory");
      }
      String error = sizeError(Files.size(file));
      if (error != null) {
        throw new ParameterException(spec.commandLine(), "--file " + file + ": " + error);
      }
      return checkedValue(spec, Files.readAllBytes(file));
    } catch (IOException e) {
      throw new ParameterException(spec.commandLine(), "cannot read --file " + file + ": " + describe(e));
    }
  }

  /** Most items one bulk put ({@code put --lines}) stores. */
  static final int MAX_LINES = 10_000;

  /**
   * The non-empty lines of {@code file} as bytes (without {@code \n} or {@code \r\n}), for {@code put --lines};
   * each at most {@value Dht#MAX_DATA_BYTES} bytes, at most {@value #MAX_LINES} of them.
   */
  static java.util.List<byte[]> readLines(CommandSpec spec, Path file) {
    byte[] all;
    try {
      if (Files.isDirectory(file)) {
        throw new ParameterException(spec.commandLine(), "cannot read --file " + file + ": it is a directory");
      }
      long size = Files.size(file);
      if (size > (long) MAX_LINES * (Dht.MAX_DATA_BYTES + 2)) {
        throw new ParameterException(spec.commandLine(), "--file " + file + " is too large for --lines (" + size + " bytes)");
      }
      all = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new ParameterException(spec.commandLine(), "cannot read --file " + file + ": " + describe(e));
    }
    java.util.List<byte[]> out = new java.util.ArrayList<>();
    int start = 0;
    int line = 1;
    for (int i = 0; i <= all.length; i++) {
      if (i == all.length || all[i] == '\n') {
        int end = i > start && all[i - 1] == '\r' ? i - 1 : i;
        if (end > start) {
          String error = sizeError(end - start);
          if (error != null) {
            throw new ParameterException(spec.commandLine(), "--file " + file + " line " + line + ": " + error);
          }
          if (out.size() == MAX_LINES) {
            throw new ParameterException(spec.commandLine(), "--file " + file + " has more than " + MAX_LINES + " lines");
          }
          out.add(java.util.Arrays.copyOfRange(all, start, end));
        }
        start = i + 1;
        line++;
      }
    }
    if (out.isEmpty()) {
      throw new ParameterException(spec.commandLine(), "--file " + file + " has no non-empty line");
    }
    return out;
  }

  /** {@code --salt} as UTF-8 bytes; empty for none. */
  static byte[] salt(CommandSpec spec, String salt) {
    if (salt == null) {
      return new byte[0];
    }
    byte[] bytes = salt.getBytes(StandardCharsets.UTF_8);
    if (bytes.length > MutableItem.MAX_SALT_BYTES) {
      throw new ParameterException(
          spec.commandLine(),
          "--salt is " + bytes.length + " bytes; BEP 44 allows at most " + MutableItem.MAX_SALT_BYTES);
    }
    return bytes;
  }

  /** A key file named by an option; an unreadable or malformed file is a bad argument. */
  static SigningKeyPair loadKey(CommandSpec spec, Path file) {
    try {
      return SigningKeyPair.load(file);
    } catch (KeyFileException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
  }

  /**
   * {@code dht get --key}: 64 hex digits, or else the path of a key file (its public key is used). Neither is a bad
   * argument.
   */
  static byte[] publicKey(CommandSpec spec, String key) {
    if (key.length() == 64) {
      try {
        return HexFormat.of().parseHex(key.toLowerCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        // not hex: maybe a file name
      }
    }
    Path file;
    try {
      file = Path.of(key);
    } catch (IllegalArgumentException e) {
      file = null;
    }
    if (file == null || !Files.exists(file)) {
      throw new ParameterException(
          spec.commandLine(),
          "--key '" + key + "' is neither a public key (64 hex digits) nor an existing key file");
    }
    return loadKey(spec, file).publicKey();
  }

  static String describe(IOException e) {
    if (e instanceof NoSuchFileException) {
      return "no such file";
    }
    if (e instanceof AccessDeniedException) {
      return "permission denied";
    }
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }
}
