package io.kanyan.signaling.desk;

import io.kanyan.recorder.audit.CaseFile;
import io.kanyan.recorder.audit.CaseFiles;
import io.kanyan.recorder.redis.LuaScript;
import io.kanyan.recorder.redis.RedisStore;
import io.kanyan.recorder.trail.Trail;
import io.kanyan.recorder.trail.TrailEvent;
import io.lettuce.core.ScoredValue;
import io.lettuce.core.ScriptOutputType;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Each inspection's {@link DeskStatus} and each inspector's waiting queue, kept in Redis from the trail: every
 * relevant event an append stores (on whichever node) reads the inspection's trail again, folds it, and stores
 * the result with one script that also keeps the queue and publishes the change (see {@link DeskEvents}). A status
 * is only replaced by one read from a longer trail, so a resend (listeners hear those too) or a slow reader changes
 * nothing.
 *
 * <p>Keys: {@code kanyan:desk:{<inspector>}:i:<id>} (hash: {@code seq}, {@code state}; kept 8 days once the
 * inspection is closed, then worked out from the trail again if asked for), {@code kanyan:desk:{<inspector>}:waiting}
 * (sorted set of waiting inspections, scored in queue order). Channel: {@code kanyan:desk:<inspector>}.
 */
public final class DeskStore {

  private static final Logger log = LoggerFactory.getLogger(DeskStore.class);
  /** The channel prefix; the inspector's username follows. */
  public static final String CHANNEL = "kanyan:desk:";
  static final Duration KEEP_CLOSED = Duration.ofDays(8);
  private static final int OWNERS_CACHED = 10_000;

  private final RedisStore redis;
  private final Trail trail;
  private final CaseFiles cases;
  private final LuaScript put;
  /** Inspection id to its inspector (which never changes). */
  private final Map<String, String> owners = new ConcurrentHashMap<>();

  public DeskStore(RedisStore redis, Trail trail, CaseFiles cases) {
    this.redis = redis;
    this.trail = trail;
    this.cases = cases;
    this.put = new LuaScript(redis, DeskStore.class, "desk_put.lua");
  }

  /** The trail listener: a relevant event refreshes its inspection's status (failures are logged, not thrown). */
  public void onTrailEvent(TrailEvent e) {
    if (!DeskStatus.RELEVANT.contains(e.type().code()) || Trail.isSystemChain(e.inspectionId())) {
      return;
    }
    if (e.type().code().equals("inspection.created")) {
      // The case record may be written just after this event: its inspector is in the event itself.
      String inspector = e.payloadJson().getString("inspector");
      if (inspector != null) {
        owners.putIfAbsent(e.inspectionId(), inspector);
      }
    }
    refresh(e.inspectionId()).onFailure(err -> log.warn("inspection {}: desk status not updated after {}: {}",
        e.inspectionId(), e.type().code(), err.getMessage()));
  }

  /** Reads the trail again and stores (and publishes) the status when it is newer than the stored one. */
  public Future<DeskStatus> refresh(String inspectionId) {
    return owner(inspectionId).compose(inspector -> inspector.isEmpty() ? Future.succeededFuture(null)
        : trail.read(inspectionId).compose(events -> store(inspector.get(), DeskStatus.of(inspectionId, events))));
  }

  /** Stores {@code s} unless a status read from a longer trail is stored already (then nothing changes). */
  Future<DeskStatus> store(String inspector, DeskStatus s) {
    JsonObject state = s.toJson();
    String message = new JsonObject().put("inspectionId", s.inspectionId()).put("state", state).encode();
    boolean closed = s.status().equals("concluded") || s.status().equals("cancelled");
    String[] keys = {statusKey(inspector, s.inspectionId()), waitingKey(inspector)};
    String[] args = {s.inspectionId(), Long.toString(s.seq()), state.encode(), s.waiting() ? "1" : "0",
        s.waiting() ? Double.toString(s.queueScore()) : "0", CHANNEL + inspector, message,
        Long.toString(closed ? KEEP_CLOSED.toSeconds() : 0)};
    return put.<Long>run(ScriptOutputType.INTEGER, keys, args).map(s);
  }

  /** The stored status of each inspection of {@code inspector}, worked out from the trail where none is stored. */
  public Future<List<DeskStatus>> statuses(String inspector, List<String> ids) {
    List<Future<DeskStatus>> each = new ArrayList<>();
    for (String id : ids) {
      owners.putIfAbsent(id, inspector);
      each.add(redis.call(c -> c.hget(statusKey(inspector, id), "state")).compose(json -> json != null
          ? Future.succeededFuture(DeskStatus.fromJson(new JsonObject(json))) : refresh(id)));
    }
    return Future.all(each).map(all -> {
      List<DeskStatus> out = new ArrayList<>();
      for (int i = 0; i < ids.size(); i++) {
        out.add(all.resultAt(i));
      }
      return out;
    });
  }

  /** A place in an inspector's queue: the inspection, and its booked start when it has one. */
  public record Waiting(String inspectionId, java.time.Instant bookedStart) {
  }

  /** The inspector's waiting applicants in queue order: booked ones by their start, then the others by arrival. */
  public Future<List<Waiting>> waiting(String inspector) {
    return redis.call(c -> c.zrangeWithScores(waitingKey(inspector), 0, -1)).map(scored -> {
      List<Waiting> out = new ArrayList<>();
      for (ScoredValue<String> v : scored) {
        out.add(new Waiting(v.getValue(), v.getScore() < DeskStatus.UNBOOKED
            ? java.time.Instant.ofEpochMilli((long) v.getScore()) : null));
      }
      return out;
    });
  }

  private Future<Optional<String>> owner(String inspectionId) {
    String known = owners.get(inspectionId);
    if (known != null) {
      return Future.succeededFuture(Optional.of(known));
    }
    return cases.get(inspectionId).map(file -> file.map(CaseFile::inspector)).onSuccess(found -> found.ifPresent(o -> {
      if (owners.size() > OWNERS_CACHED) {
        owners.clear();
      }
      owners.put(inspectionId, o);
    }));
  }

  static String statusKey(String inspector, String id) {
    return "kanyan:desk:{" + inspector + "}:i:" + id;
  }

  static String waitingKey(String inspector) {
    return "kanyan:desk:{" + inspector + "}:waiting";
  }
}
