package io.dht.http;

import static io.dht.http.Json.obj;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The API's own JSON codec: strict on input, escapes on output, and one-line errors with the position. */
class JsonTest {
  @Test
  void parsesEveryKindOfValue() {
    Object v = Json.parse(" {\"a\": [1, -2, 3.5, 1e3, true, false, null, \"x\\n\\u00e9\\ud83d\\ude00\"], \"b\": {}} ");

    Map<?, ?> m = (Map<?, ?>) v;
    List<?> a = (List<?>) m.get("a");
    assertThat(a.get(0)).isEqualTo(1L);
    assertThat(a.get(1)).isEqualTo(-2L);
    assertThat(a.get(2)).isEqualTo(new BigDecimal("3.5"));
    assertThat(a.get(3)).isEqualTo(new BigDecimal("1e3"));
    assertThat(a.subList(4, 7)).isEqualTo(List.of(true, false, Json.NULL));
    assertThat(a.get(7)).isEqualTo("x\né😀");
    assertThat((Map<?, ?>) m.get("b")).isEmpty();
    assertThat(Json.parse("9223372036854775807")).isEqualTo(Long.MAX_VALUE);
    assertThat(Json.parse("9223372036854775808")).isEqualTo(new BigDecimal("9223372036854775808"));
    assertThat(Json.parse("-0")).isEqualTo(0L);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '`',
      value = {
        "``| empty document: expected a JSON value",
        "`   `| empty document: expected a JSON value",
        "{\"a\":1,}| line 1, column 8: unexpected '}': expected a string key in double quotes",
        "[1,]| line 1, column 4: unexpected ']': expected a value",
        "{a:1}| line 1, column 2: unexpected 'a': expected a string key in double quotes",
        "{\"a\" 1}| line 1, column 6: unexpected '1': expected ':' after the key",
        "{\"a\":1 \"b\":2}| line 1, column 8: unexpected '\"': expected ',' or '}'",
        "[1 2]| line 1, column 4: unexpected '2': expected ',' or ']'",
        "'x'| line 1, column 1: unexpected ''': expected a value",
        "01| line 1, column 2: bad number: leading zeros are not allowed",
        "1.| line 1, column 3: bad number: expected a digit after '.'",
        "-| line 1, column 2: bad number: expected a digit after '-'",
        "1e| line 1, column 3: bad number: expected a digit in the exponent",
        "+1| line 1, column 1: unexpected '+': expected a value",
        "tru| line 1, column 1: unexpected 't': expected a value (did you mean true?)",
        "NaN| line 1, column 1: unexpected 'N': expected a value",
        "\"abc| line 1, column 5: unterminated string",
        "\"a\\x\"| line 1, column 4: bad escape '\\x' in a string",
        "\"\\u12\"| line 1, column 6: bad \\u escape: expected 4 hex digits",
        "\"\\ud800\"| line 1, column 7: lone high surrogate \\ud800",
        "\"\\udc00\"| line 1, column 7: lone low surrogate \\udc00",
        "{\"a\":1,\"a\":2}| line 1, column 8: duplicate key \"a\"",
        "{} {}| line 1, column 4: unexpected '{' after the JSON value",
        "[1] // comment| line 1, column 5: unexpected '/' after the JSON value",
      })
  void rejectsMalformedDocumentsWithThePosition(String text, String expected) {
    assertThatThrownBy(() -> Json.parse(text))
        .isInstanceOf(Json.JsonException.class)
        .hasMessageEndingWith(expected.strip())
        .hasMessageStartingWith(expected.strip().startsWith("line") ? "malformed JSON at " : "malformed JSON at line 1");
  }

  @Test
  void rejectsControlCharactersDeepNestingAndOtherTypes() {
    assertThatThrownBy(() -> Json.parse("\"a\tb\""))
        .hasMessageContaining("unescaped control character U+0009 in a string");
    assertThatThrownBy(() -> Json.parse("[".repeat(65) + "]".repeat(65))).hasMessageContaining("nested deeper than 64");
    assertThat(Json.parse("[".repeat(64) + "]".repeat(64))).isInstanceOf(List.class);
    assertThatThrownBy(() -> Json.parse("{\n  \"a\": ]\n}")).hasMessage("malformed JSON at line 2, column 8: unexpected ']': expected a value");
    assertThatThrownBy(() -> Json.parseObject("[]")).hasMessage("expected a JSON object, got an array");
    assertThatThrownBy(() -> Json.parse("\"\u0000\"")).hasMessageContaining("U+0000");
  }

  @Test
  void writesCompactEscapedJson() {
    Map<String, Object> m =
        obj("s", "a\"b\\c\n</script>\u0001", "n", 5, "d", 1.5, "whole", 2.0, "nan", Double.NaN, "b", true,
            "none", null, "opt", Optional.empty(), "seq", OptionalLong.of(3), "list", List.of(1, "x"),
            "array", new Object[] {Json.NULL});

    assertThat(Json.write(m))
        .isEqualTo(
            "{\"s\":\"a\\\"b\\\\c\\n\\u003c/script\\u003e\\u0001\",\"n\":5,\"d\":1.5,\"whole\":2,\"nan\":null,"
                + "\"b\":true,\"none\":null,\"opt\":null,\"seq\":3,\"list\":[1,\"x\"],\"array\":[null]}");
    assertThatThrownBy(() -> Json.write(new Object())).isInstanceOf(Json.JsonException.class);
    assertThatThrownBy(() -> Json.write(Map.of(1, 2))).hasMessageContaining("keys must be strings");
  }

  @Property(tries = 300)
  void stringsRoundTrip(@ForAll String s) {
    boolean wellFormed = true;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        wellFormed = false;
      }
    }
    if (wellFormed) {
      assertThat(Json.parse(Json.write(s))).isEqualTo(s);
    }
  }

  @Property(tries = 300)
  void numbersAndListsRoundTrip(@ForAll long n, @ForAll List<Long> list) {
    assertThat(Json.parse(Json.write(n))).isEqualTo(n);
    assertThat(Json.parse(Json.write(list))).isEqualTo(list);
  }

  @Property(tries = 300)
  void arbitraryTextNeverEscapesAsAnythingButAJsonException(@ForAll String s) {
    try {
      Json.parse(s);
    } catch (Json.JsonException e) {
      assertThat(e.getMessage()).startsWith("malformed JSON at line ").doesNotContain("\n");
    }
  }
}
