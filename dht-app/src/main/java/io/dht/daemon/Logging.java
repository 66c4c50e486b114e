package io.dht.daemon;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import java.util.List;
import java.util.Locale;
import org.slf4j.LoggerFactory;

/**
 * The daemon's logging: SLF4J to Logback ({@code logback.xml} in the jar: one line per event on stderr); the
 * core's {@code System.Logger} calls reach it through {@code slf4j-jdk-platform-logging}. This class only sets the
 * level at run time ({@code log-level} in the config file, {@code --log-level}).
 */
public final class Logging {
  /** The levels {@link #setLevel} accepts. */
  public static final List<String> LEVELS = List.of("error", "warn", "info", "debug", "trace");

  private Logging() {}

  /**
   * Sets the root level; does nothing when SLF4J is bound to something other than Logback (a replaced {@code
   * logback.xml} still applies, since Logback stays the backend).
   *
   * @throws IllegalArgumentException for a name not in {@link #LEVELS}
   */
  public static void setLevel(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    if (!LEVELS.contains(n)) {
      throw new IllegalArgumentException("log level must be one of " + String.join(", ", LEVELS) + ", got '" + name + "'");
    }
    if (LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME) instanceof Logger root) {
      root.setLevel(Level.toLevel(n.toUpperCase(Locale.ROOT)));
    }
  }
}
