package io.kanyan.signaling.auth;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Counts failed logins per username and per client address in a sliding window; past the limit, further
 * attempts are refused before any password is checked (so the slow hash cannot be used to load the server).
 * An address gets four times the per-user allowance, since a whole office may share one NAT address.
 */
public final class LoginLimiter {

  private final int attempts;
  private final Duration window;
  private final Clock clock;
  private final Map<String, Deque<Long>> failures = new ConcurrentHashMap<>();

  public LoginLimiter(int attempts, Duration window, Clock clock) {
    this.attempts = attempts;
    this.window = window;
    this.clock = clock;
  }

  /** Seconds to wait before trying again, or 0 when an attempt is allowed now. */
  public long retryAfterSeconds(String address, String username) {
    return Math.max(wait("ip:" + address, attempts * 4), wait("user:" + username.toLowerCase(), attempts));
  }

  public void failed(String address, String username) {
    long now = clock.millis();
    for (String key : new String[] {"ip:" + address, "user:" + username.toLowerCase()}) {
      failures.compute(key, (k, q) -> {
        Deque<Long> d = q == null ? new ArrayDeque<>() : q;
        prune(d, now);
        d.addLast(now);
        return d;
      });
    }
  }

  public void succeeded(String username) {
    failures.remove("user:" + username.toLowerCase());
  }

  private long wait(String key, int allowed) {
    long now = clock.millis();
    Deque<Long> d = failures.computeIfPresent(key, (k, q) -> {
      prune(q, now);
      return q.isEmpty() ? null : q;
    });
    if (d == null || d.size() < allowed) {
      return 0;
    }
    long oldest = d.peekFirst();
    return Math.max(1, (oldest + window.toMillis() - now + 999) / 1000);
  }

  private void prune(Deque<Long> d, long now) {
    while (!d.isEmpty() && d.peekFirst() <= now - window.toMillis()) {
      d.pollFirst();
    }
  }
}
