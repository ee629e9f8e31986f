package io.kanyan.signaling.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.kanyan.recorder.testing.Loops;
import io.kanyan.signaling.Problem;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * One {@link UploadGate} shared by uploads arriving on four event loops at once (a server listening from several
 * loops): neither the per-user nor the total limit is ever passed, a refusal takes no place, and once every upload
 * ended the gate is empty again.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class UploadGateLoopsTest {

  static final int LOOPS = 4;
  static Loops loops;

  @BeforeAll
  static void start() {
    loops = Loops.start(LOOPS);
  }

  @AfterAll
  static void stop() {
    loops.close();
  }

  @Test
  void limitsHoldAndEveryPlaceComesBackUnderManyLoops() {
    int perUser = 2;
    int total = 5;
    int users = 4;
    UploadGate gate = new UploadGate(perUser, total);
    AtomicInteger held = new AtomicInteger();
    AtomicInteger mostHeld = new AtomicInteger();
    AtomicIntegerArray heldBy = new AtomicIntegerArray(users);
    AtomicIntegerArray mostHeldBy = new AtomicIntegerArray(users);
    AtomicInteger admitted = new AtomicInteger();
    ConcurrentHashMap<String, AtomicInteger> refusals = new ConcurrentHashMap<>();

    loops.atOnce(loop -> {
      for (int i = 0; i < 40_000; i++) {
        int u = (i + loop) % users;
        String user = "user" + u;
        try {
          gate.acquire(user);
        } catch (Problem p) {
          refusals.computeIfAbsent(p.code(), k -> new AtomicInteger()).incrementAndGet();
          continue;
        }
        admitted.incrementAndGet();
        // Counted after the place was taken and uncounted before it is given back: never more than the gate holds.
        mostHeld.accumulateAndGet(held.incrementAndGet(), Math::max);
        int mine = heldBy.incrementAndGet(u);
        mostHeldBy.accumulateAndGet(u, mine, Math::max);
        heldBy.decrementAndGet(u);
        held.decrementAndGet();
        gate.release(user);
      }
    });

    assertThat(mostHeld.get()).isLessThanOrEqualTo(total);
    for (int u = 0; u < users; u++) {
      assertThat(mostHeldBy.get(u)).as("user%d at most", u).isLessThanOrEqualTo(perUser);
      assertThat(gate.inFlight("user" + u)).as("user%d after", u).isZero();
    }
    assertThat(gate.inFlight()).isZero();
    assertThat(admitted.get()).isPositive();
  }

  @Test
  void exactlyTheTotalIsAdmittedWhenEveryLoopAsksAtOnce() {
    UploadGate gate = new UploadGate(1, 37);
    AtomicInteger admitted = new AtomicInteger();
    AtomicInteger busy = new AtomicInteger();

    loops.atOnce(loop -> {
      for (int i = 0; i < 5_000; i++) {
        try {
          gate.acquire("loop" + loop + "-" + i);
          admitted.incrementAndGet();
        } catch (Problem p) {
          assertThat(p.code()).isEqualTo("busy");
          busy.incrementAndGet();
        }
      }
    });

    assertThat(admitted.get()).isEqualTo(37);
    assertThat(gate.inFlight()).isEqualTo(37);
    assertThat(busy.get()).isEqualTo(LOOPS * 5_000 - 37);
  }

  @Test
  void exactlyTheUsersLimitIsAdmittedWhenOneUserAsksFromEveryLoop() {
    UploadGate gate = new UploadGate(3, 1_000);
    AtomicInteger admitted = new AtomicInteger();

    loops.atOnce(loop -> {
      for (int i = 0; i < 5_000; i++) {
        try {
          gate.acquire("olive");
          admitted.incrementAndGet();
        } catch (Problem p) {
          assertThat(p.code()).isEqualTo("too_many_uploads");
        }
      }
    });

    assertThat(admitted.get()).isEqualTo(3);
    assertThat(gate.inFlight("olive")).isEqualTo(3);
    assertThat(gate.inFlight()).isEqualTo(3);
  }
}
