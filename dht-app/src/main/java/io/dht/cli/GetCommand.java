package io.dht.cli;

import io.dht.Dht;
import io.dht.http.Json;
import io.dht.id.Endpoint;
import io.dht.id.NodeId;
import io.dht.item.MutableItem;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code dht get TARGET --bootstrap HOST:PORT} or {@code dht get --key PUBKEY_HEX [--salt S] --bootstrap ...}: a
 * BEP 44 get; writes the value's raw bytes to stdout (no newline added). Exit 1 with {@code not found: <target>}
 * when no node has the item.
 */
@Command(
    name = "get",
    mixinStandardHelpOptions = true,
    description = {
      "Get a value from the DHT (BEP 44) and write its raw bytes to stdout.",
      "By target (40 hex digits, as 'dht put' prints it), or a mutable item by --key and --salt."
    })
final class GetCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @ParentCommand Main main;

  @Parameters(
      arity = "0..1",
      paramLabel = "TARGET",
      converter = Converters.Target.class,
      description = "The item's target: 40 hex digits.")
  NodeId target;

  @Option(
      names = "--key",
      paramLabel = "PUBKEY_HEX",
      description = "A mutable item's public key (64 hex digits, or a key file from 'dht keygen').")
  String key;

  @Option(names = "--salt", paramLabel = "S", description = "The mutable item's salt (UTF-8), if it has one.")
  String salt;

  @Option(
      names = "--bootstrap",
      paramLabel = "HOST:PORT",
      converter = Converters.HostPort.class,
      description = "A node to join through (repeatable); required unless --api is given.")
  List<Endpoint> bootstrap;

  @Option(
      names = {"-v", "--verbose"},
      description = "Say on stderr how many nodes hold the item (and its seq and public key).")
  boolean verbose;

  @Mixin ClientOptions client;

  @Override
  public Integer call() {
    if ((target == null) == (key == null)) {
      throw new ParameterException(
          spec.commandLine(),
          target == null ? "missing TARGET (or --key PUBKEY_HEX)" : "give TARGET or --key, not both");
    }
    client.requireBootstrap(spec, bootstrap);
    byte[] saltBytes = Items.salt(spec, salt);
    byte[] publicKey = key == null ? null : Items.publicKey(spec, key);
    NodeId wanted = publicKey == null ? target : MutableItem.target(publicKey, saltBytes);
    Map<String, Object> got;
    if (client.remote()) {
      String query = salt == null ? "" : "salt=" + URLEncoder.encode(salt, StandardCharsets.UTF_8);
      String path =
          publicKey == null
              ? "api/items/" + target + (query.isEmpty() ? "" : "?" + query)
              : "api/items?key=" + HexFormat.of().formatHex(publicKey) + (query.isEmpty() ? "" : "&" + query);
      got = Remote.get(spec, client, path);
    } else {
      Dht.GetResult result;
      try (Dht dht = client.start(bootstrap.get(0), bootstrap)) {
        Progress progress = client.progress(spec);
        Bootstrap.join(dht, bootstrap, client.timeout(), progress);
        result =
            progress.await(
                publicKey == null ? dht.get(target, saltBytes) : dht.getMutable(publicKey, saltBytes),
                client.timeout(),
                "get " + wanted);
      }
      if (!result.found()) {
        throw new CommandFailure(
            "not found: " + wanted + " (" + result.lookup().responses() + " nodes asked"
                + (publicKey == null && salt == null ? "; a salted mutable item also needs --salt" : "") + ")");
      }
      got = json(wanted, result);
    }
    byte[] value = Base64.getDecoder().decode(Remote.string(got, "base64"));
    if (client.json) {
      ClientOptions.printJson(spec, got);
      return 0;
    }
    if (verbose) {
      PrintWriter err = spec.commandLine().getErr();
      String detail =
          got.get("seq") instanceof Long seq ? ", seq " + seq + ", public key " + got.get("publicKey") : "";
      err.printf("dht get: %s: %d bytes from %d nodes%s%n", wanted, value.length, Remote.number(got, "holders"), detail);
      err.flush();
    }
    write(value);
    return 0;
  }

  /** The result as the API's {@code GET /api/items} answers it. */
  private static Map<String, Object> json(NodeId target, Dht.GetResult result) {
    byte[] value = result.value().orElseThrow();
    Map<String, Object> out =
        Json.obj(
            "target", target.toString(), "value", utf8(value), "base64", Base64.getEncoder().encodeToString(value),
            "bytes", value.length, "mutable", result.item().orElseThrow() instanceof MutableItem,
            "seq", result.seq().isPresent() ? (Object) result.seq().getAsLong() : null, "holders", result.holders());
    if (result.item().orElseThrow() instanceof MutableItem m) {
      out.put("publicKey", HexFormat.of().formatHex(m.publicKey().toByteArray()));
    }
    return out;
  }

  private static String utf8(byte[] value) {
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(value))
          .toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }

  private void write(byte[] value) {
    PrintWriter out = spec.commandLine().getOut();
    out.flush();
    OutputStream raw = main == null ? null : main.stdout();
    if (raw == null) {
      out.print(new String(value, StandardCharsets.UTF_8));
      out.flush();
      return;
    }
    try {
      raw.write(value);
      raw.flush();
    } catch (IOException e) {
      throw new CommandFailure("cannot write to stdout: " + Items.describe(e));
    }
  }
}
