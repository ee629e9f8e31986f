package io.kanyan.recorder.audit;

import io.kanyan.recorder.trail.Chain;
import io.kanyan.recorder.trail.EventType;
import io.kanyan.recorder.trail.Trail;
import io.kanyan.recorder.trail.TrailEvent;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Optional;

/**
 * What an auditor looks up: search over case files, the detail of one inspection in one answer (facts,
 * trail with its chain checked, files), and the access log ({@link #recordAccess}) that every auditor view
 * and download must go through. Reads only, except the access events it is asked to record.
 */
public final class Archive {

  private final CaseFiles cases;
  private final Trail trail;

  public Archive(CaseFiles cases, Trail trail) {
    this.cases = cases;
    this.trail = trail;
  }

  /**
   * One page of case files, newest first: {@code {items: [inspection], offset, limit, more}}. The phone is
   * only ever shown masked.
   */
  public Future<JsonObject> search(CaseQuery query) {
    return cases.searchPage(query).map(page -> {
      JsonArray items = new JsonArray();
      page.items().forEach(f -> items.add(f.toJson()));
      return new JsonObject()
          .put("items", items)
          .put("offset", query.offset())
          .put("limit", query.limit())
          .put("more", page.more());
    });
  }

  /**
   * An inspection in one answer: {@code {inspection, trail: {events, valid, firstBreak}, files: [{type, seq,
   * time, file, sha256}]}}. Fails with {@link UnknownInspectionException} when neither facts nor trail exist.
   * Call {@link #recordAccess} for the auditor's view as well.
   */
  public Future<JsonObject> detail(String inspectionId) {
    Future<Optional<CaseFile>> facts = cases.get(inspectionId);
    Future<List<TrailEvent>> events = trail.read(inspectionId);
    return Future.all(facts, events).compose(all -> {
      if (facts.result().isEmpty() && events.result().isEmpty()) {
        return Future.failedFuture(new UnknownInspectionException(inspectionId));
      }
      String broken = Chain.firstBreak(inspectionId, events.result());
      JsonArray list = new JsonArray();
      JsonArray files = new JsonArray();
      for (TrailEvent e : events.result()) {
        list.add(e.toJson());
        if (Verifier.FILE_EVENTS.contains(e.type().code())) {
          JsonObject payload = e.payloadJson();
          files.add(new JsonObject()
              .put("type", e.type().code())
              .put("seq", e.seq())
              .put("time", Chain.formatTime(e.time()))
              .put("file", payload.getString(Verifier.PAYLOAD_FILE))
              .put("sha256", payload.getString(Verifier.PAYLOAD_SHA256)));
        }
      }
      return Future.succeededFuture(new JsonObject()
          .put("inspection", facts.result().map(CaseFile::toJson).orElse(null))
          .put("trail", new JsonObject().put("events", list).put("valid", broken == null).put("firstBreak", broken))
          .put("files", files));
    });
  }

  /**
   * Puts an auditor's view or download on the inspection's trail as {@code audit.access}, payload
   * {@code {"what": what}}. Call it before answering, and fail the request if it fails: an access that
   * cannot be logged must not happen.
   *
   * @param actor who, as on every trail event ({@code user:<name>})
   * @param what  what was seen: {@code detail}, {@code trail}, {@code replay:<file>}, {@code download:<file>},
   *              {@code export}, {@code verify}
   */
  public Future<TrailEvent> recordAccess(String inspectionId, String actor, String what) {
    return trail.append(inspectionId, EventType.AUDIT_ACCESS, actor, new JsonObject().put("what", what));
  }
}
