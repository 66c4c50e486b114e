package io.dht.node;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * KRPC error messages counted by code: each code of BEP 5 and BEP 44 ({@link #CODES}) on its own, every other code
 * together ({@link #other()}). An immutable snapshot; the node counts into a {@code long[]} indexed by {@link
 * #slot(int)}, which costs one switch per error.
 */
public final class ErrorCounts {
  /** The codes counted one by one: 201-207 (BEP 5, BEP 44) and 301, 302 (BEP 44). */
  public static final List<Integer> CODES = List.of(201, 202, 203, 204, 205, 206, 207, 301, 302);

  /** Length of the counting array: one slot per code of {@link #CODES}, then one for the rest. */
  static final int SLOTS = 10;

  private static final ErrorCounts NONE = new ErrorCounts(new long[SLOTS]);

  private final long[] counts;

  private ErrorCounts(long[] counts) {
    this.counts = counts;
  }

  /** A snapshot of {@code counts}, an array of {@link #SLOTS} counters indexed by {@link #slot(int)}. */
  static ErrorCounts of(long[] counts) {
    if (counts.length != SLOTS) {
      throw new IllegalArgumentException("expected " + SLOTS + " counters, got " + counts.length);
    }
    return new ErrorCounts(counts.clone());
  }

  /** No errors. */
  public static ErrorCounts none() {
    return NONE;
  }

  /** The counting slot of {@code code}: its index in {@link #CODES}, or {@code SLOTS - 1} for any other code. */
  static int slot(int code) {
    switch (code) {
      case 201:
        return 0;
      case 202:
        return 1;
      case 203:
        return 2;
      case 204:
        return 3;
      case 205:
        return 4;
      case 206:
        return 5;
      case 207:
        return 6;
      case 301:
        return 7;
      case 302:
        return 8;
      default:
        return SLOTS - 1;
    }
  }

  /** Errors with {@code code}, one of {@link #CODES}. */
  public long count(int code) {
    int slot = slot(code);
    if (slot == SLOTS - 1) {
      throw new IllegalArgumentException("code " + code + " is not counted on its own (see CODES); use other()");
    }
    return counts[slot];
  }

  /** Errors with a code not in {@link #CODES}. */
  public long other() {
    return counts[SLOTS - 1];
  }

  /** All errors. */
  public long total() {
    long sum = 0;
    for (long c : counts) {
      sum += c;
    }
    return sum;
  }

  /** {@code "201" -> n, ..., "302" -> n, "other" -> n}, in that order (for JSON). */
  public Map<String, Long> asMap() {
    Map<String, Long> out = new LinkedHashMap<>();
    for (int i = 0; i < CODES.size(); i++) {
      out.put(Integer.toString(CODES.get(i)), counts[i]);
    }
    out.put("other", counts[SLOTS - 1]);
    return out;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ErrorCounts e && Arrays.equals(counts, e.counts);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(counts);
  }

  @Override
  public String toString() {
    return asMap().toString();
  }
}
