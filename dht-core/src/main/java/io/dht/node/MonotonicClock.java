package io.dht.node;

/** The node's only source of time: a monotonic nanosecond counter (wall clock in production, virtual in sim). */
@FunctionalInterface
public interface MonotonicClock {
  long nanos();
}
