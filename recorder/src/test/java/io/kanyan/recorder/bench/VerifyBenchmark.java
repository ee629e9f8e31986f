package io.kanyan.recorder.bench;

import io.kanyan.recorder.audit.EvidenceExport;
import io.kanyan.recorder.audit.EvidencePackage;
import io.kanyan.recorder.audit.Verdict;
import io.kanyan.recorder.audit.Verifier;
import io.kanyan.recorder.redis.RedisStore;
import io.kanyan.recorder.testing.KillableRedis;
import io.kanyan.recorder.trail.Chain;
import io.kanyan.recorder.trail.Checkpoints;
import io.kanyan.recorder.trail.EventType;
import io.kanyan.recorder.trail.Trail;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The time to verify one inspection of {@code -Devents=10000} events (with 20 snapshots of 200 KB and one
 * 50 MB recording), online and offline, and to export it.
 *
 * <pre>mvn -q -pl recorder test-compile exec:java -Dexec.classpathScope=test \
 *   -Dexec.mainClass=io.kanyan.recorder.bench.VerifyBenchmark [-Devents=10000]</pre>
 */
public final class VerifyBenchmark {

  static final int EVENTS = Integer.getInteger("events", 10_000);
  static final int RUNS = Integer.getInteger("runs", 5);

  public static void main(String[] args) throws Exception {
    Path root = Files.createTempDirectory("kanyan-verify-bench");
    Path dataDir = root.resolve("data");
    Vertx vertx = Vertx.vertx();
    try (KillableRedis server = KillableRedis.start(root.resolve("redis"))) {
      RedisStore redis = RedisStore.connect(vertx, server.url()).await();
      Trail trail = new Trail(redis, Clock.systemUTC());
      Checkpoints checkpoints = Checkpoints.open(vertx, redis, Clock.systemUTC(), Checkpoints.Settings.under(dataDir)).await();
      String inspection = "bench-verify";
      Random random = new Random(3);
      long filesBytes = 0;
      List<Future<?>> batch = new ArrayList<>();
      for (int n = 1; n <= EVENTS; n++) {
        EventType type = EventType.LOCATION_FIX;
        JsonObject payload = new JsonObject().put("lat", 31.23).put("lng", 121.47).put("n", n);
        if (n % (EVENTS / 20) == 0 || n == EVENTS) {
          boolean recording = n == EVENTS;
          int size = recording ? 50 << 20 : 200 << 10;
          String file = (recording ? "recordings/" : "snapshots/") + inspection + "/" + n + (recording ? ".webm" : ".jpg");
          byte[] bytes = new byte[size];
          random.nextBytes(bytes);
          Files.createDirectories(dataDir.resolve(file).getParent());
          Files.write(dataDir.resolve(file), bytes);
          filesBytes += size;
          type = recording ? EventType.RECORDING_FINALISED : EventType.SNAPSHOT_TAKEN;
          payload = new JsonObject().put("file", file).put("sha256", Verifier.sha256(new ByteArrayInputStream(bytes)));
        }
        batch.add(trail.append(inspection, type, "applicant", payload));
        if (batch.size() == 500) {
          Future.all(batch).await();
          batch.clear();
        }
      }
      Future.all(batch).await();
      checkpoints.checkpointNow().await();
      Verifier verifier = new Verifier(vertx, trail, checkpoints, dataDir);
      EvidenceExport export = new EvidenceExport(vertx, trail, checkpoints, dataDir, Clock.systemUTC());
      System.out.printf("verify benchmark: one inspection of %,d events, %d files, %.1f MB of files%n",
          EVENTS, 21, filesBytes / 1e6);

      for (int run = 1; run <= RUNS; run++) {
        long t0 = System.nanoTime();
        List<Map<String, String>> raw = new ArrayList<>();
        trail.readRaw(inspection).await().forEach(e -> raw.add(e.getBody()));
        long t1 = System.nanoTime();
        String broken = Chain.firstBreakOfFields(inspection, raw);
        long t2 = System.nanoTime();
        Verdict online = verifier.verify(inspection).await();
        long t3 = System.nanoTime();
        Path zip = export.export(inspection, root.resolve("export-" + run + ".zip")).await();
        long t4 = System.nanoTime();
        Verdict offline = EvidencePackage.verify(zip, checkpoints.key().publicKey());
        long t5 = System.nanoTime();
        if (broken != null || !online.valid() || !offline.valid()) {
          throw new IllegalStateException("benchmark fixture does not verify: " + online.describe() + offline.describe());
        }
        System.out.printf("run %d: read trail %.0f ms, chain check %.0f ms, online verify (trail + files + checkpoint)"
            + " %.0f ms, export %.0f ms (%.1f MB), offline verify %.0f ms%n", run, (t1 - t0) / 1e6, (t2 - t1) / 1e6,
            (t3 - t2) / 1e6, (t4 - t3) / 1e6, Files.size(zip) / 1e6, (t5 - t4) / 1e6);
        Files.delete(zip);
      }
      redis.close();
    } finally {
      vertx.close().await();
    }
  }
}
