package io.dht.bencode;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.lang.management.ManagementFactory;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Hostile inputs that try to exhaust the stack or the heap fail fast with a DecodeException. */
class LimitsTest {

  private static final DecodeLimits UNLIMITED =
      new DecodeLimits(Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE);

  @Test
  void deepNestingFailsWithoutStackOverflow() {
    byte[] bytes = new byte[100_000];
    Arrays.fill(bytes, (byte) 'l');

    assertThatExceptionOfType(DecodeException.class)
        .isThrownBy(() -> Bencode.decode(bytes))
        .satisfies(
            e -> {
              assertThat(e.offset()).isEqualTo(64);
              assertThat(e.reason()).isEqualTo("nesting depth exceeds limit 64");
            });
  }

  @Test
  void deepNestingWithoutADepthLimitStillNeverOverflowsTheStack() {
    byte[] bytes = new byte[1_000_000];
    Arrays.fill(bytes, (byte) 'l');

    assertThatExceptionOfType(DecodeException.class)
        .isThrownBy(() -> Bencode.decode(bytes, 0, bytes.length, UNLIMITED))
        .satisfies(e -> assertThat(e.reason()).isEqualTo("unexpected end of input in list"));
  }

  @Test
  void deeplyNestedValidInputDecodesWithoutADepthLimit() throws DecodeException {
    int depth = 100_000;
    byte[] bytes = ("l".repeat(depth) + "e".repeat(depth)).getBytes(ISO_8859_1);

    BValue value = Bencode.decode(bytes, 0, bytes.length, UNLIMITED);

    for (int i = 1; i < depth; i++) {
      value = ((BList) value).values().get(0);
    }
    assertThat(value).isEqualTo(BList.of());
  }

  @Test
  void declaredTwoGigabyteStringFailsFastWithoutAllocating() {
    byte[] bytes = "2147483647:tiny".getBytes(ISO_8859_1);
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long allocatedBefore = threads.getCurrentThreadAllocatedBytes();

    DecodeException e =
        catchThrowableOfType(
            DecodeException.class, () -> Bencode.decode(bytes, 0, bytes.length, UNLIMITED));

    long allocated = threads.getCurrentThreadAllocatedBytes() - allocatedBefore;
    assertThat(e).isNotNull();
    assertThat(allocated).isLessThan(1 << 20);
    assertThat(e.offset()).isZero();
    assertThat(e.reason()).isEqualTo("string length 2147483647 exceeds remaining 4 bytes");
  }

  @Test
  void declaredTwoGigabyteStringFailsOnTheLimitFirst() {
    byte[] bytes = "2000000000:tiny".getBytes(ISO_8859_1);

    assertThatExceptionOfType(DecodeException.class)
        .isThrownBy(() -> Bencode.decode(bytes))
        .satisfies(
            e -> assertThat(e.reason())
                .isEqualTo("string length 2000000000 exceeds limit 67108864"));
  }

  @Test
  void inputLongerThanTheLimitIsRejectedBeforeParsing() {
    byte[] bytes = new byte[65_537];
    Arrays.fill(bytes, (byte) 0xff);

    assertThatExceptionOfType(DecodeException.class)
        .isThrownBy(() -> Bencode.decode(bytes, 0, bytes.length, DecodeLimits.krpc()))
        .satisfies(
            e -> {
              assertThat(e.offset()).isZero();
              assertThat(e.reason()).isEqualTo("input length 65537 exceeds limit 65536");
            });
  }

  @Test
  void presetLimits() {
    assertThat(DecodeLimits.krpc()).isEqualTo(new DecodeLimits(65_536, 16, 65_536, 4_096));
    assertThat(DecodeLimits.defaults())
        .isEqualTo(new DecodeLimits(64 * 1024 * 1024, 64, 64 * 1024 * 1024, 4_000_000));
  }

  @Test
  void limitsMustBePositive() {
    assertThatIllegalArgumentException().isThrownBy(() -> new DecodeLimits(0, 1, 1, 1));
    assertThatIllegalArgumentException().isThrownBy(() -> new DecodeLimits(1, 0, 1, 1));
    assertThatIllegalArgumentException().isThrownBy(() -> new DecodeLimits(1, 1, -1, 1));
    assertThatIllegalArgumentException()
        .isThrownBy(() -> new DecodeLimits(1, 1, 1, Integer.MIN_VALUE))
        .withMessageContaining("maxElements");
  }

  @Test
  void aRangeOutsideTheArrayIsAProgrammingError() {
    byte[] bytes = "i1e".getBytes(ISO_8859_1);
    DecodeLimits limits = DecodeLimits.defaults();

    assertThatThrownBy(() -> Bencode.decode(bytes, 1, 3, limits))
        .isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> Bencode.decode(bytes, -1, 1, limits))
        .isInstanceOf(IndexOutOfBoundsException.class);
  }
}
