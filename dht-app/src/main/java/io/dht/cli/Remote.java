package io.dht.cli;

import io.dht.http.ApiClient;
import java.util.Map;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/**
 * The client commands' {@code --api URL}: one call to a running daemon's HTTP API. The daemon's refusals of bad
 * input (400, 413, 415) are bad arguments (exit 2); everything else that fails (unreachable, 404 not found, 409 a
 * seq that is not newer, 5xx) is an operational failure (exit 1). Messages are the daemon's one-line errors.
 */
final class Remote {
  private Remote() {}

  static Map<String, Object> get(CommandSpec spec, ClientOptions client, String path) {
    ApiClient api = client.apiClient(spec);
    try {
      return api.get(path);
    } catch (ApiClient.Failure f) {
      throw failure(spec, f);
    }
  }

  static Map<String, Object> post(CommandSpec spec, ClientOptions client, String path, Map<String, Object> body) {
    ApiClient api = client.apiClient(spec);
    try {
      return api.post(path, body);
    } catch (ApiClient.Failure f) {
      throw failure(spec, f);
    }
  }

  private static RuntimeException failure(CommandSpec spec, ApiClient.Failure f) {
    if (f.status() == 400 || f.status() == 413 || f.status() == 415) {
      return new ParameterException(spec.commandLine(), f.getMessage());
    }
    return new CommandFailure(f.getMessage());
  }

  static long number(Map<String, Object> json, String name) {
    Object v = json.get(name);
    if (!(v instanceof Long || v instanceof Integer)) {
      throw new CommandFailure("the daemon's answer has no number '" + name + "'");
    }
    return ((Number) v).longValue();
  }

  static String string(Map<String, Object> json, String name) {
    Object v = json.get(name);
    if (!(v instanceof String s)) {
      throw new CommandFailure("the daemon's answer has no text '" + name + "'");
    }
    return s;
  }
}
