package io.kanyan.signaling.media.kurento;

import io.kanyan.signaling.inspection.Role;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The recording segments of each live inspection: the next segment number per participant, and when their
 * recording was cut (they left, reconnected, or the media server was lost) until their next segment starts.
 *
 * <p>Kept per inspection, not per {@code CallMedia}: after a media server failure the Call drops its CallMedia and
 * opens a new one, and numbering must go on (a killed KMS may leave no file to count) and the gap must still be
 * reported. Files on disk set the floor, so a restarted server continues after them. An inspection not used for
 * {@link #FORGET_AFTER} is forgotten; {@link #forget} drops it when the call's media is released.
 */
final class Segments {

  static final Duration FORGET_AFTER = Duration.ofHours(24);

  private static final class Book {
    final Map<Role, Integer> next = new EnumMap<>(Role.class);
    final Map<Role, Long> cutAt = new EnumMap<>(Role.class);
    /** Why the recording was cut, when it was not on this node (another node ran the call; see {@link #cutBy}). */
    final Map<Role, JsonObject> cause = new EnumMap<>(Role.class);
    volatile long touched;
  }

  private final Clock clock;
  private final Map<String, Book> books = new ConcurrentHashMap<>();

  Segments(Clock clock) {
    this.clock = clock;
  }

  /** The number of the next segment of {@code role}: after the one last handed out and after {@code floor - 1}. */
  int next(String inspectionId, Role role, int floor) {
    Book book = book(inspectionId);
    int segment = Math.max(book.next.getOrDefault(role, 1), floor);
    book.next.put(role, segment + 1);
    return segment;
  }

  /** Takes back {@code segment} if it is the last one handed out (its leg never recorded, so it has no file). */
  void giveBack(String inspectionId, Role role, int segment) {
    Book book = book(inspectionId);
    if (book.next.getOrDefault(role, 1) == segment + 1) {
      book.next.put(role, segment);
    }
  }

  /** The recording of {@code role} stopped now (unless it was already marked as stopped). */
  void cut(String inspectionId, Role role) {
    cut(inspectionId, role, 0);
  }

  /** The recording of {@code role} stopped {@code agoMillis} ago (a media server loss is declared after it began). */
  void cut(String inspectionId, Role role, long agoMillis) {
    book(inspectionId).cutAt.putIfAbsent(role, clock.millis() - Math.max(0, agoMillis));
  }

  /**
   * Segment {@code lastSegment} of {@code role} was recorded elsewhere (by the node that ran the call before this
   * one took it over) and was cut now, for {@code cause}: the next segment here is numbered after it, and its gap
   * carries the cause.
   */
  void cutBy(String inspectionId, Role role, int lastSegment, JsonObject cause) {
    Book book = book(inspectionId);
    book.next.merge(role, lastSegment + 1, Math::max);
    book.cutAt.put(role, clock.millis());
    book.cause.put(role, cause.copy());
  }

  /**
   * Segment {@code segment} of {@code role}, recorded by the node that ran the call before, goes on here (its
   * pipeline was adopted): later segments are numbered after it, and no gap is reported for it.
   */
  void adopted(String inspectionId, Role role, int segment) {
    Book book = book(inspectionId);
    book.next.merge(role, segment + 1, Math::max);
    book.cutAt.remove(role);
    book.cause.remove(role);
  }

  /**
   * A new segment of {@code role} started recording: if the recording was cut, {@code gapMillis} (how long) and the
   * cause's fields, if one was given.
   */
  Optional<JsonObject> resumed(String inspectionId, Role role) {
    Book book = book(inspectionId);
    Long at = book.cutAt.remove(role);
    JsonObject cause = book.cause.remove(role);
    if (at == null) {
      return Optional.empty();
    }
    JsonObject gap = cause == null ? new JsonObject() : cause;
    return Optional.of(gap.put("gapMillis", clock.millis() - at));
  }

  /** The call's media is released: nothing more is numbered or reported for it. */
  void forget(String inspectionId) {
    books.remove(inspectionId);
  }

  /** Called on the call's context; books of different calls are independent, so the map is the only shared part. */
  private Book book(String inspectionId) {
    long now = clock.millis();
    books.values().removeIf(b -> now - b.touched > FORGET_AFTER.toMillis());
    Book book = books.computeIfAbsent(inspectionId, id -> new Book());
    book.touched = now;
    return book;
  }
}
