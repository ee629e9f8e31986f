package io.kanyan.recorder.trail;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class MerkleTest {

  /** RFC 6962 section 2.1, literally: MTH(D[n]) = HASH(0x01 || MTH(D[0:k]) || MTH(D[k:n])). */
  static byte[] referenceRoot(List<byte[]> data) {
    if (data.isEmpty()) {
      return Chain.sha256().digest();
    }
    if (data.size() == 1) {
      return Merkle.leafHash(data.get(0));
    }
    int k = Integer.highestOneBit(data.size() - 1);
    return Merkle.nodeHash(referenceRoot(data.subList(0, k)), referenceRoot(data.subList(k, data.size())));
  }

  static List<byte[]> data(int n) {
    List<byte[]> data = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      data.add(("leaf-" + i).getBytes(StandardCharsets.UTF_8));
    }
    return data;
  }

  static Merkle.Tree tree(List<byte[]> data) {
    return Merkle.build(data.stream().map(Merkle::leafHash).toList());
  }

  @Test
  void rootMatchesTheRfc6962RecursiveDefinitionForEverySizeUpTo70() {
    for (int n = 0; n <= 70; n++) {
      assertThat(tree(data(n)).root()).as("n=%d", n).isEqualTo(referenceRoot(data(n)));
    }
  }

  @Test
  void everyLeafHasAProofThatVerifiesAndOnlyForItsOwnPosition() {
    for (int n = 1; n <= 40; n++) {
      List<byte[]> data = data(n);
      Merkle.Tree tree = tree(data);
      for (int i = 0; i < n; i++) {
        byte[] leaf = Merkle.leafHash(data.get(i));
        List<byte[]> path = tree.inclusionPath(i);
        assertThat(Merkle.verifyInclusion(leaf, i, n, path, tree.root())).as("n=%d i=%d", n, i).isTrue();
        if (n > 1) {
          assertThat(Merkle.verifyInclusion(leaf, (i + 1) % n, n, path, tree.root())).isFalse();
          byte[] other = Merkle.leafHash(data.get((i + 1) % n));
          assertThat(Merkle.verifyInclusion(other, i, n, path, tree.root())).isFalse();
        }
      }
    }
  }

  @Test
  void leafAndNodeHashesAreDomainSeparated() {
    byte[] a = Merkle.leafHash("a".getBytes(StandardCharsets.UTF_8));
    byte[] b = Merkle.leafHash("b".getBytes(StandardCharsets.UTF_8));
    byte[] concatenated = new byte[64];
    System.arraycopy(a, 0, concatenated, 0, 32);
    System.arraycopy(b, 0, concatenated, 32, 32);
    assertThat(Merkle.leafHash(concatenated)).isNotEqualTo(Merkle.nodeHash(a, b));
  }
}
