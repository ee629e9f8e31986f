package io.kanyan.recorder.trail;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;

/**
 * An RFC 6962 (Certificate Transparency) Merkle tree: leaf = SHA-256(0x00 || data),
 * node = SHA-256(0x01 || left || right), the root of no leaves = SHA-256 of nothing.
 *
 * <p>The tree is built level by level: pairs are hashed left to right and a last, unpaired node moves up
 * unchanged. That is the same tree as RFC 6962's recursive split at the largest power of two below n.
 */
public final class Merkle {

  private Merkle() {
  }

  public static byte[] leafHash(byte[] data) {
    return leafHash(Chain.sha256(), data);
  }

  /** {@link #leafHash(byte[])} with a digest the caller reuses (a million leaves: no provider look-ups). */
  public static byte[] leafHash(MessageDigest sha, byte[] data) {
    sha.reset();
    sha.update((byte) 0x00);
    return sha.digest(data);
  }

  public static byte[] nodeHash(byte[] left, byte[] right) {
    return nodeHash(Chain.sha256(), left, right);
  }

  private static byte[] nodeHash(MessageDigest sha, byte[] left, byte[] right) {
    sha.reset();
    sha.update((byte) 0x01);
    sha.update(left);
    return sha.digest(right);
  }

  /** A built tree: every level from the leaf hashes up to the root. */
  public static final class Tree {
    private final List<byte[][]> levels;

    private Tree(List<byte[][]> levels) {
      this.levels = levels;
    }

    public int size() {
      return levels.get(0).length;
    }

    public byte[] root() {
      if (size() == 0) {
        return Chain.sha256().digest();
      }
      return levels.get(levels.size() - 1)[0];
    }

    /** The audit path of leaf {@code index}, from the leaf's sibling up (RFC 6962 section 2.1.1). */
    public List<byte[]> inclusionPath(int index) {
      if (index < 0 || index >= size()) {
        throw new IndexOutOfBoundsException("leaf " + index + " of a tree of " + size());
      }
      List<byte[]> path = new ArrayList<>();
      int i = index;
      for (int level = 0; level < levels.size() - 1; level++) {
        byte[][] nodes = levels.get(level);
        int sibling = i ^ 1;
        if (sibling < nodes.length) {
          path.add(nodes[sibling]);
        }
        i >>= 1;
      }
      return path;
    }
  }

  /** Builds the tree over leaf hashes (already {@link #leafHash}ed), in the given order. */
  public static Tree build(List<byte[]> leafHashes) {
    MessageDigest sha = Chain.sha256();
    List<byte[][]> levels = new ArrayList<>();
    byte[][] level = leafHashes.toArray(byte[][]::new);
    levels.add(level);
    while (level.length > 1) {
      byte[][] up = new byte[(level.length + 1) / 2][];
      for (int i = 0; i < up.length; i++) {
        int left = 2 * i;
        up[i] = left + 1 < level.length ? nodeHash(sha, level[left], level[left + 1]) : level[left];
      }
      levels.add(up);
      level = up;
    }
    return new Tree(levels);
  }

  /**
   * Verifies an inclusion proof exactly as RFC 9162 section 2.1.3.2 describes.
   *
   * @return true when {@code path} proves that {@code leafHash} is leaf {@code index} of the tree of
   *     {@code size} leaves whose root is {@code root}
   */
  public static boolean verifyInclusion(byte[] leafHash, long index, long size, List<byte[]> path, byte[] root) {
    if (index < 0 || index >= size) {
      return false;
    }
    long fn = index;
    long sn = size - 1;
    byte[] r = leafHash;
    for (byte[] p : path) {
      if (sn == 0) {
        return false;
      }
      if ((fn & 1) == 1 || fn == sn) {
        r = nodeHash(p, r);
        if ((fn & 1) == 0) {
          while ((fn & 1) == 0 && fn != 0) {
            fn >>= 1;
            sn >>= 1;
          }
        }
      } else {
        r = nodeHash(r, p);
      }
      fn >>= 1;
      sn >>= 1;
    }
    return sn == 0 && MessageDigest.isEqual(r, root);
  }
}
