package io.dht.cli;

import io.dht.keys.KeyFileException;
import io.dht.keys.SigningKeyPair;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code dht keygen [--out FILE] [--force]}: a new Ed25519 key for mutable items. Writes the key file (permissions
 * 600) and prints the public key as 64 hex digits; the seed is never printed.
 */
@Command(
    name = "keygen",
    mixinStandardHelpOptions = true,
    description = {
      "Make an Ed25519 signing key for mutable items (dht put --mutable --key FILE).",
      "Prints the public key (64 hex digits); the key file holds the secret seed."
    })
final class KeygenCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--out",
      paramLabel = "FILE",
      defaultValue = "dht.key",
      description = "Where to write the key (default: ${DEFAULT-VALUE}, permissions 600).")
  Path out;

  @Option(names = "--force", description = "Replace an existing key file (its key is lost).")
  boolean force;

  @Override
  public Integer call() {
    if (!force && Files.exists(out, LinkOption.NOFOLLOW_LINKS)) {
      throw new ParameterException(
          spec.commandLine(), "key file " + out + " already exists; use --force to replace it (its key is lost)");
    }
    if (Files.isDirectory(out)) {
      throw new ParameterException(spec.commandLine(), "--out " + out + " is a directory");
    }
    SigningKeyPair key = SigningKeyPair.generate();
    try {
      key.save(out, force);
    } catch (KeyFileException e) {
      throw new CommandFailure(e.getMessage()); // e.g. a directory we may not write, or a full disk
    }
    spec.commandLine().getOut().println(key.publicKeyHex());
    spec.commandLine().getOut().flush();
    spec.commandLine().getErr().println("dht keygen: key saved to " + out + " (keep it secret); public key above");
    return 0;
  }
}
