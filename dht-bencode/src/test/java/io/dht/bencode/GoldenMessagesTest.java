package io.dht.bencode;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The example KRPC messages of BEP 5, byte for byte. */
class GoldenMessagesTest {

  static final String PING_QUERY = "d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:qe";
  static final String PING_RESPONSE = "d1:rd2:id20:mnopqrstuvwxyz123456e1:t2:aa1:y1:re";
  static final String FIND_NODE_QUERY =
      "d1:ad2:id20:abcdefghij01234567896:target20:mnopqrstuvwxyz123456e"
          + "1:q9:find_node1:t2:aa1:y1:qe";
  static final String GET_PEERS_QUERY =
      "d1:ad2:id20:abcdefghij01234567899:info_hash20:mnopqrstuvwxyz123456e"
          + "1:q9:get_peers1:t2:aa1:y1:qe";
  static final String GET_PEERS_RESPONSE =
      "d1:rd2:id20:abcdefghij01234567895:token8:aoeusnth6:valuesl6:axje.u6:idhtnmee"
          + "1:t2:aa1:y1:re";
  static final String ANNOUNCE_PEER_QUERY =
      "d1:ad2:id20:abcdefghij012345678912:implied_porti1e9:info_hash20:mnopqrstuvwxyz123456"
          + "4:porti6881e5:token8:aoeusnthe1:q13:announce_peer1:t2:aa1:y1:qe";
  static final String ERROR_MESSAGE = "d1:eli201e23:A Generic Error Ocurrede1:t2:aa1:y1:ee";

  static List<String> messages() {
    return List.of(
        PING_QUERY,
        PING_RESPONSE,
        FIND_NODE_QUERY,
        GET_PEERS_QUERY,
        GET_PEERS_RESPONSE,
        ANNOUNCE_PEER_QUERY,
        ERROR_MESSAGE);
  }

  @ParameterizedTest
  @MethodSource("messages")
  void decodeThenEncodeReproducesTheExactBytes(String message) throws DecodeException {
    byte[] input = message.getBytes(ISO_8859_1);

    BValue value = Bencode.decode(input);

    assertThat(Bencode.encode(value)).isEqualTo(input);
    assertThat(Bencode.encodedLength(value)).isEqualTo(input.length);
    assertThat(Bencode.decode(input, 0, input.length, DecodeLimits.krpc())).isEqualTo(value);
  }

  @Test
  void pingQuery() throws DecodeException {
    BDictionary message = decodeDictionary(PING_QUERY);

    assertThat(message.getString("y").asUtf8()).isEqualTo("q");
    assertThat(message.getString("q").asUtf8()).isEqualTo("ping");
    assertThat(message.getString("t").asUtf8()).isEqualTo("aa");
    assertThat(message.getDictionary("a").getString("id").asUtf8())
        .isEqualTo("abcdefghij0123456789");
    assertThat(message.size()).isEqualTo(4);
  }

  @Test
  void pingResponse() throws DecodeException {
    BDictionary message = decodeDictionary(PING_RESPONSE);

    assertThat(message.getString("y").asUtf8()).isEqualTo("r");
    assertThat(message.getDictionary("r").getString("id").length()).isEqualTo(20);
    assertThat(message.getDictionary("r").getString("id").asUtf8())
        .isEqualTo("mnopqrstuvwxyz123456");
  }

  @Test
  void findNodeQuery() throws DecodeException {
    BDictionary message = decodeDictionary(FIND_NODE_QUERY);

    assertThat(message.getString("q").asUtf8()).isEqualTo("find_node");
    assertThat(message.getDictionary("a").getString("target").asUtf8())
        .isEqualTo("mnopqrstuvwxyz123456");
  }

  @Test
  void getPeersQuery() throws DecodeException {
    BDictionary message = decodeDictionary(GET_PEERS_QUERY);

    assertThat(message.getString("q").asUtf8()).isEqualTo("get_peers");
    assertThat(message.getDictionary("a").getString("info_hash").asUtf8())
        .isEqualTo("mnopqrstuvwxyz123456");
  }

  @Test
  void getPeersResponseWithValues() throws DecodeException {
    BDictionary response = decodeDictionary(GET_PEERS_RESPONSE).getDictionary("r");

    assertThat(response.getString("token").asUtf8()).isEqualTo("aoeusnth");
    assertThat(response.getList("values").values())
        .containsExactly(BString.utf8("axje.u"), BString.utf8("idhtnm"));
  }

  @Test
  void announcePeerQuery() throws DecodeException {
    BDictionary arguments = decodeDictionary(ANNOUNCE_PEER_QUERY).getDictionary("a");

    assertThat(arguments.getInteger("implied_port")).isEqualTo(new BInteger(1));
    assertThat(arguments.getInteger("port").value()).isEqualTo(6881);
    assertThat(arguments.getString("token").asUtf8()).isEqualTo("aoeusnth");
    assertThat(arguments.entries().keySet())
        .extracting(BString::asUtf8)
        .containsExactly("id", "implied_port", "info_hash", "port", "token");
  }

  @Test
  void errorMessage() throws DecodeException {
    BDictionary message = decodeDictionary(ERROR_MESSAGE);

    assertThat(message.getString("y").asUtf8()).isEqualTo("e");
    assertThat(message.getList("e"))
        .isEqualTo(BList.of(new BInteger(201), BString.utf8("A Generic Error Ocurred")));
  }

  @Test
  void builtPingQueryEncodesToTheGoldenBytes() {
    BDictionary ping =
        BDictionary.builder()
            .putUtf8("y", "q")
            .putUtf8("t", "aa")
            .putUtf8("q", "ping")
            .put("a", BDictionary.builder().putUtf8("id", "abcdefghij0123456789").build())
            .build();

    assertThat(Bencode.encode(ping)).isEqualTo(PING_QUERY.getBytes(ISO_8859_1));
  }

  private static BDictionary decodeDictionary(String message) throws DecodeException {
    BValue value = Bencode.decode(message.getBytes(ISO_8859_1));
    assertThat(value).isInstanceOf(BDictionary.class);
    return (BDictionary) value;
  }
}
