package io.kanyan.recorder.log;

import io.kanyan.recorder.trail.Chain;
import io.kanyan.recorder.trail.Merkle;
import io.vertx.core.json.JsonArray;
import java.util.List;

/**
 * One commitment: inspection {@code inspection}'s chain had event {@code seq} with hash {@code head}. Leaf
 * data = {@code ns("kanyan-head/1") || ns(inspection) || ns(seq) || ns(head)} (netstrings, see TRAIL.md);
 * leaf hash = SHA-256(0x00 || leaf data).
 */
public record Leaf(String inspection, long seq, String head) {

  public static final String VERSION = "kanyan-head/1";

  public byte[] data() {
    return Chain.netstrings(List.of(VERSION, inspection, Long.toString(seq), head));
  }

  public byte[] hash() {
    return Merkle.leafHash(data());
  }

  /** {@code [inspection, seq, head]}: the form in log entries and evidence packages. */
  public JsonArray toJson() {
    return new JsonArray().add(inspection).add(seq).add(head);
  }

  public static Leaf fromJson(JsonArray json) {
    if (json.size() != 3) {
      throw new IllegalArgumentException("a leaf is [inspection, seq, head]");
    }
    return new Leaf(json.getString(0), json.getLong(1), json.getString(2));
  }
}
