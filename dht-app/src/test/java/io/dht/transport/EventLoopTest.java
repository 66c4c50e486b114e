package io.dht.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dht.Dht;
import io.dht.id.Endpoint;
import io.dht.node.DhtConfig;
import io.dht.node.DhtException;
import io.dht.node.NodeClosedException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class EventLoopTest {
  private static final long WAIT_SECONDS = 10;

  @Test
  void runsCommandsOnItsOwnNamedThreadAndInlineWhenAlreadyThere() throws Exception {
    try (EventLoop loop = EventLoop.start("test-loop-a")) {
      CompletableFuture<List<String>> seen = new CompletableFuture<>();
      loop.execute(
          () -> {
            List<String> events = new ArrayList<>();
            events.add(Thread.currentThread().getName());
            loop.execute(() -> events.add("inline"));
            events.add("after");
            seen.complete(events);
          });
      assertThat(seen.get(WAIT_SECONDS, TimeUnit.SECONDS)).containsExactly("test-loop-a", "inline", "after");
      assertThat(loop.inEventLoop()).isFalse();
    }
  }

  @Test
  void timersFireInDeadlineOrderAndCanBeCancelled() throws Exception {
    try (EventLoop loop = EventLoop.start("test-loop-b")) {
      List<String> fired = new ArrayList<>(); // touched only on the loop
      loop.schedule(Duration.ofMillis(40), () -> fired.add("late"));
      loop.schedule(Duration.ofMillis(10), () -> fired.add("early"));
      EventLoop.Timer cancelled = loop.schedule(Duration.ofMillis(20), () -> fired.add("cancelled"));
      loop.execute(cancelled::cancel);

      loop.delay(Duration.ofMillis(60)).get(WAIT_SECONDS, TimeUnit.SECONDS);

      CompletableFuture<List<String>> snapshot = new CompletableFuture<>();
      loop.execute(() -> snapshot.complete(List.copyOf(fired)));
      assertThat(snapshot.get(WAIT_SECONDS, TimeUnit.SECONDS)).containsExactly("early", "late");
    }
  }

  @Test
  void anExceptionEscapingACommandIsCountedAndTheLoopGoesOn() throws Exception {
    try (EventLoop loop = EventLoop.start("test-loop-c")) {
      loop.execute(
          () -> {
            throw new IllegalStateException("test: deliberately thrown");
          });
      CompletableFuture<String> after = new CompletableFuture<>();
      loop.execute(() -> after.complete("still running"));

      assertThat(after.get(WAIT_SECONDS, TimeUnit.SECONDS)).isEqualTo("still running");
      assertThat(loop.failures()).isEqualTo(1);
    }
  }

  @Test
  void closingTheLoopFailsPendingCallsAndRejectsNewOnes() throws Exception {
    EventLoop loop = EventLoop.start("test-loop-d");
    Dht node =
        Dht.builder()
            .bindAddress(Endpoint.parseAddress("127.0.0.1"))
            .config(DhtConfig.privateNetwork())
            .eventLoop(loop)
            .start();
    // A ping to a silent port is pending when the loop closes.
    CompletableFuture<?> pending = node.ping(Endpoint.parse("127.0.0.1:9"));
    loop.close();

    assertThatThrownBy(() -> pending.get(WAIT_SECONDS, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(NodeClosedException.class);
    assertThatThrownBy(() -> node.stats().get(WAIT_SECONDS, TimeUnit.SECONDS))
        .hasCauseInstanceOf(NodeClosedException.class);
    assertThatThrownBy(() -> loop.execute(() -> {})).isInstanceOf(RejectedExecutionException.class);
    node.close();
    node.close();
  }

  @Test
  void bindingATakenAddressIsAOneLineError() {
    try (Dht first = Dht.builder().bindAddress(Endpoint.parseAddress("127.0.0.1")).start()) {
      Endpoint taken = first.localEndpoint();

      assertThatThrownBy(() -> Dht.builder().bindAddress(taken.address()).port(taken.port()).start())
          .isInstanceOf(DhtException.class)
          .hasMessage("cannot bind " + taken + ": Address already in use");
    }
  }
}
