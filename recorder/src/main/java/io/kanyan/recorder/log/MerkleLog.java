package io.kanyan.recorder.log;

import io.kanyan.recorder.trail.Chain;
import io.kanyan.recorder.trail.Merkle;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * An append-only RFC 6962 Merkle tree that grows one leaf at a time. It keeps the hash of every complete
 * (perfect, aligned) subtree, level by level, so appending costs O(log n) and any root, inclusion path or
 * consistency proof costs O(log n) look-ups plus O(log² n) hashing at most; nothing is ever rebuilt. About
 * 64 bytes of heap per leaf. Proofs follow RFC 9162 sections 2.1.3 (inclusion) and 2.1.4 (consistency).
 *
 * <p>Thread-safe: one writer (the checkpoint job) and any number of readers (verifiers, exports).
 */
public final class MerkleLog {

  /** Level k holds the hashes of the complete subtrees of 2^k leaves, left to right. */
  private final List<HashList> levels = new ArrayList<>();

  public MerkleLog() {
    levels.add(new HashList());
  }

  /** The number of leaves. */
  public synchronized long size() {
    return levels.get(0).size();
  }

  /** Appends a leaf hash (already {@link Merkle#leafHash}ed) and completes the subtrees it closes. */
  public synchronized void append(byte[] leafHash) {
    if (leafHash.length != 32) {
      throw new IllegalArgumentException("a leaf hash is 32 bytes");
    }
    byte[] hash = leafHash;
    long index = levels.get(0).size();
    levels.get(0).add(hash);
    int level = 0;
    while ((index & 1) == 1) {
      byte[] left = levels.get(level).get(index - 1);
      hash = Merkle.nodeHash(left, hash);
      level++;
      index >>= 1;
      if (levels.size() == level) {
        levels.add(new HashList());
      }
      levels.get(level).add(hash);
    }
  }

  /**
   * Forgets every leaf from {@code n} on, as if only the first {@code n} had been appended: used to undo a
   * tree head that was prepared but never published ({@link CommitLog#prepare}).
   */
  synchronized void truncate(long n) {
    checkSize(n);
    for (int level = 0; level < levels.size(); level++) {
      levels.get(level).truncate(n >>> level);
    }
  }

  /** The root of the whole tree. */
  public synchronized byte[] root() {
    return root(size());
  }

  /** The root of the tree of the first {@code n} leaves (SHA-256 of nothing for 0). */
  public synchronized byte[] root(long n) {
    checkSize(n);
    return n == 0 ? Chain.sha256().digest() : subtree(0, n);
  }

  /** MTH(D[from:to]) for a range that the RFC 6962 recursion produces (from aligned to its subtree). */
  private byte[] subtree(long from, long to) {
    long size = to - from;
    if (Long.bitCount(size) == 1 && from % size == 0) {
      return levels.get(Long.numberOfTrailingZeros(size)).get(from / size);
    }
    long k = largestPowerOfTwoBelow(size);
    return Merkle.nodeHash(subtree(from, from + k), subtree(from + k, to));
  }

  /** The audit path of leaf {@code index} in the tree of the first {@code n} leaves, leaf side first. */
  public synchronized List<byte[]> inclusionPath(long index, long n) {
    checkSize(n);
    if (index < 0 || index >= n) {
      throw new IndexOutOfBoundsException("leaf " + index + " of a tree of " + n);
    }
    List<byte[]> path = new ArrayList<>();
    path(index, 0, n, path);
    return path;
  }

  private void path(long m, long from, long to, List<byte[]> out) {
    long n = to - from;
    if (n <= 1) {
      return;
    }
    long k = largestPowerOfTwoBelow(n);
    if (m < k) {
      path(m, from, from + k, out);
      out.add(subtree(from + k, to));
    } else {
      path(m - k, from + k, to, out);
      out.add(subtree(from, from + k));
    }
  }

  /**
   * The consistency proof from the tree of the first {@code m} leaves to that of the first {@code n}
   * (RFC 9162 section 2.1.4.1); empty when {@code m} is 0 or equals {@code n}.
   */
  public synchronized List<byte[]> consistencyProof(long m, long n) {
    checkSize(n);
    if (m < 0 || m > n) {
      throw new IllegalArgumentException("no consistency proof from " + m + " to " + n);
    }
    List<byte[]> proof = new ArrayList<>();
    if (m > 0 && m < n) {
      subproof(m, 0, n, true, proof);
    }
    return proof;
  }

  private void subproof(long m, long from, long to, boolean whole, List<byte[]> out) {
    long n = to - from;
    if (m == n) {
      if (!whole) {
        out.add(subtree(from, to));
      }
      return;
    }
    long k = largestPowerOfTwoBelow(n);
    if (m <= k) {
      subproof(m, from, from + k, whole, out);
      out.add(subtree(from + k, to));
    } else {
      subproof(m - k, from + k, to, false, out);
      out.add(subtree(from, from + k));
    }
  }

  /**
   * Verifies a consistency proof exactly as RFC 9162 section 2.1.4.2 describes. A proof between equal sizes
   * must be empty and the roots equal; from size 0 any tree is consistent (and the proof must be empty).
   */
  public static boolean verifyConsistency(long first, long second, byte[] firstRoot, byte[] secondRoot,
      List<byte[]> proof) {
    if (first < 0 || second < first) {
      return false;
    }
    if (first == second) {
      return proof.isEmpty() && MessageDigest.isEqual(firstRoot, secondRoot);
    }
    if (first == 0) {
      return proof.isEmpty();
    }
    if (proof.isEmpty()) {
      return false;
    }
    List<byte[]> path = new ArrayList<>(proof);
    if (Long.bitCount(first) == 1) {
      path.add(0, firstRoot);
    }
    long fn = first - 1;
    long sn = second - 1;
    while ((fn & 1) == 1) {
      fn >>= 1;
      sn >>= 1;
    }
    byte[] fr = path.get(0);
    byte[] sr = path.get(0);
    for (byte[] c : path.subList(1, path.size())) {
      if (sn == 0) {
        return false;
      }
      if ((fn & 1) == 1 || fn == sn) {
        fr = Merkle.nodeHash(c, fr);
        sr = Merkle.nodeHash(c, sr);
        while ((fn & 1) == 0 && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      } else {
        sr = Merkle.nodeHash(sr, c);
      }
      fn >>= 1;
      sn >>= 1;
    }
    return sn == 0 && MessageDigest.isEqual(fr, firstRoot) && MessageDigest.isEqual(sr, secondRoot);
  }

  /** The largest power of two strictly smaller than {@code n} (n &gt;= 2). */
  static long largestPowerOfTwoBelow(long n) {
    return Long.highestOneBit(n - 1);
  }

  private void checkSize(long n) {
    if (n < 0 || n > levels.get(0).size()) {
      throw new IllegalArgumentException("the log has " + levels.get(0).size() + " leaves, not " + n);
    }
  }

  /** A growable array of 32-byte hashes in one byte array. */
  private static final class HashList {
    private byte[] bytes = new byte[32 * 64];
    private int size;

    long size() {
      return size;
    }

    void add(byte[] hash) {
      if ((size + 1) * 32 > bytes.length) {
        bytes = Arrays.copyOf(bytes, Math.multiplyExact(bytes.length, 2));
      }
      System.arraycopy(hash, 0, bytes, size * 32, 32);
      size++;
    }

    void truncate(long newSize) {
      size = (int) Math.min(size, newSize);
    }

    byte[] get(long index) {
      int from = Math.toIntExact(index) * 32;
      return Arrays.copyOfRange(bytes, from, from + 32);
    }
  }
}
