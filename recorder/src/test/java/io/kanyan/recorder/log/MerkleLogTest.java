package io.kanyan.recorder.log;

import static org.assertj.core.api.Assertions.assertThat;

import io.kanyan.recorder.trail.Merkle;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The incremental tree against a straightforward recursive RFC 6962 implementation written here from the
 * RFC's definitions (MTH, PATH, SUBPROOF), for every size up to 70 and every pair of sizes.
 */
class MerkleLogTest {

  static final int N = 70;

  static List<byte[]> leaves(int n) {
    List<byte[]> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(Merkle.leafHash(("leaf " + i).getBytes(StandardCharsets.UTF_8)));
    }
    return out;
  }

  /** MTH(D[n]) straight from RFC 6962 section 2.1. */
  static byte[] mth(List<byte[]> d) {
    if (d.size() == 1) {
      return d.get(0);
    }
    int k = Integer.highestOneBit(d.size() - 1);
    return Merkle.nodeHash(mth(d.subList(0, k)), mth(d.subList(k, d.size())));
  }

  /** SUBPROOF(m, D[n], b) straight from RFC 9162 section 2.1.4.1. */
  static List<byte[]> subproof(int m, List<byte[]> d, boolean b) {
    List<byte[]> out = new ArrayList<>();
    int n = d.size();
    if (m == n) {
      if (!b) {
        out.add(mth(d));
      }
      return out;
    }
    int k = Integer.highestOneBit(n - 1);
    if (m <= k) {
      out.addAll(subproof(m, d.subList(0, k), b));
      out.add(mth(d.subList(k, n)));
    } else {
      out.addAll(subproof(m - k, d.subList(k, n), false));
      out.add(mth(d.subList(0, k)));
    }
    return out;
  }

  @Test
  void rootsAndInclusionPathsMatchTheRfcAtEverySize() {
    List<byte[]> all = leaves(N);
    MerkleLog log = new MerkleLog();
    assertThat(log.root()).isEqualTo(io.kanyan.recorder.trail.Chain.sha256().digest());
    for (int n = 1; n <= N; n++) {
      log.append(all.get(n - 1));
      byte[] expected = mth(all.subList(0, n));
      assertThat(log.root()).isEqualTo(expected);
      assertThat(Merkle.build(all.subList(0, n)).root()).isEqualTo(expected);
      for (int i = 0; i < n; i++) {
        List<byte[]> path = log.inclusionPath(i, n);
        assertThat(Merkle.verifyInclusion(all.get(i), i, n, path, expected)).as("leaf %d of %d", i, n).isTrue();
        assertThat(Merkle.verifyInclusion(all.get((i + 1) % N), i, n, path, expected)).isFalse();
      }
    }
    // Older tree sizes are still answerable after the tree grew.
    for (int n = 1; n <= N; n++) {
      assertThat(log.root(n)).isEqualTo(mth(all.subList(0, n)));
    }
  }

  @Test
  void consistencyProofsMatchTheRfcAndVerifyForEveryPairOfSizes() {
    List<byte[]> all = leaves(N);
    MerkleLog log = new MerkleLog();
    all.forEach(log::append);
    for (int n = 1; n <= N; n++) {
      byte[] second = log.root(n);
      for (int m = 1; m < n; m++) {
        List<byte[]> proof = log.consistencyProof(m, n);
        List<byte[]> reference = subproof(m, all.subList(0, n), true);
        assertThat(proof).as("%d -> %d", m, n).usingElementComparator(java.util.Arrays::compare)
            .containsExactlyElementsOf(reference);
        byte[] first = log.root(m);
        assertThat(MerkleLog.verifyConsistency(m, n, first, second, proof)).as("%d -> %d", m, n).isTrue();
        // A wrong old root, a wrong new root, a changed or shortened proof: all refused.
        assertThat(MerkleLog.verifyConsistency(m, n, log.root(m == 1 ? 2 : m - 1), second, proof)).isFalse();
        assertThat(MerkleLog.verifyConsistency(m, n, first, log.root(n == N ? n - 1 : n + 1), proof)).isFalse();
        if (!proof.isEmpty()) {
          List<byte[]> changed = new ArrayList<>(proof);
          byte[] node = changed.get(0).clone();
          node[0] ^= 1;
          changed.set(0, node);
          assertThat(MerkleLog.verifyConsistency(m, n, first, second, changed)).isFalse();
          assertThat(MerkleLog.verifyConsistency(m, n, first, second, proof.subList(0, proof.size() - 1))).isFalse();
        }
      }
      assertThat(MerkleLog.verifyConsistency(n, n, second, second, List.of())).isTrue();
      assertThat(MerkleLog.verifyConsistency(0, n, new byte[32], second, List.of())).isTrue();
    }
  }

  @Test
  void aForkedHistoryIsNotConsistent() {
    List<byte[]> all = leaves(20);
    MerkleLog honest = new MerkleLog();
    all.forEach(honest::append);
    MerkleLog forked = new MerkleLog();
    for (int i = 0; i < 20; i++) {
      forked.append(i == 5 ? Merkle.leafHash("rewritten".getBytes(StandardCharsets.UTF_8)) : all.get(i));
    }
    assertThat(MerkleLog.verifyConsistency(10, 20, honest.root(10), forked.root(20),
        forked.consistencyProof(10, 20))).isFalse();
  }
}
