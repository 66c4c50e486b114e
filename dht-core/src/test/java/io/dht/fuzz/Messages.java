package io.dht.fuzz;

import io.dht.bencode.BDictionary;
import io.dht.bencode.BString;
import io.dht.bencode.Bencode;
import io.dht.id.NodeId;

/** KRPC datagrams built straight from bencode, independent of the codec under test. */
final class Messages {
  private Messages() {}

  static byte[] query(String tid, String method, BDictionary.Builder args) {
    return query(BString.utf8(tid), method, args);
  }

  static byte[] query(BString tid, String method, BDictionary.Builder args) {
    return Bencode.encode(
        BDictionary.builder()
            .put("a", args.build())
            .put("q", BString.utf8(method))
            .put("t", tid)
            .put("y", BString.utf8("q"))
            .build());
  }

  static byte[] response(BString tid, NodeId responder, BDictionary.Builder body) {
    return Bencode.encode(
        BDictionary.builder()
            .put("r", body.put("id", responder.toBytes()).build())
            .put("t", tid)
            .put("y", BString.utf8("r"))
            .build());
  }
}
