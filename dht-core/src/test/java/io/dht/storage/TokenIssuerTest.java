package io.dht.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.dht.bencode.BString;
import io.dht.id.Endpoint;
import io.dht.id.NodeId;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class TokenIssuerTest {
  private static final long ROTATION = 5 * 60 * 1_000_000_000L;
  private static final long EPOCH_START = 7 * ROTATION;
  private static final InetAddress IP = Endpoint.parseAddress("203.0.113.7");
  private static final InetAddress OTHER_IP = Endpoint.parseAddress("203.0.113.8");
  private static final InetAddress IP6 = Endpoint.parseAddress("2001:db8::7");
  private static final NodeId TARGET = NodeId.parseHex("0123456789abcdef0123456789abcdef01234567");
  private static final NodeId OTHER_TARGET = NodeId.parseHex("0123456789abcdef0123456789abcdef01234566");

  private final TokenIssuer issuer = new TokenIssuer(new SplittableRandom(11), ROTATION);

  @Test
  void tokenIsValidInItsEpochAndTheNext() {
    for (long issuedAt : new long[] {EPOCH_START, EPOCH_START + ROTATION / 2, EPOCH_START + ROTATION - 1}) {
      BString token = issuer.issue(IP, TARGET, issuedAt);
      assertThat(token.length()).isEqualTo(TokenIssuer.LENGTH);
      assertThat(issuer.isValid(token, IP, TARGET, issuedAt)).isTrue();
      assertThat(issuer.isValid(token, IP, TARGET, EPOCH_START)).isTrue();
      assertThat(issuer.isValid(token, IP, TARGET, EPOCH_START + 2 * ROTATION - 1)).isTrue();
      assertThat(issuer.isValid(token, IP, TARGET, EPOCH_START + 2 * ROTATION)).isFalse();
      assertThat(issuer.isValid(token, IP, TARGET, EPOCH_START + 10 * ROTATION)).isFalse();
      assertThat(issuer.isValid(token, IP, TARGET, EPOCH_START - 1)).as("not before it was issued").isFalse();
    }
  }

  @Test
  void tokenIsStableWithinAnEpochAndChangesWithIt() {
    BString a = issuer.issue(IP, TARGET, EPOCH_START);
    assertThat(issuer.issue(IP, TARGET, EPOCH_START + ROTATION - 1)).isEqualTo(a);
    assertThat(issuer.issue(IP, TARGET, EPOCH_START + ROTATION)).isNotEqualTo(a);
  }

  @Test
  void tokenIsBoundToIpAndTarget() {
    BString token = issuer.issue(IP, TARGET, EPOCH_START);
    assertThat(issuer.isValid(token, OTHER_IP, TARGET, EPOCH_START)).isFalse();
    assertThat(issuer.isValid(token, IP6, TARGET, EPOCH_START)).isFalse();
    assertThat(issuer.isValid(token, IP, OTHER_TARGET, EPOCH_START)).isFalse();
    assertThat(issuer.issue(OTHER_IP, TARGET, EPOCH_START)).isNotEqualTo(token);
    assertThat(issuer.issue(IP, OTHER_TARGET, EPOCH_START)).isNotEqualTo(token);
    BString v6 = issuer.issue(IP6, TARGET, EPOCH_START);
    assertThat(issuer.isValid(v6, IP6, TARGET, EPOCH_START)).isTrue();
  }

  @Test
  void tokensOfAnotherLengthAreInvalid() {
    byte[] token = issuer.issue(IP, TARGET, EPOCH_START).toByteArray();
    assertThat(issuer.isValid(BString.of(Arrays.copyOf(token, 4)), IP, TARGET, EPOCH_START)).isFalse();
    assertThat(issuer.isValid(BString.of(Arrays.copyOf(token, 9)), IP, TARGET, EPOCH_START)).isFalse();
    assertThat(issuer.isValid(BString.of(Arrays.copyOf(token, 20)), IP, TARGET, EPOCH_START)).isFalse();
    assertThat(issuer.isValid(BString.of(new byte[0]), IP, TARGET, EPOCH_START)).isFalse();
    byte[] flipped = token.clone();
    flipped[7] ^= 1;
    assertThat(issuer.isValid(BString.of(flipped), IP, TARGET, EPOCH_START)).isFalse();
  }

  @Test
  void secretsDifferBetweenIssuers() {
    TokenIssuer other = new TokenIssuer(new SplittableRandom(12), ROTATION);
    BString token = issuer.issue(IP, TARGET, EPOCH_START);
    assertThat(other.issue(IP, TARGET, EPOCH_START)).isNotEqualTo(token);
    assertThat(other.isValid(token, IP, TARGET, EPOCH_START)).isFalse();
  }

  @Test
  void negativeClockValuesWork() {
    BString token = issuer.issue(IP, TARGET, -1);
    assertThat(issuer.isValid(token, IP, TARGET, -1)).isTrue();
    assertThat(issuer.isValid(token, IP, TARGET, 0)).isTrue();
    assertThat(issuer.isValid(token, IP, TARGET, ROTATION - 1)).isTrue();
    assertThat(issuer.isValid(token, IP, TARGET, ROTATION)).isFalse();
    assertThat(issuer.isValid(token, IP, TARGET, -ROTATION - 1)).isFalse();
  }

  @Test
  void tokenIsSipHashOfEpochIpAndTargetUnderTheRandomKey() {
    byte[] key = new byte[16];
    new SplittableRandom(11).nextBytes(key);
    long k0 = SipHash.keyWord(key, 0);
    long k1 = SipHash.keyWord(key, 8);
    for (InetAddress ip : new InetAddress[] {IP, IP6}) {
      byte[] address = ip.getAddress();
      ByteBuffer message = ByteBuffer.allocate(8 + address.length + 20);
      message.putLong(EPOCH_START / ROTATION).put(address).put(TARGET.toBytes());
      long mac = SipHash.hash(k0, k1, message.array());
      byte[] expected = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(mac).array();
      assertThat(issuer.issue(ip, TARGET, EPOCH_START + 1).toByteArray()).isEqualTo(expected);
    }
  }

  @Test
  void ipv6TokensFollowTheSameEpochRule() {
    BString token = issuer.issue(IP6, TARGET, EPOCH_START + ROTATION / 2);
    assertThat(token.length()).isEqualTo(TokenIssuer.LENGTH);
    assertThat(issuer.isValid(token, IP6, TARGET, EPOCH_START)).isTrue();
    assertThat(issuer.isValid(token, IP6, TARGET, EPOCH_START + ROTATION)).as("previous epoch's token").isTrue();
    assertThat(issuer.isValid(token, IP6, TARGET, EPOCH_START + 2 * ROTATION - 1)).isTrue();
    assertThat(issuer.isValid(token, IP6, TARGET, EPOCH_START + 2 * ROTATION)).isFalse();
    assertThat(issuer.isValid(token, IP6, TARGET, EPOCH_START - 1)).isFalse();
    assertThat(issuer.isValid(token, IP6, OTHER_TARGET, EPOCH_START)).isFalse();
    assertThat(issuer.isValid(token, Endpoint.parseAddress("2001:db8::8"), TARGET, EPOCH_START)).isFalse();
  }

  @Test
  void anIpv4MappedIpv6AddressIsNotTheIpv4Address() {
    InetAddress mapped = Endpoint.of(HexFormat.of().parseHex("00000000000000000000ffffcb007107"), 1).address();
    assertThat(mapped.getAddress()).hasSize(16);
    BString v4 = issuer.issue(IP, TARGET, EPOCH_START);
    assertThat(issuer.isValid(v4, mapped, TARGET, EPOCH_START)).isFalse();
    assertThat(issuer.isValid(issuer.issue(mapped, TARGET, EPOCH_START), mapped, TARGET, EPOCH_START)).isTrue();
  }

  @Property(tries = 300)
  void previousEpochTokensOfAnyIpv6RequesterAreValid(
      @ForAll @LongRange(min = -1_000_000_000_000_000L, max = 1_000_000_000_000_000L) long issuedAt,
      @ForAll @Size(min = 16, max = 16) byte[] ip) {
    InetAddress address = Endpoint.of(ip, 1).address();
    BString token = issuer.issue(address, TARGET, issuedAt);
    long nextEpochStart = (Math.floorDiv(issuedAt, ROTATION) + 1) * ROTATION;
    assertThat(issuer.isValid(token, address, TARGET, nextEpochStart)).isTrue();
    assertThat(issuer.isValid(token, address, TARGET, nextEpochStart + ROTATION - 1)).isTrue();
    assertThat(issuer.isValid(token, address, TARGET, nextEpochStart + ROTATION)).isFalse();
  }

  @Property(tries = 300)
  void randomBytesAreNotValidTokens(@ForAll @Size(min = 8, max = 8) byte[] guess) {
    assertThat(issuer.isValid(BString.of(guess), IP, TARGET, EPOCH_START)).isFalse();
  }

  @Property(tries = 300)
  void validityWindowIsTheIssueEpochAndTheNext(
      @ForAll @LongRange(min = -1_000_000_000_000_000L, max = 1_000_000_000_000_000L) long issuedAt,
      @ForAll @LongRange(min = -ROTATION, max = 3 * ROTATION) long later,
      @ForAll @Size(min = 4, max = 4) byte[] ip) {
    InetAddress address = Endpoint.of(ip, 1).address();
    BString token = issuer.issue(address, TARGET, issuedAt);
    long checkedAt = issuedAt + later;
    long epochs = Math.floorDiv(checkedAt, ROTATION) - Math.floorDiv(issuedAt, ROTATION);
    assertThat(issuer.isValid(token, address, TARGET, checkedAt)).isEqualTo(epochs == 0 || epochs == 1);
  }
}
