package io.kanyan.signaling.notify;

import io.vertx.core.Future;

/**
 * One way of reaching an applicant. {@link Notifications} calls it, retries it with backoff and puts each
 * delivery and failure on the inspection's trail; a notifier only makes one try.
 */
public interface Notifier {

  /** {@code log}, {@code sms} or {@code email}: the name in the config and on the trail. */
  String channel();

  /** The masked recipient this notifier would use for {@code notice}, or null when it cannot reach it. */
  String recipient(Notice notice);

  /** One try; fails with a message that may be logged (no full number, no token, no secret). */
  Future<Void> send(Notice notice);
}
