package io.dht.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Set;
import org.junit.jupiter.api.Test;

class ExperimentArgsTest {
  private static ExperimentArgs parse(String... args) {
    return new ExperimentArgs(args, Set.of("--seeded"), Set.of("--nodes", "--seed", "--dead", "--lookup"));
  }

  @Test
  void readsOptionsAndSwitchesWithDefaultsForTheRest() {
    ExperimentArgs a = parse("--nodes", "300", "--seeded", "--dead", "0.5", "--nodes", "400");
    assertThat(a.intValue("--nodes", 1)).as("a later repetition wins").isEqualTo(400);
    assertThat(a.doubleValue("--dead", 0)).isEqualTo(0.5);
    assertThat(a.longValue("--seed", 7)).isEqualTo(7);
    assertThat(a.string("--lookup", "default")).isEqualTo("default");
    assertThat(a.has("--seeded")).isTrue();
    assertThat(a.has("--seed")).isFalse();
  }

  @Test
  void everyProblemIsAOneLineIllegalArgument() {
    assertThatThrownBy(() -> parse("--nodes")).hasMessage("missing value after --nodes");
    assertThatThrownBy(() -> parse("--frobnicate", "1")).hasMessage("unknown option --frobnicate");
    assertThatThrownBy(() -> parse("--nodes", "many").intValue("--nodes", 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("not a whole number after --nodes: many");
    assertThatThrownBy(() -> parse("--nodes", "3000000000").intValue("--nodes", 1))
        .hasMessage("out of range after --nodes: 3000000000");
    assertThatThrownBy(() -> parse("--seed", "99999999999999999999").longValue("--seed", 1))
        .hasMessage("not a whole number after --seed: 99999999999999999999");
    assertThatThrownBy(() -> parse("--dead", "half").doubleValue("--dead", 0))
        .hasMessage("not a number after --dead: half");
    assertThatThrownBy(() -> parse("--dead", "NaN").doubleValue("--dead", 0))
        .hasMessage("not a finite number after --dead: NaN");
    assertThatThrownBy(() -> ExperimentArgs.require(false, "need --nodes >= 2")).hasMessage("need --nodes >= 2");
  }
}
