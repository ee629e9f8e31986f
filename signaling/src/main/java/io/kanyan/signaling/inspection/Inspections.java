package io.kanyan.signaling.inspection;

import io.kanyan.recorder.audit.CaseBinding;
import io.kanyan.recorder.audit.CaseFile;
import io.kanyan.recorder.audit.CaseFiles;
import io.kanyan.recorder.audit.CaseQuery;
import io.kanyan.recorder.redis.RedisStore;
import io.kanyan.recorder.audit.CommittedInspections;
import io.kanyan.recorder.trail.Chain;
import io.kanyan.recorder.trail.EventType;
import io.kanyan.recorder.trail.Trail;
import io.kanyan.recorder.trail.TrailEvent;
import io.kanyan.signaling.Problem;
import io.kanyan.signaling.auth.Invites;
import io.kanyan.signaling.auth.Principal;
import io.kanyan.signaling.catalog.ChecklistItem;
import io.kanyan.signaling.catalog.Checklists;
import io.kanyan.signaling.catalog.Matter;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Inspections as facts: who may see them, creating, inviting, ending, and their trail. The live call of
 * an inspection is a {@link Call}, kept in {@link Calls}.
 */
public final class Inspections {

  private static final Logger log = LoggerFactory.getLogger(Inspections.class);
  public static final Set<String> CONCLUSIONS = Set.of("pass", "fail", "rectify");
  /** Inspection ids are lowercase UUIDs ({@link #create}); nothing else is looked up. */
  private static final Pattern ID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

  private final CaseFiles cases;
  private final Invites invites;
  private final Trail trail;
  private final Calls calls;
  private final Clock clock;
  private final InviteOpens inviteOpens;
  private final Checklists checklists;
  private final RedisStore redis;
  // Set while the server is wired, before it listens; volatile, as requests on every event loop read them.
  private volatile Function<String, Future<?>> onClosed = id -> Future.succeededFuture();
  private volatile Function<String, Future<?>> beforeConclusion = id -> Future.succeededFuture();
  private volatile CaseBinding binding;
  private volatile CommittedInspections committed = CommittedInspections.none();

  /** @param redis where opens of an invite are counted between {@code invite.opened} events */
  public Inspections(CaseFiles cases, Invites invites, Trail trail, Calls calls, RedisStore redis, Clock clock,
      Checklists checklists) {
    this.cases = cases;
    this.checklists = checklists;
    this.redis = redis;
    this.invites = invites;
    this.trail = trail;
    this.calls = calls;
    this.clock = clock;
    this.inviteOpens = new InviteOpens(redis, trail);
  }

  /**
   * What to do after an inspection was ended or cancelled (finalise its recording). Runs after the
   * answer; a failure is logged, not reported to the inspector.
   */
  public void onClosed(Function<String, Future<?>> action) {
    this.onClosed = action;
  }

  /**
   * What to do once a conclusion was checked, before {@code inspection.ended} goes on the trail (note that the
   * record is owed, so a restart in between still renders it). A failure fails the conclusion.
   */
  public void beforeConclusion(Function<String, Future<?>> action) {
    this.beforeConclusion = action;
  }

  /**
   * Binds what inspectors read to the trail: lists and reads show the facts as the trail states them, and a
   * committed inspection whose case record is gone answers "tampered", not "not found".
   */
  public void bind(CaseBinding binding, CommittedInspections committed) {
    this.binding = binding;
    this.committed = committed;
  }

  /** What {@link #create} answers: the inspection and its first invite. */
  public record Created(CaseFile inspection, Invites.Issued invite) {
  }

  /** Validated input of a new inspection. */
  public record NewInspection(String caseNumber, String matterType, String applicantName, String applicantPhone,
      String siteAddress, Double siteLat, Double siteLng) {

    /** Reads and checks the request body; fails with {@code missing_field} / {@code bad_field}. */
    public static NewInspection from(JsonObject body) {
      if (body == null) {
        throw Problem.badRequest("bad_json", "send the inspection as a JSON object");
      }
      Double lat = number(body, "siteLat");
      Double lng = number(body, "siteLng");
      if ((lat == null) != (lng == null) || lat != null && (Math.abs(lat) > 90 || Math.abs(lng) > 180)) {
        throw Problem.badRequest("bad_field", "siteLat and siteLng must both be given, as valid coordinates, or both left out");
      }
      String phone = text(body, "applicantPhone", 32);
      if (phone.replaceAll("[^0-9]", "").length() < 5) {
        throw Problem.badRequest("bad_field", "applicantPhone must be a phone number");
      }
      // A matter is picked from the catalogue by its code; older clients sent its name as matterType.
      String matter = body.getValue("matterCode") != null ? text(body, "matterCode", 64)
          : body.getValue("matterType") != null ? text(body, "matterType", 64) : null;
      if (matter == null) {
        throw Problem.badRequest("missing_field", "matterCode is required: pick a matter from the catalogue");
      }
      return new NewInspection(text(body, "caseNumber", 64), matter,
          text(body, "applicantName", 64), phone, text(body, "siteAddress", 256), lat, lng);
    }

    private static String text(JsonObject body, String field, int max) {
      Object v = body.getValue(field);
      if (!(v instanceof String s) || s.isBlank()) {
        throw Problem.badRequest("missing_field", field + " is required");
      }
      if (s.length() > max) {
        throw Problem.badRequest("bad_field", field + " is longer than " + max + " characters");
      }
      return s.trim();
    }

    private static Double number(JsonObject body, String field) {
      Object v = body.getValue(field);
      if (v == null) {
        return null;
      }
      if (!(v instanceof Number n)) {
        throw Problem.badRequest("bad_field", field + " must be a number");
      }
      return n.doubleValue();
    }
  }

  /**
   * Creates an inspection owned by {@code who} (an inspector) of a matter picked from the catalogue, binds the
   * matter's checklist version in force ({@code checklist.bound} right after {@code inspection.created}) and issues
   * its first invite.
   */
  public Future<Created> create(Principal who, NewInspection in) {
    if (who.role() != Principal.Role.INSPECTOR) {
      return Future.failedFuture(Problem.forbidden("only inspectors create inspections"));
    }
    return checklists.pick(in.matterType()).compose(m -> create(who, in, m, m.items(), null));
  }

  private Future<Created> create(Principal who, NewInspection in, Matter m, List<ChecklistItem> items,
      String reinspectionOf) {
    String id = UUID.randomUUID().toString();
    CaseFile file = new CaseFile(id, in.caseNumber(), m.name(), who.username(), who.displayName(),
        in.applicantName(), CaseFiles.maskPhone(in.applicantPhone()), cases.phoneHash(in.applicantPhone()),
        in.siteAddress(), in.siteLat(), in.siteLng(), CaseFile.Status.CREATED, clock.instant(), null, null, null, null);
    JsonObject facts = file.toJson();
    facts.remove("status");
    facts.put("matterCode", m.code()).put("checklistVersion", m.version());
    if (reinspectionOf != null) {
      facts.put("reinspectionOf", reinspectionOf);
    }
    return trail.append(id, EventType.INSPECTION_CREATED, who.actor(), facts)
        .compose(e -> trail.append(id, EventType.CHECKLIST_BOUND, who.actor(),
            Checklists.boundPayload(m, items, reinspectionOf)))
        .compose(e -> cases.create(file))
        .compose(f -> issue(who, id))
        .map(invite -> {
          log.info("inspection {}: created by {} for case {}", id, who.username(), file.caseNumber());
          return new Created(file, invite);
        });
  }

  private Future<Invites.Issued> issue(Principal who, String id) {
    return invites.issue(id).compose(invite -> trail.append(id, EventType.INVITE_ISSUED, who.actor(),
        new JsonObject().put("expiresAt", invite.expiresAt().toString())).map(invite));
  }

  /** Inspections {@code who} may see: an inspector's own; everything for auditors and admins. */
  public Future<List<CaseFile>> list(Principal who, CaseQuery query) {
    CaseQuery scoped = who.canReadAll() ? query : new CaseQuery(query.caseNumber(), who.username(),
        query.applicantName(), query.applicantPhone(), query.matterType(), query.conclusion(), query.status(),
        query.from(), query.to(), query.offset(), query.limit(), query.nonConforming());
    return cases.search(scoped);
  }

  /** True for a string that can be an inspection id (checked before any id reaches a Redis key). */
  public static boolean isId(String id) {
    return id != null && ID.matcher(id).matches();
  }

  /** The inspection's facts; an id that cannot be one is simply not found. */
  private Future<java.util.Optional<CaseFile>> find(String id) {
    return isId(id) ? cases.get(id) : Future.succeededFuture(java.util.Optional.empty());
  }

  /**
   * {@link #list} as the API shows it: each inspection's facts as its trail states them, with
   * {@code recordProblems} naming what the stored case record says otherwise.
   */
  public Future<JsonArray> listChecked(Principal who, CaseQuery query) {
    return list(who, query).compose(files -> {
      if (binding == null) {
        JsonArray out = new JsonArray();
        files.forEach(f -> out.add(f.toJson()));
        return Future.succeededFuture(out);
      }
      return binding.checkAll(files).map(checked -> {
        JsonArray out = new JsonArray();
        checked.forEach(c -> out.add(c.toJson()));
        return out;
      });
    });
  }

  /** {@link #readable} as the API shows it: the facts as the whole trail states them, with their problems. */
  public Future<JsonObject> readChecked(Principal who, String id) {
    return readable(who, id).compose(file -> binding == null ? Future.succeededFuture(file.toJson())
        : binding.check(file).map(CaseBinding.Checked::toJson));
  }

  /** The case record of {@code id}: "tampered" when it is gone but the inspection was committed. */
  private Future<java.util.Optional<CaseFile>> record(String id, Problem otherwise) {
    return find(id).compose(found -> found.isPresent() ? Future.succeededFuture(found)
        : committed.missing(id, "its case record", otherwise));
  }

  /** An inspection {@code who} may read; someone else's is "not found", so its existence does not leak. */
  public Future<CaseFile> readable(Principal who, String id) {
    return record(id, Problem.notFound("there is no inspection " + id + " that you may see")).compose(found -> {
      if (found.isEmpty() || !(who.canReadAll() || found.get().inspector().equals(who.username()))) {
        return Future.failedFuture(Problem.notFound("there is no inspection " + id + " that you may see"));
      }
      return Future.succeededFuture(found.get());
    });
  }

  /** An inspection {@code who} conducts (the owning inspector). */
  public Future<CaseFile> owned(Principal who, String id) {
    return record(id, Problem.notFound("there is no inspection " + id + " that you conduct")).compose(found -> {
      if (found.isEmpty() || !found.get().inspector().equals(who.username())) {
        return Future.failedFuture(Problem.notFound("there is no inspection " + id + " that you conduct"));
      }
      return Future.succeededFuture(found.get());
    });
  }

  /** An open inspection {@code who} conducts; a closed one fails with {@code inspection_closed}. */
  public Future<CaseFile> ownedOpen(Principal who, String id) {
    return owned(who, id).compose(Inspections::open);
  }

  /** What the applicant's page learns from its invite: the inspection, and when the link stops working. */
  public record OpenedInvite(CaseFile inspection, Instant expiresAt) {
  }

  /**
   * The applicant's page read its invite: the inspection, with {@code invite.opened} on the trail (at most one
   * a minute, with a count), so the inspector's desk can show that the applicant is on the way (before camera
   * and location are granted).
   */
  public Future<OpenedInvite> inviteOpened(String token) {
    return forInvite(token).compose(file -> invites.find(token)
        .compose(found -> inviteOpens.opened(file.id()).map(new OpenedInvite(file, found.expiresAt()))));
  }

  /**
   * The inspection an applicant's invite admits to, if it is still open. An ended inspection is named as such
   * (409 {@code inspection_closed}) before an expired link (410), so an old link says what happened.
   */
  public Future<CaseFile> forInvite(String token) {
    return invites.find(token).compose(invite -> cases.get(invite.inspectionId()).compose(found -> found.isEmpty()
        ? Future.failedFuture(Problem.unauthorized("invite_unknown", "this invitation link is not valid"))
        : found.get().status().closed() ? Future.failedFuture(closedForApplicant(found.get()))
        : invite.expired() ? Future.failedFuture(Invites.expired())
        : Future.succeededFuture(found.get())));
  }

  /**
   * The concluded inspection an applicant's invite belongs to, for its record: the link keeps working for the
   * record after the inspection ended (and after it expired, for as long as it is kept), until it is replaced.
   *
   * @throws Problem (as a failed future) {@code invite_unknown}, or {@code record_not_ready} before the conclusion
   */
  public Future<CaseFile> concludedForInvite(String token) {
    return invites.find(token).compose(invite -> cases.get(invite.inspectionId())).compose(found -> found.isEmpty()
        ? Future.failedFuture(Problem.unauthorized("invite_unknown", "this invitation link is not valid"))
        : found.get().status() != CaseFile.Status.ENDED
            ? Future.failedFuture(Problem.conflict("record_not_ready",
                "the inspection record is available once the inspector has concluded the inspection"))
            : Future.succeededFuture(found.get()));
  }

  /** What an applicant's link of a closed inspection hears: that it is over, and nothing of the case. */
  private static Problem closedForApplicant(CaseFile file) {
    return Problem.conflict("inspection_closed", "this inspection has already "
        + (file.status() == CaseFile.Status.ENDED ? "ended" : "been cancelled") + "; there is nothing more to do");
  }

  private static Future<CaseFile> open(CaseFile file) {
    return file.status().closed()
        ? Future.failedFuture(Problem.conflict("inspection_closed", "inspection " + file.caseNumber()
            + " has already " + (file.status() == CaseFile.Status.ENDED ? "ended" : "been cancelled")))
        : Future.succeededFuture(file);
  }

  /** Re-issues the invite: the old link stops working at once. */
  public Future<Invites.Issued> reissueInvite(Principal who, String id) {
    return ownedOpen(who, id).compose(f -> issue(who, id));
  }

  public Future<Void> cancelInvite(Principal who, String id) {
    return ownedOpen(who, id)
        .compose(f -> invites.revoke(id))
        .compose(x -> trail.append(id, EventType.INVITE_REVOKED, who.actor(), new JsonObject()))
        .mapEmpty();
  }

  /** Ends an inspection with a conclusion; both participants are told and the call's media is released. */
  public Future<CaseFile> end(Principal who, String id, String conclusion, String remark) {
    return end(who, id, conclusion, remark, null, null);
  }

  /**
   * Ends an inspection with a conclusion checked against its checklist ({@link Checklists#conclude}): "pass" is
   * refused while a required item is unanswered or does not conform; "rectify" names the items and a deadline.
   */
  public Future<CaseFile> end(Principal who, String id, String conclusion, String remark, Object rectifyItems,
      Object rectifyDeadline) {
    if (conclusion == null || !CONCLUSIONS.contains(conclusion)) {
      return Future.failedFuture(Problem.badRequest("bad_field", "conclusion must be pass, fail or rectify"));
    }
    String note = remark == null ? "" : remark.trim();
    if (note.length() > 2000) {
      return Future.failedFuture(Problem.badRequest("bad_field", "the remark is longer than 2000 characters"));
    }
    return ownedOpen(who, id)
        .compose(f -> checklists.conclude(id, conclusion, rectifyItems, rectifyDeadline))
        .compose(c -> beforeConclusion.apply(id).map(c))
        .compose(c -> close(who, id, CaseFile.Status.ENDED, "concluded", conclusion, note, c.extras())
            .compose(file -> c.nonConforming().isEmpty() ? Future.succeededFuture(file)
                : cases.indexNonConforming(file, c.nonConforming()).map(file)));
  }

  /** Cancels an inspection that will not take place (no conclusion). */
  public Future<CaseFile> cancel(Principal who, String id, String reason) {
    return close(who, id, CaseFile.Status.CANCELLED, "cancelled", null, reason == null ? "" : reason.trim(),
        new JsonObject());
  }

  private Future<CaseFile> close(Principal who, String id, CaseFile.Status status, String reason, String conclusion,
      String remark, JsonObject extras) {
    // The invite is kept (it expires on its own): an old link then answers 409 inspection_closed, "this
    // inspection has ended", rather than 401 invite_unknown, which tells the applicant to ask for a new link.
    return ownedOpen(who, id).compose(file -> calls.end(id, reason, conclusion)
        // One inspection.ended per inspection (a fixed event id): a retried end gets the stored one back,
        // and the case record is written from the event, so the two agree.
        .compose(x -> trail.append(CaseBinding.ENDED_ID, id, EventType.INSPECTION_ENDED, who.actor(), new JsonObject()
            .put("reason", reason).put("conclusion", conclusion).put("remark", remark).mergeIn(extras)))
        .compose(e -> startedAt(file).compose(started -> cases.update(file.withStatus(
            "cancelled".equals(e.payloadJson().getString("reason")) ? CaseFile.Status.CANCELLED : CaseFile.Status.ENDED,
            started, e.time(), e.payloadJson().getString("conclusion"), e.payloadJson().getString("remark")))))
        .onSuccess(f -> {
          trail.forget(id);
          log.info("inspection {}: {} by {} ({})", id, status.wire(), who.username(), conclusion);
          onClosed.apply(id).onFailure(err -> log.error("inspection {}: after closing: {}", id, err.getMessage(), err));
        }));
  }

  /**
   * When the inspection started: the record's, or, when the record has not caught up yet (it is written just
   * after {@code call.connected}, and an end can come in between), the time of that event on the trail.
   */
  private Future<Instant> startedAt(CaseFile file) {
    return file.startedAt() != null ? Future.succeededFuture(file.startedAt())
        : trail.latest(file.id(), EventType.CALL_CONNECTED).map(e -> e.map(TrailEvent::time).orElse(null));
  }

  /**
   * Starts a re-inspection of an inspection concluded "rectify": same case facts and matter, bound to the same
   * checklist version but only its items to rectify, linked both ways, with a new invite.
   *
   * @param applicantPhone the applicant's phone, typed again (only its masked form and keyed hash are kept)
   * @param caseNumber     the new case number, or null for the original's with "-R" and the round
   */
  public Future<Created> reinspect(Principal who, String originalId, String applicantPhone, String caseNumber) {
    if (who.role() != Principal.Role.INSPECTOR) {
      return Future.failedFuture(Problem.forbidden("only inspectors start re-inspections"));
    }
    return owned(who, originalId).compose(orig -> orig.status() == CaseFile.Status.ENDED
            && "rectify".equals(orig.conclusion()) ? checklists.state(originalId).map(s -> new Rectify(orig, s))
        : Future.failedFuture(Problem.conflict("not_rectify", "only an inspection concluded \"rectify\" can be"
            + " re-inspected; " + orig.caseNumber() + " is " + orig.status().wire()
            + (orig.conclusion() == null ? "" : " (" + orig.conclusion() + ")"))))
        .compose(r -> r.items() == null
            ? Future.failedFuture(Problem.conflict("no_checklist", "inspection " + r.original().caseNumber()
                + " has no checklist items to rectify"))
            : checklists.catalogue().get(r.state().matterCode(), r.state().version()).map(r::with))
        .compose(r -> redis.call(c -> c.rpush(reinspectionsKey(originalId), "pending")).map(r::round))
        .compose(r -> create(who, reinspection(r, applicantPhone, caseNumber), r.matter(),
                r.matter().items().stream().filter(i -> r.items().contains(i.id())).toList(), originalId)
            .compose(created -> redis.call(c -> c.lset(reinspectionsKey(originalId), r.round() - 1,
                created.inspection().id())).map(created)));
  }

  /** What a re-inspection is made from: the original, its checklist state and items to rectify, the matter version. */
  private record Rectify(CaseFile original, io.kanyan.signaling.catalog.ChecklistState state, Matter matter,
      long round) {

    Rectify(CaseFile original, io.kanyan.signaling.catalog.ChecklistState state) {
      this(original, state, null, 0);
    }

    List<String> items() {
      JsonObject ended = state.bound() ? state.ended() : null;
      JsonArray list = ended == null ? null : ended.getJsonArray("rectifyItems");
      return list == null ? null : list.stream().map(Object::toString).toList();
    }

    Rectify with(Matter m) {
      return new Rectify(original, state, m, round);
    }

    Rectify round(long n) {
      return new Rectify(original, state, matter, n);
    }
  }

  private static NewInspection reinspection(Rectify r, String applicantPhone, String caseNumber) {
    CaseFile orig = r.original();
    return NewInspection.from(new JsonObject()
        .put("caseNumber", caseNumber != null ? caseNumber : orig.caseNumber() + "-R" + r.round())
        .put("matterCode", r.matter().code()).put("applicantName", orig.applicantName())
        .put("applicantPhone", applicantPhone).put("siteAddress", orig.siteAddress())
        .put("siteLat", orig.siteLat()).put("siteLng", orig.siteLng()));
  }

  /** The re-inspections started from an inspection, oldest first. */
  public Future<List<String>> reinspections(String originalId) {
    return redis.call(c -> c.lrange(reinspectionsKey(originalId), 0, -1))
        .map(ids -> ids.stream().filter(i -> !i.equals("pending")).toList());
  }

  private static String reinspectionsKey(String id) {
    return "kanyan:reinspections:" + id;
  }

  public Checklists checklists() {
    return checklists;
  }

  /** Marks an inspection as under way the first time both participants are connected. */
  public Future<Void> markStarted(String id, Instant when) {
    return find(id).compose(found -> found.isEmpty() || found.get().status() != CaseFile.Status.CREATED
        ? Future.succeededFuture()
        : cases.update(found.get().withStatus(CaseFile.Status.IN_PROGRESS, when, null, null, null)).mapEmpty());
  }

  /**
   * The trail of an inspection {@code who} may read, with its chain checked. An auditor's or admin's read
   * of someone else's inspection is itself put on the trail first.
   */
  public Future<JsonObject> trail(Principal who, String id) {
    return readable(who, id)
        .compose(file -> file.inspector().equals(who.username())
            ? Future.succeededFuture()
            : trail.append(id, EventType.AUDIT_ACCESS, who.actor(), new JsonObject().put("what", "trail")))
        .compose(x -> trail.read(id))
        .map(events -> {
          String broken = Chain.firstBreak(id, events);
          JsonArray list = new JsonArray();
          for (TrailEvent e : events) {
            list.add(e.toJson().put("payload", e.payloadJson()));
          }
          return new JsonObject().put("events", list).put("valid", broken == null).put("firstBreak", broken);
        });
  }

  public Trail trailStore() {
    return trail;
  }
}
