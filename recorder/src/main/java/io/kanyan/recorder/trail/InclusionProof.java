package io.kanyan.recorder.trail;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Proof that an inspection's chain head (its event {@code seq} with hash {@code head}) is leaf
 * {@code leafIndex} of checkpoint {@code checkpoint}'s Merkle tree.
 */
public record InclusionProof(String inspectionId, long seq, String head, long checkpoint, long leafIndex,
    long treeSize, List<String> path) {

  public static final String LEAF_VERSION = "kanyan-head/1";

  /** The leaf data: netstrings of {@code "kanyan-head/1"}, inspection id, seq (decimal), head hash. */
  public static byte[] leafData(String inspectionId, long seq, String head) {
    return Chain.netstrings(List.of(LEAF_VERSION, inspectionId, Long.toString(seq), head));
  }

  /** True when this proof leads to {@code cp}'s root and was made for {@code cp}. */
  public boolean verifies(Checkpoint cp) {
    try {
      if (cp.number() != checkpoint || cp.treeSize() != treeSize) {
        return false;
      }
      HexFormat hex = HexFormat.of();
      List<byte[]> nodes = new ArrayList<>(path.size());
      for (String node : path) {
        nodes.add(hex.parseHex(node));
      }
      return Merkle.verifyInclusion(Merkle.leafHash(leafData(inspectionId, seq, head)), leafIndex, treeSize,
          nodes, hex.parseHex(cp.root()));
    } catch (IllegalArgumentException badHex) {
      return false;
    }
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("inspection", inspectionId)
        .put("seq", seq)
        .put("head", head)
        .put("checkpoint", checkpoint)
        .put("leafIndex", leafIndex)
        .put("treeSize", treeSize)
        .put("path", new JsonArray(new ArrayList<>(path)));
  }

  public static InclusionProof fromJson(JsonObject json) {
    try {
      List<String> path = new ArrayList<>();
      json.getJsonArray("path").forEach(node -> path.add((String) node));
      return new InclusionProof(json.getString("inspection"), json.getLong("seq"), json.getString("head"),
          json.getLong("checkpoint"), json.getLong("leafIndex"), json.getLong("treeSize"), List.copyOf(path));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("malformed inclusion proof: " + e.getMessage(), e);
    }
  }
}
