package io.dht;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaMethodCall;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import io.dht.bencode.BDictionary;
import io.dht.node.DhtNode;
import io.dht.routing.RoutingTable;
import java.net.DatagramSocket;
import java.net.MulticastSocket;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Random;
import java.util.Timer;
import java.util.TimerTask;

/**
 * The sans-I/O rules of dht-core (and dht-bencode, on its class path): no threads, sockets, sleeps, wall clock or
 * {@code java.util.Random}; bencode depends on nothing else of ours; no package cycles, and only the node sits on
 * top of the others. Every rule refuses to pass vacuously ({@code allowEmptyShould(false)}).
 */
@AnalyzeClasses(packages = "io.dht", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {
  /** The packages of dht-core and dht-bencode. */
  static final String[] CORE = {
    "io.dht.bencode..",
    "io.dht.id..",
    "io.dht.krpc..",
    "io.dht.routing..",
    "io.dht.lookup..",
    "io.dht.storage..",
    "io.dht.item..",
    "io.dht.node.."
  };

  static final String[] BELOW_NODE = {
    "io.dht.bencode..",
    "io.dht.id..",
    "io.dht.krpc..",
    "io.dht.routing..",
    "io.dht.lookup..",
    "io.dht.storage..",
    "io.dht.item.."
  };

  @ArchTest
  static void importsTheProductionClassesOnly(JavaClasses classes) {
    assertThat(classes.size()).isGreaterThan(30);
    assertThat(classes.contain(DhtNode.class)).isTrue();
    assertThat(classes.contain(RoutingTable.class)).isTrue();
    assertThat(classes.contain(BDictionary.class)).isTrue();
    assertThat(classes.stream().map(JavaClass::getSimpleName)).noneMatch(n -> n.endsWith("Test"));
    assertThat(classes.stream().map(JavaClass::getName)).noneMatch(n -> n.equals("io.dht.node.TestNetwork"));
  }

  // ------------------------------------------------------------------ no threads, timers, sockets

  @ArchTest
  static final ArchRule noThreads =
      noClasses()
          .that()
          .resideInAnyPackage(CORE)
          .should()
          .dependOnClassesThat()
          .areAssignableTo(Thread.class)
          .orShould()
          .dependOnClassesThat()
          .belongToAnyOf(ThreadLocal.class, InheritableThreadLocal.class)
          .because("one event-loop thread owns a node; the core starts none and keeps no thread state")
          .allowEmptyShould(false);

  @ArchTest
  static final ArchRule noExecutors =
      noClasses()
          .that()
          .resideInAnyPackage(CORE)
          .should()
          .dependOnClassesThat()
          .haveNameMatching("java\\.util\\.concurrent\\..*Executor.*")
          .orShould()
          .dependOnClassesThat()
          .haveNameMatching("java\\.util\\.concurrent\\.ForkJoin.*")
          .because("work is scheduled on the node's own timer queue, never on an executor")
          .allowEmptyShould(false);

  @ArchTest
  static final ArchRule noAsyncFutureStages =
      noClasses()
          .that()
          .resideInAnyPackage(CORE)
          .should()
          .callMethodWhere(
              DescribedPredicate.describe(
                  "a CompletableFuture *Async method (runs on the common pool)",
                  (JavaMethodCall call) ->
                      call.getTargetOwner().getName().equals("java.util.concurrent.CompletableFuture")
                          && call.getName().endsWith("Async")))
          .allowEmptyShould(false);

  @ArchTest
  static final ArchRule noTimers =
      noClasses()
          .that()
          .resideInAnyPackage(CORE)
          .should()
          .dependOnClassesThat()
          .belongToAnyOf(Timer.class, TimerTask.class)
          .allowEmptyShould(false);

  @ArchTest
  static final ArchRule noSockets =
      noClasses()
          .that()
          .resideInAnyPackage(CORE)
          .should()
          .dependOnClassesThat()
          .areAssignableTo(DatagramSocket.class)
          .orShould()
          .dependOnClassesThat()
          .belongToAnyOf(Socket.class, ServerSocket.class, MulticastSocket.class)
          .orShould()
          .dependOnClassesThat()
          .resideInAPackage("java.nio.channels..")
          .because("the core is sans-I/O: bytes leave through the Transport port")
          .allowEmptyShould(false);

  @ArchTest
  static final ArchRule noJavaUtilRandom =
      noClasses()
          .that()
          .resideInAnyPackage(CORE)
          .should()
          .dependOnClassesThat()
          .areAssignableTo(Random.class)
          .because("randomness arrives as a java.util.random.RandomGenerator, so a seed replays a run")
          .allowEmptyShould(false);

  // ------------------------------------------------------------------ no wall clock, no sleeping

  private static DescribedPredicate<JavaMethodCall> nowOfJavaTime() {
    return DescribedPredicate.describe(
        "a java.time now() method",
        call -> call.getTargetOwner().getPackageName().equals("java.time") && call.getName().equals("now"));
  }

  @ArchTest
  static final ArchRule noClockReads =
      noClasses()
          .that()
          .resideInAnyPackage(CORE)
          .should()
          .callMethod(System.class, "currentTimeMillis")
          .orShould()
          .callMethod(System.class, "nanoTime")
          .orShould()
          .callMethod(Thread.class, "sleep", long.class)
          .orShould()
          .callMethod(Thread.class, "sleep", long.class, int.class)
          .orShould()
          .callMethodWhere(nowOfJavaTime())
          .orShould()
          .dependOnClassesThat()
          .belongToAnyOf(java.time.Clock.class, java.time.InstantSource.class)
          .because("time arrives through MonotonicClock, so the simulator can drive it")
          .allowEmptyShould(false);

  // ------------------------------------------------------------------ layering

  @ArchTest
  static final ArchRule bencodeDependsOnNothingElseOfOurs =
      noClasses()
          .that()
          .resideInAPackage("io.dht.bencode..")
          .should()
          .dependOnClassesThat(resideInAPackage("io.dht..").and(not(resideInAPackage("io.dht.bencode.."))))
          .allowEmptyShould(false);

  @ArchTest
  static final ArchRule idIsTheBase =
      noClasses()
          .that()
          .resideInAPackage("io.dht.id..")
          .should()
          .dependOnClassesThat(resideInAPackage("io.dht..").and(not(resideInAPackage("io.dht.id.."))))
          .allowEmptyShould(false);

  @ArchTest
  static final ArchRule onlyTheNodeSitsOnTop =
      noClasses()
          .that()
          .resideInAnyPackage(BELOW_NODE)
          .should()
          .dependOnClassesThat()
          .resideInAPackage("io.dht.node..")
          .allowEmptyShould(false);

  @ArchTest
  static final ArchRule noPackageCycles =
      slices().matching("io.dht.(*)..").should().beFreeOfCycles().allowEmptyShould(false);

  @ArchTest
  static final ArchRule coreUsesOnlyTheJdkAndItself =
      classes()
          .that()
          .resideInAnyPackage(CORE)
          .should()
          .onlyDependOnClassesThat()
          .resideInAnyPackage("java..", "io.dht..", "")
          .allowEmptyShould(false);
}
