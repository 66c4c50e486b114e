package io.dht.storage;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A child JVM running {@link DatabaseChild} on the test class path. Its standard output goes to a file, so that
 * every line it printed can still be read after it was killed ({@link Process#destroyForcibly()} closes the pipes).
 */
final class ChildProcess implements AutoCloseable {
  private final Process process;
  private final Path output;

  private ChildProcess(Process process, Path output) {
    this.process = process;
    this.output = output;
  }

  static ChildProcess start(Path workDir, String... args) throws IOException {
    Path output = Files.createTempFile(workDir, "child", ".out");
    List<String> command = new ArrayList<>();
    command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(DatabaseChild.class.getName());
    command.addAll(List.of(args));
    Process p =
        new ProcessBuilder(command)
            .redirectOutput(output.toFile())
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    return new ChildProcess(p, output);
  }

  /** The complete lines printed so far (a line still being written is left out). */
  List<String> lines() throws IOException {
    String text = Files.readString(output, StandardCharsets.UTF_8);
    int end = text.lastIndexOf('\n');
    return end < 0 ? List.of() : List.of(text.substring(0, end).split("\n"));
  }

  /** Waits, at most {@code timeout}, until the printed lines satisfy {@code done}. */
  void awaitOutput(Predicate<List<String>> done, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!done.test(lines())) {
      if (!process.isAlive()) {
        fail("child exited with " + process.exitValue() + " after printing " + lines());
      }
      if (System.nanoTime() > deadline) {
        fail("child printed no expected output within " + timeout + ": " + lines());
      }
      Thread.sleep(5);
    }
  }

  /** SIGKILL, as {@code kill -9}: no shutdown hooks, no close. Waits (bounded) until the process is gone. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      fail("child did not die within 30 s of SIGKILL");
    }
  }

  Process process() {
    return process;
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      kill();
    }
  }
}
