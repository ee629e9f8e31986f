package io.kanyan.recorder.audit;

import io.kanyan.recorder.redis.LuaScript;
import io.kanyan.recorder.redis.RedisStore;
import io.kanyan.recorder.trail.EventType;
import io.kanyan.recorder.trail.Trail;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.StreamMessage;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Binds the case record ({@link CaseFile} in Redis, and {@code case.json} in a package) to the trail. The
 * case facts are what the trail says: the created facts are the payload of {@code inspection.created}
 * (event #1), the start is the first {@code call.connected}, and status, conclusion, remark and end time are
 * the first {@code inspection.ended}. Every read shows those values, and a record that says otherwise is
 * reported as tampering, naming the field.
 *
 * <p>A page of search results is checked in one round trip ({@code case_trail.lua}): event #1 and the
 * events stored under the fixed ids {@value #CONNECTED_ID} and {@value #ENDED_ID}; a record that disagrees
 * is then checked against its whole trail, so older trails (without fixed ids) are judged right. Detail,
 * verification and the sweep always read the whole trail. A record may lag its trail by a moment (the
 * trail is written first); on reads and in the sweep a record behind by less than {@link #SETTLE} is not
 * reported, verification allows no lag.
 */
public final class CaseBinding {

  private static final Logger log = LoggerFactory.getLogger(CaseBinding.class);

  /** The event id of an inspection's {@code inspection.ended}: one per inspection, so ending is idempotent. */
  public static final String ENDED_ID = "inspection.ended";
  /** The event id of an inspection's first {@code call.connected}. */
  public static final String CONNECTED_ID = "call.connected";
  /** How long a case record may lag the trail event that changed its status before that is tampering. */
  public static final Duration SETTLE = Duration.ofSeconds(30);
  /** The facts fixed at creation, compared with the {@code inspection.created} payload. */
  static final List<String> CREATED_FIELDS = List.of("id", "caseNumber", "matterType", "inspector",
      "inspectorName", "applicantName", "applicantPhone", "siteAddress", "siteLat", "siteLng", "createdAt");

  private final CaseFiles cases;
  private final Trail trail;
  private final Clock clock;
  private final LuaScript events;

  /** A case record as the trail says it, and what the stored record says differently (empty when bound). */
  public record Checked(String id, JsonObject facts, List<String> problems) {

    /** The API form: the facts as the trail says them, plus {@code recordProblems}. */
    public JsonObject toJson() {
      return facts.copy().put("recordProblems", new io.vertx.core.json.JsonArray(List.copyOf(problems)));
    }
  }

  /**
   * The case facts a trail states, from its events as stored strings.
   *
   * @param created   the {@code inspection.created} payload (null when event #1 is not one)
   * @param started   event #k of the first {@code call.connected} (null when none)
   * @param ended     event #k of the first {@code inspection.ended} (null when none)
   */
  public record TrailFacts(JsonObject created, Map<String, String> started, Map<String, String> ended) {

    public String status() {
      if (ended != null) {
        return "cancelled".equals(payload(ended).getString("reason")) ? "cancelled" : "ended";
      }
      return started != null ? "in_progress" : "created";
    }

    /** The facts in the API form of {@link CaseFile#toJson()}, over {@code record} for what the trail lacks. */
    JsonObject over(JsonObject record) {
      JsonObject out = record.copy();
      if (created != null) {
        for (String field : CREATED_FIELDS) {
          if (created.containsKey(field)) {
            out.put(field, created.getValue(field));
          }
        }
      }
      out.put("status", status());
      out.put("startedAt", started == null ? null : instant(started.get("time")));
      out.put("endedAt", ended == null ? null : instant(ended.get("time")));
      out.put("conclusion", ended == null ? null : payload(ended).getString("conclusion"));
      out.put("remark", ended == null ? null : payload(ended).getString("remark"));
      return out;
    }
  }

  /** A stored time in the API's form; a malformed one (the time check reports it) as it is. */
  private static String instant(String stored) {
    try {
      return Instant.parse(stored).toString();
    } catch (RuntimeException malformed) {
      return stored;
    }
  }

  public CaseBinding(RedisStore redis, CaseFiles cases, Trail trail, Clock clock) {
    this.cases = cases;
    this.trail = trail;
    this.clock = clock;
    this.events = new LuaScript(redis, CaseBinding.class, "case_trail.lua");
  }

  /** Derives the case facts from a trail (events as stored strings, in chain order). */
  public static TrailFacts derive(List<Map<String, String>> events) {
    JsonObject created = null;
    Map<String, String> started = null;
    Map<String, String> ended = null;
    if (!events.isEmpty() && EventType.INSPECTION_CREATED.code().equals(events.get(0).get("type"))) {
      created = payload(events.get(0));
    }
    for (Map<String, String> e : events) {
      String type = e.get("type");
      if (started == null && EventType.CALL_CONNECTED.code().equals(type)) {
        started = e;
      } else if (ended == null && EventType.INSPECTION_ENDED.code().equals(type)) {
        ended = e;
      }
    }
    return new TrailFacts(created, started, ended);
  }

  /**
   * Compares a case record in its API form ({@link CaseFile#toJson()}, or a package's {@code case.json})
   * with the facts of its trail. Each difference is one sentence naming the field and both values.
   *
   * @param what how to name the record in the sentences ("the case record", "case.json")
   * @param now  the time now, to let a record lag a status change by {@link #SETTLE}; null for none
   */
  public static List<String> compare(JsonObject record, TrailFacts facts, String what, Instant now) {
    List<String> problems = new ArrayList<>();
    if (facts.created() == null) {
      problems.add("the trail does not begin with inspection.created: " + what + " is bound to nothing");
      return problems;
    }
    for (String field : CREATED_FIELDS) {
      if (facts.created().containsKey(field) && !same(record.getValue(field), facts.created().getValue(field))) {
        problems.add(differs(what, field, record.getValue(field), facts.created().getValue(field),
            "inspection.created, event #1"));
      }
    }
    JsonObject truth = facts.over(record);
    boolean settling = now != null && settling(facts, record.getString("status"), now);
    for (String field : List.of("status", "startedAt", "endedAt", "conclusion", "remark")) {
      Object said = record.getValue(field);
      Object real = truth.getValue(field);
      boolean same = field.endsWith("At") ? sameInstant(said, real) : same(said, real);
      if (!same && !(settling && said == null || settling && field.equals("status"))) {
        String source = field.equals("startedAt") || (field.equals("status") && facts.ended() == null)
            ? eventName(facts.started(), "call.connected") : eventName(facts.ended(), "inspection.ended");
        problems.add(differs(what, field, said, real, source));
      }
    }
    return problems;
  }

  /** The record is one status change behind a trail event younger than {@link #SETTLE}: still being written. */
  private static boolean settling(TrailFacts facts, String recordStatus, Instant now) {
    Map<String, String> latest = facts.ended() != null ? facts.ended() : facts.started();
    if (latest == null || facts.status().equals(recordStatus)) {
      return false;
    }
    boolean behind = facts.ended() != null ? !"ended".equals(recordStatus) && !"cancelled".equals(recordStatus)
        : "created".equals(recordStatus);
    try {
      return behind && Instant.parse(latest.get("time")).plus(SETTLE).isAfter(now);
    } catch (RuntimeException malformed) {
      return false;
    }
  }

  private static String eventName(Map<String, String> event, String type) {
    return event == null ? "no " + type + " on the trail" : type + ", event #" + event.get("seq");
  }

  private static String differs(String what, String field, Object said, Object real, String source) {
    return "case record field '" + field + "': " + what + " says " + show(said) + " but the trail says " + show(real)
        + " (" + source + "): it was altered";
  }

  private static String show(Object value) {
    return value == null ? "nothing" : "'" + value + "'";
  }

  private static boolean same(Object a, Object b) {
    if (a instanceof Number x && b instanceof Number y) {
      return x.doubleValue() == y.doubleValue();
    }
    return Objects.equals(a, b);
  }

  private static boolean sameInstant(Object a, Object b) {
    if (a == null || b == null) {
      return a == b;
    }
    try {
      return Instant.parse(a.toString()).equals(Instant.parse(b.toString()));
    } catch (RuntimeException notATime) {
      return false;
    }
  }

  static JsonObject payload(Map<String, String> event) {
    try {
      return new JsonObject(event.get("payload"));
    } catch (RuntimeException notJson) {
      return new JsonObject();
    }
  }

  /**
   * The verifier's step: the stored case record of an inspection against its whole trail, added to
   * {@code verdict}. A trail whose case record is gone is tampering (the record was deleted).
   */
  public Future<Verdict> verify(String inspectionId, Verdict verdict) {
    Future<java.util.Optional<CaseFile>> record = cases.get(inspectionId);
    Future<List<StreamMessage<String, String>>> raw = trail.readRaw(inspectionId);
    return Future.all(record, raw).map(all -> {
      if (raw.result().isEmpty()) {
        return verdict;
      }
      TrailFacts facts = derive(bodies(raw.result()));
      if (record.result().isEmpty()) {
        if (facts.created() != null) {
          verdict.problems().add("the case record of this inspection is missing from Redis (its trail begins "
              + "with inspection.created): it was deleted");
        }
        return verdict;
      }
      // Strict: verification allows no lag (a record is written a moment after its trail event).
      List<String> problems = compare(record.result().get().toJson(), facts, "the case record", null);
      if (problems.isEmpty()) {
        verdict.passed().add("case record: status, conclusion, remark, times and created facts match the trail");
      }
      verdict.problems().addAll(problems);
      return verdict;
    });
  }

  /**
   * The offline step: a package's {@code case.json} against its {@code trail.jsonl}, added to
   * {@code verdict}; a package without {@code case.json} gets a note.
   */
  public static void verifyPackaged(JsonObject caseJson, List<Map<String, String>> events, Verdict verdict) {
    if (caseJson == null) {
      verdict.notes().add("the package has no " + EvidencePackage.CASE + ": no case facts to check");
      return;
    }
    List<String> problems = compare(caseJson, derive(events), EvidencePackage.CASE, null);
    // case.json holds the facts as the trail states them; what the exporting server found wrong with its
    // stored record travels with them.
    caseJson.getJsonArray("recordProblems", new io.vertx.core.json.JsonArray()).forEach(p -> problems.add(
        "when exported, the server's case record disagreed with the trail: " + p));
    if (problems.isEmpty()) {
      verdict.passed().add(EvidencePackage.CASE + ": status, conclusion, remark, times and created facts match "
          + "the trail");
    }
    verdict.problems().addAll(problems);
  }

  /** Checks one case record against its whole trail. */
  public Future<Checked> check(CaseFile file) {
    return trail.readRaw(file.id()).map(raw -> checked(file, derive(bodies(raw))));
  }

  /**
   * Checks a page of case records in one round trip; a record that disagrees is then checked against its
   * whole trail. The answer keeps the order of {@code files}.
   */
  public Future<List<Checked>> checkAll(List<CaseFile> files) {
    return quickFacts(files.stream().map(CaseFile::id).toList()).compose(quick -> {
      List<Future<Checked>> out = new ArrayList<>(files.size());
      for (int i = 0; i < files.size(); i++) {
        CaseFile file = files.get(i);
        TrailFacts facts = quick.get(i);
        boolean agrees = facts.created() != null
            && compare(file.toJson(), facts, "the case record", clock.instant()).isEmpty();
        // Only a disagreement costs a read of the whole trail (and only then is it reported).
        out.add(agrees ? Future.succeededFuture(new Checked(file.id(), facts.over(file.toJson()), List.of()))
            : check(file));
      }
      return Future.all(out).map(all -> all.<Checked>list());
    });
  }

  /**
   * The facts of many trails in one round trip, from event #1 and the events under the fixed ids only
   * ({@code case_trail.lua}); in the order of {@code ids}. A trail without the fixed ids (older ones) looks
   * unstarted here: confirm a disagreement with {@link #check}.
   */
  public Future<List<TrailFacts>> quickFacts(List<String> ids) {
    if (ids.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    String[] keys = new String[ids.size() * 2];
    for (int i = 0; i < ids.size(); i++) {
      keys[2 * i] = Trail.streamKey(ids.get(i));
      keys[2 * i + 1] = Trail.idsKey(ids.get(i));
    }
    return events.<List<Object>>run(ScriptOutputType.MULTI, keys, new String[0]).map(reply -> {
      List<TrailFacts> out = new ArrayList<>(ids.size());
      for (int i = 0; i < ids.size(); i++) {
        List<?> three = (List<?>) reply.get(i);
        Map<String, String> first = fields(three.get(0));
        out.add(new TrailFacts(
            first != null && EventType.INSPECTION_CREATED.code().equals(first.get("type")) ? payload(first) : null,
            fields(three.get(1)), fields(three.get(2))));
      }
      return out;
    });
  }

  private Checked checked(CaseFile file, TrailFacts facts) {
    return checked(file, facts, false);
  }

  /**
   * A stored record against the facts of its whole trail.
   *
   * @param trailMissing true when the record's trail is gone altogether (that is the problem reported)
   */
  Checked checked(CaseFile file, TrailFacts facts, boolean trailMissing) {
    JsonObject record = file.toJson();
    List<String> problems = trailMissing
        ? List.of("the trail of this inspection is missing from Redis (its case record exists): it was deleted")
        : compare(record, facts, "the case record", clock.instant());
    if (!problems.isEmpty()) {
      log.error("inspection {}: TAMPERING: the case record disagrees with the trail: {}", file.id(),
          String.join("; ", problems));
    }
    return new Checked(file.id(), facts.created() == null ? record : facts.over(record), problems);
  }

  private static Map<String, String> fields(Object flat) {
    List<?> list = (List<?>) flat;
    if (list == null || list.isEmpty()) {
      return null;
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (int i = 0; i + 1 < list.size(); i += 2) {
      out.put(String.valueOf(list.get(i)), String.valueOf(list.get(i + 1)));
    }
    return out;
  }

  static List<Map<String, String>> bodies(List<StreamMessage<String, String>> raw) {
    List<Map<String, String>> out = new ArrayList<>(raw.size());
    raw.forEach(m -> out.add(m.getBody()));
    return out;
  }

  /** The clock this binding judges lag by. */
  Clock clock() {
    return clock;
  }
}
