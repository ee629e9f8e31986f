package io.kanyan.recorder.trail;

import io.kanyan.recorder.log.CommitLog;
import io.kanyan.recorder.log.LogEntry;
import io.kanyan.recorder.redis.LuaScript;
import io.kanyan.recorder.redis.RedisStore;
import io.lettuce.core.ScriptOutputType;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * Redis's copy of the commitment log ({@value Checkpoints#REDIS_KEY}), which is what every node shares (see
 * {@code recorder/TRAIL.md} 5.7): the checkpoint writer publishes each new line there first, fenced by its lease
 * and only after the line this node's file ends with ({@code log_publish.lua}); every node then appends to its own
 * file exactly the lines the copy holds beyond it, each checked as a valid successor (signature, link, leaves,
 * consistency proof) before it is written. {@value #FILES_KEY} records how many lines each node's file holds, so
 * a start can tell a node that was only behind from a file whose last lines were removed.
 */
final class LogCopy {

  /** Node name → the number of lines its log file holds (written after every append to the file). */
  static final String FILES_KEY = "kanyan:commitments:files";

  /** What became of a publication. */
  enum Outcome {
    /** The lines are in Redis's copy. */
    PUBLISHED,
    /** The lease is not the writer's any more: nothing was written. */
    FENCED,
    /** Redis's copy is not what this node's file ends with (it grew, shrank or differs): nothing was written. */
    MOVED
  }

  record Published(Outcome outcome, String detail) {
  }

  private final Vertx vertx;
  private final RedisStore redis;
  private final CommitLog commitLog;
  private final String node;
  private final LuaScript publish;

  LogCopy(Vertx vertx, RedisStore redis, CommitLog commitLog, String node) {
    this.vertx = vertx;
    this.redis = redis;
    this.commitLog = commitLog;
    this.node = node;
    this.publish = new LuaScript(redis, LogCopy.class, "log_publish.lua");
  }

  /**
   * Publishes {@code entry}, prepared as the successor of this node's log, as the copy's next line, together with
   * any lines of this log the copy lost before it (Redis restored from an older state). Fenced by {@code held}.
   */
  Future<Published> publish(WriterLease.Held held, LogEntry entry) {
    return redis.call(c -> c.llen(Checkpoints.REDIS_KEY)).compose(length -> {
      int entries = commitLog.entries();
      if (length >= entries) {
        // Also when the copy is ahead: the script checks the fence first, then refuses a copy that moved.
        String last = commitLog.latest().map(LogEntry::line).orElse(null);
        return run(held.value(), entries, last, List.of(entry.line()));
      }
      return vertx.executeBlocking(() -> Files.readAllLines(commitLog.file(), StandardCharsets.UTF_8), false)
          .compose(lines -> {
            if (lines.size() != entries) {
              return Future.succeededFuture(new Published(Outcome.MOVED, "the log file holds " + lines.size()
                  + " lines, the log " + entries));
            }
            List<String> tail = new ArrayList<>(lines.subList(length.intValue(), entries));
            tail.add(entry.line());
            return run(held.value(), length, length == 0 ? null : lines.get(length.intValue() - 1), tail);
          });
    });
  }

  /**
   * Gives Redis's copy back the lines it lost ({@code lines} from index {@code length} on), appended only when the
   * copy still has exactly {@code length} lines ending with the file's line there. Not fenced: these lines were
   * published before (start-up only). True when pushed.
   */
  Future<Boolean> restore(List<String> lines, int length) {
    return run("", length, length == 0 ? null : lines.get(length - 1), lines.subList(length, lines.size()))
        .map(published -> published.outcome() == Outcome.PUBLISHED);
  }

  private Future<Published> run(String fence, long length, String lastLine, List<String> lines) {
    List<String> args = new ArrayList<>(List.of(fence, Long.toString(length), lastLine == null ? "" : sha1(lastLine)));
    args.addAll(lines);
    return publish.<List<Object>>run(ScriptOutputType.MULTI,
            new String[] {WriterLease.KEY, Checkpoints.REDIS_KEY}, args.toArray(String[]::new))
        .map(reply -> new Published(switch (String.valueOf(reply.get(0))) {
          case "ok" -> Outcome.PUBLISHED;
          case "fenced" -> Outcome.FENCED;
          default -> Outcome.MOVED;
        }, String.valueOf(reply.get(1))));
  }

  /**
   * Appends to this node's file every line Redis's copy holds beyond it, each only when it is a valid successor,
   * and records the file's length. A copy that no longer holds this file's last line where the file has it, or a
   * line that is not a valid successor, is not followed: it is returned as a finding (a fork or an edit).
   */
  Future<List<String>> sync() {
    int from = Math.max(0, commitLog.entries() - 1);
    return redis.call(c -> c.lrange(Checkpoints.REDIS_KEY, from, -1)).compose(copy -> {
      if (copy.isEmpty() || (copy.size() == 1 && from + 1 == commitLog.entries() && commitLog.latest()
          .map(LogEntry::line).filter(copy.get(0)::equals).isPresent())) {
        return Future.succeededFuture(List.<String>of());
      }
      int before = commitLog.entries();
      return vertx.executeBlocking(() -> {
        for (int i = 0; i < copy.size(); i++) {
          String problem = commitLog.follow(from + i, copy.get(i));
          if (problem != null) {
            return List.of("Redis's copy of the commitment log, not followed: " + problem);
          }
        }
        return List.<String>of();
      }, false).compose(problems -> commitLog.entries() == before ? Future.succeededFuture(problems)
          : recordFile().map(problems));
    });
  }

  /** Records how many lines this node's file holds. */
  Future<Void> recordFile() {
    return redis.call(c -> c.hset(FILES_KEY, node, Integer.toString(commitLog.entries()))).mapEmpty();
  }

  /** How many lines this node's file held when it last recorded it, if it ever did. */
  Future<Optional<Integer>> recordedFile() {
    return redis.call(c -> c.hget(FILES_KEY, node)).map(v -> Optional.ofNullable(v).map(Integer::parseInt));
  }

  static String sha1(String line) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(line.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
