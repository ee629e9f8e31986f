package io.kanyan.recorder.redis;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.BooleanOutput;
import io.lettuce.core.output.CommandOutput;
import io.lettuce.core.output.IntegerOutput;
import io.lettuce.core.output.NestedMultiOutput;
import io.lettuce.core.output.StatusOutput;
import io.lettuce.core.output.ValueOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
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
        .recover(err -> noScript(err)
            ? redis.<T>call(c -> c.eval(text, type, keys, args))
            : Future.failedFuture(err));
  }

  /**
   * Runs a script that writes something that must survive the loss of the Redis primary: through
   * {@link RedisStore#acknowledged}, so with replica acknowledgement configured it succeeds only once enough
   * replicas hold its effects ({@link NotReplicatedException} otherwise). The script must be idempotent.
   */
  public <T> Future<T> runAcknowledged(ScriptOutputType type, String[] keys, String[] args) {
    return redis.<T>acknowledged(CommandType.EVALSHA, output(type), scriptArgs(sha, keys, args))
        .recover(err -> noScript(err)
            ? redis.<T>acknowledged(CommandType.EVAL, output(type), scriptArgs(text, keys, args))
            : Future.failedFuture(err));
  }

  private static boolean noScript(Throwable err) {
    return err instanceof RedisNoScriptException || String.valueOf(err.getMessage()).contains("NOSCRIPT");
  }

  private static CommandArgs<String, String> scriptArgs(String script, String[] keys, String[] args) {
    return new CommandArgs<>(StringCodec.UTF8).add(script).add(keys.length).addKeys(keys).addValues(args);
  }

  @SuppressWarnings("unchecked")
  private static <T> CommandOutput<String, String, T> output(ScriptOutputType type) {
    CommandOutput<String, String, ?> output = switch (type) {
      case BOOLEAN -> new BooleanOutput<>(StringCodec.UTF8);
      case INTEGER -> new IntegerOutput<>(StringCodec.UTF8);
      case STATUS -> new StatusOutput<>(StringCodec.UTF8);
      case MULTI -> new NestedMultiOutput<>(StringCodec.UTF8);
      case VALUE -> new ValueOutput<>(StringCodec.UTF8);
      default -> throw new IllegalArgumentException("no acknowledged script output for " + type);
    };
    return (CommandOutput<String, String, T>) output;
  }

  /** Runs a script that answers a list. */
  public Future<List<Object>> run(String[] keys, String[] args) {
    return run(ScriptOutputType.MULTI, keys, args);
  }
}
