package io.dht.http;

import static io.dht.http.Json.obj;

import io.dht.id.Contact;
import io.dht.node.PutResult;
import io.dht.node.Refusal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** JSON shapes of operation results, shared by the HTTP API and the CLI's {@code --json} output. */
public final class ResultJson {
  private ResultJson() {}

  /** Contacts as {@code [{"id": hex, "address": "ip:port"}]}. */
  public static List<Object> contacts(List<Contact> contacts) {
    List<Object> out = new ArrayList<>();
    for (Contact c : contacts) {
      out.add(obj("id", c.id().toString(), "address", c.endpoint().toString()));
    }
    return out;
  }

  /**
   * A put's outcome: {@code stored} counts every copy (ours too when we are among the k closest), {@code refused}
   * lists the nodes that answered with a KRPC error and why, {@code unanswered} counts the silent ones. Mutable.
   */
  public static Map<String, Object> put(PutResult r) {
    List<Object> refused = new ArrayList<>();
    for (Refusal f : r.refused()) {
      refused.add(obj(
          "id", f.node().id().toString(), "address", f.node().endpoint().toString(), "code", f.code(),
          "message", f.message()));
    }
    return new LinkedHashMap<>(obj(
        "target", r.target().toString(), "stored", r.copies(), "storedOn", contacts(r.storedOn()),
        "storedLocally", r.storedLocally(), "refused", refused, "unanswered", r.unanswered().size()));
  }
}
