package io.kanyan.recorder.trail;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;

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

  /** The names of a stored event's fields, in the order they are hashed (after {@link #VERSION}). */
  public static final List<String> HASHED_FIELDS =
      List.of("id", "inspection", "seq", "type", "actor", "time", "payload", "prev");

  public static String hash(String id, String inspectionId, long seq, EventType type, String actor,
      Instant time, String payload, String prevHash) {
    return hashStrings(List.of(VERSION, id, inspectionId, Long.toString(seq), type.code(), actor,
        formatTime(time), payload, prevHash));
  }

  /** Recomputes an event's hash from its stored fields. */
  public static String hash(TrailEvent e) {
    return hash(e.id(), e.inspectionId(), e.seq(), e.type(), e.actor(), e.time(), e.payload(), e.prevHash());
  }

  /**
   * Recomputes a hash from the stored strings exactly as they are, without parsing any of them, so that
   * no parse can normalise a tampered value back to its original (a verifier's rule).
   *
   * @param fields a stored event ({@link TrailEvent#toFields()} names); every hashed field must be present
   */
  public static String hashFields(Map<String, String> fields) {
    List<String> parts = new ArrayList<>(HASHED_FIELDS.size() + 1);
    parts.add(VERSION);
    for (String name : HASHED_FIELDS) {
      parts.add(Objects.requireNonNull(fields.get(name), name));
    }
    return hashStrings(parts);
  }

  /** SHA-256 (lowercase hex) of the concatenated netstrings of the given strings. */
  public static String hashStrings(List<String> parts) {
    return HexFormat.of().formatHex(sha256().digest(netstrings(parts)));
  }

  /** The concatenated netstrings {@code <byte length>:<UTF-8 bytes>,} of the given strings. */
  public static byte[] netstrings(List<String> parts) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    for (String part : parts) {
      byte[] bytes = part.getBytes(StandardCharsets.UTF_8);
      out.writeBytes((bytes.length + ":").getBytes(StandardCharsets.US_ASCII));
      out.writeBytes(bytes);
      out.write(',');
    }
    return out.toByteArray();
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
    List<Map<String, String>> stored = new ArrayList<>(events.size());
    for (TrailEvent e : events) {
      stored.add(e.toFields());
    }
    return firstBreakOfFields(inspectionId, stored);
  }

  /**
   * {@link #firstBreak} over events as stored strings (a Redis stream entry, a JSON line of an export).
   * Checks each field by string equality, never by parsing, and tolerates malformed input.
   */
  public static String firstBreakOfFields(String inspectionId, List<Map<String, String>> events) {
    String prev = GENESIS;
    long seq = 1;
    for (Map<String, String> e : events) {
      String label = "event #" + seq;
      for (String name : HASHED_FIELDS) {
        if (e.get(name) == null) {
          return label + " has no '" + name + "' field";
        }
      }
      if (e.get("hash") == null) {
        return label + " has no 'hash' field";
      }
      if (!inspectionId.equals(e.get("inspection"))) {
        return label + " (" + e.get("id") + ") belongs to inspection " + e.get("inspection");
      }
      if (!Long.toString(seq).equals(e.get("seq"))) {
        return "expected event #" + seq + " but found #" + e.get("seq") + " (" + e.get("id")
            + "): an event is missing or out of order";
      }
      if (!prev.equals(e.get("prev"))) {
        return label + " does not link to the previous event";
      }
      if (!hashFields(e).equals(e.get("hash"))) {
        return label + " was altered: its hash does not match its content";
      }
      prev = e.get("hash");
      seq++;
    }
    return null;
  }

  /** A fresh SHA-256 digest. */
  public static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK lacks SHA-256", e);
    }
  }
}
