package io.kanyan.recorder.bench;

import io.kanyan.recorder.log.LeafProof;
import io.kanyan.recorder.log.SignedTreeHead;
import io.kanyan.recorder.redis.RedisStore;
import io.kanyan.recorder.testing.KillableRedis;
import io.kanyan.recorder.trail.Chain;
import io.kanyan.recorder.trail.Checkpoints;
import io.kanyan.recorder.trail.EventType;
import io.kanyan.recorder.trail.Trail;
import io.kanyan.recorder.trail.TrailEvent;
import io.lettuce.core.XAddArgs;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * How long the commitment log takes over {@code -Dheads=100000} inspections of one event each: the first
 * checkpoint (which re-hashes every chain from its start), then incremental checkpoints after one head moved,
 * and the inclusion proofs of one inspection. The trails are written straight into Redis.
 *
 * <pre>mvn -q -pl recorder test-compile exec:java -Dexec.classpathScope=test \
 *   -Dexec.mainClass=io.kanyan.recorder.bench.CheckpointBenchmark [-Dheads=100000]</pre>
 */
public final class CheckpointBenchmark {

  static final int HEADS = Integer.getInteger("heads", 100_000);

  public static void main(String[] args) throws Exception {
    Path root = Files.createTempDirectory("kanyan-checkpoint-bench");
    Vertx vertx = Vertx.vertx();
    try (KillableRedis server = KillableRedis.start(root.resolve("redis"))) {
      RedisStore redis = RedisStore.connect(vertx, server.url()).await();
      List<Future<?>> writes = new ArrayList<>();
      Instant time = Instant.parse("2026-11-26T02:30:00.000Z");
      for (int i = 0; i < HEADS; i++) {
        String id = String.format("insp-%08d", i);
        String hash = Chain.hash("e-" + i, id, 1, EventType.INSPECTION_CREATED, "user:a", time, "{}", Chain.GENESIS);
        TrailEvent event = new TrailEvent("e-" + i, id, 1, EventType.INSPECTION_CREATED, "user:a", time, "{}",
            Chain.GENESIS, hash);
        writes.add(redis.call(c -> c.xadd(Trail.streamKey(id), new XAddArgs(), event.toFields())));
        writes.add(redis.call(c -> c.hset(Trail.HEADS_KEY, id, "1:" + hash)));
        if (writes.size() >= 2000) {
          Future.all(writes).await();
          writes.clear();
        }
      }
      Future.all(writes).await();
      Checkpoints checkpoints = Checkpoints.open(vertx, redis, Clock.systemUTC(),
          Checkpoints.Settings.under(root.resolve("data"))).await();
      Trail trail = new Trail(redis, Clock.systemUTC());
      System.out.printf("checkpoint benchmark: %,d inspections%n", HEADS);
      long t0 = System.nanoTime();
      SignedTreeHead first = checkpoints.checkpointNow().await();
      System.out.printf("first checkpoint (every chain checked from its start): %,d leaves in %.1f s%n",
          first.treeSize(), (System.nanoTime() - t0) / 1e9);
      for (int run = 1; run <= 3; run++) {
        trail.append("insp-00000000", EventType.NOTE_ADDED, "user:a", new JsonObject().put("run", run)).await();
        long t1 = System.nanoTime();
        SignedTreeHead sth = checkpoints.checkpointNow().await();
        long t2 = System.nanoTime();
        List<LeafProof> proofs = checkpoints.prove("insp-00000000").await().proofs();
        long t3 = System.nanoTime();
        if (!proofs.stream().allMatch(p -> p.verifies(sth))) {
          throw new IllegalStateException("a proof does not verify");
        }
        System.out.printf("run %d: checkpoint #%d (tree size %,d) in %.2f s; %d inclusion proofs in %.3f s%n",
            run, sth.number(), sth.treeSize(), (t2 - t1) / 1e9, proofs.size(), (t3 - t2) / 1e9);
      }
      redis.close();
    } finally {
      vertx.close().await();
    }
  }
}
