package io.kanyan.recorder.redis;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisLoadingException;

/** Redis could not be reached or did not answer in time: the caller may retry later; nothing was lost. */
public class RedisUnavailableException extends RuntimeException {

  public RedisUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }

  /**
   * Connection-level failures become this type; errors Redis itself answered with pass through unchanged.
   * Lettuce fails the command at the head of its queue with the raw socket error (for example
   * {@code java.net.SocketException: Connection reset}) when a connection drops: that command may or may
   * not have run, so it counts as unavailable too; so does a Redis that is still loading its AOF, a command
   * cancelled because its connection was closed, and a server that is no longer the primary (a failover).
   */
  static Throwable wrap(Throwable err) {
    if (err instanceof RedisUnavailableException) {
      return err;
    }
    if (err instanceof RedisLoadingException) {
      return new RedisUnavailableException("the trail store (Redis) is still loading its data: " + err.getMessage(), err);
    }
    if (err instanceof java.util.concurrent.CancellationException) {
      // Lettuce cancels the commands still waiting on a connection that is closed (after a failover, the store
      // closes the old primary's): each may or may not have run there.
      return new RedisUnavailableException("the trail store (Redis) connection was closed under a command", err);
    }
    if (err instanceof RedisCommandExecutionException && failover(err.getMessage())) {
      return new RedisUnavailableException("the trail store (Redis) is failing over: " + err.getMessage(), err);
    }
    if (err instanceof RedisCommandExecutionException || !(err instanceof RedisException
        || err instanceof java.util.concurrent.TimeoutException || err instanceof java.io.IOException)) {
      return err;
    }
    return new RedisUnavailableException("the trail store (Redis) is unavailable: " + err.getMessage(), err);
  }

  /**
   * Errors a server answers while it is not (or no longer) the primary, during a Sentinel failover: a demoted
   * primary refuses writes ({@code READONLY}) and {@code WAIT} ("cannot be used with replica instances"), a
   * replica that lost its primary answers {@code MASTERDOWN}, and a primary under {@code min-replicas-to-write}
   * answers {@code NOREPLICAS}. The write did not happen there; the connection follows the new primary.
   */
  static boolean failover(String message) {
    if (message == null) {
      return false;
    }
    return message.contains("READONLY") || message.contains("MASTERDOWN") || message.contains("NOREPLICAS")
        || message.contains("cannot be used with replica instances");
  }
}
