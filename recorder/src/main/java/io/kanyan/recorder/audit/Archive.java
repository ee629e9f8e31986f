package io.kanyan.recorder.audit;

import io.kanyan.recorder.trail.Chain;
import io.kanyan.recorder.trail.EventType;
import io.kanyan.recorder.trail.Trail;
import io.kanyan.recorder.trail.TrailEvent;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What an auditor looks up: search over case files, the detail of one inspection in one answer (facts,
 * trail with its chain checked, files), and the access log ({@link #recordAccess}) that every auditor view
 * and download must go through. Reads only, except the access events it is asked to record.
 */
public final class Archive {

  private final CaseFiles cases;
  private final Trail trail;
  private final CaseBinding binding;
  private final CommittedInspections committed;
  private final Sweep sweep;

  /** An archive that shows case records as stored (no binding to the trail, nothing known committed). */
  public Archive(CaseFiles cases, Trail trail) {
    this(cases, trail, null, CommittedInspections.none(), null);
  }

  /**
   * @param binding   checks every case record shown against its trail (null: shown as stored)
   * @param committed answers "tampered" for a committed inspection whose data is gone
   * @param sweep     its latest findings name the committed inspections a search cannot show (null: none)
   */
  public Archive(CaseFiles cases, Trail trail, CaseBinding binding, CommittedInspections committed, Sweep sweep) {
    this.cases = cases;
    this.trail = trail;
    this.binding = binding;
    this.committed = committed;
    this.sweep = sweep;
  }

  /**
   * One page of case files, newest first: {@code {items: [inspection], offset, limit, more, hidden}}. Each
   * item shows the facts as the trail states them, with {@code recordProblems} naming each field the stored
   * record says otherwise. {@code hidden} lists the committed inspections the latest sweep found missing or
   * altered ({@code {inspection, problems}}), which a search may not find. The phone is only ever shown
   * masked.
   */
  public Future<JsonObject> search(CaseQuery query) {
    return cases.searchPage(query).compose(page -> checked(page.items()).map(items -> new JsonObject()
        .put("items", items)
        .put("offset", query.offset())
        .put("limit", query.limit())
        .put("more", page.more())
        .put("hidden", hidden())));
  }

  private Future<JsonArray> checked(List<CaseFile> files) {
    if (binding == null) {
      JsonArray items = new JsonArray();
      files.forEach(f -> items.add(f.toJson()));
      return Future.succeededFuture(items);
    }
    return binding.checkAll(files).map(list -> {
      JsonArray items = new JsonArray();
      list.forEach(c -> items.add(c.toJson()));
      return items;
    });
  }

  private JsonArray hidden() {
    JsonArray out = new JsonArray();
    if (sweep != null) {
      sweep.latest().forEach(f -> out.add(f.toJson()));
    }
    return out;
  }

  /**
   * An inspection in one answer: {@code {inspection, trail: {events, valid, firstBreak}, files: [{type, seq,
   * time, file, sha256}]}}. The inspection's facts are those its trail states, with {@code recordProblems}
   * naming each field the stored case record says otherwise (or that the record is missing). Fails with
   * {@link TamperedInspectionException} when the inspection was committed but its case record and trail
   * are gone, with {@link UnknownInspectionException} when it never existed. Call {@link #recordAccess} for
   * the auditor's view as well.
   */
  public Future<JsonObject> detail(String inspectionId) {
    Future<Optional<CaseFile>> facts = cases.get(inspectionId);
    Future<List<TrailEvent>> events = trail.read(inspectionId);
    return Future.all(facts, events).compose(all -> {
      if (facts.result().isEmpty() && events.result().isEmpty()) {
        return committed.missing(inspectionId, "its case record and trail",
            new UnknownInspectionException(inspectionId));
      }
      String broken = Chain.firstBreak(inspectionId, events.result());
      JsonArray list = new JsonArray();
      JsonArray files = new JsonArray();
      List<Map<String, String>> stored = new ArrayList<>(events.result().size());
      for (TrailEvent e : events.result()) {
        list.add(e.toJson());
        stored.add(e.toFields());
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
          .put("inspection", inspection(inspectionId, facts.result(), stored))
          .put("trail", new JsonObject().put("events", list).put("valid", broken == null).put("firstBreak", broken))
          .put("files", files));
    });
  }

  /** The facts as the trail states them, over the stored record, with the record's problems. */
  private JsonObject inspection(String id, Optional<CaseFile> record, List<Map<String, String>> events) {
    if (binding == null) {
      return record.map(CaseFile::toJson).orElse(null);
    }
    CaseBinding.TrailFacts truth = CaseBinding.derive(events);
    if (record.isPresent()) {
      return binding.checked(record.get(), truth, events.isEmpty()).toJson();
    }
    if (truth.created() == null) {
      return null;
    }
    List<String> problems = List.of("the case record of this inspection is missing from Redis (its trail begins "
        + "with inspection.created): it was deleted");
    return new CaseBinding.Checked(id, truth.over(new JsonObject()), problems).toJson();
  }

  /**
   * Puts an auditor's view or download on the inspection's trail as {@code audit.access}, payload
   * {@code {"what": what}}. Call it before answering, and fail the request if it fails: an access that
   * cannot be logged must not happen.
   *
   * @param actor who, as on every trail event ({@code user:<name>})
   * @param what  what was seen: {@code detail}, {@code export}, {@code verify} (the other reads put their own
   *              {@code audit.access} on the trail: {@code trail}, {@code recording}, {@code snapshot},
   *              {@code checklist}, {@code record}; see recorder/TRAIL.md)
   */
  public Future<TrailEvent> recordAccess(String inspectionId, String actor, String what) {
    return trail.append(inspectionId, EventType.AUDIT_ACCESS, actor, new JsonObject().put("what", what));
  }
}
