package io.dht.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SchedulerTest {
  private final VirtualClock clock = new VirtualClock(1_000);
  private final Scheduler scheduler = new Scheduler(clock);

  @Test
  void runsEventsInTimeOrderAndEqualTimesInSchedulingOrder() {
    List<String> log = new ArrayList<>();
    scheduler.schedule(3_000, () -> log.add("c@" + clock.nanos()));
    scheduler.schedule(2_000, () -> log.add("a@" + clock.nanos()));
    scheduler.schedule(2_000, () -> log.add("b@" + clock.nanos()));
    scheduler.schedule(1_000, () -> log.add("now@" + clock.nanos()));

    scheduler.runUntilIdle();

    assertThat(log).containsExactly("now@1000", "a@2000", "b@2000", "c@3000");
    assertThat(scheduler.eventsRun()).isEqualTo(4);
  }

  @Test
  void eventsScheduledWhileRunningAtTheSameInstantRunAfterTheQueuedOnes() {
    List<String> log = new ArrayList<>();
    scheduler.schedule(
        2_000,
        () -> {
          log.add("first");
          scheduler.scheduleAfter(0, () -> log.add("spawned"));
        });
    scheduler.schedule(2_000, () -> log.add("second"));

    scheduler.runUntilIdle();

    assertThat(log).containsExactly("first", "second", "spawned");
  }

  @Test
  void runUntilStopsAtTheTargetTimeAndSetsTheClock() {
    List<Long> fired = new ArrayList<>();
    scheduler.schedule(5_000, () -> fired.add(clock.nanos()));
    scheduler.schedule(9_000, () -> fired.add(clock.nanos()));

    scheduler.runUntil(5_000);
    assertThat(fired).containsExactly(5_000L);
    assertThat(clock.nanos()).isEqualTo(5_000);

    scheduler.runFor(Duration.ofNanos(1_000));
    assertThat(clock.nanos()).isEqualTo(6_000);
    assertThat(scheduler.pendingEvents()).isEqualTo(1);
  }

  @Test
  void runUntilConditionStopsAsSoonAsItHolds() {
    int[] count = {0};
    for (int i = 1; i <= 10; i++) {
      scheduler.schedule(1_000 + i * 100L, () -> count[0]++);
    }

    assertThat(scheduler.runUntil(() -> count[0] == 3, 100_000)).isTrue();
    assertThat(clock.nanos()).isEqualTo(1_300);

    assertThat(scheduler.runUntil(() -> count[0] == 99, 50_000)).isFalse();
    assertThat(count[0]).isEqualTo(10);
    assertThat(clock.nanos()).isEqualTo(50_000);
  }

  @Test
  void refusesToScheduleInThePast() {
    assertThatThrownBy(() -> scheduler.schedule(999, () -> {})).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> scheduler.scheduleAfter(-1, () -> {}))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void anEndlessChainOfEventsHitsTheEventCap() {
    Scheduler capped = new Scheduler(new VirtualClock(0), 1_000);
    Runnable[] loop = new Runnable[1];
    loop[0] = () -> capped.scheduleAfter(0, loop[0]);
    capped.schedule(0, loop[0]);

    assertThatThrownBy(capped::runUntilIdle)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("event cap");
  }

  @Test
  void theCapCountsEventsPerRunNotInTotal() {
    Scheduler capped = new Scheduler(new VirtualClock(0), 10);
    for (int round = 0; round < 5; round++) {
      for (int i = 0; i < 10; i++) {
        capped.scheduleAfter(1, () -> {});
      }
      capped.runUntilIdle();
    }
    assertThat(capped.eventsRun()).isEqualTo(50);
  }
}
