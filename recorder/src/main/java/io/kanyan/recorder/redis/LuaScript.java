package io.kanyan.recorder.redis;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.vertx.core.Future;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A Lua script kept as a resource beside the class that runs it, run by EVALSHA (one round trip) and falling
 * back to EVAL when Redis no longer knows it (after a restart or a SCRIPT FLUSH).
 */
public final class LuaScript {

  private final RedisStore redis;
  private final String text;
  private final String sha;

  /**
   * @param owner    the class whose package holds the script
   * @param resource the script's file name in that package (e.g. {@code case_put.lua})
   */
  public LuaScript(RedisStore redis, Class<?> owner, String resource) {
    this.redis = redis;
    try (InputStream in = owner.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException(resource + " is missing beside " + owner.getName());
      }
      this.text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    this.sha = redis.async().digest(text);
  }

  /** Runs the script; {@code type} says how Redis's reply is read. */
  public <T> Future<T> run(ScriptOutputType type, String[] keys, String[] args) {
    return redis.<T>call(c -> c.evalsha(sha, type, keys, args))
        .recover(err -> err instanceof RedisNoScriptException || String.valueOf(err.getMessage()).contains("NOSCRIPT")
            ? redis.<T>call(c -> c.eval(text, type, keys, args))
            : Future.failedFuture(err));
  }

  /** Runs a script that answers a list. */
  public Future<List<Object>> run(String[] keys, String[] args) {
    return run(ScriptOutputType.MULTI, keys, args);
  }
}
