package io.kanyan.recorder.stats;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.LocalDate;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** How a period is cut into series points and read from month and day buckets; percentiles from a histogram. */
class PeriodsTest {

  @Test
  void aPeriodIsReadAsWholeMonthsWholeWeeksAndTheDaysAroundThem() {
    List<String> cover = StatsQuery.cover(LocalDate.parse("2026-01-30"), LocalDate.parse("2026-04-02"));
    assertThat(cover).containsExactly("d:2026-01-30", "d:2026-01-31", "m:2026-02", "m:2026-03", "d:2026-04-01",
        "d:2026-04-02");
    // 2026-02-02 is a Monday; the week of 2026-02-23 would take 1 March, which is read as a whole month.
    assertThat(StatsQuery.cover(LocalDate.parse("2026-01-28"), LocalDate.parse("2026-03-31"))).containsExactly(
        "d:2026-01-28", "d:2026-01-29", "d:2026-01-30", "d:2026-01-31", "m:2026-02", "m:2026-03");
    assertThat(StatsQuery.cover(LocalDate.parse("2026-02-01"), LocalDate.parse("2026-02-27"))).containsExactly(
        "d:2026-02-01", "w:2026-02-02", "w:2026-02-09", "w:2026-02-16", "d:2026-02-23", "d:2026-02-24",
        "d:2026-02-25", "d:2026-02-26", "d:2026-02-27");
    // A week across a month's end is read whole when that month is not.
    assertThat(StatsQuery.cover(LocalDate.parse("2026-11-23"), LocalDate.parse("2026-12-13"))).containsExactly(
        "w:2026-11-23", "w:2026-11-30", "w:2026-12-07");
    assertThat(StatsQuery.cover(LocalDate.parse("2024-02-01"), LocalDate.parse("2024-02-29")))
        .containsExactly("m:2024-02");
  }

  @Test
  void weeksRunMondayToSundayCutToThePeriodAndMonthsLikewise() {
    List<String> weeks = StatsQuery.points(LocalDate.parse("2026-11-26"), LocalDate.parse("2026-12-09"),
        StatsQuery.Unit.WEEK).stream().map(p -> p[0] + ".." + p[1]).toList();
    // 2026-11-26 is a Thursday
    assertThat(weeks).containsExactly("2026-11-26..2026-11-29", "2026-11-30..2026-12-06", "2026-12-07..2026-12-09");
    List<String> months = StatsQuery.points(LocalDate.parse("2026-11-15"), LocalDate.parse("2027-01-10"),
        StatsQuery.Unit.MONTH).stream().map(p -> p[0] + ".." + p[1]).toList();
    assertThat(months).containsExactly("2026-11-15..2026-11-30", "2026-12-01..2026-12-31", "2027-01-01..2027-01-10");
  }

  @Test
  void periodsTooLongForTheirUnitOrBackwardsAreRefused() {
    assertThat(StatsQuery.problem(LocalDate.parse("2026-01-02"), LocalDate.parse("2026-01-01"), StatsQuery.Unit.DAY))
        .contains("before it starts");
    assertThat(StatsQuery.problem(LocalDate.parse("2025-01-01"), LocalDate.parse("2026-01-01"), StatsQuery.Unit.DAY))
        .isNull();
    assertThat(StatsQuery.problem(LocalDate.parse("2025-01-01"), LocalDate.parse("2026-01-02"), StatsQuery.Unit.DAY))
        .contains("at most 366 days");
  }

  @Test
  void percentilesAreNearestRankToTheHalfMinute() {
    TreeMap<Integer, Long> h = new TreeMap<>();
    assertThat(Tally.minutes(h, 0.5)).isNull();
    h.put(90, 1L);    // 1.5 minutes (buckets are named by their lower edge in seconds)
    h.put(600, 2L);   // 10 minutes, twice
    h.put(1230, 1L);  // 20.5 minutes
    assertThat(Tally.minutes(h, 0.5)).isEqualTo(10.0);
    assertThat(Tally.minutes(h, 0.25)).isEqualTo(1.5);
    assertThat(Tally.minutes(h, 0.9)).isEqualTo(20.5);
  }
}
