package io.kanyan.recorder.stats;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The chains of nodes (running sums from 1 January, built one month, week or run of days at a time) for every
 * day of two years, one a leap year: each chain covers its year up to its day exactly once, in steps of at most a
 * month or six days, and every chain through a day agrees on that day's node (so nodes can be shared).
 */
class NodesTest {

  @Test
  void everyChainCoversItsYearOnceInShortStepsAndAgreesOnEachNode() {
    for (LocalDate day = LocalDate.of(2027, 1, 1); day.getYear() < 2029; day = day.plusDays(1)) {
      Map<LocalDate, Nodes.Node> chain = Nodes.chain(day);
      assertThat(chain.keySet()).last().isEqualTo(day);
      List<String> periods = new ArrayList<>();
      LocalDate previous = null;
      for (Map.Entry<LocalDate, Nodes.Node> e : chain.entrySet()) {
        Nodes.Node node = e.getValue();
        assertThat(node.base()).as("base of %s in the chain of %s", e.getKey(), day).isEqualTo(previous);
        assertThat(node.periods()).isNotEmpty();
        if (node.periods().size() > 1 || node.periods().get(0).startsWith("d:")) {
          assertThat(node.periods()).allMatch(p -> p.startsWith("d:")).hasSizeLessThanOrEqualTo(6);
        }
        // The node of this day is the same whichever chain reaches it.
        assertThat(Nodes.chain(e.getKey()).get(e.getKey())).isEqualTo(node);
        periods.addAll(node.periods());
        previous = e.getKey();
      }
      assertThat(periods).isEqualTo(StatsQuery.cover(LocalDate.of(day.getYear(), 1, 1), day));
      assertThat(chain.size()).isLessThanOrEqualTo(11 + 6);
    }
  }

  @Test
  void aPeriodIsTheDifferenceOfTheNodesOfEachYearItTouches() {
    assertThat(Nodes.difference(LocalDate.of(2027, 1, 1), LocalDate.of(2027, 3, 9)))
        .containsExactly(Map.entry(LocalDate.of(2027, 3, 9), true));
    assertThat(Nodes.difference(LocalDate.of(2026, 2, 11), LocalDate.of(2028, 1, 5))).containsExactly(
        Map.entry(LocalDate.of(2026, 2, 10), false), Map.entry(LocalDate.of(2026, 12, 31), true),
        Map.entry(LocalDate.of(2027, 12, 31), true), Map.entry(LocalDate.of(2028, 1, 5), true));
  }
}
