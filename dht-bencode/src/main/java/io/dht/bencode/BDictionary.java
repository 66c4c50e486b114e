package io.dht.bencode;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * An immutable bencoded dictionary ({@code d<key><value>...e}) with byte-string keys kept in
 * sorted (canonical) order.
 *
 * <p>Methods taking a {@code String} key expect plain ASCII and throw {@link
 * IllegalArgumentException} for any other character; use {@link #entries()} or {@link
 * Builder#put(BString, BValue)} for binary keys.
 */
public final class BDictionary implements BValue {

  private static final BDictionary EMPTY = new BDictionary(new BString[0], new BValue[0]);

  private final BString[] keys;
  private final BValue[] values;
  private final Map<BString, BValue> entries;

  /** Takes ownership of the arrays; {@code keys} must be strictly increasing. */
  BDictionary(BString[] keys, BValue[] values) {
    this.keys = keys;
    this.values = values;
    this.entries = new Entries();
  }

  /** Returns a new, empty builder. */
  public static Builder builder() {
    return new Builder();
  }

  /** Returns the dictionary with no entries. */
  public static BDictionary empty() {
    return EMPTY;
  }

  /** Number of entries. */
  public int size() {
    return keys.length;
  }

  /** An unmodifiable view of the entries, iterating in sorted key order. */
  public Map<BString, BValue> entries() {
    return entries;
  }

  /** The value stored under {@code asciiKey}, if any. */
  public Optional<BValue> get(String asciiKey) {
    return Optional.ofNullable(getOrNull(asciiKey));
  }

  /** The value stored under {@code asciiKey}, or {@code null}; does not allocate. */
  public BValue getOrNull(String asciiKey) {
    int index = indexOf(asciiKey);
    return index < 0 ? null : values[index];
  }

  /** Whether an entry is stored under {@code asciiKey}. */
  public boolean containsKey(String asciiKey) {
    return indexOf(asciiKey) >= 0;
  }

  /** The byte string stored under {@code key}, or {@code null} if absent or of another type. */
  public BString getString(String key) {
    return getOrNull(key) instanceof BString s ? s : null;
  }

  /** The integer stored under {@code key}, or {@code null} if absent or of another type. */
  public BInteger getInteger(String key) {
    return getOrNull(key) instanceof BInteger i ? i : null;
  }

  /** The list stored under {@code key}, or {@code null} if absent or of another type. */
  public BList getList(String key) {
    return getOrNull(key) instanceof BList l ? l : null;
  }

  /** The dictionary stored under {@code key}, or {@code null} if absent or of another type. */
  public BDictionary getDictionary(String key) {
    return getOrNull(key) instanceof BDictionary d ? d : null;
  }

  BString keyAt(int index) {
    return keys[index];
  }

  BValue valueAt(int index) {
    return values[index];
  }

  private int indexOf(String asciiKey) {
    requireAscii(asciiKey);
    int low = 0;
    int high = keys.length - 1;
    while (low <= high) {
      int mid = (low + high) >>> 1;
      int cmp = keys[mid].compareToAscii(asciiKey);
      if (cmp < 0) {
        low = mid + 1;
      } else if (cmp > 0) {
        high = mid - 1;
      } else {
        return mid;
      }
    }
    return -1;
  }

  private int indexOf(BString key) {
    return Arrays.binarySearch(keys, key);
  }

  private static String requireAscii(String key) {
    for (int i = 0; i < key.length(); i++) {
      if (key.charAt(i) > 0x7f) {
        throw new IllegalArgumentException("not an ASCII key: " + key);
      }
    }
    return key;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof BDictionary other
        && Arrays.equals(keys, other.keys)
        && Arrays.equals(values, other.values);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(keys) + Arrays.hashCode(values);
  }

  /** Renders as {@code {key: value, ...}} in key order. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("{");
    for (int i = 0; i < keys.length; i++) {
      if (i > 0) {
        sb.append(", ");
      }
      sb.append(keys[i]).append(": ").append(values[i]);
    }
    return sb.append('}').toString();
  }

  /** Read-only map view over the sorted arrays, with binary-search lookups. */
  private final class Entries extends AbstractMap<BString, BValue> {

    @Override
    public int size() {
      return keys.length;
    }

    @Override
    public boolean containsKey(Object key) {
      return key instanceof BString k && indexOf(k) >= 0;
    }

    @Override
    public BValue get(Object key) {
      if (key instanceof BString k) {
        int index = indexOf(k);
        return index < 0 ? null : values[index];
      }
      return null;
    }

    @Override
    public Set<Map.Entry<BString, BValue>> entrySet() {
      return new AbstractSet<>() {
        @Override
        public int size() {
          return keys.length;
        }

        @Override
        public Iterator<Map.Entry<BString, BValue>> iterator() {
          return new Iterator<>() {
            private int next;

            @Override
            public boolean hasNext() {
              return next < keys.length;
            }

            @Override
            public Map.Entry<BString, BValue> next() {
              if (next >= keys.length) {
                throw new NoSuchElementException();
              }
              Map.Entry<BString, BValue> entry = Map.entry(keys[next], values[next]);
              next++;
              return entry;
            }
          };
        }
      };
    }
  }

  /** Collects entries for a {@link BDictionary}; a later put of the same key replaces the earlier value. */
  public static final class Builder {

    private final TreeMap<BString, BValue> entries = new TreeMap<>();

    private Builder() {}

    /** Puts {@code value} under the ASCII key {@code asciiKey}. */
    public Builder put(String asciiKey, BValue value) {
      return put(BString.utf8(requireAscii(asciiKey)), value);
    }

    /** Puts {@code value} under {@code key}. */
    public Builder put(BString key, BValue value) {
      entries.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
      return this;
    }

    /** Puts a copy of {@code bytes} as a byte string under {@code asciiKey}. */
    public Builder put(String asciiKey, byte[] bytes) {
      return put(asciiKey, BString.of(bytes));
    }

    /** Puts {@code value} as an integer under {@code asciiKey}. */
    public Builder put(String asciiKey, long value) {
      return put(asciiKey, new BInteger(value));
    }

    /** Puts the UTF-8 encoding of {@code text} under {@code asciiKey}. */
    public Builder putUtf8(String asciiKey, String text) {
      return put(asciiKey, BString.utf8(text));
    }

    /** Returns a dictionary of the entries put so far; the builder stays usable. */
    public BDictionary build() {
      if (entries.isEmpty()) {
        return EMPTY;
      }
      return new BDictionary(
          entries.keySet().toArray(new BString[0]), entries.values().toArray(new BValue[0]));
    }
  }
}
