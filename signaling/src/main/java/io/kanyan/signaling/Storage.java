package io.kanyan.signaling;

import io.kanyan.recorder.redis.Durability;
import io.kanyan.recorder.redis.PrivateFiles;
import io.kanyan.recorder.redis.RedisServerProcess;
import io.kanyan.recorder.redis.RedisStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the server keeps: the data directory, the Redis it talks to (its own embedded redis-server with AOF,
 * or {@code REDIS_URL}), checked for durability before anything is served, and the local secrets.
 */
public final class Storage implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Storage.class);

  private final RedisServerProcess embedded;
  private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
  private final RedisStore redis;
  private final byte[] phoneIndexKey;

  private Storage(RedisServerProcess embedded, RedisStore redis, byte[] phoneIndexKey) {
    this.embedded = embedded;
    this.redis = redis;
    this.phoneIndexKey = phoneIndexKey;
  }

  /** Prepares the data dir, starts the embedded Redis when no URL is configured, connects and checks it. */
  public static Future<Storage> open(Vertx vertx, Config config) {
    if (config.embeddedRedis() && config.redisAcks().required()) {
      return Future.failedFuture(new IllegalArgumentException("KANYAN_REDIS_REPLICA_ACKS is "
          + config.redisAcks().replicas() + " but the embedded Redis has no replica: set it to 0, or set REDIS_URL to "
          + "a Redis with replicas (a redis-sentinel:// URL, see deploy/redis/sentinel.conf)"));
    }
    return vertx.executeBlocking(() -> {
      privateDataDir(config);
      RedisServerProcess process = config.embeddedRedis()
          ? RedisServerProcess.start(config.dataDir().resolve("redis"), config.embeddedRedisPort())
          : null;
      return process;
    }).compose(process -> {
      String url = process != null ? process.url() : config.redisUrl();
      return RedisStore.connect(vertx, url, config.redisAcks(), config.redisSentinelPassword())
          .compose(store -> Durability.check(store, config.allowVolatileRedis())
              .onSuccess(problems -> {
                log.info("redis: connected to {}{}", process != null ? "the embedded redis-server" : store.describe(),
                    config.redisAcks().required() ? ", writes acknowledged by " + config.redisAcks().replicas()
                        + " replica(s) within " + config.redisAcks().timeout().toMillis() + " ms" : "");
                if (!problems.isEmpty()) {
                  log.warn("redis: NOT DURABLE, allowed by KANYAN_ALLOW_VOLATILE_REDIS: {}", problems);
                }
              })
              .onFailure(err -> store.close())
              .map(store))
          .compose(store -> vertx.executeBlocking(() -> phoneKey(config))
              .map(key -> new Storage(process, store, key)))
          .onFailure(err -> {
            if (process != null) {
              process.close();
            }
          });
    });
  }

  /**
   * Makes the data directory readable by this user only (700): the AOF holds password hashes and applicant
   * names, the directory recordings, snapshots, keys and the checkpoint log. In Kurento mode the media server,
   * often another user, writes under {@code recordings/}, so there the data directory stays as it is and each
   * other part is made 700 instead.
   */
  private static void privateDataDir(Config config) throws IOException {
    Path data = config.dataDir();
    if (!config.kurento()) {
      PrivateFiles.directory(data);
      return;
    }
    Files.createDirectories(data);
    for (String part : List.of("redis", "keys", "checkpoints", "inspections", "tls")) {
      PrivateFiles.directory(data.resolve(part));
    }
  }

  private static byte[] phoneKey(Config config) throws IOException {
    if (config.phoneIndexKey() != null) {
      byte[] key = Base64.getDecoder().decode(config.phoneIndexKey());
      if (key.length < 32) {
        throw new IllegalArgumentException("KANYAN_PHONE_INDEX_KEY must be at least 32 bytes, base64-encoded");
      }
      return key;
    }
    Path file = config.dataDir().resolve("keys").resolve("phone-index.key");
    if (!Files.exists(file)) {
      Files.createDirectories(file.getParent());
      byte[] key = new byte[32];
      new SecureRandom().nextBytes(key);
      Files.write(file, key);
      try {
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException ignored) {
        // not a POSIX file system
      }
    }
    return Files.readAllBytes(file);
  }

  public RedisStore redis() {
    return redis;
  }

  public byte[] phoneIndexKey() {
    return phoneIndexKey.clone();
  }

  /**
   * The process stops the embedded redis-server itself, after the server's last command (Main's exit hook), rather
   * than the redis-server's own hook stopping it while the server still writes.
   */
  public void stopRedisLast() {
    if (embedded != null) {
      embedded.stopWithOwner();
    }
  }

  /** Closes the connection, then stops the embedded redis-server; a second call does nothing. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    redis.close();
    if (embedded != null) {
      embedded.close();
    }
  }

}
