package io.dht.cli;

import io.dht.Dht;
import io.dht.id.Contact;
import io.dht.id.Endpoint;
import io.dht.id.NodeId;
import io.dht.item.MutableItem;
import io.dht.keys.SigningKeyPair;
import io.dht.node.PutResult;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code dht put VALUE|--file F --bootstrap HOST:PORT}: stores a BEP 44 item and prints its target (40 hex digits);
 * {@code --mutable --key FILE [--salt S] [--seq N] [--cas N]} signs it as a mutable item. Without {@code --seq} a
 * get first finds the current seq and the put uses the next one (1 for a new item). Prints how many nodes stored the
 * item on stderr; fails (exit 1) when none did.
 */
@Command(
    name = "put",
    mixinStandardHelpOptions = true,
    description = {
      "Store a value in the DHT (BEP 44) and print its target (40 hex digits).",
      "Immutable by default (the target is the SHA-1 of the value); with --mutable the value is signed with",
      "--key and can be updated by putting it again (the target is the SHA-1 of public key and salt)."
    })
final class PutCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(
      arity = "0..1",
      paramLabel = "VALUE",
      description = "The value, stored as its UTF-8 bytes (at most 996 bytes); or use --file.")
  String value;

  @Option(names = "--file", paramLabel = "F", description = "Store the bytes of this file instead of VALUE.")
  Path file;

  @Option(names = "--mutable", description = "Store a mutable item signed with --key.")
  boolean mutable;

  @Option(names = "--key", paramLabel = "FILE", description = "The key file (from 'dht keygen') of a mutable item.")
  Path keyFile;

  @Option(
      names = "--salt",
      paramLabel = "S",
      description = "Salt of a mutable item (UTF-8, at most 64 bytes): one key, several items.")
  String salt;

  @Option(
      names = "--seq",
      paramLabel = "N",
      description = "Sequence number of a mutable item (default: the current one + 1, or 1 for a new item).")
  Long seq;

  @Option(
      names = "--cas",
      paramLabel = "N",
      description = "Compare-and-swap: nodes holding the item store it only if their seq is N.")
  Long cas;

  @Option(
      names = "--bootstrap",
      paramLabel = "HOST:PORT",
      required = true,
      converter = Converters.HostPort.class,
      description = "A node to join through (repeatable).")
  List<Endpoint> bootstrap;

  @Option(names = {"-v", "--verbose"}, description = "List the nodes that stored the item on stderr.")
  boolean verbose;

  @Mixin ClientOptions client;

  @Override
  public Integer call() {
    byte[] data = data();
    byte[] saltBytes = Items.salt(spec, salt);
    SigningKeyPair key = null;
    if (mutable) {
      if (keyFile == null) {
        throw new ParameterException(
            spec.commandLine(), "--mutable needs --key FILE (make one with 'dht keygen')");
      }
      if (seq != null && seq < 0) {
        throw new ParameterException(spec.commandLine(), "--seq must not be negative, got " + seq);
      }
      if (cas != null && cas < 0) {
        throw new ParameterException(spec.commandLine(), "--cas must not be negative, got " + cas);
      }
      key = Items.loadKey(spec, keyFile);
    } else if (keyFile != null || salt != null || seq != null || cas != null) {
      throw new ParameterException(spec.commandLine(), "--key, --salt, --seq and --cas need --mutable");
    }
    try (Dht dht = client.start(bootstrap.get(0), bootstrap)) {
      Bootstrap.join(dht, bootstrap, client.timeout());
      PutResult result;
      long usedSeq = -1;
      if (mutable) {
        NodeId target = MutableItem.target(key.publicKey(), saltBytes);
        usedSeq = chooseSeq(dht, key, saltBytes, target, data);
        OptionalLong casSeq = cas == null ? OptionalLong.empty() : OptionalLong.of(cas);
        result =
            Await.await(
                dht.putMutable(key, saltBytes, usedSeq, data, casSeq), client.timeout(), "put " + target);
      } else {
        result = Await.await(dht.putImmutable(data), client.timeout(), "put");
      }
      report(result, usedSeq);
    }
    return 0;
  }

  private byte[] data() {
    if ((value == null) == (file == null)) {
      throw new ParameterException(
          spec.commandLine(), value == null ? "missing VALUE (or --file F)" : "give VALUE or --file, not both");
    }
    if (file != null) {
      return Items.readValueFile(spec, file);
    }
    return Items.checkedValue(spec, value.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * The seq to put: {@code --seq}, checked against what the network holds, or the current seq + 1. A put of the
   * same seq with the same value only refreshes the item, which BEP 44 allows.
   */
  private long chooseSeq(Dht dht, SigningKeyPair key, byte[] saltBytes, NodeId target, byte[] data) {
    Dht.GetResult current =
        Await.await(dht.getMutable(key.publicKey(), saltBytes), client.timeout(), "get " + target);
    if (current.seq().isEmpty()) {
      return seq != null ? seq : 1;
    }
    long stored = current.seq().getAsLong();
    if (seq == null) {
      if (stored == Long.MAX_VALUE) {
        throw new CommandFailure("put " + target + ": the stored seq is already the largest possible");
      }
      return stored + 1;
    }
    boolean sameValue = Arrays.equals(current.value().orElseThrow(), data);
    if (seq < stored || (seq == stored && !sameValue)) {
      throw new CommandFailure(
          "put " + target + ": seq " + seq + " is not newer than the stored seq " + stored + "; use --seq "
              + (stored + 1) + " or leave --seq out");
    }
    return seq;
  }

  private void report(PutResult result, long usedSeq) {
    String what = usedSeq >= 0 ? "put " + result.target() + " (seq " + usedSeq + ")" : "put " + result.target();
    if (result.storedOn().isEmpty()) {
      throw new CommandFailure(
          what + ": no node stored it"
              + (cas != null ? " (nodes holding the item refuse it unless their seq is " + cas + ")" : ""));
    }
    PrintWriter out = spec.commandLine().getOut();
    out.println(result.target());
    out.flush();
    PrintWriter err = spec.commandLine().getErr();
    err.printf("dht put: stored on %d nodes%s%n", result.storedOn().size(), usedSeq >= 0 ? ", seq " + usedSeq : "");
    if (verbose) {
      for (Contact c : result.storedOn()) {
        err.printf("  %s %s%n", c.id(), c.endpoint());
      }
    }
    err.flush();
  }
}
