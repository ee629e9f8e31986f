package io.kanyan.recorder.stats;

import io.kanyan.recorder.redis.RedisStore;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.vertx.core.Future;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** One of the statistics' Lua scripts, run by its digest (loaded again after a Redis restart). */
final class Script {

  private final RedisStore redis;
  private final String text;
  private final String sha;

  Script(RedisStore redis, String resource) {
    this.redis = redis;
    try (InputStream in = Script.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException(resource + " is missing from the recorder jar");
      }
      this.text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    this.sha = redis.async().digest(text);
  }

  Future<List<Object>> run(String[] keys, String[] args) {
    return run(ScriptOutputType.MULTI, keys, args);
  }

  <T> Future<T> run(ScriptOutputType type, String[] keys, String[] args) {
    return redis.<T>call(c -> c.evalsha(sha, type, keys, args))
        .recover(err -> err instanceof RedisNoScriptException || String.valueOf(err.getMessage()).contains("NOSCRIPT")
            ? redis.<T>call(c -> c.eval(text, type, keys, args))
            : Future.failedFuture(err));
  }
}
