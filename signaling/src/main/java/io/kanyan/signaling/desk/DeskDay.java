package io.kanyan.signaling.desk;

import io.kanyan.recorder.audit.CaseFile;
import io.kanyan.recorder.audit.CaseQuery;
import io.kanyan.signaling.Problem;
import io.kanyan.signaling.auth.Principal;
import io.kanyan.signaling.booking.Booking;
import io.kanyan.signaling.booking.Bookings;
import io.kanyan.signaling.inspection.Inspections;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * An inspector's day and their "next": the inspections booked on a date (in the bureau's zone) by their start,
 * then, for today, the open inspections without a booking and those closed today, by creation time; each with its
 * {@link DeskStatus}. "Next" is the first of the waiting queue ({@link DeskStore#waiting}).
 */
public final class DeskDay {

  /** The inspector's newest inspections looked at for a day: far more than a desk holds. */
  static final int LOOKED_AT = 200;

  private final Inspections inspections;
  private final Bookings bookings;
  private final DeskStore store;
  private final ZoneId zone;
  private final Clock clock;

  public DeskDay(Inspections inspections, Bookings bookings, DeskStore store, ZoneId zone, Clock clock) {
    this.inspections = inspections;
    this.bookings = bookings;
    this.store = store;
    this.zone = zone;
    this.clock = clock;
  }

  /** Today in the bureau's zone. */
  public LocalDate today() {
    return LocalDate.now(clock.withZone(zone));
  }

  /** The day of {@code who}'s desk. */
  public Future<JsonObject> day(Principal who, LocalDate date) {
    CaseQuery mine = CaseQuery.byInspector(who.username(), LOOKED_AT);
    return Future.all(inspections.list(who, mine), bookings.day(who.username(), date, zone))
        .compose(both -> candidates(who, date, both.resultAt(0), both.resultAt(1)))
        .compose(files -> {
      List<String> ids = files.stream().map(CaseFile::id).toList();
      return store.statuses(who.username(), ids).map(statuses -> {
        record Item(CaseFile file, DeskStatus status) {
        }
        boolean today = date.equals(today());
        List<Item> booked = new ArrayList<>();
        List<Item> rest = new ArrayList<>();
        for (int i = 0; i < files.size(); i++) {
          CaseFile f = files.get(i);
          DeskStatus s = statuses.get(i);
          if (s == null) {
            continue;
          }
          if (s.bookedStart() != null) {
            if (on(s.bookedStart(), date)) {
              booked.add(new Item(f, s));
            }
          } else if (today && !f.status().closed() || f.status().closed() && f.endedAt() != null && on(f.endedAt(), date)) {
            rest.add(new Item(f, s));
          }
        }
        booked.sort(Comparator.comparing((Item it) -> it.status().bookedStart()));
        rest.sort(Comparator.comparing((Item it) -> it.file().createdAt()));
        JsonArray out = new JsonArray();
        for (List<Item> part : List.of(booked, rest)) {
          for (Item it : part) {
            CaseFile f = it.file();
            out.add(new JsonObject().put("id", f.id()).put("caseNumber", f.caseNumber())
                .put("matterType", f.matterType()).put("applicantName", f.applicantName())
                .put("siteAddress", f.siteAddress()).put("createdAt", f.createdAt().toString())
                .put("inspectionStatus", f.status().wire()).put("desk", it.status().toJson()));
          }
        }
        return new JsonObject().put("date", date.toString()).put("zone", zone.getId()).put("inspections", out);
      });
    });
  }

  /**
   * The inspections that may belong to the day, whose status is then read: of the newest, the open ones, those
   * closed that day and those booked on it; and those booked on it that are older than the newest (booked long ago).
   */
  private Future<List<CaseFile>> candidates(Principal who, LocalDate date, List<CaseFile> newest,
      List<Booking> booked) {
    java.util.Set<String> bookedIds = new java.util.HashSet<>();
    booked.forEach(b -> bookedIds.add(b.inspectionId()));
    List<Future<CaseFile>> older = new ArrayList<>();
    for (Booking b : booked) {
      if (newest.stream().noneMatch(f -> f.id().equals(b.inspectionId()))) {
        older.add(inspections.owned(who, b.inspectionId()));
      }
    }
    List<CaseFile> files = new ArrayList<>();
    for (CaseFile f : newest) {
      if (!f.status().closed() || f.endedAt() != null && on(f.endedAt(), date) || bookedIds.contains(f.id())) {
        files.add(f);
      }
    }
    return Future.all(older).map(all -> {
      for (int i = 0; i < all.size(); i++) {
        files.add(all.resultAt(i));
      }
      return files;
    });
  }

  private boolean on(Instant t, LocalDate date) {
    return t.atZone(zone).toLocalDate().equals(date);
  }

  /** The next applicant to call: the first of {@code who}'s waiting queue, or a plain "nobody is waiting". */
  public Future<JsonObject> next(Principal who) {
    return store.waiting(who.username()).compose(queue -> {
      if (queue.isEmpty()) {
        return Future.failedFuture(Problem.conflict("nobody_waiting",
            "nobody is waiting: none of your applicants is connected and waiting to be called"));
      }
      DeskStore.Waiting first = queue.get(0);
      return Future.succeededFuture(new JsonObject().put("inspectionId", first.inspectionId())
          .put("bookedStart", first.bookedStart() == null ? null : first.bookedStart().toString())
          .put("waiting", queue.size()));
    });
  }
}
