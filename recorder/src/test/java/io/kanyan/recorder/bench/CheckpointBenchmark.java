package io.kanyan.recorder.bench;

import io.kanyan.recorder.redis.RedisStore;
import io.kanyan.recorder.testing.KillableRedis;
import io.kanyan.recorder.trail.Checkpoint;
import io.kanyan.recorder.trail.Checkpoints;
import io.kanyan.recorder.trail.InclusionProof;
import io.kanyan.recorder.trail.Trail;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * How long a checkpoint over {@code -Dheads=1000000} chain heads takes (scan, tree, sign, files, Redis), and
 * an inclusion proof against it. The heads are written straight into {@link Trail#HEADS_KEY}.
 *
 * <pre>mvn -q -pl recorder test-compile exec:java -Dexec.classpathScope=test \
 *   -Dexec.mainClass=io.kanyan.recorder.bench.CheckpointBenchmark [-Dheads=1000000]</pre>
 */
public final class CheckpointBenchmark {

  static final int HEADS = Integer.getInteger("heads", 1_000_000);

  public static void main(String[] args) throws Exception {
    Path root = Files.createTempDirectory("kanyan-checkpoint-bench");
    Vertx vertx = Vertx.vertx();
    try (KillableRedis server = KillableRedis.start(root.resolve("redis"))) {
      RedisStore redis = RedisStore.connect(vertx, server.url()).await();
      Random random = new Random(5);
      HexFormat hex = HexFormat.of();
      List<Future<Long>> writes = new ArrayList<>();
      for (int i = 0; i < HEADS; i += 1000) {
        Map<String, String> batch = new HashMap<>();
        for (int j = i; j < Math.min(HEADS, i + 1000); j++) {
          byte[] hash = new byte[32];
          random.nextBytes(hash);
          batch.put(String.format("insp-%08d", j), (1 + random.nextInt(500)) + ":" + hex.formatHex(hash));
        }
        writes.add(redis.call(c -> c.hset(Trail.HEADS_KEY, batch)));
        if (writes.size() == 50) {
          Future.all(writes).await();
          writes.clear();
        }
      }
      Future.all(writes).await();
      Checkpoints checkpoints = Checkpoints.open(vertx, redis, Clock.systemUTC(),
          Checkpoints.Settings.under(root.resolve("data"))).await();
      System.out.printf("checkpoint benchmark: %,d chain heads%n", HEADS);
      for (int run = 1; run <= 3; run++) {
        // Move one head so every run makes a new checkpoint.
        redis.call(c -> c.hset(Trail.HEADS_KEY, "insp-00000000", "9999:" + "ab".repeat(32))).await();
        long t0 = System.nanoTime();
        Checkpoint cp = checkpoints.checkpointNow().await();
        long t1 = System.nanoTime();
        InclusionProof proof = checkpoints.prove(cp, String.format("insp-%08d", random.nextInt(HEADS))).await()
            .orElseThrow();
        long t2 = System.nanoTime();
        if (!proof.verifies(cp)) {
          throw new IllegalStateException("proof does not verify");
        }
        System.out.printf("run %d: checkpoint #%d over %,d heads in %.1f s; an inclusion proof (%d nodes) in %.1f s%n",
            run, cp.number(), cp.treeSize(), (t1 - t0) / 1e9, proof.path().size(), (t2 - t1) / 1e9);
        String moved = run + ":" + "cd".repeat(32);
        redis.call(c -> c.hset(Trail.HEADS_KEY, "insp-00000001", moved)).await();
      }
      redis.close();
    } finally {
      vertx.close().await();
    }
  }
}
