package io.dht.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

/** A tiny test client: one request, the status, headers and body; every call bounded. */
final class Http {
  static final Duration TIMEOUT = Duration.ofSeconds(40);
  private static final HttpClient CLIENT =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).version(HttpClient.Version.HTTP_1_1).build();

  record Answer(int status, String contentType, String body, HttpResponse<String> raw) {
    Map<String, Object> json() {
      return Json.parseObject(body);
    }

    String error() {
      return (String) json().get("error");
    }
  }

  private final URI base;
  private final String token;

  Http(URI base) {
    this(base, null);
  }

  Http(URI base, String token) {
    this.base = base;
    this.token = token;
  }

  Answer get(String path) throws Exception {
    return send(request(path).GET());
  }

  Answer post(String path, String json) throws Exception {
    return send(request(path).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)));
  }

  Answer method(String method, String path, String body, String contentType) throws Exception {
    HttpRequest.Builder b = request(path);
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    return send(b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body)));
  }

  Answer withHeader(String path, String name, String value) throws Exception {
    return send(request(path).header(name, value).GET());
  }

  private HttpRequest.Builder request(String path) {
    HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(TIMEOUT);
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return b;
  }

  private static Answer send(HttpRequest.Builder b) throws Exception {
    HttpResponse<String> r = CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    return new Answer(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), r.body(), r);
  }

  /** A raw HTTP/1.1 GET with a chosen Host header (HttpClient does not let us set Host). Returns the status line. */
  static String rawGet(InetSocketAddress server, String path, String host) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(server, 5000);
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      return new String(in.readNBytes(64 * 1024), StandardCharsets.UTF_8);
    }
  }
}
