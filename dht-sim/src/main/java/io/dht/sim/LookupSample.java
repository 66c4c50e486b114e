package io.dht.sim;

import io.dht.id.Contact;
import io.dht.id.NodeId;
import io.dht.node.LookupResult;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One find_node lookup of a workload and the answer it should have given.
 *
 * @param querier the node that ran the lookup
 * @param target the id looked up
 * @param result what the lookup returned
 * @param expected the true closest live nodes other than the querier, nearest first, as many as the node's k
 */
public record LookupSample(NodeId querier, NodeId target, LookupResult result, List<Contact> expected) {
  public LookupSample {
    expected = List.copyOf(expected);
  }

  /** Whether the lookup returned exactly the expected set of node ids. */
  public boolean exact() {
    return ids(result.closest()).equals(ids(expected));
  }

  /** Expected nodes the lookup did not return, nearest first. */
  public List<Contact> missing() {
    Set<NodeId> got = ids(result.closest());
    List<Contact> out = new ArrayList<>();
    for (Contact c : expected) {
      if (!got.contains(c.id())) {
        out.add(c);
      }
    }
    return out;
  }

  private static Set<NodeId> ids(List<Contact> contacts) {
    Set<NodeId> ids = new HashSet<>();
    for (Contact c : contacts) {
      ids.add(c.id());
    }
    return ids;
  }
}
