package io.kanyan.recorder.trail;

import static org.assertj.core.api.Assertions.assertThat;

import io.kanyan.recorder.log.CommitLog;
import io.kanyan.recorder.log.Leaf;
import io.kanyan.recorder.log.LogEntry;
import io.kanyan.recorder.redis.RedisStore;
import io.kanyan.recorder.testing.TestRedis;
import io.vertx.core.Vertx;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The checkpoint writer's lease and the fenced publication of log lines, against a real redis-server. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
class WriterLeaseTest {

  static TestRedis server;
  RedisStore redis;
  @TempDir
  Path dir;

  @BeforeAll
  static void startRedis() {
    server = TestRedis.start();
  }

  @AfterAll
  static void stopRedis() {
    server.close();
  }

  @BeforeEach
  void connect(Vertx vertx) {
    redis = RedisStore.connect(vertx, server.url()).await();
    redis.call(c -> c.flushall()).await();
  }

  WriterLease lease(String node, Duration ttl) {
    return new WriterLease(redis, node, ttl);
  }

  /** Waits until the lease has expired in Redis (its time to live ran out). */
  void awaitExpiry(WriterLease lease) throws InterruptedException {
    while (lease.holder().await().isPresent()) {
      Thread.sleep(20);
    }
  }

  @Test
  void oneNodeAcquiresAndTheOthersSeeWhoHoldsIt() {
    WriterLease a = lease("node-a", Duration.ofSeconds(30));
    WriterLease b = lease("node-b", Duration.ofSeconds(30));
    WriterLease.Attempt first = a.acquire(false).await();
    assertThat(first.held()).isPresent();
    assertThat(first.held().get().token()).isEqualTo(1);
    WriterLease.Attempt second = b.acquire(true).await();
    assertThat(second.held()).as("another node's lease is never taken over").isEmpty();
    assertThat(WriterLease.nodeOf(second.holder())).isEqualTo("node-a");
    assertThat(redis.call(c -> c.pttl(WriterLease.KEY)).await()).isPositive();
  }

  @Test
  void theHolderRenewsAndReleasesItsLeaseAndTheNextHolderGetsALargerToken() {
    WriterLease a = lease("node-a", Duration.ofSeconds(30));
    WriterLease b = lease("node-b", Duration.ofSeconds(30));
    WriterLease.Held held = a.acquire(false).await().held().orElseThrow();
    assertThat(a.renew(held).await()).isTrue();
    assertThat(a.isCurrent(held).await()).isTrue();
    assertThat(a.release(held).await()).isTrue();
    assertThat(a.holder().await()).isEmpty();
    WriterLease.Held next = b.acquire(false).await().held().orElseThrow();
    assertThat(next.token()).isGreaterThan(held.token());
    assertThat(a.renew(held).await()).as("a released lease is not renewed").isFalse();
    assertThat(a.release(held).await()).as("the old holder cannot release the new holder's lease").isFalse();
    assertThat(b.isCurrent(next).await()).isTrue();
  }

  @Test
  void aLeaseThatRanOutIsLostAndItsHolderCanNeitherRenewNorReleaseItsSuccessor() throws Exception {
    WriterLease a = lease("node-a", Duration.ofMillis(200));
    WriterLease b = lease("node-b", Duration.ofSeconds(30));
    WriterLease.Held old = a.acquire(false).await().held().orElseThrow();
    awaitExpiry(a);
    assertThat(a.renew(old).await()).as("an expired lease is not renewed").isFalse();
    WriterLease.Held successor = b.acquire(false).await().held().orElseThrow();
    assertThat(successor.token()).isEqualTo(old.token() + 1);
    assertThat(a.renew(old).await()).isFalse();
    assertThat(a.isCurrent(old).await()).isFalse();
    assertThat(a.release(old).await()).isFalse();
    assertThat(b.holder().await()).contains(successor.value());
  }

  @Test
  void aRestartedInstanceOfTheSameNodeTakesItsLeaseOverOnlyWhenAllowed() {
    WriterLease before = lease("node-a", Duration.ofSeconds(30));
    WriterLease restarted = lease("node-a", Duration.ofSeconds(30));
    WriterLease.Held old = before.acquire(false).await().held().orElseThrow();
    assertThat(restarted.acquire(false).await().held()).isEmpty();
    WriterLease.Held taken = restarted.acquire(true).await().held().orElseThrow();
    assertThat(taken.token()).isGreaterThan(old.token());
    assertThat(before.isCurrent(old).await()).as("the old instance's token is stale").isFalse();
    assertThat(before.renew(old).await()).isFalse();
  }

  @Test
  void aPublicationUnderAStaleTokenIsRefusedAndWritesNothing(Vertx vertx) throws Exception {
    SigningKey key = SigningKey.generate();
    String origin = Checkpoints.originOf(key);
    CommitLog oldWriterLog = CommitLog.open(dir.resolve("old.jsonl"), key.noteKey(origin));
    CommitLog newWriterLog = CommitLog.open(dir.resolve("new.jsonl"), key.noteKey(origin));
    LogCopy oldCopy = new LogCopy(vertx, redis, oldWriterLog, "node-a");
    LogCopy newCopy = new LogCopy(vertx, redis, newWriterLog, "node-b");
    WriterLease a = lease("node-a", Duration.ofMillis(200));
    WriterLease b = lease("node-b", Duration.ofSeconds(30));

    WriterLease.Held old = a.acquire(false).await().held().orElseThrow();
    awaitExpiry(a); // the old writer was paused past its lease
    WriterLease.Held current = b.acquire(false).await().held().orElseThrow();
    LogEntry early = oldWriterLog.prepare(List.of(new Leaf("insp-b", 1, "22".repeat(32))), key.noteSigner(origin),
        origin, Instant.parse("2026-11-30T01:59:59Z"));
    assertThat(oldCopy.publish(old, early).await().outcome()).as("refused before the new writer published anything")
        .isEqualTo(LogCopy.Outcome.FENCED);
    assertThat(redis.call(c -> c.llen(Checkpoints.REDIS_KEY)).await()).isZero();
    LogEntry mine = newWriterLog.prepare(List.of(new Leaf("insp-a", 1, "11".repeat(32))), key.noteSigner(origin),
        origin, Instant.parse("2026-11-30T02:00:00Z"));
    assertThat(newCopy.publish(current, mine).await().outcome()).isEqualTo(LogCopy.Outcome.PUBLISHED);
    newWriterLog.commit(mine);

    // The old writer wakes up with a tree head of its own for entry #1: a fork, which Redis refuses.
    LogEntry fork = oldWriterLog.prepare(List.of(new Leaf("insp-b", 1, "22".repeat(32))), key.noteSigner(origin),
        origin, Instant.parse("2026-11-30T02:00:01Z"));
    LogCopy.Published refused = oldCopy.publish(old, fork).await();
    assertThat(refused.outcome()).isEqualTo(LogCopy.Outcome.FENCED);
    assertThat(WriterLease.nodeOf(refused.detail())).isEqualTo("node-b");
    assertThat(redis.call(c -> c.lrange(Checkpoints.REDIS_KEY, 0, -1)).await()).containsExactly(mine.line());
    assertThat(oldWriterLog.entries()).as("nothing prepared is kept").isZero();
    assertThat(oldWriterLog.size()).isZero();

    // It follows Redis's copy instead: its file then holds exactly what was published.
    assertThat(oldCopy.sync().await()).isEmpty();
    assertThat(oldWriterLog.latest()).contains(mine);
    assertThat(java.nio.file.Files.readAllLines(oldWriterLog.file())).containsExactly(mine.line());
    assertThat(redis.call(c -> c.hget(LogCopy.FILES_KEY, "node-a")).await()).isEqualTo("1");
  }

  @Test
  void aPublicationIsRefusedWhenRedisCopyIsNotWhatTheWriterLastSaw(Vertx vertx) throws Exception {
    SigningKey key = SigningKey.generate();
    String origin = Checkpoints.originOf(key);
    CommitLog log = CommitLog.open(dir.resolve("log.jsonl"), key.noteKey(origin));
    LogCopy copy = new LogCopy(vertx, redis, log, "node-a");
    WriterLease.Held held = lease("node-a", Duration.ofSeconds(30)).acquire(false).await().held().orElseThrow();
    LogEntry first = log.prepare(List.of(new Leaf("insp-a", 1, "11".repeat(32))), key.noteSigner(origin), origin,
        Instant.parse("2026-11-30T02:00:00Z"));
    assertThat(copy.publish(held, first).await().outcome()).isEqualTo(LogCopy.Outcome.PUBLISHED);
    log.commit(first);
    // Someone rewrites the copy's last line: the writer does not append after a line its log does not hold.
    redis.call(c -> c.lset(Checkpoints.REDIS_KEY, 0, first.line().replace("insp-a", "insp-x"))).await();
    LogEntry second = log.prepare(List.of(new Leaf("insp-a", 2, "33".repeat(32))), key.noteSigner(origin), origin,
        Instant.parse("2026-11-30T02:00:01Z"));
    assertThat(copy.publish(held, second).await().outcome()).isEqualTo(LogCopy.Outcome.MOVED);
    assertThat(redis.call(c -> c.llen(Checkpoints.REDIS_KEY)).await()).isEqualTo(1);
    assertThat(copy.sync().await()).singleElement().asString().contains("entry #1 differs from line 1");
  }
}
