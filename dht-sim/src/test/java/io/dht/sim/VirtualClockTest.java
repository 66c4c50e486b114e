package io.dht.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class VirtualClockTest {
  @Test
  void movesOnlyForward() {
    VirtualClock clock = new VirtualClock(42);
    assertThat(clock.nanos()).isEqualTo(42);
    clock.advanceTo(42);
    clock.advanceTo(100);
    assertThat(clock.nanos()).isEqualTo(100);
    assertThatThrownBy(() -> clock.advanceTo(99)).isInstanceOf(IllegalStateException.class);
  }
}
