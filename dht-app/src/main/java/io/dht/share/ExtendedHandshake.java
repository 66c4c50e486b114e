package io.dht.share;

import io.dht.bencode.BDictionary;
import io.dht.bencode.BInteger;
import io.dht.bencode.BString;
import io.dht.bencode.BValue;
import io.dht.bencode.Bencode;
import io.dht.bencode.DecodeException;
import io.dht.bencode.DecodeLimits;

/**
 * The BEP 10 extended handshake (extended message id 0): which extensions the peer speaks under which message ids,
 * plus a few hints. Only what we use is kept; unknown keys are ignored.
 *
 * @param utMetadataId the id the peer wants {@code ut_metadata} messages sent with; 0 when it does not speak it
 * @param metadataSize the peer's {@code metadata_size} (bytes of the info dictionary); -1 when absent
 * @param listenPort the peer's {@code p} (TCP listen port); 0 when absent
 * @param client the peer's {@code v}; "" when absent
 * @param requestQueue the peer's {@code reqq} (requests it queues); 0 when absent
 */
record ExtendedHandshake(int utMetadataId, long metadataSize, int listenPort, String client, int requestQueue) {
  /** The id under which we receive {@code ut_metadata} messages (our entry in "m"). */
  static final int OUR_UT_METADATA_ID = 2;

  static final String UT_METADATA = "ut_metadata";
  private static final DecodeLimits LIMITS = new DecodeLimits(64 * 1024, 8, 16 * 1024, 2_000);

  /** Our handshake; {@code metadataSize} negative when we do not have the metadata yet. */
  static byte[] encode(long metadataSize, int listenPort, int requestQueue, String client) {
    BDictionary.Builder b =
        BDictionary.builder()
            .put("m", BDictionary.builder().put(UT_METADATA, OUR_UT_METADATA_ID).build())
            .put("reqq", requestQueue)
            .putUtf8("v", client);
    if (metadataSize >= 0) {
      b.put("metadata_size", metadataSize);
    }
    if (listenPort > 0) {
      b.put("p", listenPort);
    }
    return Bencode.encode(b.build());
  }

  /** Decodes a peer's handshake payload. */
  static ExtendedHandshake decode(byte[] payload) throws DecodeException {
    if (payload.length == 0) {
      throw new DecodeException(0, "empty extended handshake");
    }
    BValue v = Bencode.decode(payload, 0, payload.length, LIMITS);
    if (!(v instanceof BDictionary d)) {
      throw new DecodeException(0, "extended handshake is not a dictionary");
    }
    int utMetadata = 0;
    BDictionary m = d.getDictionary("m");
    if (m != null && m.getInteger(UT_METADATA) != null) {
      long id = m.getInteger(UT_METADATA).value();
      utMetadata = id > 0 && id < 256 ? (int) id : 0;
    }
    long size = -1;
    BInteger ms = d.getInteger("metadata_size");
    if (ms != null && ms.value() > 0) {
      size = ms.value();
    }
    BInteger p = d.getInteger("p");
    int port = p != null && p.value() > 0 && p.value() <= 65535 ? (int) p.value() : 0;
    BString client = d.getString("v");
    BInteger q = d.getInteger("reqq");
    int reqq = q != null && q.value() > 0 ? (int) Math.min(q.value(), 100_000) : 0;
    return new ExtendedHandshake(utMetadata, size, port, client == null ? "" : printable(client.asUtf8()), reqq);
  }

  private static String printable(String s) {
    String t = s.replaceAll("[^\\p{Print}]", "?");
    return t.length() > 64 ? t.substring(0, 64) : t;
  }
}
