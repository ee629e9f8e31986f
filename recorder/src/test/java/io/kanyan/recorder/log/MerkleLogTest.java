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

  /** The RFC 6962 test vectors of the Certificate Transparency reference code (also in transparency-dev/merkle). */
  static final String[] CT_LEAVES = {"", "00", "10", "2021", "3031", "40414243", "5051525354555657",
      "606162636465666768696a6b6c6d6e6f"};
  static final String[] CT_ROOTS = {
      "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
      "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
      "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
      "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
      "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
      "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
      "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"};

  static List<String> hex(List<byte[]> nodes) {
    return nodes.stream().map(java.util.HexFormat.of()::formatHex).toList();
  }

  @Test
  void theCertificateTransparencyTestVectorsAreReproduced() {
    java.util.HexFormat hex = java.util.HexFormat.of();
    MerkleLog log = new MerkleLog();
    for (int i = 0; i < CT_LEAVES.length; i++) {
      log.append(Merkle.leafHash(hex.parseHex(CT_LEAVES[i])));
      assertThat(hex.formatHex(log.root())).isEqualTo(CT_ROOTS[i]);
    }
    assertThat(hex(log.inclusionPath(5, 8))).containsExactly(
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7");
    assertThat(hex(log.inclusionPath(2, 3))).containsExactly(CT_ROOTS[1]);
    List<byte[]> sixToEight = log.consistencyProof(6, 8);
    assertThat(hex(sixToEight)).containsExactly(
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7");
    assertThat(MerkleLog.verifyConsistency(6, 8, hex.parseHex(CT_ROOTS[5]), hex.parseHex(CT_ROOTS[7]), sixToEight))
        .isTrue();
    assertThat(MerkleLog.verifyConsistency(6, 8, hex.parseHex(CT_ROOTS[4]), hex.parseHex(CT_ROOTS[7]), sixToEight))
        .isFalse();
    assertThat(hex(log.consistencyProof(2, 5))).containsExactly(
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b");
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
