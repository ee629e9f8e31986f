package io.kanyan.signaling.http;

import io.kanyan.signaling.Problem;
import java.util.HashMap;
import java.util.Map;

/**
 * Bounds the uploads received at the same time, per user and in total, so that no one (nor everyone at
 * once) can fill the disk, the worker threads or, once a body is complete, the heap. Used on the server's
 * event loop only.
 */
public final class UploadGate {

  private final int perUser;
  private final int total;
  private final Map<String, Integer> byUser = new HashMap<>();
  private int inFlight;

  public UploadGate(int perUser, int total) {
    this.perUser = perUser;
    this.total = total;
  }

  /** A place for one upload of {@code username}, to be given back with {@link #release}. */
  public void acquire(String username) {
    if (byUser.getOrDefault(username, 0) >= perUser) {
      throw new Problem(Problem.Kind.TOO_MANY, "too_many_uploads",
          "you already have " + perUser + " uploads under way; wait for one to finish, then send again");
    }
    if (inFlight >= total) {
      throw new Problem(Problem.Kind.UNAVAILABLE, "busy",
          "the server is receiving as many uploads as it takes at once; send again in a few seconds");
    }
    byUser.merge(username, 1, Integer::sum);
    inFlight++;
  }

  public void release(String username) {
    byUser.computeIfPresent(username, (k, n) -> n <= 1 ? null : n - 1);
    inFlight--;
  }

  /** Uploads under way now. */
  public int inFlight() {
    return inFlight;
  }
}
