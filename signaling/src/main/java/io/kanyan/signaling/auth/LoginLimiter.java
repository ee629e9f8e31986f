package io.kanyan.signaling.auth;

import io.kanyan.recorder.redis.RedisStore;
import io.lettuce.core.ScriptOutputType;
import io.vertx.core.Future;
import java.time.Clock;
import java.time.Duration;

/**
 * Limits password guessing per username <em>and</em> client address pair, in Redis, so the count is shared and
 * atomic. An attempt is counted before its password is checked (one Lua script reads the back-off and counts
 * the attempt together), so concurrent requests cannot slip past the limit while the slow hash runs.
 *
 * <p>Each pair gets {@code attempts} tries; from then on every further try must wait, 15 s at first and twice as
 * long each time, up to {@code maxWait}. A successful login clears the pair; an admin can clear all of a user's
 * pairs ({@link #unlock}). Because the limit is per pair, failures from one address do not lock the same user
 * out at another address, and failures against other usernames never lock anybody out.
 *
 * <p>Keys: {@code kanyan:login:<user>:<address>} (hash: fails, until), {@code kanyan:login-addresses:<user>}
 * (set of addresses, for unlocking); both forgotten after twice the longest wait without a try, so that guesses
 * at made-up usernames cannot fill Redis (which never evicts) while a guesser who keeps trying stays slowed.
 */
public final class LoginLimiter {

  private static final Duration FIRST_WAIT = Duration.ofSeconds(15);

  /** Reads the back-off; if the attempt may go ahead, counts it and sets the next back-off. Returns ms to wait. */
  private static final String TAKE = """
      local now = tonumber(ARGV[1])
      local waitUntil = tonumber(redis.call('HGET', KEYS[1], 'until') or '0')
      if now < waitUntil then
        return waitUntil - now
      end
      local fails = redis.call('HINCRBY', KEYS[1], 'fails', 1)
      local free = tonumber(ARGV[2])
      if fails >= free then
        local delay = tonumber(ARGV[3])
        for i = 1, fails - free do
          delay = delay * 2
          if delay >= tonumber(ARGV[4]) then break end
        end
        delay = math.min(delay, tonumber(ARGV[4]))
        redis.call('HSET', KEYS[1], 'until', string.format('%d', now + delay))
      end
      redis.call('PEXPIRE', KEYS[1], ARGV[6])
      redis.call('SADD', KEYS[2], ARGV[5])
      redis.call('PEXPIRE', KEYS[2], ARGV[6])
      return 0
      """;

  private final RedisStore redis;
  private final int attempts;
  private final Duration maxWait;
  private final Clock clock;

  /**
   * @param attempts tries per user and address before the back-off starts
   * @param maxWait  the longest wait between two tries once backing off
   */
  public LoginLimiter(RedisStore redis, int attempts, Duration maxWait, Clock clock) {
    this.redis = redis;
    this.attempts = Math.max(1, attempts);
    this.maxWait = maxWait;
    this.clock = clock;
  }

  static String pairKey(String username, String address) {
    return "kanyan:login:" + username + ":" + address;
  }

  static String addressesKey(String username) {
    return "kanyan:login-addresses:" + username;
  }

  /**
   * Counts an attempt of {@code username} from {@code address}, before its password is checked.
   *
   * @return 0 when the attempt may go ahead, else the seconds to wait (the attempt is then not counted)
   */
  public Future<Long> take(String username, String address) {
    String[] keys = {pairKey(username, address), addressesKey(username)};
    long first = Math.min(FIRST_WAIT.toMillis(), maxWait.toMillis());
    return redis.<Long>call(c -> c.eval(TAKE, ScriptOutputType.INTEGER, keys,
            Long.toString(clock.millis()), Integer.toString(attempts), Long.toString(first),
            Long.toString(maxWait.toMillis()), address, Long.toString(forgetMillis())))
        .map(waitMs -> waitMs <= 0 ? 0L : Math.max(1, (waitMs + 999) / 1000));
  }

  private long forgetMillis() {
    return Math.max(60_000, 2 * maxWait.toMillis());
  }

  /** A correct password: this pair starts afresh. */
  public Future<Void> succeeded(String username, String address) {
    return redis.call(c -> c.del(pairKey(username, address))).mapEmpty();
  }

  /** Clears every back-off of {@code username} (an admin's unlock). */
  public Future<Void> unlock(String username) {
    return redis.call(c -> c.smembers(addressesKey(username))).compose(addresses -> redis.call(c -> {
      for (String address : addresses) {
        c.del(pairKey(username, address));
      }
      return c.del(addressesKey(username));
    })).mapEmpty();
  }
}
