package io.kanyan.signaling.witness;

import io.kanyan.recorder.log.note.Ed25519NoteKey;
import io.kanyan.recorder.log.note.NoteVerifier;
import io.kanyan.recorder.witness.CosignatureKey;
import io.kanyan.recorder.witness.Witness;
import io.kanyan.recorder.witness.WitnessState;
import io.vertx.core.Vertx;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code java -jar kanyan.jar witness --key <file> --port <p> --state <dir> --log-key <vkey> [--log-key ...]
 * [--name <witness name>] [--host <address>]}: a tlog-witness for Kanyan's commitment log (or any C2SP log) on
 * another machine. The key file is created on first start (with its verifier key in {@code <file>.pub}); each
 * {@code --log-key} is a log's Ed25519 verifier key, whose name is the log's origin.
 */
public final class WitnessCommand {

  private WitnessCommand() {
  }

  /** Starts the witness and returns 0 once it listens; 2 on bad arguments (the process then exits). */
  public static int run(String[] args, PrintStream out) {
    Path keyFile = null;
    Path stateDir = null;
    int port = -1;
    String name = null;
    String host = "0.0.0.0";
    Map<String, List<NoteVerifier>> logKeys = new HashMap<>();
    try {
      for (int i = 0; i < args.length; i++) {
        String value = i + 1 < args.length ? args[i + 1] : null;
        if (value == null) {
          return usage(out, args[i] + " needs a value");
        }
        switch (args[i]) {
          case "--key" -> keyFile = Path.of(value);
          case "--state" -> stateDir = Path.of(value);
          case "--port" -> port = Integer.parseInt(value);
          case "--name" -> name = value;
          case "--host" -> host = value;
          case "--log-key" -> {
            Ed25519NoteKey key = Ed25519NoteKey.parseVerifierKey(value);
            logKeys.computeIfAbsent(key.keyName(), origin -> new ArrayList<>()).add(key);
          }
          default -> {
            return usage(out, "unknown option " + args[i]);
          }
        }
        i++;
      }
    } catch (IllegalArgumentException e) {
      return usage(out, e.getMessage());
    }
    if (keyFile == null || stateDir == null || port < 0 || logKeys.isEmpty()) {
      return usage(out, "--key, --state, --port and at least one --log-key are required");
    }
    CosignatureKey key = CosignatureKey.loadOrCreate(keyFile,
        name != null ? name : "kanyan-witness/" + keyFile.toAbsolutePath().getParent().getFileName(),
        Clock.systemUTC());
    Witness witness = new Witness(key, logKeys, new WitnessState(stateDir));
    WitnessVerticle verticle = new WitnessVerticle(witness, host, port);
    Vertx vertx = Vertx.vertx();
    try {
      vertx.deployVerticle(verticle).await();
    } catch (RuntimeException e) {
      out.println("kanyan witness: cannot listen on " + host + ":" + port + ": " + e.getMessage());
      vertx.close();
      return 1;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> vertx.close().await(), "witness-shutdown"));
    out.println("kanyan witness " + key.verifierKey() + " listening on port " + verticle.actualPort()
        + " for " + String.join(", ", logKeys.keySet()));
    out.flush();
    return 0;
  }

  private static int usage(PrintStream out, String problem) {
    out.println("kanyan witness: " + problem);
    out.println("usage: witness --key <file> --port <port> --state <dir> --log-key <log verifier key> "
        + "[--log-key ...] [--name <witness name>] [--host <address>]");
    return 2;
  }
}
