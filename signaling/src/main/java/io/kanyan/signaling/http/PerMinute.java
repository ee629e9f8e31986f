package io.kanyan.signaling.http;

import java.util.HashMap;
import java.util.Map;

/**
 * A count of requests per client address in the current minute, refusing past a limit. Used from the server
 * verticle's event loop only (one node), so a plain map; it is emptied every minute.
 */
final class PerMinute {

  private final int limit;
  private final Map<String, Integer> counts = new HashMap<>();
  private long minute = -1;

  PerMinute(int limit) {
    this.limit = limit;
  }

  boolean allow(String address) {
    long now = System.currentTimeMillis() / 60_000;
    if (now != minute) {
      minute = now;
      counts.clear();
    }
    return counts.merge(address, 1, Integer::sum) <= limit;
  }
}
