package io.dht.http;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.dht.Dht;
import io.dht.metrics.DhtMetrics;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local HTTP server of a node (or of a swarm's nodes): the JSON API under {@code /api/}, Prometheus metrics at
 * {@code /metrics}, and the dashboard at {@code /}. Built on the JDK's {@code com.sun.net.httpserver} with {@value
 * #THREADS} threads ({@code dht-http-N}) that parse requests, hand the work to the node through the {@link Dht}
 * facade and wait for its future (at most the configured timeout). They never touch a node.
 *
 * <p>Security: the server binds to loopback by default. Bound to any other address it refuses to start without a
 * bearer token; with a token, every {@code /api/} and {@code /metrics} request must carry {@code Authorization:
 * Bearer <token>} (401 otherwise). Without a token the {@code Host} header must name a loopback host (403
 * otherwise: a web page cannot reach the API through DNS rebinding), and {@code POST} bodies must be {@code
 * application/json} (415 otherwise: a cross-site form cannot post to it). Request bodies are limited to {@value
 * #MAX_BODY_BYTES} bytes.
 *
 * <p>Errors are {@code {"error": "..."}} with the status: 400 malformed JSON, bad hex, bad fields; 401 missing or
 * wrong token; 403 bad Host; 404 unknown path, target or lookup; 405 wrong method (with {@code Allow}); 409 a
 * mutable {@code seq} that is not newer; 413 body or value too large; 415 not JSON; 502 the network refused (a
 * DHT error); 503 node closed or too many lookups in flight; 504 no result in time.
 */
public final class HttpApi implements AutoCloseable {
  public static final int MAX_BODY_BYTES = 16 * 1024;
  /** Lookups (get_peers, announce, put, get, find_node) the API runs at once; more get 503. */
  public static final int MAX_LOOKUPS_IN_FLIGHT = 32;
  public static final int THREADS = 4;
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

  private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);
  private static final Map<String, String> STATIC_TYPES =
      Map.of(
          "html", "text/html; charset=utf-8",
          "js", "text/javascript; charset=utf-8",
          "css", "text/css; charset=utf-8",
          "json", "application/json; charset=utf-8",
          "svg", "image/svg+xml",
          "png", "image/png");

  private final HttpServer server;
  private final ExecutorService executor;
  private final Optional<byte[]> token;
  private final List<Dht> nodes;
  private final NodeApi api;
  private final DhtMetrics metrics;
  private final List<Route> routes = new ArrayList<>();

  private HttpApi(Builder b) throws IOException {
    this.token = b.token.map(t -> t.getBytes(StandardCharsets.UTF_8));
    this.nodes = b.nodes;
    this.metrics = new DhtMetrics(b.nodes);
    LookupLog log = b.lookups != null ? b.lookups : new LookupLog();
    this.api = new NodeApi(b.nodes, log, b.timeout, b.keysDir);
    this.server = HttpServer.create(b.bind, 64);
    AtomicInteger n = new AtomicInteger();
    ThreadFactory threads =
        r -> {
          Thread t = new Thread(r, "dht-http-" + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        };
    this.executor = Executors.newFixedThreadPool(THREADS, threads);
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    addRoutes();
    api.httpAddress(uri().toString());
    server.start();
    LOG.info("HTTP API and dashboard on {}{}", uri(), token.isPresent() ? " (bearer token required)" : "");
  }

  /** A server for {@code nodes} (one for {@code dht node}, all of a swarm's for {@code dht swarm --dashboard}). */
  public static Builder builder(List<Dht> nodes) {
    return new Builder(nodes);
  }

  public static Builder builder(Dht node) {
    return new Builder(List.of(node));
  }

  /** The bound address (the real port when asked for port 0). */
  public InetSocketAddress address() {
    return server.getAddress();
  }

  /** {@code http://host:port/}, IPv6 in brackets. */
  public URI uri() {
    InetSocketAddress a = address();
    String host = a.getAddress().getHostAddress();
    if (a.getAddress() instanceof Inet6Address) {
      int zone = host.indexOf('%');
      host = "[" + (zone < 0 ? host : host.substring(0, zone)) + "]";
    }
    return URI.create("http://" + host + ":" + a.getPort() + "/");
  }

  /** The nodes this server shows, by index. */
  public List<Dht> nodes() {
    return nodes;
  }

  public LookupLog lookups() {
    return api.lookups();
  }

  public DhtMetrics metrics() {
    return metrics;
  }

  /** Stops accepting requests, gives running ones up to a second, stops the threads. Idempotent. */
  @Override
  public void close() {
    server.stop(1);
    executor.shutdownNow();
    try {
      if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
        LOG.warn("HTTP threads still busy after 5 s; leaving them (daemon threads)");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ------------------------------------------------------------------ addresses

  /**
   * Parses {@code ADDR:PORT} for {@code --http}: an IP literal ({@code [v6]} in brackets) or {@code localhost}, and
   * a port 0..65535 (0 = any free port).
   *
   * @throws IllegalArgumentException with a one-line reason
   */
  public static InetSocketAddress parseBind(String text) {
    int colon = text.lastIndexOf(':');
    if (colon <= 0 || colon == text.length() - 1) {
      throw new IllegalArgumentException("'" + text + "' is not ADDR:PORT (e.g. 127.0.0.1:8080)");
    }
    String host = text.substring(0, colon);
    String portText = text.substring(colon + 1);
    int port;
    try {
      port = Integer.parseInt(portText);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + text + "': bad port '" + portText + "'");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("'" + text + "': port must be 0..65535");
    }
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    } else if (host.contains(":")) {
      throw new IllegalArgumentException("'" + text + "': write IPv6 as [ADDR]:PORT");
    }
    InetAddress address;
    if (host.equalsIgnoreCase("localhost")) {
      address = InetAddress.getLoopbackAddress();
    } else {
      try {
        address = io.dht.id.Endpoint.parseAddress(host);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("'" + text + "': '" + host + "' is not an IP address or localhost");
      }
    }
    return new InetSocketAddress(address, port);
  }

  /** Configures an {@link HttpApi}; {@link #start()} binds it. */
  public static final class Builder {
    private final List<Dht> nodes;
    private InetSocketAddress bind = new InetSocketAddress(InetAddress.getLoopbackAddress(), 8080);
    private Optional<String> token = Optional.empty();
    private Duration timeout = DEFAULT_TIMEOUT;
    private Optional<Path> keysDir = Optional.empty();
    private LookupLog lookups;

    private Builder(List<Dht> nodes) {
      if (nodes == null || nodes.isEmpty()) {
        throw new IllegalArgumentException("the API needs at least one node");
      }
      this.nodes = List.copyOf(nodes);
    }

    /** Address and port; default 127.0.0.1:8080. */
    public Builder bind(InetSocketAddress address) {
      this.bind = address;
      return this;
    }

    /** The bearer token every API request must carry; required unless bound to loopback. */
    public Builder token(String token) {
      if (token != null && token.isBlank()) {
        throw new IllegalArgumentException("the HTTP token must not be blank");
      }
      if (token != null && !token.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
        throw new IllegalArgumentException("the HTTP token must be printable ASCII without spaces");
      }
      this.token = Optional.ofNullable(token);
      return this;
    }

    /** How long a request waits for the node (a lookup); default 30 s; then 504. */
    public Builder timeout(Duration timeout) {
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("timeout must be positive");
      }
      this.timeout = timeout;
      return this;
    }

    /** Where {@code POST /api/items} finds the key files of mutable items ({@code NAME.key}); default none. */
    public Builder keysDir(Path dir) {
      this.keysDir = Optional.ofNullable(dir);
      return this;
    }

    /** Shares a lookup log (the swarm records its own round trips in it); default a new one. */
    public Builder lookupLog(LookupLog log) {
      this.lookups = log;
      return this;
    }

    /**
     * Binds and starts the server.
     *
     * @throws IllegalArgumentException bound to a non-loopback address without a token
     * @throws IOException the address cannot be bound
     */
    public HttpApi start() throws IOException {
      if (!bind.getAddress().isLoopbackAddress() && token.isEmpty()) {
        throw new IllegalArgumentException(
            "--http " + bind.getAddress().getHostAddress() + ":" + bind.getPort()
                + " is not a loopback address: give a bearer token (--http-token or http-token in the config file)");
      }
      return new HttpApi(this);
    }
  }

  // ------------------------------------------------------------------ routing

  /** A request handler; {@code params} are the path's {@code {}} segments. */
  interface Handler {
    void handle(Request request, List<String> params) throws IOException;
  }

  private record Route(String method, String[] pattern, Handler handler) {}

  private void route(String method, String pattern, Handler handler) {
    routes.add(new Route(method, pattern.split("/", -1), handler));
  }

  private void addRoutes() {
    route("GET", "/", (r, p) -> staticFile(r, "index.html"));
    route("GET", "/dashboard/{}", (r, p) -> staticFile(r, p.get(0)));
    route("GET", "/metrics", (r, p) -> r.send(200, "text/plain; version=0.0.4; charset=utf-8", metrics.scrape()));
    route("GET", "/api/openapi.json", (r, p) -> resource(r, "/api/openapi.json"));
    route("GET", "/api/nodes", (r, p) -> r.json(200, api.nodes()));
    route("GET", "/api/node", (r, p) -> r.json(200, api.node(r.node())));
    route("GET", "/api/stats", (r, p) -> r.json(200, api.stats(r.node())));
    route("GET", "/api/routing-table", (r, p) -> r.json(200, api.routingTable(r.node())));
    route("GET", "/api/stored-items", (r, p) -> r.json(200, api.storedItems(r.node())));
    route("GET", "/api/peers/{}", (r, p) -> r.json(200, api.peers(r.node(), p.get(0))));
    route("POST", "/api/announce", (r, p) -> r.json(200, api.announce(r.node(), r.body())));
    route("POST", "/api/ping", (r, p) -> r.json(200, api.ping(r.node(), r.body())));
    route("POST", "/api/items", (r, p) -> r.json(200, api.put(r.node(), r.body())));
    route("GET", "/api/items", (r, p) -> r.json(200, api.getMutable(r.node(), r.query("key"), r.query("salt"))));
    route("GET", "/api/items/{}", (r, p) -> r.json(200, api.get(r.node(), p.get(0), r.query("salt"))));
    route("POST", "/api/lookups", (r, p) -> r.json(200, api.findNode(r.node(), r.body())));
    route("GET", "/api/lookups", (r, p) -> r.json(200, api.lookupList()));
    route("GET", "/api/lookups/{}", (r, p) -> r.json(200, api.lookup(p.get(0))));
  }

  private static boolean matches(String[] pattern, String[] path, List<String> params) {
    if (pattern.length != path.length) {
      return false;
    }
    for (int i = 0; i < pattern.length; i++) {
      if (pattern[i].equals("{}")) {
        if (path[i].isEmpty()) {
          return false;
        }
        params.add(path[i]);
      } else if (!pattern[i].equals(path[i])) {
        return false;
      }
    }
    return true;
  }

  /**
   * Every request: authenticate, route, answer; any failure becomes a JSON error. This is the HTTP side's only
   * catch-all (the loop's is in {@code EventLoop}): a bug answers 500 and is logged, the server goes on.
   */
  private void handle(HttpExchange exchange) {
    Request request = new Request(exchange);
    try {
      try {
        dispatch(request);
      } catch (ApiException e) {
        request.error(e.status(), e.getMessage(), e.allow());
      } catch (Json.JsonException e) {
        request.error(400, e.getMessage(), null);
      } catch (IOException e) {
        LOG.debug("HTTP {} {}: {}", exchange.getRequestMethod(), exchange.getRequestURI(), e.toString());
      } catch (RuntimeException e) {
        LOG.warn("HTTP {} {} failed: {}", exchange.getRequestMethod(), exchange.getRequestURI(), e.toString(), e);
        request.error(500, "internal error: " + e.getClass().getSimpleName(), null);
      }
    } catch (IOException e) {
      LOG.debug("HTTP {} {}: cannot answer: {}", exchange.getRequestMethod(), exchange.getRequestURI(), e.toString());
    } finally {
      exchange.close();
    }
  }

  private void dispatch(Request r) throws IOException {
    String path = r.exchange.getRequestURI().getPath();
    if (path == null || path.isEmpty()) {
      path = "/";
    }
    boolean protectedPath = path.startsWith("/api/") || path.equals("/metrics");
    if (protectedPath) {
      authorize(r);
    }
    String[] segments = path.split("/", -1);
    Set<String> allowed = new LinkedHashSet<>();
    String method = r.exchange.getRequestMethod();
    for (Route route : routes) {
      List<String> params = new ArrayList<>();
      if (matches(route.pattern(), segments, params)) {
        if (route.method().equals(method)) {
          if (method.equals("POST")) {
            r.requireJson();
          }
          route.handler().handle(r, params);
          return;
        }
        allowed.add(route.method());
      }
    }
    if (!allowed.isEmpty()) {
      throw ApiException.methodNotAllowed(method, path, String.join(", ", allowed));
    }
    throw ApiException.notFound("no such path: " + path + (protectedPath ? " (see /api/openapi.json)" : ""));
  }

  private void authorize(Request r) {
    Headers h = r.exchange.getRequestHeaders();
    if (token.isPresent()) {
      String auth = h.getFirst("Authorization");
      if (auth == null || !auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
        throw new ApiException(401, "missing bearer token: send 'Authorization: Bearer <token>'");
      }
      byte[] given = auth.substring(7).strip().getBytes(StandardCharsets.UTF_8);
      if (!MessageDigest.isEqual(given, token.get())) {
        throw new ApiException(401, "wrong bearer token");
      }
      return;
    }
    String host = h.getFirst("Host");
    if (host != null && !isLoopbackHost(host)) {
      throw new ApiException(
          403,
          "Host '" + host + "' is not a loopback name; without a token the API answers only to localhost,"
              + " 127.x.x.x and [::1]");
    }
  }

  /** {@code localhost}, {@code 127.x.x.x} or {@code [::1]}, with or without a port. */
  static boolean isLoopbackHost(String host) {
    String h = host.strip().toLowerCase(Locale.ROOT);
    if (h.startsWith("[")) {
      int end = h.indexOf(']');
      return end > 0 && h.substring(1, end).equals("::1");
    }
    int colon = h.indexOf(':');
    if (colon >= 0) {
      h = h.substring(0, colon);
    }
    return h.equals("localhost") || h.matches("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}");
  }

  private void staticFile(Request r, String name) throws IOException {
    if (!name.matches("[A-Za-z0-9_-]+\\.[a-z]+")) {
      throw ApiException.notFound("no such file: " + name);
    }
    resource(r, "/dashboard/" + name);
  }

  private void resource(Request r, String path) throws IOException {
    String ext = path.substring(path.lastIndexOf('.') + 1);
    String type = STATIC_TYPES.get(ext);
    try (InputStream in = HttpApi.class.getResourceAsStream(path)) {
      if (in == null || type == null) {
        throw ApiException.notFound("no such file: " + path);
      }
      r.send(200, type, in.readAllBytes());
    }
  }

  // ------------------------------------------------------------------ one exchange

  /** One request and its answer. */
  final class Request {
    final HttpExchange exchange;
    private Map<String, String> query;

    Request(HttpExchange exchange) {
      this.exchange = exchange;
    }

    /** The {@code ?node=} index, default 0. */
    int node() {
      String n = query("node");
      if (n == null) {
        return 0;
      }
      int count = api.nodeCount();
      int i;
      try {
        i = Integer.parseInt(n);
      } catch (NumberFormatException e) {
        throw ApiException.badRequest("node must be a node index 0.." + (count - 1) + ", got '" + n + "'");
      }
      if (i < 0 || i >= count) {
        throw ApiException.notFound("no node " + i + "; this server has " + count + " (0.." + (count - 1) + ")");
      }
      return i;
    }

    /** A query parameter, or null; a parameter given twice is a 400. */
    String query(String name) {
      if (query == null) {
        query = parseQuery(exchange.getRequestURI().getRawQuery());
      }
      return query.get(name);
    }

    void requireJson() {
      String type = exchange.getRequestHeaders().getFirst("Content-Type");
      String mime = type == null ? "" : type.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
      if (!mime.equals("application/json")) {
        throw new ApiException(
            415, "send the request body as JSON with 'Content-Type: application/json'"
                + (type == null ? "" : " (got '" + type + "')"));
      }
    }

    /** The body parsed as a JSON object; at most {@value #MAX_BODY_BYTES} bytes of UTF-8. */
    Map<String, Object> body() throws IOException {
      byte[] bytes;
      try (InputStream in = exchange.getRequestBody()) {
        bytes = in.readNBytes(MAX_BODY_BYTES + 1);
      }
      if (bytes.length > MAX_BODY_BYTES) {
        throw ApiException.tooLarge("request body over " + MAX_BODY_BYTES + " bytes");
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
        throw ApiException.badRequest("request body is not UTF-8");
      }
      if (text.isBlank()) {
        throw ApiException.badRequest("empty request body: expected a JSON object");
      }
      return Json.parseObject(text);
    }

    void json(int status, Object value) throws IOException {
      send(status, "application/json; charset=utf-8", Json.write(value));
    }

    void error(int status, String message, String allow) throws IOException {
      if (allow != null) {
        exchange.getResponseHeaders().set("Allow", allow);
      }
      if (status == 401) {
        exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"dht\"");
      }
      json(status, Json.obj("error", message));
    }

    void send(int status, String type, String body) throws IOException {
      send(status, type, body.getBytes(StandardCharsets.UTF_8));
    }

    void send(int status, String type, byte[] body) throws IOException {
      Headers h = exchange.getResponseHeaders();
      h.set("Content-Type", type);
      h.set("Cache-Control", "no-store");
      h.set("X-Content-Type-Options", "nosniff");
      h.set("Referrer-Policy", "no-referrer");
      h.set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'");
      boolean head = exchange.getRequestMethod().equals("HEAD");
      exchange.sendResponseHeaders(status, head ? -1 : body.length == 0 ? -1 : body.length);
      if (!head && body.length > 0) {
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(body);
        }
      }
    }
  }

  static Map<String, String> parseQuery(String raw) {
    Map<String, String> out = new LinkedHashMap<>();
    if (raw == null || raw.isEmpty()) {
      return out;
    }
    for (String pair : raw.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String name;
      String value;
      try {
        name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
        value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        throw ApiException.badRequest("malformed query string: bad percent-encoding in '" + pair + "'");
      }
      if (out.put(name, value) != null) {
        throw ApiException.badRequest("query parameter '" + name + "' given twice");
      }
    }
    return out;
  }
}
