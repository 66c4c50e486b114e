package io.dht.http;

/** A request the API answers with an error status and {@code {"error": message}}; never a stack trace. */
public final class ApiException extends RuntimeException {
  private final int status;
  private final String allow;

  ApiException(int status, String message) {
    this(status, message, null);
  }

  private ApiException(int status, String message, String allow) {
    super(message, null, false, false);
    this.status = status;
    this.allow = allow;
  }

  public int status() {
    return status;
  }

  /** The {@code Allow} header of a 405, else null. */
  String allow() {
    return allow;
  }

  static ApiException badRequest(String message) {
    return new ApiException(400, message);
  }

  static ApiException notFound(String message) {
    return new ApiException(404, message);
  }

  static ApiException methodNotAllowed(String method, String path, String allow) {
    return new ApiException(405, "method " + method + " is not allowed on " + path + " (allowed: " + allow + ")", allow);
  }

  static ApiException tooLarge(String message) {
    return new ApiException(413, message);
  }
}
