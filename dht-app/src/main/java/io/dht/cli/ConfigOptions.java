package io.dht.cli;

import io.dht.daemon.ConfigFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

/**
 * Applies a {@link ConfigFile} to a parsed command: every {@code name = value} sets the option {@code --name}
 * unless the command line gave it (the command line wins). Values go through picocli's own conversion and
 * validation, one setting at a time, so an error names the file and line. Relative paths in path-valued settings
 * are resolved against the config file's directory.
 */
final class ConfigOptions {
  /** Options that are not settings. */
  private static final List<String> NOT_SETTINGS = List.of("config", "help", "version");

  private ConfigOptions() {}

  static void apply(CommandSpec spec, Path file) {
    CommandLine cl = spec.commandLine();
    ConfigFile config;
    try {
      config = ConfigFile.load(file);
    } catch (ConfigFile.ConfigException e) {
      throw new ParameterException(cl, e.getMessage());
    }
    ParseResult given = cl.getParseResult();
    Path base = file.toAbsolutePath().getParent();
    for (ConfigFile.Entry e : config.entries()) {
      String where = ConfigFile.where(file, e.line());
      OptionSpec option = spec.findOption("--" + e.name());
      if (option == null || NOT_SETTINGS.contains(e.name()) || option.usageHelp() || option.versionHelp()) {
        throw new ParameterException(cl, where + "unknown setting '" + e.name() + "' (settings: " + settings(spec) + ")");
      }
      if (given != null && given.hasMatchedOption(option)) {
        continue;
      }
      List<String> args = new ArrayList<>();
      String flag = option.longestName();
      if (option.arity().max() == 0) {
        String v = e.value().toLowerCase(Locale.ROOT);
        if (!v.equals("true") && !v.equals("false")) {
          throw new ParameterException(cl, where + "'" + e.name() + "' is a switch: true or false, got '" + e.value() + "'");
        }
        if (v.equals("false")) {
          continue;
        }
        args.add(flag);
      } else if (option.isMultiValue()) {
        for (String item : e.value().split(",")) {
          if (item.isBlank()) {
            throw new ParameterException(cl, where + "'" + e.name() + "' has an empty item in '" + e.value() + "'");
          }
          args.add(flag);
          args.add(resolved(option, item.strip(), base));
        }
      } else {
        args.add(flag);
        args.add(resolved(option, e.value(), base));
      }
      // picocli converts and checks the value on a scratch instance of the same command
      CommandLine scratch = new CommandLine(spec.userObject().getClass());
      scratch.setCaseInsensitiveEnumValuesAllowed(true);
      ParseResult parsed;
      try {
        parsed = scratch.parseArgs(args.toArray(String[]::new));
      } catch (ParameterException pe) {
        throw new ParameterException(cl, where + Main.oneLine(pe.getMessage()));
      }
      OptionSpec converted = parsed.matchedOption(flag);
      option.setValue(converted.getValue());
    }
  }

  private static String resolved(OptionSpec option, String value, Path base) {
    if (option.type() == Path.class || option.auxiliaryTypes().length > 0 && option.auxiliaryTypes()[0] == Path.class) {
      Path p = Path.of(value.startsWith("~/") ? System.getProperty("user.home") + value.substring(1) : value);
      return (p.isAbsolute() || base == null ? p : base.resolve(p)).toString();
    }
    return value;
  }

  private static String settings(CommandSpec spec) {
    TreeSet<String> names = new TreeSet<>();
    for (OptionSpec o : spec.options()) {
      String n = o.longestName().replaceFirst("^--", "");
      if (!NOT_SETTINGS.contains(n) && !o.usageHelp() && !o.versionHelp() && o.longestName().startsWith("--")) {
        names.add(n);
      }
    }
    return String.join(", ", names);
  }
}
