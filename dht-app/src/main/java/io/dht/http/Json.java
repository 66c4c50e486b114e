package io.dht.http;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * A small, strict JSON codec (RFC 8259) for the HTTP API; no dependencies.
 *
 * <p>{@link #parse} accepts exactly one JSON value surrounded by optional whitespace and nothing else: no comments,
 * no trailing commas, no single quotes, no leading zeros, no unescaped control characters, no lone surrogates, no
 * duplicate object keys, at most {@value #MAX_DEPTH} levels of nesting. Objects become {@link LinkedHashMap}s
 * (insertion order), arrays {@link List}s, strings {@link String}s, numbers {@link Long} when integral and within
 * range, else {@link BigDecimal}; {@code true}/{@code false} {@link Boolean}s; {@code null} {@link #NULL}. Every
 * failure is a {@link JsonException} with a one-line message naming the line and column.
 *
 * <p>{@link #write} encodes maps (string keys), iterables, arrays of objects, strings, numbers, booleans, {@code
 * null}, and {@code Optional}s (empty as {@code null}); anything else is a programming error.
 */
public final class Json {
  /** Deepest nesting {@link #parse} accepts. */
  public static final int MAX_DEPTH = 64;

  /** The JSON {@code null} in parsed values (so that a map's {@code get} tells "null" from "absent"). */
  public static final Object NULL =
      new Object() {
        @Override
        public String toString() {
          return "null";
        }
      };

  private Json() {}

  /** A malformed document, or a value {@link #write} cannot encode. */
  public static final class JsonException extends RuntimeException {
    JsonException(String message) {
      super(message, null, false, false);
    }
  }

  // ------------------------------------------------------------------ parsing

  public static Object parse(String text) {
    Parser p = new Parser(text);
    p.skipWhitespace();
    if (p.pos == text.length()) {
      throw p.error("empty document: expected a JSON value");
    }
    Object value = p.value(0);
    p.skipWhitespace();
    if (p.pos != text.length()) {
      throw p.error("unexpected " + p.describeHere() + " after the JSON value");
    }
    return value;
  }

  /** Parses a document that must be a JSON object. */
  @SuppressWarnings("unchecked")
  public static Map<String, Object> parseObject(String text) {
    Object value = parse(text);
    if (!(value instanceof Map)) {
      throw new JsonException("expected a JSON object, got " + typeName(value));
    }
    return (Map<String, Object>) value;
  }

  /** "object", "array", "string", "number", "boolean" or "null". */
  public static String typeName(Object value) {
    if (value instanceof Map) {
      return "an object";
    }
    if (value instanceof List) {
      return "an array";
    }
    if (value instanceof String) {
      return "a string";
    }
    if (value instanceof Number) {
      return "a number";
    }
    if (value instanceof Boolean) {
      return "a boolean";
    }
    return "null";
  }

  private static final class Parser {
    final String s;
    int pos;

    Parser(String s) {
      this.s = s;
    }

    JsonException error(String what) {
      int line = 1;
      int column = 1;
      for (int i = 0; i < pos && i < s.length(); i++) {
        if (s.charAt(i) == '\n') {
          line++;
          column = 1;
        } else {
          column++;
        }
      }
      return new JsonException("malformed JSON at line " + line + ", column " + column + ": " + what);
    }

    String describeHere() {
      if (pos >= s.length()) {
        return "end of input";
      }
      char c = s.charAt(pos);
      if (c < 0x20 || c == 0x7f) {
        return String.format("character U+%04X", (int) c);
      }
      return "'" + c + "'";
    }

    void skipWhitespace() {
      while (pos < s.length()) {
        char c = s.charAt(pos);
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
          pos++;
        } else {
          return;
        }
      }
    }

    Object value(int depth) {
      if (depth >= MAX_DEPTH) {
        throw error("nested deeper than " + MAX_DEPTH + " levels");
      }
      if (pos >= s.length()) {
        throw error("unexpected end of input: expected a value");
      }
      char c = s.charAt(pos);
      switch (c) {
        case '{':
          return object(depth);
        case '[':
          return array(depth);
        case '"':
          return string();
        case 't':
          return literal("true", Boolean.TRUE);
        case 'f':
          return literal("false", Boolean.FALSE);
        case 'n':
          return literal("null", NULL);
        default:
          if (c == '-' || (c >= '0' && c <= '9')) {
            return number();
          }
          throw error("unexpected " + describeHere() + ": expected a value");
      }
    }

    Object literal(String word, Object value) {
      if (!s.startsWith(word, pos)) {
        throw error("unexpected " + describeHere() + ": expected a value (did you mean " + word + "?)");
      }
      pos += word.length();
      return value;
    }

    Map<String, Object> object(int depth) {
      pos++; // {
      Map<String, Object> out = new LinkedHashMap<>();
      skipWhitespace();
      if (pos < s.length() && s.charAt(pos) == '}') {
        pos++;
        return out;
      }
      while (true) {
        skipWhitespace();
        if (pos >= s.length() || s.charAt(pos) != '"') {
          throw error("unexpected " + describeHere() + ": expected a string key in double quotes");
        }
        int keyAt = pos;
        String key = string();
        if (out.containsKey(key)) {
          pos = keyAt;
          throw error("duplicate key \"" + printable(key) + "\"");
        }
        skipWhitespace();
        if (pos >= s.length() || s.charAt(pos) != ':') {
          throw error("unexpected " + describeHere() + ": expected ':' after the key");
        }
        pos++;
        skipWhitespace();
        out.put(key, value(depth + 1));
        skipWhitespace();
        if (pos >= s.length()) {
          throw error("unexpected end of input: expected ',' or '}'");
        }
        char c = s.charAt(pos++);
        if (c == '}') {
          return out;
        }
        if (c != ',') {
          pos--;
          throw error("unexpected " + describeHere() + ": expected ',' or '}'");
        }
      }
    }

    List<Object> array(int depth) {
      pos++; // [
      List<Object> out = new ArrayList<>();
      skipWhitespace();
      if (pos < s.length() && s.charAt(pos) == ']') {
        pos++;
        return out;
      }
      while (true) {
        skipWhitespace();
        out.add(value(depth + 1));
        skipWhitespace();
        if (pos >= s.length()) {
          throw error("unexpected end of input: expected ',' or ']'");
        }
        char c = s.charAt(pos++);
        if (c == ']') {
          return out;
        }
        if (c != ',') {
          pos--;
          throw error("unexpected " + describeHere() + ": expected ',' or ']'");
        }
      }
    }

    String string() {
      pos++; // opening quote
      StringBuilder out = new StringBuilder();
      while (true) {
        if (pos >= s.length()) {
          throw error("unterminated string");
        }
        char c = s.charAt(pos);
        if (c == '"') {
          pos++;
          return out.toString();
        }
        if (c < 0x20) {
          throw error(String.format("unescaped control character U+%04X in a string", (int) c));
        }
        if (c == '\\') {
          pos++;
          if (pos >= s.length()) {
            throw error("unterminated string");
          }
          char e = s.charAt(pos);
          switch (e) {
            case '"' -> out.append('"');
            case '\\' -> out.append('\\');
            case '/' -> out.append('/');
            case 'b' -> out.append('\b');
            case 'f' -> out.append('\f');
            case 'n' -> out.append('\n');
            case 'r' -> out.append('\r');
            case 't' -> out.append('\t');
            case 'u' -> {
              char unit = hex4();
              if (Character.isHighSurrogate(unit)) {
                if (!s.startsWith("\\u", pos + 1)) {
                  throw error("lone high surrogate \\u" + Integer.toHexString(unit));
                }
                pos += 2;
                char low = hex4();
                if (!Character.isLowSurrogate(low)) {
                  throw error("high surrogate not followed by a low surrogate");
                }
                out.append(unit).append(low);
              } else if (Character.isLowSurrogate(unit)) {
                throw error("lone low surrogate \\u" + Integer.toHexString(unit));
              } else {
                out.append(unit);
              }
            }
            default -> throw error("bad escape '\\" + printable(String.valueOf(e)) + "' in a string");
          }
          pos++;
          continue;
        }
        if (Character.isHighSurrogate(c)) {
          if (pos + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(pos + 1))) {
            throw error("lone surrogate in a string");
          }
          out.append(c).append(s.charAt(pos + 1));
          pos += 2;
          continue;
        }
        if (Character.isLowSurrogate(c)) {
          throw error("lone surrogate in a string");
        }
        out.append(c);
        pos++;
      }
    }

    /** Reads the 4 hex digits after {@code \\u}; leaves pos on the last digit. */
    char hex4() {
      int v = 0;
      for (int i = 1; i <= 4; i++) {
        if (pos + i >= s.length()) {
          pos = s.length();
          throw error("unterminated string");
        }
        char h = s.charAt(pos + i);
        int d = h < 0x80 ? Character.digit(h, 16) : -1;
        if (d < 0) {
          pos += i;
          throw error("bad \\u escape: expected 4 hex digits");
        }
        v = v * 16 + d;
      }
      pos += 4;
      return (char) v;
    }

    Number number() {
      int start = pos;
      if (s.charAt(pos) == '-') {
        pos++;
      }
      if (pos >= s.length() || !isDigit(s.charAt(pos))) {
        throw error("bad number: expected a digit after '-'");
      }
      if (s.charAt(pos) == '0') {
        pos++;
        if (pos < s.length() && isDigit(s.charAt(pos))) {
          throw error("bad number: leading zeros are not allowed");
        }
      } else {
        while (pos < s.length() && isDigit(s.charAt(pos))) {
          pos++;
        }
      }
      boolean integral = true;
      if (pos < s.length() && s.charAt(pos) == '.') {
        integral = false;
        pos++;
        if (pos >= s.length() || !isDigit(s.charAt(pos))) {
          throw error("bad number: expected a digit after '.'");
        }
        while (pos < s.length() && isDigit(s.charAt(pos))) {
          pos++;
        }
      }
      if (pos < s.length() && (s.charAt(pos) == 'e' || s.charAt(pos) == 'E')) {
        integral = false;
        pos++;
        if (pos < s.length() && (s.charAt(pos) == '+' || s.charAt(pos) == '-')) {
          pos++;
        }
        if (pos >= s.length() || !isDigit(s.charAt(pos))) {
          throw error("bad number: expected a digit in the exponent");
        }
        while (pos < s.length() && isDigit(s.charAt(pos))) {
          pos++;
        }
      }
      String text = s.substring(start, pos);
      if (pos - start > 400) {
        throw error("number longer than 400 characters");
      }
      if (integral) {
        BigInteger big = new BigInteger(text);
        if (big.bitLength() < 64) {
          return big.longValue();
        }
      }
      try {
        return new BigDecimal(text);
      } catch (NumberFormatException | ArithmeticException e) {
        throw error("bad number " + text);
      }
    }

    static boolean isDigit(char c) {
      return c >= '0' && c <= '9';
    }
  }

  private static String printable(String s) {
    StringBuilder out = new StringBuilder();
    s.codePoints().limit(64).forEach(cp -> {
      if (cp < 0x20 || cp == 0x7f) {
        out.append(String.format("\\u%04x", cp));
      } else {
        out.appendCodePoint(cp);
      }
    });
    return out.toString();
  }

  // ------------------------------------------------------------------ writing

  /** Encodes {@code value} compactly. */
  public static String write(Object value) {
    StringBuilder out = new StringBuilder();
    write(value, out, 0);
    return out.toString();
  }

  /** An insertion-ordered object from alternating keys and values: {@code obj("a", 1, "b", "x")}. */
  public static Map<String, Object> obj(Object... keysAndValues) {
    if (keysAndValues.length % 2 != 0) {
      throw new IllegalArgumentException("obj needs key, value pairs");
    }
    Map<String, Object> out = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      out.put((String) keysAndValues[i], keysAndValues[i + 1]);
    }
    return out;
  }

  private static void write(Object v, StringBuilder out, int depth) {
    if (depth > MAX_DEPTH) {
      throw new JsonException("value nested deeper than " + MAX_DEPTH + " levels");
    }
    if (v == null || v == NULL) {
      out.append("null");
    } else if (v instanceof String str) {
      quote(str, out);
    } else if (v instanceof Boolean b) {
      out.append(b.booleanValue());
    } else if (v instanceof Double d) {
      writeDouble(d, out);
    } else if (v instanceof Float f) {
      writeDouble(f.doubleValue(), out);
    } else if (v instanceof BigDecimal bd) {
      out.append(bd.toString());
    } else if (v instanceof Number n) {
      out.append(n.toString()); // Long, Integer, Short, Byte, BigInteger
    } else if (v instanceof Map<?, ?> m) {
      out.append('{');
      boolean first = true;
      for (Map.Entry<?, ?> e : m.entrySet()) {
        if (!(e.getKey() instanceof String key)) {
          throw new JsonException("object keys must be strings, got " + e.getKey());
        }
        if (!first) {
          out.append(',');
        }
        first = false;
        quote(key, out);
        out.append(':');
        write(e.getValue(), out, depth + 1);
      }
      out.append('}');
    } else if (v instanceof Iterable<?> it) {
      out.append('[');
      boolean first = true;
      for (Object o : it) {
        if (!first) {
          out.append(',');
        }
        first = false;
        write(o, out, depth + 1);
      }
      out.append(']');
    } else if (v instanceof Object[] array) {
      write(List.of(array), out, depth);
    } else if (v instanceof Optional<?> o) {
      write(o.orElse(null), out, depth);
    } else if (v instanceof OptionalLong o) {
      write(o.isPresent() ? (Object) o.getAsLong() : null, out, depth);
    } else if (v instanceof OptionalInt o) {
      write(o.isPresent() ? (Object) o.getAsInt() : null, out, depth);
    } else if (v instanceof OptionalDouble o) {
      write(o.isPresent() ? (Object) o.getAsDouble() : null, out, depth);
    } else {
      throw new JsonException("cannot encode " + v.getClass().getName() + " as JSON");
    }
  }

  private static void writeDouble(double d, StringBuilder out) {
    if (Double.isNaN(d) || Double.isInfinite(d)) {
      out.append("null"); // JSON has no NaN or infinities
    } else if (d == Math.rint(d) && Math.abs(d) < 1e15) {
      out.append((long) d);
    } else {
      out.append(d);
    }
  }

  private static void quote(String s, StringBuilder out) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        case '\b' -> out.append("\\b");
        case '\f' -> out.append("\\f");
        default -> {
          // < and > escaped too, so JSON embedded in HTML can never close a script element
          if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == 0x2028 || c == 0x2029
              || (Character.isSurrogate(c) && !validPair(s, i))) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }

  private static boolean validPair(String s, int i) {
    char c = s.charAt(i);
    if (Character.isHighSurrogate(c)) {
      return i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
    }
    return i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
  }
}
