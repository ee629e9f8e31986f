package io.kanyan.signaling.http;

import io.kanyan.signaling.Problem;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Bounds the uploads received at the same time, per user and in total, so that no one (nor everyone at
 * once) can fill the disk, the worker threads or, once a body is complete, the heap. Requests on several event
 * loops share one gate: a user's count changes only inside {@link ConcurrentHashMap#compute} (which runs one
 * update of a key at a time), and the total takes a place by compare-and-set, so neither limit is ever passed, and
 * a refusal takes no place.
 */
public final class UploadGate {

  private final int perUser;
  private final int total;
  private final Map<String, Integer> byUser = new ConcurrentHashMap<>();
  private final AtomicInteger inFlight = new AtomicInteger();

  public UploadGate(int perUser, int total) {
    this.perUser = perUser;
    this.total = total;
  }

  /** A place for one upload of {@code username}, to be given back with {@link #release}. */
  public void acquire(String username) {
    // A Problem thrown inside compute leaves the user's count as it was.
    byUser.compute(username, (user, held) -> {
      int mine = held == null ? 0 : held;
      if (mine >= perUser) {
        throw new Problem(Problem.Kind.TOO_MANY, "too_many_uploads",
            "you already have " + perUser + " uploads under way; wait for one to finish, then send again");
      }
      takeTotal();
      return mine + 1;
    });
  }

  /** One place of the total, or a refusal; never more than {@code total} taken, and a refusal takes none. */
  private void takeTotal() {
    while (true) {
      int now = inFlight.get();
      if (now >= total) {
        throw new Problem(Problem.Kind.UNAVAILABLE, "busy",
            "the server is receiving as many uploads as it takes at once; send again in a few seconds");
      }
      if (inFlight.compareAndSet(now, now + 1)) {
        return;
      }
    }
  }

  public void release(String username) {
    byUser.computeIfPresent(username, (k, n) -> n <= 1 ? null : n - 1);
    inFlight.decrementAndGet();
  }

  /** Uploads under way now. */
  public int inFlight() {
    return inFlight.get();
  }

  /** Uploads of {@code username} under way now. */
  public int inFlight(String username) {
    return byUser.getOrDefault(username, 0);
  }
}
