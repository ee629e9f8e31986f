package io.kanyan.recorder.trail;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.List;

/**
 * The canonical encoding and hash rule of the trail (see {@code recorder/TRAIL.md}).
 *
 * <p>hash = lowercase hex SHA-256 of the concatenated netstrings of, in order: {@code "kanyan-trail/1"},
 * id, inspection, seq (decimal), type code, actor, time (ISO-8601 UTC with milliseconds), payload (the
 * stored JSON text), prev. A netstring is {@code <byte length in decimal>:<UTF-8 bytes>,}.
 */
public final class Chain {

  /** The {@code prev} of an inspection's first event. */
  public static final String GENESIS = "0".repeat(64);
  public static final String VERSION = "kanyan-trail/1";

  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  private Chain() {
  }

  public static String hash(String id, String inspectionId, long seq, EventType type, String actor,
      Instant time, String payload, String prevHash) {
    MessageDigest sha = sha256();
    for (String field : List.of(VERSION, id, inspectionId, Long.toString(seq), type.code(), actor,
        formatTime(time), payload, prevHash)) {
      byte[] bytes = field.getBytes(StandardCharsets.UTF_8);
      sha.update((bytes.length + ":").getBytes(StandardCharsets.US_ASCII));
      sha.update(bytes);
      sha.update((byte) ',');
    }
    return HexFormat.of().formatHex(sha.digest());
  }

  /** Recomputes an event's hash from its stored fields. */
  public static String hash(TrailEvent e) {
    return hash(e.id(), e.inspectionId(), e.seq(), e.type(), e.actor(), e.time(), e.payload(), e.prevHash());
  }

  /** Millisecond precision, always three fraction digits, always {@code Z}. */
  public static String formatTime(Instant time) {
    return TIME.format(time.truncatedTo(ChronoUnit.MILLIS));
  }

  /**
   * Checks a whole chain: seq runs 1..n, every prev links to the previous hash, every hash recomputes.
   *
   * @return null when valid, otherwise a sentence naming the first broken event
   */
  public static String firstBreak(String inspectionId, List<TrailEvent> events) {
    String prev = GENESIS;
    long seq = 1;
    for (TrailEvent e : events) {
      if (!e.inspectionId().equals(inspectionId)) {
        return "event " + e.id() + " belongs to inspection " + e.inspectionId();
      }
      if (e.seq() != seq) {
        return "expected event #" + seq + " but found #" + e.seq() + " (" + e.id() + ")";
      }
      if (!e.prevHash().equals(prev)) {
        return "event #" + e.seq() + " does not link to the previous event";
      }
      if (!hash(e).equals(e.hash())) {
        return "event #" + e.seq() + " was altered: its hash does not match its content";
      }
      prev = e.hash();
      seq++;
    }
    return null;
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK lacks SHA-256", e);
    }
  }
}
