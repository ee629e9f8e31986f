package io.kanyan.recorder.trail;

import io.kanyan.recorder.redis.LuaScript;
import io.kanyan.recorder.redis.RedisStore;
import io.kanyan.recorder.witness.Attestations;
import io.lettuce.core.KeyValue;
import io.lettuce.core.ScriptOutputType;
import io.vertx.core.Future;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The latest witness-cosigned tree head and RFC 3161 token, shared by the checkpoint writer with the other nodes in
 * the Redis hash {@value #KEY} (fields {@code <kind>} and {@code <kind>:size}), written only under the writer's
 * current lease ({@code attestation_publish.lua}). The other nodes copy them into their own attestations directory
 * after checking them ({@link Attestations#copyShared}). See {@code recorder/TRAIL.md} 5.7.
 */
final class SharedAttestations implements Attestations.Shared {

  private static final Logger log = LoggerFactory.getLogger(SharedAttestations.class);

  static final String KEY = "kanyan:attestations";

  private final RedisStore redis;
  private final Supplier<WriterLease.Held> held;
  private final LuaScript publish;

  SharedAttestations(RedisStore redis, Supplier<WriterLease.Held> held) {
    this.redis = redis;
    this.held = held;
    this.publish = new LuaScript(redis, SharedAttestations.class, "attestation_publish.lua");
  }

  @Override
  public Future<Void> publish(String kind, long treeSize, String content) {
    WriterLease.Held mine = held.get();
    if (mine == null) {
      log.warn("attestations: {} of tree head {} not shared: this node is not the checkpoint writer", kind, treeSize);
      return Future.succeededFuture();
    }
    return publish.<Long>run(ScriptOutputType.INTEGER, new String[] {WriterLease.KEY, KEY},
            new String[] {mine.value(), kind, Long.toString(treeSize), content})
        .map(done -> {
          if (done != 1L) {
            log.warn("attestations: {} of tree head {} not shared: the writer's lease is stale or a later one is there",
                kind, treeSize);
          }
          return (Void) null;
        })
        .recover(err -> {
          log.warn("attestations: {} of tree head {} not shared: {}", kind, treeSize, err.toString());
          return Future.succeededFuture();
        });
  }

  @Override
  public Future<Optional<String>> fetch(String kind, long treeSize) {
    return redis.call(c -> c.hmget(KEY, kind + ":size", kind)).map((List<KeyValue<String, String>> values) -> {
      String size = values.get(0).getValueOrElse(null);
      return size != null && Long.parseLong(size) == treeSize ? Optional.ofNullable(values.get(1).getValueOrElse(null))
          : Optional.<String>empty();
    });
  }
}
