package io.kanyan.signaling.booking;

import java.time.Duration;

/**
 * Appointments' settings.
 *
 * @param cutoff         the applicant may book, move or cancel only until this long before the start
 *                       ({@code KANYAN_BOOKING_CUTOFF}, default 2 h); staff always may
 * @param reminderBefore the reminder is sent this long before the start ({@code KANYAN_REMINDER_BEFORE}, 1 h)
 * @param reminderPoll   how often due reminders are looked for ({@code KANYAN_REMINDER_POLL}, 30 s)
 */
public record BookingSettings(Duration cutoff, Duration reminderBefore, Duration reminderPoll) {

  /** The longest slot that can be published. */
  public static final Duration LONGEST_SLOT = Duration.ofHours(12);

  public static BookingSettings defaults() {
    return new BookingSettings(Duration.ofHours(2), Duration.ofHours(1), Duration.ofSeconds(30));
  }

  public BookingSettings {
    if (cutoff.isNegative() || reminderBefore.isNegative() || reminderPoll.isNegative() || reminderPoll.isZero()) {
      throw new IllegalArgumentException("KANYAN_BOOKING_CUTOFF and KANYAN_REMINDER_BEFORE must not be negative, "
          + "KANYAN_REMINDER_POLL must be positive");
    }
  }
}
