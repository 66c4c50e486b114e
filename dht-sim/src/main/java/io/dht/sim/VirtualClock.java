package io.dht.sim;

import io.dht.node.MonotonicClock;

/**
 * Simulated time: a nanosecond counter that moves only when the {@link Scheduler} runs the next event. Every node
 * of a simulation reads this one clock, so "now" is the same for all of them within an event.
 */
public final class VirtualClock implements MonotonicClock {
  private long nowNanos;

  /** A clock that starts at {@code startNanos}. */
  public VirtualClock(long startNanos) {
    this.nowNanos = startNanos;
  }

  @Override
  public long nanos() {
    return nowNanos;
  }

  /** Moves time forward to {@code timeNanos}; time never goes backwards. */
  void advanceTo(long timeNanos) {
    if (timeNanos < nowNanos) {
      throw new IllegalStateException("virtual time cannot go back from " + nowNanos + " to " + timeNanos);
    }
    nowNanos = timeNanos;
  }
}
