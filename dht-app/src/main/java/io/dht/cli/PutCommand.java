package io.dht.cli;

import io.dht.Dht;
import io.dht.http.Json;
import io.dht.http.ResultJson;
import io.dht.id.Contact;
import io.dht.id.Endpoint;
import io.dht.id.NodeId;
import io.dht.item.MutableItem;
import io.dht.keys.SigningKeyPair;
import io.dht.node.PutResult;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
      converter = Converters.HostPort.class,
      description = "A node to join through (repeatable); required unless --api is given.")
  List<Endpoint> bootstrap;

  @Option(
      names = "--lines",
      description =
          "With --file: a bulk put: every non-empty line of the file (without its newline) is stored as its own"
              + " immutable item; prints one target per line.")
  boolean lines;

  @Option(names = {"-v", "--verbose"}, description = "List the nodes that stored the item on stderr.")
  boolean verbose;

  @Mixin ClientOptions client;

  @Override
  public Integer call() {
    client.requireBootstrap(spec, bootstrap);
    if (lines) {
      return bulk();
    }
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
      if (!client.remote()) {
        key = Items.loadKey(spec, keyFile);
      }
    } else if (keyFile != null || salt != null || seq != null || cas != null) {
      throw new ParameterException(spec.commandLine(), "--key, --salt, --seq and --cas need --mutable");
    }
    if (client.remote()) {
      report(Remote.post(spec, client, "api/items", remoteBody(data)));
      return 0;
    }
    try (Dht dht = client.start(bootstrap.get(0), bootstrap)) {
      Progress progress = client.progress(spec);
      Bootstrap.join(dht, bootstrap, client.timeout(), progress);
      PutResult result;
      long usedSeq = -1;
      if (mutable) {
        NodeId target = MutableItem.target(key.publicKey(), saltBytes);
        usedSeq = chooseSeq(dht, key, saltBytes, target, data);
        OptionalLong casSeq = cas == null ? OptionalLong.empty() : OptionalLong.of(cas);
        result =
            progress.await(
                dht.putMutable(key, saltBytes, usedSeq, data, casSeq), client.timeout(), "put " + target);
      } else {
        result = progress.await(dht.putImmutable(data), client.timeout(), "put");
      }
      report(json(result, usedSeq, key));
    }
    return 0;
  }

  /**
   * The API request of this put. With {@code --api}, {@code --key} names a key file in the daemon's keys directory
   * ({@code NAME} or {@code NAME.key}): the secret stays on the daemon's host.
   */
  private Map<String, Object> remoteBody(byte[] data) {
    Map<String, Object> body =
        value != null ? Json.obj("value", value) : Json.obj("base64", Base64.getEncoder().encodeToString(data));
    if (mutable) {
      String name = keyFile.toString();
      body.put("key", name.endsWith(".key") ? name.substring(0, name.length() - 4) : name);
      if (salt != null) {
        body.put("salt", salt);
      }
      if (seq != null) {
        body.put("seq", seq);
      }
      if (cas != null) {
        body.put("cas", cas);
      }
    }
    return body;
  }

  /** {@code --lines}: one immutable item per non-empty line of {@code --file}, with a progress display. */
  private Integer bulk() {
    if (file == null || value != null) {
      throw new ParameterException(spec.commandLine(), "--lines needs --file F (and no VALUE)");
    }
    if (mutable || keyFile != null || salt != null || seq != null || cas != null) {
      throw new ParameterException(spec.commandLine(), "--lines stores immutable items: no --mutable, --key, --salt, --seq or --cas");
    }
    List<byte[]> values = Items.readLines(spec, file);
    Progress progress = client.progress(spec);
    List<Object> results = new ArrayList<>();
    PrintWriter out = spec.commandLine().getOut();
    int stored = 0;
    Dht dht = null;
    try {
      if (!client.remote()) {
        dht = client.start(bootstrap.get(0), bootstrap);
        Bootstrap.join(dht, bootstrap, client.timeout(), progress);
      }
      for (int i = 0; i < values.size(); i++) {
        String what = "put " + (i + 1) + "/" + values.size();
        progress.show(what);
        Map<String, Object> r;
        if (client.remote()) {
          r = Remote.post(spec, client, "api/items", Json.obj("base64", Base64.getEncoder().encodeToString(values.get(i))));
        } else {
          r = json(progress.await(dht.putImmutable(values.get(i)), client.timeout(), what), -1, null);
        }
        results.add(r);
        if (Remote.number(r, "stored") > 0) {
          stored++;
        }
        if (!client.json) {
          progress.done();
          out.println(Remote.string(r, "target"));
          out.flush();
        }
      }
    } finally {
      progress.done();
      if (dht != null) {
        dht.close();
      }
    }
    if (client.json) {
      ClientOptions.printJson(spec, Json.obj("items", results, "stored", stored, "total", values.size()));
    } else {
      PrintWriter err = spec.commandLine().getErr();
      err.printf("dht put: %d of %d items stored on at least one node%n", stored, values.size());
      err.flush();
    }
    if (stored < values.size()) {
      throw new CommandFailure("put: " + (values.size() - stored) + " of " + values.size() + " items stored on no node");
    }
    return 0;
  }

  private static Map<String, Object> json(PutResult result, long usedSeq, SigningKeyPair key) {
    Map<String, Object> json = ResultJson.put(result);
    json.putAll(Json.obj(
        "mutable", usedSeq >= 0, "seq", usedSeq >= 0 ? usedSeq : null,
        "publicKey", key == null ? null : key.publicKeyHex()));
    return json;
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

  /** "; refused: 302 sequence number less than current (3 nodes), ..." or "" when nobody refused. */
  static String refusalSummary(List<?> refused) {
    Map<String, Integer> reasons = new LinkedHashMap<>();
    for (Object o : refused) {
      Map<?, ?> c = (Map<?, ?>) o;
      reasons.merge(c.get("code") + " " + c.get("message"), 1, Integer::sum);
    }
    StringBuilder text = new StringBuilder();
    reasons.forEach((reason, n) ->
        text.append(text.length() == 0 ? "; refused: " : ", ").append(reason)
            .append(" (").append(n).append(n == 1 ? " node)" : " nodes)"));
    return text.toString();
  }

  private void report(Map<String, Object> result) {
    String target = Remote.string(result, "target");
    Object seqValue = result.get("seq");
    String seqText = seqValue instanceof Long l ? ", seq " + l : "";
    String what = seqText.isEmpty() ? "put " + target : "put " + target + " (seq " + seqValue + ")";
    List<?> storedOn = (List<?>) result.get("storedOn");
    List<?> refused = result.get("refused") instanceof List<?> l ? l : List.of();
    if (Remote.number(result, "stored") == 0) {
      throw new CommandFailure(
          what + ": no node stored it"
              + (cas != null ? " (nodes holding the item refuse it unless their seq is " + cas + ")" : "")
              + refusalSummary(refused));
    }
    if (client.json) {
      ClientOptions.printJson(spec, result);
      return;
    }
    PrintWriter out = spec.commandLine().getOut();
    out.println(target);
    out.flush();
    PrintWriter err = spec.commandLine().getErr();
    err.printf("dht put: stored on %d nodes%s%n", Remote.number(result, "stored"), seqText);
    if (!refused.isEmpty()) {
      err.printf("dht put: refused by %d node%s%s%n", refused.size(), refused.size() == 1 ? "" : "s",
          refusalSummary(refused));
    }
    if (verbose && storedOn != null) {
      for (Object o : storedOn) {
        Map<?, ?> c = (Map<?, ?>) o;
        err.printf("  %s %s%n", c.get("id"), c.get("address"));
      }
      for (Object o : refused) {
        Map<?, ?> c = (Map<?, ?>) o;
        err.printf("  %s %s refused: %s %s%n", c.get("id"), c.get("address"), c.get("code"), c.get("message"));
      }
    }
    err.flush();
  }

}
