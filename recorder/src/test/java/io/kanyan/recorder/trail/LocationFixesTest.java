package io.kanyan.recorder.trail;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kanyan.recorder.trail.LocationFixes.Reason;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The rule that decides which of the applicant's location fixes go on the trail. */
class LocationFixesTest {

  static final double LAT = 31.2304;
  static final double LNG = 121.4737;
  /** About one metre of latitude, in degrees. */
  static final double METRE = 1 / 111_195.0;

  @Test
  void aStandingPhoneGoesOnTheTrailOnlyAtItsFirstFixAndOncePerInterval() {
    LocationFixes fixes = new LocationFixes(LocationFixes.Settings.DEFAULT);
    Random random = new Random(3);
    List<Long> trailed = new ArrayList<>();
    for (long t = 0; t <= 120_000; t += 2000) {
      // GPS noise of a couple of metres around one spot, accuracy 8-15 m.
      double lat = LAT + random.nextGaussian() * 2 * METRE;
      double lng = LNG + random.nextGaussian() * 2 * METRE;
      if (fixes.offer(lat, lng, 8.0 + random.nextInt(8), false, t) != Reason.SKIPPED) {
        trailed.add(t);
      }
    }
    assertThat(trailed).as("61 fixes in two minutes: the first, then one per 30 s").containsExactly(0L, 30_000L,
        60_000L, 90_000L, 120_000L);
  }

  @Test
  void aMoveBeyondBothAccuraciesAndTheDistanceGoesOnTheTrail() {
    LocationFixes fixes = new LocationFixes(new LocationFixes.Settings(Duration.ofSeconds(30), 10));
    assertThat(fixes.offer(LAT, LNG, 10.0, false, 0)).isEqualTo(Reason.FIRST);
    assertThat(fixes.offer(LAT + 18 * METRE, LNG, 10.0, false, 2000)).as("18 m: inside 10 m + 10 m")
        .isEqualTo(Reason.SKIPPED);
    assertThat(fixes.offer(LAT + 25 * METRE, LNG, 10.0, false, 4000)).isEqualTo(Reason.MOVED);
    assertThat(fixes.offer(LAT + 33 * METRE, LNG, 2.0, false, 6000)).as("8 m from the last on the trail: under 10 m")
        .isNotEqualTo(Reason.MOVED);
    assertThat(fixes.offer(LAT + 33 * METRE, LNG, null, false, 8000)).as("no accuracy: the distance alone")
        .isEqualTo(Reason.SKIPPED);
    assertThat(fixes.offer(LAT + 45 * METRE, LNG, null, false, 10_000)).isEqualTo(Reason.MOVED);
  }

  @Test
  void aSlowWalkIsMeasuredFromTheLastFixOnTheTrail() {
    LocationFixes fixes = new LocationFixes(LocationFixes.Settings.DEFAULT);
    List<Reason> reasons = new ArrayList<>();
    for (int i = 0; i < 14; i++) {
      // 3 m per fix, accuracy 5 m: no single step is a move, but every fourth adds up to more than 10 m.
      reasons.add(fixes.offer(LAT + i * 3 * METRE, LNG, 5.0, false, i * 2000L));
    }
    assertThat(reasons).containsExactly(Reason.FIRST, Reason.SKIPPED, Reason.SKIPPED, Reason.SKIPPED, Reason.MOVED,
        Reason.SKIPPED, Reason.SKIPPED, Reason.SKIPPED, Reason.MOVED, Reason.SKIPPED, Reason.SKIPPED, Reason.SKIPPED,
        Reason.MOVED, Reason.SKIPPED);
  }

  @Test
  void aMarkedlyBetterAccuracyOrAFlippedClockSkewFlagGoesOnTheTrail() {
    LocationFixes fixes = new LocationFixes(LocationFixes.Settings.DEFAULT);
    assertThat(fixes.offer(LAT, LNG, null, false, 0)).isEqualTo(Reason.FIRST);
    assertThat(fixes.offer(LAT, LNG, 1200.0, false, 2000)).as("the first accuracy at all").isEqualTo(Reason.ACCURACY);
    assertThat(fixes.offer(LAT, LNG, 700.0, false, 4000)).as("not half").isEqualTo(Reason.SKIPPED);
    assertThat(fixes.offer(LAT, LNG, 40.0, false, 6000)).isEqualTo(Reason.ACCURACY);
    assertThat(fixes.offer(LAT, LNG, 300.0, false, 8000)).as("worse says nothing new").isEqualTo(Reason.SKIPPED);
    assertThat(fixes.offer(LAT, LNG, 40.0, true, 10_000)).isEqualTo(Reason.CLOCK_SKEW);
    assertThat(fixes.offer(LAT, LNG, -1.0, true, 12_000)).as("a negative accuracy is unknown")
        .isEqualTo(Reason.SKIPPED);
  }

  @Test
  void neverTwoFixesWithinTwoSeconds() {
    LocationFixes fixes = new LocationFixes(LocationFixes.Settings.DEFAULT);
    assertThat(fixes.offer(LAT, LNG, 10.0, false, 0)).isEqualTo(Reason.FIRST);
    assertThat(fixes.offer(LAT + 1, LNG, 10.0, false, 1999)).as("a huge move, too soon").isEqualTo(Reason.SKIPPED);
    assertThat(fixes.offer(LAT + 1, LNG, 10.0, false, 2000)).isEqualTo(Reason.MOVED);
  }

  @Test
  void refusesSettingsThatMakeNoSense() {
    assertThatThrownBy(() -> new LocationFixes.Settings(Duration.ofSeconds(1), 10))
        .hasMessageContaining("KANYAN_LOCATION_TRAIL_INTERVAL must be between 2s and 1h");
    assertThatThrownBy(() -> new LocationFixes.Settings(Duration.ofSeconds(30), -5))
        .hasMessageContaining("KANYAN_LOCATION_TRAIL_DISTANCE");
  }
}
