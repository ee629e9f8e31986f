package io.kanyan.recorder.trail;

import java.time.Duration;

/**
 * Which of the applicant's location fixes go on the trail. The phone sends a fix about every 2 s; the inspector
 * sees each one live, but a fix goes on the trail only when it says something new about where the applicant stood:
 *
 * <ol>
 *   <li>the first fix;</li>
 *   <li>a fix that <em>moved</em>: further from the last fix on the trail than both the sum of the two fixes'
 *       accuracies (their circles of uncertainty no longer overlap, so the move is not GPS noise) and the configured
 *       {@link Settings#distanceMetres() distance};</li>
 *   <li>a fix whose accuracy is at most half that of the last fix on the trail (or the first with an accuracy at
 *       all): a markedly better answer to the same question;</li>
 *   <li>a fix whose clock-skew flag differs from the last fix on the trail's;</li>
 *   <li>a fix {@link Settings#interval() interval} or more after the last fix on the trail: the applicant was still
 *       there.</li>
 * </ol>
 *
 * <p>Never two within {@link #MIN_GAP_MILLIS} (the phone's own pace), whatever the rule says. Since moves are measured
 * from the last fix on the trail, a slow walk is put on the trail as soon as it adds up to a move. One instance per
 * live call, used from the call's context only (no locks); a node that takes a call over starts a fresh one, so its
 * first fix goes on the trail.
 */
public final class LocationFixes {

  /** At most one fix on the trail per this many milliseconds. */
  public static final long MIN_GAP_MILLIS = 2000;
  private static final double EARTH_RADIUS_METRES = 6_371_008.8;

  /**
   * The rule's settings.
   *
   * @param interval       a fix this long after the last one on the trail goes on it even if it says nothing new
   *                       ({@code KANYAN_LOCATION_TRAIL_INTERVAL}); at least 2 s
   * @param distanceMetres the least move that counts, whatever the accuracies ({@code KANYAN_LOCATION_TRAIL_DISTANCE})
   */
  public record Settings(Duration interval, int distanceMetres) {

    /** A fix every 30 s when nothing changes; moves of 10 m or more (beyond the fixes' accuracies). */
    public static final Settings DEFAULT = new Settings(Duration.ofSeconds(30), 10);

    public Settings {
      if (interval == null || interval.toMillis() < MIN_GAP_MILLIS || interval.compareTo(Duration.ofHours(1)) > 0) {
        throw new IllegalArgumentException("KANYAN_LOCATION_TRAIL_INTERVAL must be between 2s and 1h, not " + interval);
      }
      if (distanceMetres < 0 || distanceMetres > 100_000) {
        throw new IllegalArgumentException("KANYAN_LOCATION_TRAIL_DISTANCE must be a whole number of metres from 0 "
            + "to 100000, not " + distanceMetres);
      }
    }
  }

  /** Why a fix went on the trail (for tests and logs), or {@link #SKIPPED}. */
  public enum Reason { FIRST, MOVED, ACCURACY, CLOCK_SKEW, INTERVAL, SKIPPED }

  private final Settings settings;
  private boolean any;
  private double lat;
  private double lng;
  private Double accuracy;
  private boolean skewFlagged;
  private long at;

  public LocationFixes(Settings settings) {
    this.settings = settings;
  }

  /**
   * Decides about one fix received at {@code nowMillis} and, when it goes on the trail, remembers it as the last.
   *
   * @param accuracy    metres (the Geolocation API's radius), or null when the phone did not say (a negative one is
   *                    taken as unknown)
   * @param skewFlagged the device clock is flagged as far off the server's
   * @return why the fix goes on the trail, or {@link Reason#SKIPPED}
   */
  public Reason offer(double lat, double lng, Double accuracy, boolean skewFlagged, long nowMillis) {
    accuracy = accuracy == null || !Double.isFinite(accuracy) || accuracy < 0 ? null : accuracy;
    Reason reason = reason(lat, lng, accuracy, skewFlagged, nowMillis);
    if (reason != Reason.SKIPPED) {
      this.any = true;
      this.lat = lat;
      this.lng = lng;
      this.accuracy = accuracy;
      this.skewFlagged = skewFlagged;
      this.at = nowMillis;
    }
    return reason;
  }

  private Reason reason(double lat, double lng, Double accuracy, boolean skewFlagged, long now) {
    if (!any) {
      return Reason.FIRST;
    }
    if (now - at < MIN_GAP_MILLIS) {
      return Reason.SKIPPED;
    }
    double moved = metresBetween(this.lat, this.lng, lat, lng);
    double noise = (this.accuracy == null ? 0 : this.accuracy) + (accuracy == null ? 0 : accuracy);
    if (moved > Math.max(noise, settings.distanceMetres())) {
      return Reason.MOVED;
    }
    if (accuracy != null && (this.accuracy == null || (this.accuracy > 0 && accuracy <= this.accuracy / 2))) {
      return Reason.ACCURACY;
    }
    if (skewFlagged != this.skewFlagged) {
      return Reason.CLOCK_SKEW;
    }
    return now - at >= settings.interval().toMillis() ? Reason.INTERVAL : Reason.SKIPPED;
  }

  /** Great-circle distance in metres between two positions in degrees. */
  static double metresBetween(double lat1, double lng1, double lat2, double lng2) {
    double dLat = Math.toRadians(lat2 - lat1);
    double dLng = Math.toRadians(lng2 - lng1);
    double h = Math.sin(dLat / 2) * Math.sin(dLat / 2)
        + Math.cos(Math.toRadians(lat1)) * Math.cos(Math.toRadians(lat2)) * Math.sin(dLng / 2) * Math.sin(dLng / 2);
    return 2 * EARTH_RADIUS_METRES * Math.asin(Math.min(1, Math.sqrt(h)));
  }
}
