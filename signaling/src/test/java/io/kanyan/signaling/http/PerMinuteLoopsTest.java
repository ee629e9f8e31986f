package io.kanyan.signaling.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.kanyan.recorder.testing.Loops;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * One {@link PerMinute} limit (invite opens, prechecks, checklist reads per address) shared by requests on four
 * event loops at once: exactly the limit is let through per address and minute, and the next minute starts afresh.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class PerMinuteLoopsTest {

  static Loops loops;

  @BeforeAll
  static void start() {
    loops = Loops.start(4);
  }

  @AfterAll
  static void stop() {
    loops.close();
  }

  @Test
  void exactlyTheLimitPassesPerAddressAndMinuteFromEveryLoopAtOnce() {
    AtomicLong now = new AtomicLong(1_000 * 60_000L + 5);
    PerMinute limit = null;
    // Three minutes of it, each from a fresh limit, so a race shows in more than one try.
    for (int trial = 0; trial < 3; trial++) {
      limit = new PerMinute(3, now::get);
      PerMinute shared = limit;
      int addresses = 20_000;
      AtomicInteger[] allowed = new AtomicInteger[addresses];
      for (int a = 0; a < addresses; a++) {
        allowed[a] = new AtomicInteger();
      }

      // Every loop asks for every address twice (8 requests per address), each loop starting at another quarter, so
      // all of them meet addresses not seen before at the same time.
      loops.atOnce(loop -> {
        for (int round = 0; round < 2; round++) {
          for (int n = 0; n < addresses; n++) {
            int a = (n + loop * addresses / loops.size()) % addresses;
            if (shared.allow("10." + (a / 62_500) + "." + (a / 250 % 250) + "." + (a % 250))) {
              allowed[a].incrementAndGet();
            }
          }
        }
      });
      for (int a = 0; a < addresses; a++) {
        assertThat(allowed[a].get()).as("address %d", a).isEqualTo(3);
      }
    }

    // The last limit's next minute starts afresh (10.0.0.1 had used its 3).
    PerMinute last = limit;
    now.addAndGet(60_000);
    AtomicInteger next = new AtomicInteger();
    loops.atOnce(loop -> {
      for (int i = 0; i < 1_000; i++) {
        if (last.allow("10.0.0.1")) {
          next.incrementAndGet();
        }
      }
    });
    assertThat(next.get()).isEqualTo(3);
  }
}
