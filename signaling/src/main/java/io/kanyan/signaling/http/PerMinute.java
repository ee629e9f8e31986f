package io.kanyan.signaling.http;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;

/**
 * A count of requests per client address in the current minute, refusing past a limit. Requests on several event
 * loops share one: each minute has a map of its own, swapped in by compare-and-set when the minute turns, and a
 * count moves only through {@link ConcurrentHashMap#merge}, so exactly {@code limit} requests of an address are let
 * through in a minute however many loops ask at once.
 */
final class PerMinute {

  /** One minute's counts. */
  private record Window(long minute, Map<String, Integer> counts) {
  }

  private final int limit;
  private final LongSupplier millis;
  private final AtomicReference<Window> current = new AtomicReference<>(new Window(-1, Map.of()));

  PerMinute(int limit) {
    this(limit, System::currentTimeMillis);
  }

  /** @param millis the time now (tests hold it still) */
  PerMinute(int limit, LongSupplier millis) {
    this.limit = limit;
    this.millis = millis;
  }

  boolean allow(String address) {
    return window().counts().merge(address, 1, Integer::sum) <= limit;
  }

  /** This minute's window; the first request of a minute starts it (a request that read the last one counts there). */
  private Window window() {
    long now = millis.getAsLong() / 60_000;
    while (true) {
      Window w = current.get();
      if (w.minute() >= now) {
        // A request that read the clock just before another started the next minute counts in that next one: a
        // late reader never brings back an emptied earlier minute.
        return w;
      }
      Window fresh = new Window(now, new ConcurrentHashMap<>());
      if (current.compareAndSet(w, fresh)) {
        return fresh;
      }
    }
  }
}
