package io.kanyan.signaling.witness;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A witness as its own OS process: {@code java -cp <the test class path> io.kanyan.signaling.Main witness ...},
 * which is what {@code java -jar kanyan.jar witness ...} runs. Its output goes to {@code <dir>/witness.log}.
 */
final class WitnessProcess implements AutoCloseable {

  private static final Pattern READY = Pattern.compile("kanyan witness (\\S+) listening on port (\\d+)");

  private final Process process;
  private final String verifierKey;
  private final int port;

  private WitnessProcess(Process process, String verifierKey, int port) {
    this.process = process;
    this.verifierKey = verifierKey;
    this.port = port;
  }

  static WitnessProcess start(Path dir, String name, String... logVerifierKeys) {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx96m", "-cp", System.getProperty("java.class.path"), "io.kanyan.signaling.Main", "witness",
        "--key", dir.resolve("witness.key").toString(), "--name", name, "--state", dir.resolve("state").toString(),
        "--port", "0", "--host", "127.0.0.1"));
    for (String key : logVerifierKeys) {
      command.add("--log-key");
      command.add(key);
    }
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
      StringBuilder seen = new StringBuilder();
      for (String line = out.readLine(); line != null; line = out.readLine()) {
        seen.append(line).append('\n');
        Matcher ready = READY.matcher(line);
        if (ready.find()) {
          drain(out);
          return new WitnessProcess(process, ready.group(1), Integer.parseInt(ready.group(2)));
        }
      }
      throw new IllegalStateException("the witness process ended before listening:\n" + seen);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Keeps reading the process's output so that it never blocks on a full pipe. */
  private static void drain(BufferedReader out) {
    Thread thread = new Thread(() -> {
      try {
        while (out.readLine() != null) {
          // discarded: the witness logs through SLF4J as well
        }
      } catch (IOException ended) {
        // the process ended
      }
    }, "witness-output");
    thread.setDaemon(true);
    thread.start();
  }

  String url() {
    return "http://127.0.0.1:" + port;
  }

  String verifierKey() {
    return verifierKey;
  }

  long pid() {
    return process.pid();
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
