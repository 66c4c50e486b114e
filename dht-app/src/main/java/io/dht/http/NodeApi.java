package io.dht.http;

import static io.dht.http.Json.obj;

import io.dht.Dht;
import io.dht.id.Contact;
import io.dht.id.Endpoint;
import io.dht.id.NodeId;
import io.dht.item.ImmutableItem;
import io.dht.item.Item;
import io.dht.item.MutableItem;
import io.dht.keys.KeyFileException;
import io.dht.keys.SigningKeyPair;
import io.dht.lookup.LookupStep;
import io.dht.node.AnnounceResult;
import io.dht.node.DhtConfig;
import io.dht.node.DhtException;
import io.dht.node.DurabilityStats;
import io.dht.node.ErrorCounts;
import io.dht.node.LookupResult;
import io.dht.node.NodeClosedException;
import io.dht.node.NodeStats;
import io.dht.node.PeersResult;
import io.dht.node.PingResult;
import io.dht.node.PutResult;
import io.dht.node.RpcTimeoutException;
import java.lang.reflect.RecordComponent;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * What each endpoint does, apart from HTTP: validates the request, calls the {@link Dht} facade, waits for its
 * future (bounded), and builds the JSON answer. Every failure is an {@link ApiException} with its status.
 */
final class NodeApi {
  /** Items listed by {@code GET /api/stored-items}. */
  static final int MAX_LISTED_ITEMS = 1000;

  private static final HexFormat HEX = HexFormat.of();
  private static final String KEY_NAME = "[A-Za-z0-9][A-Za-z0-9._-]{0,63}";
  private static final String NO_ROUNDS_NOTE =
      "this lookup has no per-query trace: 'steps' holds the start set (our routing table's closest contacts"
          + " when the lookup began) and the result (the closest nodes that answered after 'rounds' rounds)";

  private final List<Dht> nodes;
  private final LookupLog lookups;
  private final Duration timeout;
  private final Optional<Path> keysDir;
  private final Semaphore inFlight = new Semaphore(HttpApi.MAX_LOOKUPS_IN_FLIGHT);
  private final SecureRandom random = new SecureRandom();
  private volatile String httpAddress = "";

  NodeApi(List<Dht> nodes, LookupLog lookups, Duration timeout, Optional<Path> keysDir) {
    this.nodes = List.copyOf(nodes);
    this.lookups = lookups;
    this.timeout = timeout;
    this.keysDir = keysDir;
  }

  void httpAddress(String uri) {
    this.httpAddress = uri;
  }

  LookupLog lookups() {
    return lookups;
  }

  int nodeCount() {
    return nodes.size();
  }

  // ------------------------------------------------------------------ node state

  Object nodes() {
    List<Object> out = new ArrayList<>();
    for (int i = 0; i < nodes.size(); i++) {
      out.add(obj("index", i, "id", nodes.get(i).id().toString(), "address", nodes.get(i).localEndpoint().toString()));
    }
    return obj("nodes", out);
  }

  Object node(int i) {
    Dht dht = nodes.get(i);
    NodeStats s = await(dht.stats(), "node stats");
    DurabilityStats d = await(dht.durabilityStats(), "durability stats");
    Optional<InetAddress> external = await(dht.externalAddress(), "external address");
    return obj(
        "id", dht.id().toString(),
        "index", i,
        "nodes", nodes.size(),
        "addresses",
            obj(
                "udp", dht.localEndpoint().toString(),
                "external", external.map(InetAddress::getHostAddress).orElse(null),
                "http", httpAddress),
        "startedAt", dht.startedAt().toString(),
        "uptimeSeconds", TimeUnit.NANOSECONDS.toSeconds(s.uptimeNanos()),
        "datagramIo", dht.io(),
        "routingTable", obj("contacts", s.routingTableSize(), "depth", s.buckets()),
        "storedPeers", s.storedPeers(),
        "infoHashes", s.infoHashes(),
        "storedItems", s.storedItems(),
        "durableItems", d.durablePuts(),
        "version", "dht 0.1.0");
  }

  Object stats(int i) {
    Dht dht = nodes.get(i);
    NodeStats s = await(dht.stats(), "node stats");
    DurabilityStats d = await(dht.durabilityStats(), "durability stats");
    return obj(
        "node", i,
        "atMillis", System.currentTimeMillis(),
        "uptimeSeconds", TimeUnit.NANOSECONDS.toSeconds(s.uptimeNanos()),
        "stats", record(s),
        "durability", record(d));
  }

  Object routingTable(int i) {
    Dht dht = nodes.get(i);
    Dht.RoutingBuckets b = await(dht.routingBuckets(), "routing table");
    DhtConfig config = await(dht.config(), "config");
    NodeId self = dht.id();
    Map<String, Object> out = obj("self", self.toString(), "k", config.k());
    out.putAll(table(self, b.ipv4()));
    Map<String, Object> v6 = table(self, b.ipv6());
    out.put("ipv6", v6);
    return out;
  }

  private static Map<String, Object> table(NodeId self, List<List<Contact>> buckets) {
    List<Object> list = new ArrayList<>();
    int size = 0;
    for (int i = 0; i < buckets.size(); i++) {
      List<Object> contacts = new ArrayList<>();
      for (Contact c : buckets.get(i)) {
        contacts.add(contact(c, self));
      }
      size += contacts.size();
      boolean last = i == buckets.size() - 1;
      list.add(
          obj("index", i, "sharedPrefixBits", last ? ">=" + i : Integer.toString(i), "size", contacts.size(),
              "contacts", contacts));
    }
    return obj("size", size, "depth", buckets.size(), "buckets", list);
  }

  Object storedItems(int i) {
    Dht dht = nodes.get(i);
    List<Dht.HeldItem> items = await(dht.heldItems(MAX_LISTED_ITEMS + 1), "held items");
    DurabilityStats d = await(dht.durabilityStats(), "durability stats");
    DhtConfig config = await(dht.config(), "config");
    List<Object> list = new ArrayList<>();
    for (Dht.HeldItem h : items.subList(0, Math.min(items.size(), MAX_LISTED_ITEMS))) {
      list.add(
          obj("target", h.target().toString(), "mutable", h.mutable(), "bytes", h.bytes(), "seq", h.seq(),
              "replicas", h.replicas() < 0 ? null : h.replicas()));
    }
    return obj(
        "k", config.k(),
        "held", d.itemsHeld(),
        "belowTarget", d.itemsBelowTarget(),
        "averageReplicas", d.averageReplicas(),
        "durablePublished", d.durablePuts(),
        "truncated", items.size() > MAX_LISTED_ITEMS,
        "items", list);
  }

  // ------------------------------------------------------------------ DHT operations

  Object peers(int i, String infoHashText) {
    NodeId infoHash = hexId(infoHashText, "info-hash");
    Dht dht = nodes.get(i);
    Traced<PeersResult> t = traced(i, "get_peers", infoHash, () -> dht.getPeers(infoHash), PeersResult::lookup);
    List<String> peers = t.value().peers().stream().map(Endpoint::toString).toList();
    return obj(
        "infohash", infoHash.toString(), "peers", peers, "lookup", t.recorded().id(),
        "rounds", t.value().lookup().rounds(), "responses", t.value().lookup().responses(),
        "firstPeersMillis", firstPeersMillis(t.value()));
  }

  /** Milliseconds from the start of the lookup to the first reply with peers, or null when none came. */
  private static Double firstPeersMillis(PeersResult result) {
    return result.firstPeersNanos().isPresent() ? result.firstPeersNanos().getAsLong() / 1e6 : null;
  }

  Object announce(int i, Map<String, Object> body) {
    Fields f = new Fields(body, Set.of("infohash", "port"));
    NodeId infoHash = hexId(f.string("infohash", true), "infohash");
    long port = f.integer("port", true);
    if (port < 0 || port > 65535) {
      throw ApiException.badRequest("port must be 0..65535 (0 = the UDP source port), got " + port);
    }
    Dht dht = nodes.get(i);
    Traced<AnnounceResult> t =
        traced(i, "announce", infoHash, () -> dht.announce(infoHash, (int) port), a -> a.lookup().lookup());
    return obj(
        "infohash", infoHash.toString(), "port", port, "stored", t.value().storedOn().size(),
        "storedOn", contacts(t.value().storedOn()), "lookup", t.recorded().id());
  }

  Object ping(int i, Map<String, Object> body) {
    Fields f = new Fields(body, Set.of("address"));
    String text = f.string("address", true);
    Endpoint target;
    try {
      target = Endpoint.parse(text);
    } catch (IllegalArgumentException e) {
      throw ApiException.badRequest("address '" + text + "' is not IP:PORT ([IPv6]:PORT): " + e.getMessage());
    }
    PingResult pong = await(nodes.get(i).ping(target), "ping " + target);
    return obj(
        "id", pong.contact().id().toString(), "address", pong.contact().endpoint().toString(),
        "rttMillis", Math.round(pong.rttNanos() / 1e4) / 100.0);
  }

  Object findNode(int i, Map<String, Object> body) {
    Fields f = new Fields(body, Set.of("target"));
    String text = f.string("target", false);
    NodeId target = text == null ? NodeId.random(random) : hexId(text, "target");
    Dht dht = nodes.get(i);
    Traced<LookupResult> t = traced(i, "find_node", target, () -> dht.findNode(target), Function.identity());
    return lookupJson(t.recorded());
  }

  Object put(int i, Map<String, Object> body) {
    Fields f = new Fields(body, Set.of("value", "base64", "key", "salt", "seq", "cas", "durable"));
    String text = f.string("value", false);
    String b64 = f.string("base64", false);
    if ((text == null) == (b64 == null)) {
      throw ApiException.badRequest(
          text == null ? "give the value as \"value\" (text) or \"base64\"" : "give \"value\" or \"base64\", not both");
    }
    byte[] data;
    if (text != null) {
      data = text.getBytes(StandardCharsets.UTF_8);
    } else {
      try {
        data = Base64.getDecoder().decode(b64);
      } catch (IllegalArgumentException e) {
        throw ApiException.badRequest("base64 is not valid base64 (RFC 4648, with padding): " + e.getMessage());
      }
    }
    if (data.length > Dht.MAX_DATA_BYTES) {
      throw ApiException.tooLarge(
          "value is " + data.length + " bytes; BEP 44 allows at most " + Item.MAX_VALUE_BYTES
              + " bytes bencoded, that is " + Dht.MAX_DATA_BYTES + " bytes of data");
    }
    String keyName = f.string("key", false);
    String saltText = f.string("salt", false);
    Long seq = f.has("seq") ? f.integer("seq", true) : null;
    Long cas = f.has("cas") ? f.integer("cas", true) : null;
    boolean durable = f.bool("durable");
    Dht dht = nodes.get(i);
    if (keyName == null) {
      if (saltText != null || seq != null || cas != null) {
        throw ApiException.badRequest("salt, seq and cas are for mutable items: give \"key\" too");
      }
      NodeId target = ImmutableItem.ofBytes(data).target();
      Traced<PutResult> t =
          traced(i, "put", target, () -> durable ? dht.putImmutableDurable(data) : dht.putImmutable(data),
              PutResult::lookup);
      return putJson(t, false, null, null);
    }
    if (seq != null && seq < 0) {
      throw ApiException.badRequest("seq must not be negative, got " + seq);
    }
    if (cas != null && cas < 0) {
      throw ApiException.badRequest("cas must not be negative, got " + cas);
    }
    if (durable && cas != null) {
      throw ApiException.badRequest("a durable put cannot use cas");
    }
    byte[] salt = salt(saltText);
    SigningKeyPair key = loadKey(keyName);
    NodeId target = MutableItem.target(key.publicKey(), salt);
    long useSeq = chooseSeq(dht, key, salt, target, data, seq);
    OptionalLong casSeq = cas == null ? OptionalLong.empty() : OptionalLong.of(cas);
    Traced<PutResult> t =
        traced(
            i, "put", target,
            () -> durable ? dht.putMutableDurable(key, salt, useSeq, data) : dht.putMutable(key, salt, useSeq, data, casSeq),
            PutResult::lookup);
    return putJson(t, true, useSeq, key.publicKeyHex());
  }

  private static Map<String, Object> putJson(Traced<PutResult> t, boolean mutable, Long seq, String publicKey) {
    Map<String, Object> json = ResultJson.put(t.value());
    json.putAll(obj("mutable", mutable, "seq", seq, "publicKey", publicKey, "lookup", t.recorded().id()));
    return json;
  }

  private long chooseSeq(Dht dht, SigningKeyPair key, byte[] salt, NodeId target, byte[] data, Long seq) {
    Dht.GetResult current = await(limited(() -> dht.getMutable(key.publicKey(), salt)), "get " + target);
    if (current.seq().isEmpty()) {
      return seq != null ? seq : 1;
    }
    long stored = current.seq().getAsLong();
    if (seq == null) {
      if (stored == Long.MAX_VALUE) {
        throw new ApiException(409, "the stored seq of " + target + " is already the largest possible");
      }
      return stored + 1;
    }
    boolean same = Arrays.equals(current.value().orElseThrow(), data);
    if (seq < stored || (seq == stored && !same)) {
      throw new ApiException(
          409, "seq " + seq + " is not newer than the stored seq " + stored + " of " + target + "; use seq "
              + (stored + 1) + " or leave seq out");
    }
    return seq;
  }

  /** A key file {@code NAME.key} in the keys directory: secrets never travel over HTTP. */
  private SigningKeyPair loadKey(String name) {
    if (keysDir.isEmpty()) {
      throw ApiException.badRequest(
          "mutable puts need a keys directory: this daemon has none (set keys-dir, or data-dir for <data-dir>/keys)");
    }
    if (name.endsWith(".key")) {
      name = name.substring(0, name.length() - 4);
    }
    if (!name.matches(KEY_NAME)) {
      throw ApiException.badRequest(
          "key must be the name of a key file in the keys directory (letters, digits, '.', '_', '-'; at most 64),"
              + " got '" + name + "'");
    }
    Path file = keysDir.get().resolve(name + ".key");
    if (!Files.isRegularFile(file)) {
      throw ApiException.badRequest("no key named '" + name + "' (no file " + file + "; make one with 'dht keygen')");
    }
    try {
      return SigningKeyPair.load(file);
    } catch (KeyFileException e) {
      throw ApiException.badRequest("key '" + name + "': " + e.getMessage());
    }
  }

  Object get(int i, String targetText, String saltText) {
    NodeId target = hexId(targetText, "target");
    byte[] salt = salt(saltText);
    Dht dht = nodes.get(i);
    Traced<Dht.GetResult> t = traced(i, "get", target, () -> dht.get(target, salt), Dht.GetResult::lookup);
    return itemJson(t, target, saltText);
  }

  Object getMutable(int i, String keyText, String saltText) {
    if (keyText == null) {
      throw ApiException.badRequest(
          "give ?key=<public key, 64 hex digits> (and &salt=...) for a mutable item, or GET /api/items/{target}");
    }
    byte[] publicKey = hex(keyText, 32, "key");
    byte[] salt = salt(saltText);
    NodeId target = MutableItem.target(publicKey, salt);
    Dht dht = nodes.get(i);
    Traced<Dht.GetResult> t =
        traced(i, "get", target, () -> dht.getMutable(publicKey, salt), Dht.GetResult::lookup);
    return itemJson(t, target, saltText);
  }

  private static Map<String, Object> itemJson(Traced<Dht.GetResult> t, NodeId target, String saltText) {
    Dht.GetResult r = t.value();
    if (!r.found()) {
      throw ApiException.notFound(
          "not found: " + target + " (" + r.lookup().responses() + " nodes asked"
              + (saltText == null ? "; a salted mutable item needs ?salt=" : "") + ")");
    }
    byte[] value = r.value().orElseThrow();
    Item item = r.item().orElseThrow();
    Map<String, Object> out =
        obj(
            "target", target.toString(), "value", utf8(value).orElse(null),
            "base64", Base64.getEncoder().encodeToString(value), "bytes", value.length,
            "mutable", item instanceof MutableItem, "seq", r.seq(), "holders", r.holders());
    if (item instanceof MutableItem m) {
      out.put("publicKey", HEX.formatHex(m.publicKey().toByteArray()));
      out.put("salt", saltText);
    }
    out.put("lookup", t.recorded().id());
    return out;
  }

  // ------------------------------------------------------------------ lookups

  Object lookupList() {
    List<Object> out = new ArrayList<>();
    for (LookupLog.Recorded r : lookups.recent()) {
      out.add(summary(r));
    }
    return obj("lookups", out);
  }

  Object lookup(String idText) {
    long id;
    try {
      id = Long.parseLong(idText);
    } catch (NumberFormatException e) {
      throw ApiException.badRequest("lookup id must be a number, got '" + idText + "'");
    }
    return lookups
        .get(id)
        .map(NodeApi::lookupJson)
        .orElseThrow(
            () -> ApiException.notFound(
                "no lookup " + id + " (the last " + LookupLog.CAPACITY + " are kept; see GET /api/lookups)"));
  }

  private static Map<String, Object> summary(LookupLog.Recorded r) {
    LookupResult l = r.result();
    return obj(
        "id", r.id(), "node", r.node(), "kind", r.kind(), "target", r.target().toString(),
        "startedAt", r.startedAt().toString(), "durationMillis", millis(l.durationNanos()), "rounds", l.rounds(),
        "messagesSent", l.messagesSent(), "responses", l.responses(), "timeouts", l.timeouts());
  }

  static Map<String, Object> lookupJson(LookupLog.Recorded r) {
    Map<String, Object> out = summary(r);
    out.put("self", r.self().toString());
    List<Object> start = new ArrayList<>();
    r.start().forEach(c -> start.add(contact(c, r.target())));
    List<Object> closest = new ArrayList<>();
    r.result().closest().forEach(c -> closest.add(contact(c, r.target())));
    out.put("start", start);
    out.put("closest", closest);
    List<LookupStep> queries = r.result().steps();
    List<Object> steps = new ArrayList<>();
    if (!start.isEmpty()) {
      steps.add(obj("round", 0, "label", "start: routing table", "contacts", start));
    }
    if (queries.isEmpty()) {
      // no per-query trace (a result built without one): the result alone, after the last round
      steps.add(obj("round", r.result().rounds(), "label", "result: closest that answered", "contacts", closest));
      out.put("perRoundRecorded", false);
      out.put("note", NO_ROUNDS_NOTE);
    } else {
      long t0 = queries.stream().mapToLong(LookupStep::sentNanos).min().orElse(0);
      Map<Integer, List<Object>> byRound = new java.util.TreeMap<>();
      Map<Integer, int[]> replies = new java.util.HashMap<>();
      for (LookupStep q : queries) {
        Map<String, Object> c = contact(q.contact(), r.target());
        c.put("outcome", q.outcome().name().toLowerCase(Locale.ROOT));
        c.put("sentMillis", millis(q.sentNanos() - t0));
        c.put("rttMillis", q.outcome() == LookupStep.Outcome.PENDING ? null : millis(q.doneNanos() - q.sentNanos()));
        c.put("learnedFrom", q.learnedFrom().map(from -> contact(from, r.target())).orElse(null));
        byRound.computeIfAbsent(q.round(), k -> new ArrayList<>()).add(c);
        int[] n = replies.computeIfAbsent(q.round(), k -> new int[2]);
        n[0]++;
        if (q.outcome() == LookupStep.Outcome.REPLIED) {
          n[1]++;
        }
      }
      byRound.forEach(
          (round, contacts) ->
              steps.add(
                  obj("round", round, "label",
                      "round " + round + ": " + replies.get(round)[0] + " asked, " + replies.get(round)[1] + " replied",
                      "contacts", contacts)));
      out.put("perRoundRecorded", true);
    }
    out.put("steps", steps);
    return out;
  }

  // ------------------------------------------------------------------ helpers

  /** A finished operation and its recorded lookup. */
  private record Traced<T>(T value, LookupLog.Recorded recorded) {}

  /**
   * Runs a lookup-based operation: snapshots the routing table's closest contacts to {@code target} (the start
   * set), runs it (at most {@link HttpApi#MAX_LOOKUPS_IN_FLIGHT} at once), waits, records the lookup.
   */
  private <T> Traced<T> traced(
      int i, String kind, NodeId target, java.util.function.Supplier<CompletableFuture<T>> op,
      Function<T, LookupResult> lookupOf) {
    Dht dht = nodes.get(i);
    if (!inFlight.tryAcquire()) {
      throw new ApiException(503, "too many lookups in flight (" + HttpApi.MAX_LOOKUPS_IN_FLIGHT + "); try again");
    }
    try {
      List<Contact> table = await(dht.routingTable(), "routing table");
      int k = await(dht.config(), "config").k();
      List<Contact> start =
          table.stream().sorted(Comparator.comparing(Contact::id, target::compareDistance)).limit(k).toList();
      Instant at = Instant.now();
      T value = await(call(op), kind + " " + target);
      LookupLog.Recorded rec = lookups.add(i, kind, dht.id(), target, at, start, lookupOf.apply(value));
      return new Traced<>(value, rec);
    } finally {
      inFlight.release();
    }
  }

  private <T> CompletableFuture<T> limited(java.util.function.Supplier<CompletableFuture<T>> op) {
    if (!inFlight.tryAcquire()) {
      throw new ApiException(503, "too many lookups in flight (" + HttpApi.MAX_LOOKUPS_IN_FLIGHT + "); try again");
    }
    try {
      CompletableFuture<T> f = call(op);
      f.whenComplete((v, e) -> inFlight.release());
      return f;
    } catch (RuntimeException e) {
      inFlight.release();
      throw e;
    }
  }

  /** Calls the facade; its argument checks ({@code IllegalArgumentException}) become 400s. */
  private static <T> CompletableFuture<T> call(java.util.function.Supplier<CompletableFuture<T>> op) {
    try {
      return op.get();
    } catch (IllegalArgumentException e) {
      throw ApiException.badRequest(e.getMessage());
    }
  }

  /** Waits for a facade future, at most the timeout; failures become API errors. */
  private <T> T await(CompletableFuture<T> future, String what) {
    try {
      return future.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ApiException(503, what + ": interrupted (the server is stopping)");
    } catch (TimeoutException e) {
      future.cancel(false);
      throw new ApiException(504, what + ": no result within " + timeout.toSeconds() + " s");
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      while (cause instanceof CompletionException && cause.getCause() != null) {
        cause = cause.getCause();
      }
      if (cause instanceof NodeClosedException) {
        throw new ApiException(503, what + ": the node is closed");
      }
      if (cause instanceof RpcTimeoutException) {
        throw new ApiException(504, what + ": " + cause.getMessage());
      }
      if (cause instanceof DhtException) {
        throw new ApiException(502, what + ": " + cause.getMessage());
      }
      if (cause instanceof IllegalArgumentException) {
        throw ApiException.badRequest(what + ": " + cause.getMessage());
      }
      throw new ApiException(500, what + ": " + cause.getClass().getSimpleName());
    }
  }

  static NodeId hexId(String text, String what) {
    if (text == null) {
      throw ApiException.badRequest(what + " is required (40 hex digits)");
    }
    if (text.length() != 40 || !isHex(text)) {
      throw ApiException.badRequest(
          what + " must be 40 hex digits, got '" + clip(text) + "' (" + text.length() + " characters)");
    }
    return NodeId.parseHex(text.toLowerCase(Locale.ROOT));
  }

  private static byte[] hex(String text, int bytes, String what) {
    if (text.length() != bytes * 2 || !isHex(text)) {
      throw ApiException.badRequest(
          what + " must be " + bytes * 2 + " hex digits, got '" + clip(text) + "' (" + text.length() + " characters)");
    }
    return HEX.parseHex(text.toLowerCase(Locale.ROOT));
  }

  private static boolean isHex(String text) {
    return text.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'));
  }

  private static byte[] salt(String text) {
    if (text == null) {
      return new byte[0];
    }
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    if (bytes.length > MutableItem.MAX_SALT_BYTES) {
      throw ApiException.badRequest(
          "salt is " + bytes.length + " bytes; BEP 44 allows at most " + MutableItem.MAX_SALT_BYTES);
    }
    return bytes;
  }

  private static String clip(String s) {
    String t = s.length() > 48 ? s.substring(0, 48) + "..." : s;
    return t.replaceAll("[\\p{Cntrl}]", "?");
  }

  private static Optional<String> utf8(byte[] value) {
    try {
      return Optional.of(
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(value))
              .toString());
    } catch (CharacterCodingException e) {
      return Optional.empty();
    }
  }

  private static double millis(long nanos) {
    return Math.round(nanos / 1e4) / 100.0;
  }

  static List<Object> contacts(List<Contact> contacts) {
    return ResultJson.contacts(contacts);
  }

  /** A contact with its XOR distance to {@code reference}: bit length (0..160) and log2 (fractional). */
  static Map<String, Object> contact(Contact c, NodeId reference) {
    NodeId xor = reference.xor(c.id());
    BigInteger d = new BigInteger(1, xor.toBytes());
    double log2 = d.signum() == 0 ? 0 : Math.log(d.doubleValue()) / Math.log(2);
    return obj(
        "id", c.id().toString(), "address", c.endpoint().toString(), "distanceBits", reference.distanceBits(c.id()),
        "log2Distance", Math.round(log2 * 1000) / 1000.0);
  }

  /** A record's components as a JSON object (for the stats records). */
  static Map<String, Object> record(Record r) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (RecordComponent c : r.getClass().getRecordComponents()) {
      try {
        Object value = c.getAccessor().invoke(r);
        out.put(c.getName(), value instanceof ErrorCounts e ? e.asMap() : value);
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException("cannot read " + c.getName() + " of " + r.getClass().getSimpleName(), e);
      }
    }
    return out;
  }

  /** Typed, strict access to a request's JSON fields. */
  static final class Fields {
    private final Map<String, Object> body;

    Fields(Map<String, Object> body, Set<String> allowed) {
      this.body = body;
      for (String name : body.keySet()) {
        if (!allowed.contains(name)) {
          throw ApiException.badRequest(
              "unknown field \"" + clip(name) + "\" (allowed: " + String.join(", ", allowed.stream().sorted().toList())
                  + ")");
        }
      }
    }

    boolean has(String name) {
      return body.containsKey(name) && body.get(name) != Json.NULL;
    }

    String string(String name, boolean required) {
      Object v = body.get(name);
      if (v == null || v == Json.NULL) {
        if (required) {
          throw ApiException.badRequest("\"" + name + "\" is required");
        }
        return null;
      }
      if (!(v instanceof String s)) {
        throw ApiException.badRequest("\"" + name + "\" must be a string, got " + Json.typeName(v));
      }
      return s;
    }

    long integer(String name, boolean required) {
      Object v = body.get(name);
      if (v == null || v == Json.NULL) {
        if (required) {
          throw ApiException.badRequest("\"" + name + "\" is required");
        }
        return 0;
      }
      if (!(v instanceof Long l)) {
        throw ApiException.badRequest(
            "\"" + name + "\" must be an integer" + (v instanceof Number ? " within 64 bits" : ", got " + Json.typeName(v)));
      }
      return l;
    }

    boolean bool(String name) {
      Object v = body.get(name);
      if (v == null || v == Json.NULL) {
        return false;
      }
      if (!(v instanceof Boolean b)) {
        throw ApiException.badRequest("\"" + name + "\" must be true or false, got " + Json.typeName(v));
      }
      return b;
    }
  }
}
