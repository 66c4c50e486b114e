package io.dht.bencode;

/**
 * The single checked error of decoding: the input is not the canonical bencoding of one value,
 * or it exceeds the {@link DecodeLimits} in force.
 */
public final class DecodeException extends Exception {

  private final int offset;
  private final String reason;

  /**
   * @param offset position of the offending byte, counted from the start of the decoded range
   * @param reason short description of the problem
   */
  public DecodeException(int offset, String reason) {
    // no stack trace: this is the normal fate of garbage datagrams, and filling one in dominated their cost
    super(reason + " at offset " + offset, null, false, false);
    this.offset = offset;
    this.reason = reason;
  }

  /** Position of the offending byte, counted from the start of the decoded range. */
  public int offset() {
    return offset;
  }

  /** Short description of the problem, without the offset. */
  public String reason() {
    return reason;
  }
}
