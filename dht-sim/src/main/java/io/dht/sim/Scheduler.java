package io.dht.sim;

import java.time.Duration;
import java.util.PriorityQueue;
import java.util.function.BooleanSupplier;

/**
 * A discrete-event scheduler over a {@link VirtualClock}. Events run in order of (time, order of scheduling), so
 * events due at the same instant run first-scheduled-first and a run is a pure function of its inputs. Running the
 * clock forward executes every event due up to the target time, one at a time, on the calling thread.
 *
 * <p>Each {@code run} call executes at most {@link #eventCap()} events and throws {@link IllegalStateException}
 * past that, so a simulation that keeps scheduling work at one instant fails instead of looping forever.
 */
public final class Scheduler {
  /** The default bound on the events one {@code run} call may execute. */
  public static final long DEFAULT_EVENT_CAP = 100_000_000L;

  private final VirtualClock clock;
  private final long eventCap;
  private final PriorityQueue<Event> queue = new PriorityQueue<>();
  private long sequence;
  private long eventsRun;

  /** A scheduler driving {@code clock}, with the {@link #DEFAULT_EVENT_CAP}. */
  public Scheduler(VirtualClock clock) {
    this(clock, DEFAULT_EVENT_CAP);
  }

  /** A scheduler driving {@code clock}; one {@code run} call may execute at most {@code eventCap} events. */
  public Scheduler(VirtualClock clock, long eventCap) {
    if (eventCap <= 0) {
      throw new IllegalArgumentException("eventCap must be positive, got " + eventCap);
    }
    this.clock = clock;
    this.eventCap = eventCap;
  }

  public VirtualClock clock() {
    return clock;
  }

  /** The current virtual time. */
  public long nowNanos() {
    return clock.nanos();
  }

  public long eventCap() {
    return eventCap;
  }

  /** Events executed so far, over all runs. */
  public long eventsRun() {
    return eventsRun;
  }

  /** Events scheduled and not yet executed. */
  public int pendingEvents() {
    return queue.size();
  }

  /** Runs {@code action} at virtual time {@code timeNanos}, which must not be in the past. */
  public void schedule(long timeNanos, Runnable action) {
    if (timeNanos < clock.nanos()) {
      throw new IllegalArgumentException(
          "cannot schedule in the past: " + timeNanos + " < now " + clock.nanos());
    }
    queue.add(new Event(timeNanos, sequence++, action));
  }

  /** Runs {@code action} {@code delayNanos} (>= 0) from now. */
  public void scheduleAfter(long delayNanos, Runnable action) {
    if (delayNanos < 0) {
      throw new IllegalArgumentException("delay must not be negative, got " + delayNanos);
    }
    schedule(clock.nanos() + delayNanos, action);
  }

  /** Runs every event due at or before {@code timeNanos}, then sets the clock to {@code timeNanos}. */
  public void runUntil(long timeNanos) {
    if (timeNanos < clock.nanos()) {
      throw new IllegalArgumentException("cannot run back to " + timeNanos + ", now is " + clock.nanos());
    }
    runWhile(() -> true, timeNanos);
    clock.advanceTo(timeNanos);
  }

  /** Runs for {@code duration} of virtual time. */
  public void runFor(Duration duration) {
    runUntil(Math.addExact(clock.nanos(), duration.toNanos()));
  }

  /**
   * Runs events until {@code condition} holds (checked before the first event and after each one) or the next
   * event is later than {@code deadlineNanos}. Returns whether the condition holds; when it does not, the clock is
   * left at {@code deadlineNanos}.
   */
  public boolean runUntil(BooleanSupplier condition, long deadlineNanos) {
    boolean done = runWhile(() -> !condition.getAsBoolean(), deadlineNanos);
    if (!done && deadlineNanos > clock.nanos()) {
      clock.advanceTo(deadlineNanos);
    }
    return done;
  }

  /** Runs events until none is left (bounded by the event cap). */
  public void runUntilIdle() {
    runWhile(() -> true, Long.MAX_VALUE);
  }

  /** Runs while {@code keepGoing} and an event is due by {@code deadlineNanos}; true if {@code keepGoing} ended it. */
  private boolean runWhile(BooleanSupplier keepGoing, long deadlineNanos) {
    long ran = 0;
    while (true) {
      if (!keepGoing.getAsBoolean()) {
        return true;
      }
      Event next = queue.peek();
      if (next == null || next.timeNanos > deadlineNanos) {
        return false;
      }
      if (++ran > eventCap) {
        throw new IllegalStateException(
            "event cap exceeded: more than " + eventCap + " events in one run, virtual time now "
                + clock.nanos() + " ns; the simulation is probably looping");
      }
      queue.poll();
      clock.advanceTo(next.timeNanos);
      eventsRun++;
      next.action.run();
    }
  }

  private static final class Event implements Comparable<Event> {
    final long timeNanos;
    final long sequence;
    final Runnable action;

    Event(long timeNanos, long sequence, Runnable action) {
      this.timeNanos = timeNanos;
      this.sequence = sequence;
      this.action = action;
    }

    @Override
    public int compareTo(Event o) {
      int c = Long.compare(timeNanos, o.timeNanos);
      return c != 0 ? c : Long.compare(sequence, o.sequence);
    }
  }
}
