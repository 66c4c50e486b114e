package io.dht.interop;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One JSON object as printed by {@code js-cluster.mjs} (or read from a {@code package.json}), with a tiny parser: no
 * JSON library is on the classpath and the lines are small. Objects become maps, arrays lists, numbers {@code Long}
 * or {@code Double}. Tolerant of what it does not need (unknown keys, nesting), strict about syntax.
 */
final class JsonLine {
  private final String text;
  private final Map<String, Object> fields;

  private JsonLine(String text, Map<String, Object> fields) {
    this.text = text;
    this.fields = fields;
  }

  /** Parses one JSON object; throws {@link IllegalArgumentException} naming the offset on bad input. */
  static JsonLine parse(String text) {
    Parser p = new Parser(text);
    Object value = p.value();
    p.skipSpace();
    if (p.pos != text.length()) {
      throw p.error("trailing characters");
    }
    if (!(value instanceof Map<?, ?>)) {
      throw new IllegalArgumentException("not a JSON object: " + text);
    }
    return of(text, (Map<?, ?>) value);
  }

  private static JsonLine of(String text, Map<?, ?> map) {
    Map<String, Object> copy = new LinkedHashMap<>();
    map.forEach((k, v) -> copy.put(String.valueOf(k), v));
    return new JsonLine(text, copy);
  }

  boolean has(String key) {
    return fields.get(key) != null;
  }

  Optional<String> string(String key) {
    Object v = fields.get(key);
    return v == null ? Optional.empty() : Optional.of(String.valueOf(v));
  }

  boolean bool(String key) {
    return Boolean.TRUE.equals(fields.get(key));
  }

  long number(String key) {
    Object v = fields.get(key);
    if (!(v instanceof Number)) {
      throw new IllegalArgumentException("no number '" + key + "' in " + text);
    }
    return ((Number) v).longValue();
  }

  /** The array {@code key} as strings; empty when absent. */
  List<String> strings(String key) {
    List<String> out = new ArrayList<>();
    if (fields.get(key) instanceof List<?> list) {
      list.forEach(item -> out.add(String.valueOf(item)));
    }
    return out;
  }

  /** The array {@code key} of objects; empty when absent. */
  List<JsonLine> objects(String key) {
    List<JsonLine> out = new ArrayList<>();
    if (fields.get(key) instanceof List<?> list) {
      for (Object item : list) {
        if (item instanceof Map<?, ?> map) {
          out.add(of(map.toString(), map));
        }
      }
    }
    return out;
  }

  @Override
  public String toString() {
    return text;
  }

  private static final class Parser {
    private final String s;
    private int pos;

    Parser(String s) {
      this.s = s;
    }

    Object value() {
      skipSpace();
      if (pos >= s.length()) {
        throw error("unexpected end");
      }
      char c = s.charAt(pos);
      switch (c) {
        case '{':
          return object();
        case '[':
          return array();
        case '"':
          return string();
        case 't':
          return literal("true", Boolean.TRUE);
        case 'f':
          return literal("false", Boolean.FALSE);
        case 'n':
          return literal("null", null);
        default:
          return number();
      }
    }

    private Map<String, Object> object() {
      Map<String, Object> map = new LinkedHashMap<>();
      pos++; // {
      skipSpace();
      if (peek() == '}') {
        pos++;
        return map;
      }
      while (true) {
        skipSpace();
        if (peek() != '"') {
          throw error("expected a key");
        }
        String key = string();
        skipSpace();
        expect(':');
        map.put(key, value());
        skipSpace();
        if (peek() == ',') {
          pos++;
        } else {
          expect('}');
          return map;
        }
      }
    }

    private List<Object> array() {
      List<Object> list = new ArrayList<>();
      pos++; // [
      skipSpace();
      if (peek() == ']') {
        pos++;
        return list;
      }
      while (true) {
        list.add(value());
        skipSpace();
        if (peek() == ',') {
          pos++;
        } else {
          expect(']');
          return list;
        }
      }
    }

    private String string() {
      StringBuilder sb = new StringBuilder();
      pos++; // "
      while (pos < s.length()) {
        char c = s.charAt(pos++);
        if (c == '"') {
          return sb.toString();
        }
        if (c != '\\') {
          sb.append(c);
          continue;
        }
        if (pos >= s.length()) {
          break;
        }
        char e = s.charAt(pos++);
        switch (e) {
          case 'b' -> sb.append('\b');
          case 'f' -> sb.append('\f');
          case 'n' -> sb.append('\n');
          case 'r' -> sb.append('\r');
          case 't' -> sb.append('\t');
          case 'u' -> {
            if (pos + 4 > s.length()) {
              throw error("short \\u escape");
            }
            sb.append((char) Integer.parseInt(s.substring(pos, pos + 4), 16));
            pos += 4;
          }
          default -> sb.append(e); // \" \\ \/
        }
      }
      throw error("unterminated string");
    }

    private Object number() {
      int start = pos;
      while (pos < s.length() && "+-0123456789.eE".indexOf(s.charAt(pos)) >= 0) {
        pos++;
      }
      String n = s.substring(start, pos);
      try {
        return n.matches("-?\\d+") ? (Object) Long.parseLong(n) : (Object) Double.parseDouble(n);
      } catch (NumberFormatException e) {
        throw error("bad value '" + n + "'");
      }
    }

    private Object literal(String word, Object value) {
      if (!s.startsWith(word, pos)) {
        throw error("expected " + word);
      }
      pos += word.length();
      return value;
    }

    private char peek() {
      return pos < s.length() ? s.charAt(pos) : '\0';
    }

    private void expect(char c) {
      if (peek() != c) {
        throw error("expected '" + c + "'");
      }
      pos++;
    }

    void skipSpace() {
      while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) {
        pos++;
      }
    }

    IllegalArgumentException error(String why) {
      return new IllegalArgumentException("bad JSON at offset " + pos + " (" + why + "): " + s);
    }
  }
}
