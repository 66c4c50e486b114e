package io.dht.share;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dht.bencode.DecodeException;
import io.dht.id.NodeId;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** Golden bytes of the peer wire messages (BEP 3, 5, 10), and malformed variants. */
class PeerWireTest {
  private static final NodeId IH = NodeId.parseHex("0123456789abcdef0123456789abcdef01234567");
  private static final byte[] PEER = "-DJ0010-abcdefghijkl".getBytes(StandardCharsets.US_ASCII);

  private static byte[] bytes(ByteBuffer b) {
    byte[] out = new byte[b.remaining()];
    b.duplicate().get(out);
    return out;
  }

  private static byte[] hex(String s) {
    return HexFormat.of().parseHex(s.replace(" ", ""));
  }

  @Test
  void handshakeCarriesExtensionAndDhtBits() throws Exception {
    byte[] hs = bytes(PeerWire.handshake(IH, PEER, true));
    assertThat(hs).hasSize(68);
    assertThat(Arrays.copyOfRange(hs, 0, 28))
        .isEqualTo(hex("13 426974546f7272656e742070726f746f636f6c 0000000000100001"));
    PeerWire.Handshake d = PeerWire.decodeHandshake(hs, 0);
    assertThat(d.infoHash()).isEqualTo(IH);
    assertThat(d.peerId().toByteArray()).isEqualTo(PEER);
    assertThat(d.extensionProtocol()).isTrue();
    assertThat(d.dht()).isTrue();
  }

  @Test
  void rejectsForeignHandshakes() {
    byte[] hs = bytes(PeerWire.handshake(IH, PEER, false));
    hs[0] = 18;
    assertThatThrownBy(() -> PeerWire.decodeHandshake(hs, 0)).isInstanceOf(DecodeException.class);
    byte[] other = bytes(PeerWire.handshake(IH, PEER, false));
    other[5] = 'X';
    assertThatThrownBy(() -> PeerWire.decodeHandshake(other, 0)).isInstanceOf(DecodeException.class);
  }

  @Test
  void encodesMessagesAsBep3Says() {
    assertThat(bytes(PeerWire.keepAlive())).isEqualTo(hex("00000000"));
    assertThat(bytes(PeerWire.simple(PeerMessage.INTERESTED))).isEqualTo(hex("00000001 02"));
    assertThat(bytes(PeerWire.have(258))).isEqualTo(hex("00000005 04 00000102"));
    assertThat(bytes(PeerWire.request(PeerMessage.REQUEST, 1, 16384, 16384)))
        .isEqualTo(hex("0000000d 06 00000001 00004000 00004000"));
    assertThat(bytes(PeerWire.port(6881))).isEqualTo(hex("00000003 09 1ae1"));
    BitSet have = new BitSet();
    have.set(0);
    have.set(9);
    assertThat(bytes(PeerWire.bitfield(have, 10))).isEqualTo(hex("00000003 05 8040"));
    assertThat(PeerWire.parseBitfield(hex("8040"), 10)).isEqualTo(have);
    assertThat(PeerWire.parseBitfield(hex("804000"), 10)).isNull();
  }

  @Test
  void decodesEveryMessage() throws Exception {
    assertThat(decode("00")).isInstanceOf(PeerMessage.Choke.class);
    assertThat(decode("01")).isInstanceOf(PeerMessage.Unchoke.class);
    assertThat(decode("04 00000007")).isEqualTo(new PeerMessage.Have(7));
    assertThat(decode("06 00000001 00004000 00004000")).isEqualTo(new PeerMessage.Request(1, 16384, 16384));
    assertThat(decode("08 00000001 00004000 00004000")).isEqualTo(new PeerMessage.Cancel(1, 16384, 16384));
    assertThat(decode("09 1ae1")).isEqualTo(new PeerMessage.Port(6881));
    PeerMessage.Piece p = (PeerMessage.Piece) decode("07 00000002 00000010 aabbcc");
    assertThat(p.piece()).isEqualTo(2);
    assertThat(p.begin()).isEqualTo(16);
    assertThat(Arrays.copyOfRange(p.buffer(), p.offset(), p.offset() + p.length())).isEqualTo(hex("aabbcc"));
    PeerMessage.Extended e = (PeerMessage.Extended) decode("14 00 6465");
    assertThat(e.extendedId()).isZero();
    assertThat(e.payload()).isEqualTo(hex("6465"));
    assertThat(decode("63 0102")).isEqualTo(new PeerMessage.Unknown(0x63, 3));
  }

  @Test
  void rejectsMalformedMessages() {
    for (String bad : new String[] {"00 00", "04 000001", "06 00000001 00004000", "07 00000001", "09 1a",
        "14", "04 ffffffff", "06 80000000 00000000 00004000"}) {
      assertThatThrownBy(() -> decode(bad)).as(bad).isInstanceOf(DecodeException.class);
    }
  }

  private static PeerMessage decode(String hexBody) throws DecodeException {
    byte[] b = hex(hexBody);
    byte[] padded = new byte[b.length + 3];
    System.arraycopy(b, 0, padded, 3, b.length);
    return PeerWire.decode(padded, 3, b.length);
  }

  @Test
  void metadataMessagesRoundTrip() throws Exception {
    MetadataMessage r = MetadataMessage.decode(MetadataMessage.request(3));
    assertThat(r.type()).isEqualTo(MetadataMessage.REQUEST);
    assertThat(r.piece()).isEqualTo(3);
    byte[] header = MetadataMessage.dataHeader(1, 20000);
    byte[] data = new byte[header.length + 3616];
    System.arraycopy(header, 0, data, 0, header.length);
    data[data.length - 1] = 42;
    MetadataMessage d = MetadataMessage.decode(data);
    assertThat(d.type()).isEqualTo(MetadataMessage.DATA);
    assertThat(d.totalSize()).isEqualTo(20000);
    assertThat(d.dataLength()).isEqualTo(3616);
    assertThat(d.payload()[d.dataOffset() + 3615]).isEqualTo((byte) 42);
    assertThat(new String(header, StandardCharsets.US_ASCII)).isEqualTo("d8:msg_typei1e5:piecei1e10:total_sizei20000ee");
    for (String bad : new String[] {"", "d8:msg_typei0e", "d8:msg_typei0e5:piecei-1ee", "l1:ae", "d5:piecei0ee",
        "d8:msg_typei0e5:piecei0eexx", "d8:msg_typei1e5:piecei0ee", "99999999999:", "i1"}) {
      assertThatThrownBy(() -> MetadataMessage.decode(bad.getBytes(StandardCharsets.US_ASCII)))
          .as(bad).isInstanceOf(DecodeException.class);
    }
  }

  @Test
  void extendedHandshakeKeepsWhatWeUse() throws Exception {
    byte[] ours = ExtendedHandshake.encode(1234, 6881, 250, "dht-java 0.1");
    assertThat(new String(ours, StandardCharsets.US_ASCII))
        .isEqualTo("d1:md11:ut_metadatai2ee13:metadata_sizei1234e1:pi6881e4:reqqi250e1:v12:dht-java 0.1e");
    ExtendedHandshake x = ExtendedHandshake.decode(ours);
    assertThat(x).isEqualTo(new ExtendedHandshake(2, 1234, 6881, "dht-java 0.1", 250));
    // libtorrent style, with keys we ignore; ut_metadata 0 means disabled.
    ExtendedHandshake lt = ExtendedHandshake.decode(
        "d1:md11:ut_metadatai0e6:ut_pexi1ee6:yourip4:\u007f\0\0\u0001e".getBytes(StandardCharsets.ISO_8859_1));
    assertThat(lt.utMetadataId()).isZero();
    assertThat(lt.metadataSize()).isEqualTo(-1);
  }
}
