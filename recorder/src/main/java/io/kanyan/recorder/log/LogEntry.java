package io.kanyan.recorder.log;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * One line of the commitment log: the leaves a checkpoint appended, the signed tree head over them and the
 * consistency proof from the previous tree head.
 *
 * <pre>{"version":"kanyan-log/2","from":&lt;previous tree size&gt;,"leaves":[[inspection,seq,head],...],
 *  "consistency":[base64...],"sth":"&lt;signed note&gt;"}</pre>
 */
public record LogEntry(long from, List<Leaf> leaves, List<byte[]> consistency, SignedTreeHead sth) {

  public static final String VERSION = "kanyan-log/2";

  public LogEntry {
    leaves = List.copyOf(leaves);
    consistency = List.copyOf(consistency);
  }

  public long number() {
    return sth.number();
  }

  public JsonObject toJson() {
    JsonArray leafArray = new JsonArray();
    leaves.forEach(leaf -> leafArray.add(leaf.toJson()));
    JsonArray proof = new JsonArray();
    consistency.forEach(node -> proof.add(Base64.getEncoder().encodeToString(node)));
    return new JsonObject().put("version", VERSION).put("from", from).put("leaves", leafArray)
        .put("consistency", proof).put("sth", sth.format());
  }

  /** The line as written to the log file and to Redis (no newline). */
  public String line() {
    return toJson().encode();
  }

  /** Parses a line; fails with {@link IllegalArgumentException} saying what is malformed. */
  public static LogEntry parse(String line) {
    try {
      JsonObject json = new JsonObject(line);
      if (!VERSION.equals(json.getString("version"))) {
        throw new IllegalArgumentException("unknown version " + json.getValue("version"));
      }
      List<Leaf> leaves = new ArrayList<>();
      for (Object leaf : json.getJsonArray("leaves")) {
        leaves.add(Leaf.fromJson((JsonArray) leaf));
      }
      List<byte[]> proof = new ArrayList<>();
      for (Object node : json.getJsonArray("consistency")) {
        proof.add(Base64.getDecoder().decode((String) node));
      }
      return new LogEntry(json.getLong("from"), leaves, proof, SignedTreeHead.parse(json.getString("sth")));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("not a commitment log entry: " + e.getMessage(), e);
    }
  }
}
