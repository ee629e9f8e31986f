package io.kanyan.recorder.trail;

import io.vertx.core.json.JsonObject;
import java.security.PublicKey;
import java.time.Instant;
import java.util.Base64;
import java.util.List;

/**
 * A signed commitment to every chain head at one moment (see {@code recorder/TRAIL.md}).
 *
 * @param number    1, 2, 3... in the order they were made
 * @param time      when it was made (UTC, milliseconds)
 * @param treeSize  how many chain heads (leaves) the Merkle tree has
 * @param root      lowercase hex Merkle root over the heads sorted by inspection id
 * @param prev      {@link #hash()} of the previous checkpoint, or 64 zeros for the first: the checkpoints
 *                  form a chain of their own, so one cannot be dropped from the log unnoticed
 * @param key       fingerprint of the signing public key ({@link SigningKey#fingerprint})
 * @param signature base64 Ed25519 signature of {@link #signedBytes()}
 */
public record Checkpoint(long number, Instant time, long treeSize, String root, String prev, String key,
    String signature) {

  public static final String VERSION = "kanyan-checkpoint/1";

  /** The netstrings that are signed: VERSION, number, time, treeSize, root, prev, key. */
  public byte[] signedBytes() {
    return Chain.netstrings(List.of(VERSION, Long.toString(number), Chain.formatTime(time),
        Long.toString(treeSize), root, prev, key));
  }

  /** Lowercase hex SHA-256 of {@link #signedBytes()}: the next checkpoint's {@code prev}. */
  public String hash() {
    return java.util.HexFormat.of().formatHex(Chain.sha256().digest(signedBytes()));
  }

  /** True when the signature verifies with {@code publicKey}. */
  public boolean signedBy(PublicKey publicKey) {
    try {
      return SigningKey.verify(publicKey, signedBytes(), Base64.getDecoder().decode(signature));
    } catch (IllegalArgumentException badBase64) {
      return false;
    }
  }

  /** Makes and signs a checkpoint. */
  public static Checkpoint sign(SigningKey signer, long number, Instant time, long treeSize, String root,
      String prev) {
    Checkpoint unsigned = new Checkpoint(number, time, treeSize, root, prev, signer.fingerprint(), "");
    String signature = Base64.getEncoder().encodeToString(signer.sign(unsigned.signedBytes()));
    return new Checkpoint(number, time, treeSize, root, prev, signer.fingerprint(), signature);
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("version", VERSION)
        .put("number", number)
        .put("time", Chain.formatTime(time))
        .put("treeSize", treeSize)
        .put("root", root)
        .put("prev", prev)
        .put("key", key)
        .put("signature", signature);
  }

  /** Parses {@link #toJson()}; fails with {@link IllegalArgumentException} on anything malformed. */
  public static Checkpoint fromJson(JsonObject json) {
    try {
      if (!VERSION.equals(json.getString("version"))) {
        throw new IllegalArgumentException("unknown checkpoint version " + json.getString("version"));
      }
      return new Checkpoint(json.getLong("number"), Instant.parse(json.getString("time")),
          json.getLong("treeSize"), json.getString("root"), json.getString("prev"), json.getString("key"),
          json.getString("signature"));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("malformed checkpoint: " + e.getMessage(), e);
    }
  }
}
