package io.dht.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.MalformedURLException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * A blocking client of a running daemon's JSON API, for the CLI's {@code --api URL}. Plain {@link
 * HttpURLConnection}: no threads of its own; every call bounded by the timeout (connect and read).
 */
public final class ApiClient {
  /** Bound on an answer's size; the API's answers are a few kilobytes. */
  private static final int MAX_ANSWER_BYTES = 4 << 20;

  private final URI base;
  private final Optional<String> token;
  private final Duration timeout;

  /** A failed call: {@code status} 0 when the daemon could not be reached at all. */
  public static final class Failure extends RuntimeException {
    private final int status;

    Failure(int status, String message) {
      super(message, null, false, false);
      this.status = status;
    }

    public int status() {
      return status;
    }
  }

  /**
   * @param base the daemon's address, e.g. {@code http://127.0.0.1:8080} (a path prefix is kept)
   * @throws IllegalArgumentException when {@code base} is not an http URL
   */
  public ApiClient(String base, Optional<String> token, Duration timeout) {
    this.base = parseBase(base);
    this.token = token;
    this.timeout = timeout;
  }

  static URI parseBase(String text) {
    URI uri;
    try {
      uri = new URI(text.endsWith("/") ? text : text + "/");
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("'" + text + "' is not a URL");
    }
    if (!"http".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) {
      throw new IllegalArgumentException("'" + text + "' is not an http:// URL (e.g. http://127.0.0.1:8080)");
    }
    if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
      throw new IllegalArgumentException("'" + text + "': give the daemon's base URL, without ? or #");
    }
    return uri;
  }

  public URI base() {
    return base;
  }

  /** GET {@code path} (relative, e.g. {@code api/node}); the answer's JSON object. */
  public Map<String, Object> get(String path) {
    return call("GET", path, null);
  }

  /** POST {@code body} as JSON to {@code path}; the answer's JSON object. */
  public Map<String, Object> post(String path, Map<String, Object> body) {
    return call("POST", path, Json.write(body));
  }

  private Map<String, Object> call(String method, String path, String body) {
    URI uri = base.resolve(path.startsWith("/") ? path.substring(1) : path);
    HttpURLConnection c;
    try {
      c = (HttpURLConnection) uri.toURL().openConnection();
    } catch (MalformedURLException e) {
      throw new Failure(0, "bad URL " + uri);
    } catch (IOException e) {
      throw new Failure(0, "cannot reach the daemon at " + base + ": " + e.getMessage());
    }
    try {
      c.setRequestMethod(method);
      c.setConnectTimeout((int) Math.min(Integer.MAX_VALUE, timeout.toMillis()));
      // the daemon waits up to its own timeout for a lookup: give it a little more
      c.setReadTimeout((int) Math.min(Integer.MAX_VALUE, timeout.toMillis() + 5_000));
      c.setInstanceFollowRedirects(false);
      c.setRequestProperty("Accept", "application/json");
      token.ifPresent(t -> c.setRequestProperty("Authorization", "Bearer " + t));
      if (body != null) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        c.setDoOutput(true);
        c.setRequestProperty("Content-Type", "application/json");
        c.setFixedLengthStreamingMode(bytes.length);
        try (OutputStream out = c.getOutputStream()) {
          out.write(bytes);
        }
      }
      int status = c.getResponseCode();
      String text;
      try (InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream()) {
        byte[] answer = in == null ? new byte[0] : in.readNBytes(MAX_ANSWER_BYTES + 1);
        if (answer.length > MAX_ANSWER_BYTES) {
          throw new Failure(status, "answer from " + uri + " is over " + MAX_ANSWER_BYTES + " bytes");
        }
        text = new String(answer, StandardCharsets.UTF_8);
      }
      Map<String, Object> json;
      try {
        json = Json.parseObject(text);
      } catch (Json.JsonException e) {
        throw new Failure(status, "HTTP " + status + " from " + uri + " (not the dht API? " + e.getMessage() + ")");
      }
      if (status >= 400) {
        Object error = json.get("error");
        throw new Failure(status, error instanceof String s ? s : "HTTP " + status + " from " + uri);
      }
      return json;
    } catch (ConnectException e) {
      throw new Failure(0, "cannot reach the daemon at " + base + ": " + e.getMessage());
    } catch (SocketTimeoutException e) {
      throw new Failure(0, "no answer from the daemon at " + base + " within " + timeout.toSeconds() + " s");
    } catch (IOException e) {
      throw new Failure(0, "cannot talk to the daemon at " + base + ": " + e.getMessage());
    } finally {
      c.disconnect();
    }
  }
}
