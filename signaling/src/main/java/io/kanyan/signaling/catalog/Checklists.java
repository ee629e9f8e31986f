package io.kanyan.signaling.catalog;

import io.kanyan.recorder.trail.EventType;
import io.kanyan.recorder.trail.Trail;
import io.kanyan.signaling.Problem;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.regex.Pattern;

/**
 * The checklist of one inspection: binding a matter's version at creation, answers and corrections, the item
 * checked now, and the checks a conclusion must pass. Everything goes on the trail; the state is read back from
 * it ({@link ChecklistState}).
 */
public final class Checklists {

  public static final int MAX_REMARK = 2000;
  static final int MAX_SNAPSHOTS_PER_ANSWER = 20;
  static final Set<String> CONFORMANCE_RESULTS = Set.of("conforms", "not_conforms", "not_applicable");
  private static final Pattern DECIMAL = Pattern.compile("-?\\d{1,12}(\\.\\d{1,6})?");
  private static final Pattern SNAPSHOT_ID = Pattern.compile("(snapshot:)?[A-Za-z0-9-]{1,64}");

  private final Catalogue catalogue;
  private final Trail trail;
  private final Clock clock;
  private final ZoneId zone;
  /** Set while the server is wired; volatile, as requests on every event loop read it. */
  private volatile BiConsumer<String, JsonObject> toApplicant = (id, msg) -> { };

  public Checklists(Catalogue catalogue, Trail trail, Clock clock, ZoneId zone) {
    this.catalogue = catalogue;
    this.trail = trail;
    this.clock = clock;
    this.zone = zone;
  }

  public Catalogue catalogue() {
    return catalogue;
  }

  /** Where a message for an inspection's applicant goes (the live call, when there is one). */
  public void toApplicant(BiConsumer<String, JsonObject> sender) {
    this.toApplicant = sender;
  }

  /**
   * The matter a new inspection picks: by code, or (for older clients that sent the name as
   * {@code matterType}) by its exact name. Fails with {@code unknown_matter} or {@code remote_not_allowed}.
   */
  public Future<Matter> pick(String codeOrName) {
    if (codeOrName == null || codeOrName.isBlank()) {
      return Future.failedFuture(Problem.badRequest("missing_field", "matterCode is required: pick a matter from the catalogue"));
    }
    String wanted = codeOrName.trim();
    return catalogue.find(wanted, 0).compose(found -> found != null ? Future.succeededFuture(found)
        : catalogue.list().map(all -> all.stream().filter(m -> m.name().equals(wanted)).findFirst().orElse(null)))
        .compose(m -> {
          if (m == null) {
            return Future.failedFuture(Problem.badRequest("unknown_matter", "there is no matter '"
                + (wanted.length() > 40 ? wanted.substring(0, 40) + "…" : wanted)
                + "' in the catalogue; pick one of the catalogue's matters"));
          }
          if (!m.remoteAllowed()) {
            return Future.failedFuture(Problem.conflict("remote_not_allowed", "matter " + m.code() + " ("
                + m.name() + ") may not be inspected remotely"));
          }
          return Future.succeededFuture(m);
        });
  }

  /** The {@code checklist.bound} payload: the matter, its version and every item, self-contained. */
  public static JsonObject boundPayload(Matter m, List<ChecklistItem> items, String reinspectionOf) {
    JsonArray list = new JsonArray();
    items.forEach(i -> list.add(i.toJson()));
    JsonObject payload = new JsonObject().put("matterCode", m.code()).put("matterName", m.name())
        .put("checklistVersion", m.version()).put("items", list);
    if (reinspectionOf != null) {
      payload.put("reinspectionOf", reinspectionOf);
    }
    return payload;
  }

  /** The checklist state of an inspection, from its trail. */
  public Future<ChecklistState> state(String inspectionId) {
    return trail.read(inspectionId).map(ChecklistState::of);
  }

  private Future<ChecklistState> boundState(String inspectionId) {
    return state(inspectionId).compose(s -> s.bound() ? Future.succeededFuture(s)
        : Future.failedFuture(Problem.conflict("no_checklist",
            "this inspection has no checklist (it was created before the catalogue); use notes instead")));
  }

  /**
   * Records an answer, or a correction of an earlier one, for an open inspection.
   *
   * @param body {@code itemId}, {@code result}, {@code value} (measure items), {@code remark}, {@code snapshots}
   * @return the stored answer as on the trail, with its time and event id
   */
  public Future<JsonObject> answer(String inspectionId, String actor, JsonObject body) {
    String itemId = text(body, "itemId", 40, true);
    String result = text(body, "result", 20, true);
    Object rawRemark = body.getValue("remark");
    if (rawRemark != null && !(rawRemark instanceof String)) {
      return Future.failedFuture(Problem.badRequest("bad_field", "remark must be text"));
    }
    String remark = rawRemark == null || ((String) rawRemark).isBlank() ? null : ((String) rawRemark).trim();
    if (remark != null && remark.length() > MAX_REMARK) {
      return Future.failedFuture(Problem.badRequest("too_long", "the remark has " + remark.length()
          + " characters; at most " + MAX_REMARK + " are kept. Shorten it, or add the rest as a note"));
    }
    List<String> linked = snapshots(body.getValue("snapshots"));
    Object rawValue = body.getValue("value");
    return boundState(inspectionId).compose(s -> {
      JsonObject item = s.item(itemId);
      if (item == null) {
        return Future.failedFuture(Problem.badRequest("unknown_item", "item '" + itemId + "' is not in checklist version "
            + s.version() + " of matter " + s.matterCode() + " that this inspection is bound to"));
      }
      boolean measure = ChecklistItem.MEASURE.equals(item.getString("answerType"));
      JsonObject payload = new JsonObject().put("itemId", itemId).put("checklistVersion", s.version());
      if (measure) {
        if (!result.equals("measured") && !result.equals("not_applicable")) {
          return Future.failedFuture(Problem.badRequest("bad_field", "item " + itemId
              + " is measured: result must be measured (with a value) or not_applicable"));
        }
        payload.put("result", result);
        if (result.equals("measured")) {
          String value = rawValue instanceof Number n ? new BigDecimal(n.toString()).toPlainString()
              : rawValue instanceof String str ? str.trim() : null;
          if (value == null || !DECIMAL.matcher(value).matches()) {
            return Future.failedFuture(Problem.badRequest("bad_field", "item " + itemId + " needs its measured value as"
                + " a number like 52.5 (in " + item.getString("unit") + ")"));
          }
          payload.put("value", value).put("unit", item.getString("unit"));
        }
      } else {
        if (!CONFORMANCE_RESULTS.contains(result)) {
          return Future.failedFuture(Problem.badRequest("bad_field",
              "result must be conforms, not_conforms or not_applicable for item " + itemId));
        }
        if (rawValue != null) {
          return Future.failedFuture(Problem.badRequest("bad_field", "item " + itemId + " takes no value, only a result"));
        }
        payload.put("result", result);
      }
      if (remark != null) {
        payload.put("remark", remark);
      }
      for (String snap : linked) {
        if (!s.snapshots().containsKey(snap)) {
          return Future.failedFuture(Problem.badRequest("unknown_snapshot", "there is no snapshot "
              + snap.substring("snapshot:".length()) + " in this inspection"));
        }
      }
      if (item.getBoolean("photoRequired", false) && !result.equals("not_applicable") && linked.isEmpty()) {
        return Future.failedFuture(Problem.badRequest("photo_required", "item " + itemId + " (" + item.getString("title")
            + ") needs photo evidence: take a snapshot for this item, then answer it"));
      }
      payload.put("snapshots", new JsonArray(new ArrayList<>(linked)));
      return trail.append(inspectionId, EventType.CHECKLIST_ANSWERED, actor, payload)
          .map(e -> e.payloadJson().put("time", e.time().toString()).put("eventId", e.id()).put("seq", e.seq()));
    });
  }

  /** Marks the item being checked now and shows it on the applicant's phone. */
  public Future<JsonObject> current(String inspectionId, String actor, JsonObject body) {
    String itemId = text(body, "itemId", 40, true);
    return boundState(inspectionId).compose(s -> {
      JsonObject item = s.item(itemId);
      if (item == null) {
        return Future.failedFuture(Problem.badRequest("unknown_item", "item '" + itemId + "' is not in checklist version "
            + s.version() + " of matter " + s.matterCode() + " that this inspection is bound to"));
      }
      return trail.append(inspectionId, EventType.CHECKLIST_CURRENT, actor, new JsonObject().put("itemId", itemId))
          .map(e -> {
            JsonObject msg = currentMessage(s, itemId);
            toApplicant.accept(inspectionId, msg);
            return msg;
          });
    });
  }

  /** The {@code checklist-current} message for the applicant: the item, its guidance, and where it is in the list. */
  public static JsonObject currentMessage(ChecklistState s, String itemId) {
    List<JsonObject> items = s.items();
    JsonObject item = s.item(itemId);
    return new JsonObject().put("type", "checklist-current").put("itemId", itemId)
        .put("title", item.getString("title")).put("guidance", item.getString("guidance"))
        .put("photoRequired", item.getBoolean("photoRequired", false))
        .put("index", items.indexOf(item) + 1).put("total", items.size());
  }

  /** What a conclusion adds to {@code inspection.ended}, and the items that did not conform (for search). */
  public record Conclusion(JsonObject extras, List<String> nonConforming) {
  }

  /**
   * Checks a conclusion against the answers. "pass" is refused while a required item is unanswered or does not
   * conform; "rectify" needs the items to rectify (from the checklist) and a deadline (a date, today or later).
   * An inspection without a checklist concludes as before.
   */
  public Future<Conclusion> conclude(String inspectionId, String conclusion, Object rectifyItems, Object deadline) {
    return state(inspectionId).compose(s -> {
      if (!s.bound()) {
        return Future.succeededFuture(new Conclusion(new JsonObject(), List.of()));
      }
      JsonObject extras = new JsonObject();
      if ("pass".equals(conclusion)) {
        List<String> open = s.unanswered();
        List<String> failed = s.requiredNonConforming();
        if (!open.isEmpty() || !failed.isEmpty()) {
          StringBuilder why = new StringBuilder("pass is refused: ");
          if (!open.isEmpty()) {
            why.append(open.size()).append(" required item(s) unanswered (").append(String.join(", ", open)).append(")");
          }
          if (!failed.isEmpty()) {
            why.append(open.isEmpty() ? "" : " and ").append(failed.size()).append(" required item(s) do not conform (")
                .append(String.join(", ", failed)).append(")");
          }
          why.append("; answer them, or conclude fail or rectify");
          return Future.failedFuture(Problem.conflict("checklist_incomplete", why.toString()));
        }
      } else if ("rectify".equals(conclusion)) {
        List<String> items = rectifyItems(s, rectifyItems);
        extras.put("rectifyItems", new JsonArray(new ArrayList<>(items))).put("rectifyDeadline", deadline(deadline));
      }
      return Future.succeededFuture(new Conclusion(extras, s.nonConforming()));
    });
  }

  private static List<String> rectifyItems(ChecklistState s, Object raw) {
    if (!(raw instanceof JsonArray list) || list.isEmpty()) {
      throw Problem.badRequest("missing_field", "rectify needs rectifyItems: the checklist items to rectify");
    }
    Set<String> out = new LinkedHashSet<>();
    for (Object v : list) {
      if (!(v instanceof String id) || s.item(id) == null) {
        throw Problem.badRequest("unknown_item", "rectifyItems: '" + (v instanceof String str && str.length() <= 40 ? str : "?")
            + "' is not an item of checklist version " + s.version() + " of matter " + s.matterCode());
      }
      out.add(id);
    }
    return List.copyOf(out);
  }

  private String deadline(Object raw) {
    if (!(raw instanceof String text)) {
      throw Problem.badRequest("missing_field", "rectify needs rectifyDeadline: a date like 2026-12-31");
    }
    LocalDate day;
    try {
      day = LocalDate.parse(text.trim());
    } catch (DateTimeParseException e) {
      throw Problem.badRequest("bad_field", "rectifyDeadline must be a date like 2026-12-31");
    }
    if (day.isBefore(LocalDate.now(clock.withZone(zone)))) {
      throw Problem.badRequest("bad_field", "rectifyDeadline " + day + " is in the past");
    }
    return day.toString();
  }

  private static List<String> snapshots(Object raw) {
    if (raw == null) {
      return List.of();
    }
    if (!(raw instanceof JsonArray list) || list.size() > MAX_SNAPSHOTS_PER_ANSWER) {
      throw Problem.badRequest("bad_field", "snapshots must be a list of at most " + MAX_SNAPSHOTS_PER_ANSWER
          + " snapshot ids");
    }
    Set<String> out = new LinkedHashSet<>();
    for (Object v : list) {
      if (!(v instanceof String id) || !SNAPSHOT_ID.matcher(id).matches()) {
        throw Problem.badRequest("bad_field", "snapshots must hold the ids the snapshot upload answered");
      }
      out.add(id.startsWith("snapshot:") ? id : "snapshot:" + id);
    }
    return List.copyOf(out);
  }

  private static String text(JsonObject body, String field, int max, boolean required) {
    Object v = body.getValue(field);
    if (v == null && !required) {
      return null;
    }
    if (!(v instanceof String s) || s.isBlank()) {
      throw Problem.badRequest("missing_field", field + " is required");
    }
    if (s.length() > max) {
      throw Problem.badRequest("bad_field", field + " is longer than " + max + " characters");
    }
    return s.trim();
  }

  /** The snapshot event ids recorded for an item (from the snapshot upload's optional itemId). */
  public static List<String> snapshotsFor(ChecklistState s, String itemId) {
    List<String> out = new ArrayList<>();
    s.snapshots().forEach((id, p) -> {
      if (itemId.equals(p.getString("itemId"))) {
        out.add(id);
      }
    });
    return out;
  }
}
