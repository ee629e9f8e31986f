package io.kanyan.recorder.log;

import io.kanyan.recorder.trail.Merkle;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * A committed leaf with its RFC 9162 inclusion proof: leaf {@code index} of the tree of {@code treeSize}
 * leaves, audit path leaf side first.
 */
public record LeafProof(Leaf leaf, long index, long treeSize, List<byte[]> path) {

  public LeafProof {
    path = List.copyOf(path);
  }

  /** True when the path leads from this leaf to {@code sth}'s root at {@code sth}'s size. */
  public boolean verifies(SignedTreeHead sth) {
    return sth.treeSize() == treeSize && Merkle.verifyInclusion(leaf.hash(), index, treeSize, path, sth.root());
  }

  public JsonObject toJson() {
    JsonArray nodes = new JsonArray();
    path.forEach(node -> nodes.add(Base64.getEncoder().encodeToString(node)));
    return new JsonObject().put("leaf", leaf.toJson()).put("index", index).put("treeSize", treeSize)
        .put("path", nodes);
  }

  public static LeafProof fromJson(JsonObject json) {
    try {
      List<byte[]> path = new ArrayList<>();
      for (Object node : json.getJsonArray("path")) {
        path.add(Base64.getDecoder().decode((String) node));
      }
      return new LeafProof(Leaf.fromJson(json.getJsonArray("leaf")), json.getLong("index"), json.getLong("treeSize"),
          path);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("not an inclusion proof: " + e.getMessage(), e);
    }
  }
}
