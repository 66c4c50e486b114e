package io.dht.krpc;

import io.dht.bencode.BDictionary;
import io.dht.bencode.BString;
import io.dht.id.Contact;
import io.dht.id.Endpoint;
import io.dht.id.NodeId;
import java.util.List;
import java.util.Optional;

/**
 * A KRPC response ({@code y = r}). Responses do not name their method, so one record carries every field a
 * Mainline response may have; the caller knows which query it answers.
 *
 * @param responder {@code r.id}
 * @param nodes compact IPv4 node info from {@code r.nodes}
 * @param nodes6 compact IPv6 node info from {@code r.nodes6}
 * @param values peers from {@code r.values} (6- and 18-byte entries both accepted)
 * @param token {@code r.token}, opaque, any length
 * @param requesterAddress BEP 42's top-level {@code ip}: our endpoint as the responder saw it
 * @param body the whole {@code r} dictionary, for extensions
 */
public record Response(
    BString transactionId,
    NodeId responder,
    List<Contact> nodes,
    List<Contact> nodes6,
    List<Endpoint> values,
    Optional<BString> token,
    Optional<Endpoint> requesterAddress,
    BDictionary body)
    implements Message {
  public Response {
    nodes = List.copyOf(nodes);
    nodes6 = List.copyOf(nodes6);
    values = List.copyOf(values);
  }
}
