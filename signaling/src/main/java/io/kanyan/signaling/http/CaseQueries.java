package io.kanyan.signaling.http;

import io.kanyan.recorder.audit.CaseFile;
import io.kanyan.recorder.audit.CaseQuery;
import io.kanyan.signaling.Problem;
import io.vertx.core.http.HttpServerRequest;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;

/**
 * Reads an inspection search from query parameters: {@code caseNumber}, {@code inspector},
 * {@code applicantName}, {@code applicantPhone}, {@code matterType}, {@code conclusion}, {@code status},
 * {@code nonConforming} (a checklist item id that did not conform), {@code from}, {@code to} (a date in the bureau's zone, or an ISO instant), {@code offset}, {@code limit}.
 * Shared by the inspection list and the audit search, so both read the same way.
 */
final class CaseQueries {

  static final int MAX_LIMIT = 200;
  private static final Instant EARLIEST = Instant.EPOCH;
  private static final Instant LATEST = Instant.parse("9999-12-31T23:59:59.999Z");

  private CaseQueries() {
  }

  static CaseQuery from(HttpServerRequest r, ZoneId zone, int defaultLimit) {
    CaseFile.Status status = null;
    if (param(r, "status") != null) {
      try {
        status = CaseFile.Status.fromWire(param(r, "status"));
      } catch (IllegalArgumentException e) {
        throw Problem.badRequest("bad_field", "status must be created, in_progress, ended or cancelled");
      }
    }
    int limit = integer(param(r, "limit"), defaultLimit);
    if (limit < 1 || limit > MAX_LIMIT) {
      throw Problem.badRequest("bad_field", "limit must be between 1 and " + MAX_LIMIT);
    }
    return new CaseQuery(param(r, "caseNumber"), param(r, "inspector"), param(r, "applicantName"),
        param(r, "applicantPhone"), param(r, "matterType"), param(r, "conclusion"), status,
        time(param(r, "from"), false, zone), time(param(r, "to"), true, zone),
        Math.max(0, integer(param(r, "offset"), 0)), limit, param(r, "nonConforming"));
  }

  private static String param(HttpServerRequest r, String name) {
    String v = r.getParam(name);
    return v == null || v.isBlank() ? null : v.trim();
  }

  private static int integer(String s, int def) {
    try {
      return s == null ? def : Integer.parseInt(s);
    } catch (NumberFormatException e) {
      throw Problem.badRequest("bad_field", "'" + s + "' is not a whole number");
    }
  }

  /**
   * A date (the start of that day, or its last millisecond for an upper bound) or an ISO instant, between the
   * years 1970 and 9999 (the search works in epoch milliseconds; a far year would overflow them).
   */
  private static Instant time(String s, boolean endOfDay, ZoneId zone) {
    if (s == null) {
      return null;
    }
    Instant t;
    try {
      if (s.length() == 10) {
        LocalDate day = LocalDate.parse(s);
        t = endOfDay ? day.plusDays(1).atStartOfDay(zone).toInstant().minusMillis(1)
            : day.atStartOfDay(zone).toInstant();
      } else {
        t = Instant.parse(s);
      }
    } catch (DateTimeParseException e) {
      throw Problem.badRequest("bad_field", "'" + s + "' is not a date like 2026-11-26");
    }
    if (t.isBefore(EARLIEST) || t.isAfter(LATEST)) {
      throw Problem.badRequest("bad_field", "'" + s + "' is outside the years 1970 to 9999");
    }
    return t;
  }
}
