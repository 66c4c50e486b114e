package io.dht.bencode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class BDictionaryTest {

  private final BDictionary dictionary =
      BDictionary.builder()
          .put("s", BString.utf8("text"))
          .put("i", 42)
          .put("l", BList.of(new BInteger(1)))
          .put("d", BDictionary.empty())
          .put("b", new byte[] {(byte) 0xff})
          .putUtf8("u", "ü")
          .build();

  @Test
  void keepsKeysSorted() {
    BDictionary d =
        BDictionary.builder()
            .put("zz", 1)
            .put(BString.of(new byte[] {(byte) 0x80}), new BInteger(2))
            .put("a", 3)
            .put("", 4)
            .put("z", 5)
            .build();

    assertThat(d.entries().keySet())
        .containsExactly(
            BString.utf8(""),
            BString.utf8("a"),
            BString.utf8("z"),
            BString.utf8("zz"),
            BString.of(new byte[] {(byte) 0x80}));
  }

  @Test
  void laterPutReplacesTheEarlierValue() {
    BDictionary d = BDictionary.builder().put("k", 1).put("j", 0).put("k", 2).build();

    assertThat(d.size()).isEqualTo(2);
    assertThat(d.getInteger("k")).isEqualTo(new BInteger(2));
  }

  @Test
  void lookupsByAsciiKey() {
    assertThat(dictionary.get("i")).contains(new BInteger(42));
    assertThat(dictionary.get("missing")).isEmpty();
    assertThat(dictionary.getOrNull("s")).isEqualTo(BString.utf8("text"));
    assertThat(dictionary.getOrNull("")).isNull();
    assertThat(dictionary.containsKey("l")).isTrue();
    assertThat(dictionary.containsKey("ll")).isFalse();
    assertThat(dictionary.getString("b").toByteArray()).containsExactly(0xff);
    assertThat(dictionary.getString("u").asUtf8()).isEqualTo("ü");
  }

  @Test
  void typedGettersReturnNullForAbsentOrWrongType() {
    assertThat(dictionary.getString("s")).isEqualTo(BString.utf8("text"));
    assertThat(dictionary.getInteger("i")).isEqualTo(new BInteger(42));
    assertThat(dictionary.getList("l")).isEqualTo(BList.of(new BInteger(1)));
    assertThat(dictionary.getDictionary("d")).isEqualTo(BDictionary.empty());

    assertThat(dictionary.getString("i")).isNull();
    assertThat(dictionary.getInteger("s")).isNull();
    assertThat(dictionary.getList("d")).isNull();
    assertThat(dictionary.getDictionary("l")).isNull();
    assertThat(dictionary.getString("x")).isNull();
  }

  @Test
  void entriesIsAnUnmodifiableSortedView() {
    Map<BString, BValue> entries = dictionary.entries();

    assertThat(entries).hasSize(6);
    assertThat(entries.keySet())
        .extracting(BString::asUtf8)
        .containsExactly("b", "d", "i", "l", "s", "u");
    assertThat(entries.get(BString.utf8("i"))).isEqualTo(new BInteger(42));
    assertThat(entries.get("i")).isNull();
    assertThat(entries.containsKey(BString.utf8("d"))).isTrue();
    assertThatThrownBy(() -> entries.put(BString.utf8("x"), new BInteger(0)))
        .isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> entries.clear()).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> entries.entrySet().iterator().next().setValue(new BInteger(0)))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void equalityIsByContent() {
    BDictionary a = BDictionary.builder().put("x", 1).put("y", 2).build();
    BDictionary b = BDictionary.builder().put("y", 2).put("x", 1).build();

    assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
    assertThat(a.entries()).isEqualTo(Map.of(BString.utf8("x"), new BInteger(1),
        BString.utf8("y"), new BInteger(2)));
    assertThat(a).isNotEqualTo(BDictionary.builder().put("x", 1).build());
    assertThat(BDictionary.builder().build()).isEqualTo(BDictionary.empty());
  }

  @Test
  void builderStaysUsableAfterBuild() {
    BDictionary.Builder builder = BDictionary.builder().put("a", 1);
    BDictionary first = builder.build();
    BDictionary second = builder.put("b", 2).build();

    assertThat(first.size()).isEqualTo(1);
    assertThat(second.size()).isEqualTo(2);
  }

  @Test
  void toStringIsReadable() {
    BDictionary d =
        BDictionary.builder()
            .putUtf8("q", "ping")
            .put("id", new byte[] {0, 1})
            .put("n", 7)
            .build();

    assertThat(d).hasToString("{id: 0x0001, n: BInteger[value=7], q: ping}");
  }

  @Test
  void rejectsNonAsciiKeysAndNulls() {
    assertThatIllegalArgumentException().isThrownBy(() -> BDictionary.builder().put("ü", 1));
    assertThatIllegalArgumentException().isThrownBy(() -> dictionary.getOrNull("ü"));
    assertThatThrownBy(() -> BDictionary.builder().put("a", (BValue) null))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> BDictionary.builder().put((BString) null, new BInteger(1)))
        .isInstanceOf(NullPointerException.class);
  }
}
