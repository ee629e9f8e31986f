package io.kanyan.recorder.bench;

import io.kanyan.recorder.recording.Recordings;
import io.kanyan.recorder.redis.RedisStore;
import io.kanyan.recorder.testing.KillableRedis;
import io.kanyan.recorder.trail.EventType;
import io.kanyan.recorder.trail.LocationFixes;
import io.kanyan.recorder.trail.Trail;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.UUID;

/**
 * What one inspection's trail costs Redis: appends the events of a typical peer-to-peer inspection through
 * {@link Trail} to a real redis-server (AOF on, everysec) and prints the events, the Redis memory ({@code MEMORY
 * USAGE} of the stream and its id set) and the AOF growth per inspection. The sizing note in the README works from
 * these figures. Not a test: run it on purpose,
 * {@code mvn -q -pl recorder exec:java -Dexec.classpathScope=test -Dexec.mainClass=io.kanyan.recorder.bench.TrailBytesBenchmark}.
 *
 * <p>The event mix ({@code -Dminutes=30}, {@code -Dinspections=10}): the case and its invite, a pre-call check, both
 * participants joining (one reconnection each), a checklist of 12 items bound and answered, the applicant's location
 * fixes that go on the trail, one recording slice every 2 s (the inspector's browser records in 2 s slices, under the
 * event id the server gives them), 8 snapshots, 3 notes, the recording finalised, the end, and the record rendered,
 * signed and finalised. Payloads are shaped as the server writes them (same fields, realistic lengths, Chinese text).
 *
 * <p>The phone sends a fix every 2 s; which go on the trail is decided by the server's own rule, {@link LocationFixes}
 * with its default settings ({@code -DeveryFix=true}: every fix, the rule before 30 Nov 2026; with
 * {@code -DoldSliceIds=true} too, the trail as it was before that day). The modelled phone
 * stands at one spot per checklist item and walks 15-40 m to the next item's spot at about 1.3 m/s; its fixes carry
 * GPS noise of 11 m (one standard deviation per axis, drawn afresh for each fix, which is harsher than a real
 * receiver, whose error drifts slowly) and report an accuracy of 8-27 m.
 *
 * <p>Then, per event type, what one event costs: 900 events of one kind in a trail of their own (a location fix, a
 * recording slice under the server's event id, and under the longer one it used before 30 Nov 2026).
 */
public final class TrailBytesBenchmark {

  static final int MINUTES = Integer.getInteger("minutes", 30);
  static final int INSPECTIONS = Integer.getInteger("inspections", 10);
  static final boolean EVERY_FIX = Boolean.getBoolean("everyFix");
  static final boolean OLD_SLICE_IDS = Boolean.getBoolean("oldSliceIds");
  /** The slice event id before 30 Nov 2026, for the comparison. */
  static final String OLD_SLICE_ID = "recording-slice:%s:%d:%d";
  /** How the rule decided about the modelled fixes, all inspections together. */
  static final java.util.Map<LocationFixes.Reason, Integer> REASONS =
      new java.util.EnumMap<>(LocationFixes.Reason.class);

  public static void main(String[] args) throws Exception {
    Path dir = Files.createTempDirectory("kanyan-trail-bytes");
    Vertx vertx = Vertx.vertx();
    try (KillableRedis server = KillableRedis.start(dir)) {
      RedisStore redis = RedisStore.connect(vertx, server.url()).await();
      redis.call(c -> c.configSet("appendfsync", "everysec")).await();
      Trail trail = new Trail(redis, Clock.systemUTC());
      Random random = new Random(7);
      long aof0 = aofSize(redis);
      long used0 = info(redis, "memory", "used_memory");
      long events = 0;
      long fixes = 0;
      long memory = 0;
      for (int n = 0; n < INSPECTIONS; n++) {
        String id = UUID.randomUUID().toString();
        List<Object[]> mix = inspection(random, id);
        for (Object[] e : mix) {
          append(trail, id, e);
        }
        events += mix.size();
        fixes += mix.stream().filter(e -> e[0] == EventType.LOCATION_FIX).count();
        memory += exactMemoryUsage(redis, Trail.streamKey(id)) + exactMemoryUsage(redis, Trail.idsKey(id));
      }
      Thread.sleep(1500);
      long aof = aofSize(redis) - aof0;
      long used = info(redis, "memory", "used_memory") - used0;
      System.out.printf("trail bytes: %d inspections of %d minutes, %d events each, %d of them location fixes "
          + "(%s; slice ids %s; AOF on, everysec)%n", INSPECTIONS, MINUTES, events / INSPECTIONS, fixes / INSPECTIONS,
          EVERY_FIX ? "every fix" : "LocationFixes " + LocationFixes.Settings.DEFAULT,
          OLD_SLICE_IDS ? "as before 30 Nov 2026" : "slice:<segment>:<seq>");
      System.out.printf("per inspection: Redis memory %,d bytes (stream + id set, MEMORY USAGE SAMPLES 0), AOF growth "
          + "%,d bytes%n",
          memory / INSPECTIONS, aof / INSPECTIONS);
      System.out.printf("per inspection: used_memory growth %,d bytes (the whole server; an AOF rewrite moves it)%n",
          used / INSPECTIONS);
      System.out.printf("per event: Redis memory %.0f bytes, AOF %.0f bytes%n", (double) memory / events,
          (double) aof / events);
      System.out.printf("the rule's reasons for the %d fixes the phones sent: %s%n",
          REASONS.values().stream().mapToInt(Integer::intValue).sum(), REASONS);
      breakdown(redis, trail, random);
      redis.close();
    } finally {
      vertx.close().await();
    }
  }

  static void append(Trail trail, String id, Object[] e) {
    if (e.length > 3) {
      trail.append((String) e[3], id, (EventType) e[0], (String) e[1], (JsonObject) e[2]).await();
    } else {
      trail.append(id, (EventType) e[0], (String) e[1], (JsonObject) e[2]).await();
    }
  }

  /** Redis memory of one event of each bulky kind: 900 of them in a trail of their own. */
  static void breakdown(RedisStore redis, Trail trail, Random random) {
    String[] kinds = {"location.fix", "recording.slice (event id slice:<segment>:<seq>)",
        "recording.slice (event id recording-slice:<inspection>:<segment>:<seq>, before 30 Nov 2026)"};
    for (int k = 0; k < kinds.length; k++) {
      String id = UUID.randomUUID().toString();
      long offset = 0;
      for (int n = 1; n <= 900; n++) {
        Object[] e;
        if (k == 0) {
          e = new Object[] {EventType.LOCATION_FIX, "applicant", fix(random, 31.2304, 121.4737)};
        } else {
          int size = 150_000 + random.nextInt(50_000);
          e = slice(random, id, "user:inspector-42", n, offset, size);
          if (k == 2) {
            e[3] = String.format(OLD_SLICE_ID, id, 1, n);
          }
          offset += size;
        }
        append(trail, id, e);
      }
      long stream = exactMemoryUsage(redis, Trail.streamKey(id));
      long ids = exactMemoryUsage(redis, Trail.idsKey(id));
      System.out.printf("per event of one kind (900 in a trail): %s: %.0f bytes of Redis memory (stream %.0f, "
          + "id set %.0f; MEMORY USAGE SAMPLES 0)%n", kinds[k], (stream + ids) / 900.0, stream / 900.0, ids / 900.0);
    }
  }

  /** {@code MEMORY USAGE <key> SAMPLES 0}: every node of a stream counted, not an estimate from five. */
  static long exactMemoryUsage(RedisStore redis, String key) {
    io.lettuce.core.codec.StringCodec codec = io.lettuce.core.codec.StringCodec.UTF8;
    return redis.call(c -> c.dispatch(io.lettuce.core.protocol.CommandType.MEMORY,
        new io.lettuce.core.output.IntegerOutput<>(codec),
        new io.lettuce.core.protocol.CommandArgs<>(codec).add("USAGE").addKey(key).add("SAMPLES").add(0))
        .toCompletableFuture()).await();
  }

  static long aofSize(RedisStore redis) {
    return info(redis, "persistence", "aof_current_size");
  }

  static long info(RedisStore redis, String section, String field) {
    String info = redis.call(c -> c.info(section)).await();
    for (String line : info.split("\r\n")) {
      if (line.startsWith(field + ":")) {
        return Long.parseLong(line.substring(field.length() + 1).trim());
      }
    }
    throw new IllegalStateException("no " + field + " in INFO " + section + " (is AOF on?)\n" + info);
  }

  /** The events of one typical inspection, in order: {type, actor, payload[, event id]}. */
  static List<Object[]> inspection(Random random, String id) {
    List<Object[]> events = new ArrayList<>();
    String inspector = "inspector-" + random.nextInt(100);
    events.add(new Object[] {EventType.INSPECTION_CREATED, inspector, new JsonObject()
        .put("caseNumber", "SH-2026-" + (100000 + random.nextInt(900000))).put("matterType", "食品经营许可")
        .put("applicantName", "张三").put("phoneHash", hex(random, 32)).put("siteAddress", "上海市浦东新区世纪大道100号1楼")
        .put("siteLat", 31.2304).put("siteLng", 121.4737).put("inspector", inspector)
        .put("createdAt", Instant.now().toString())});
    events.add(new Object[] {EventType.INVITE_ISSUED, inspector, new JsonObject().put("expiresAt", Instant.now().toString())
        .put("tokenHash", hex(random, 32))});
    events.add(new Object[] {EventType.NOTIFICATION_SENT, "system", new JsonObject().put("channel", "sms")
        .put("kind", "invite").put("to", "138****8000").put("attempt", 1)});
    events.add(new Object[] {EventType.INVITE_OPENED, "applicant", new JsonObject().put("userAgent", userAgent())});
    events.add(new Object[] {EventType.PRECHECK_DONE, "applicant", new JsonObject().put("camera", "ok")
        .put("microphone", "ok").put("location", "ok").put("rttMs", 84).put("ice", "srflx")});
    JsonArray items = new JsonArray();
    for (int i = 1; i <= 12; i++) {
      items.add(new JsonObject().put("id", "item-" + i).put("title", "经营场所与许可申请材料所载一致，第" + i + "项")
          .put("guidance", "请申请人将镜头对准营业场所门头、操作间和仓储区域，逐一展示设施设备").put("required", true)
          .put("photoRequired", i % 3 == 0).put("answer", "conformity"));
    }
    events.add(new Object[] {EventType.CHECKLIST_BOUND, inspector, new JsonObject().put("matter", "food-business")
        .put("version", 3).put("items", items)});
    for (String role : new String[] {"applicant", "inspector"}) {
      events.add(new Object[] {EventType.PARTICIPANT_JOINED, role, new JsonObject().put("role", role)
          .put("address", "203.0.113." + random.nextInt(255)).put("userAgent", userAgent())});
    }
    events.add(new Object[] {EventType.CALL_CONNECTED, "system", new JsonObject()});
    int seconds = MINUTES * 60;
    long offset = 0;
    Phone phone = new Phone(random);
    LocationFixes rule = new LocationFixes(LocationFixes.Settings.DEFAULT);
    for (int t = 2; t <= seconds; t += 2) {
      if (t % (seconds / 12 / 2 * 2) == 2) {
        phone.walkToNextSpot();
      }
      phone.step(2);
      JsonObject fix = fix(random, phone.lat, phone.lng);
      LocationFixes.Reason reason = rule.offer(fix.getDouble("lat"), fix.getDouble("lng"), fix.getDouble("accuracy"),
          false, t * 1000L);
      REASONS.merge(reason, 1, Integer::sum);
      if (EVERY_FIX || reason != LocationFixes.Reason.SKIPPED) {
        events.add(new Object[] {EventType.LOCATION_FIX, "applicant", fix});
      }
      int size = 150_000 + random.nextInt(50_000);
      Object[] slice = slice(random, id, inspector, t / 2, offset, size);
      if (OLD_SLICE_IDS) {
        slice[3] = String.format(OLD_SLICE_ID, id, 1, t / 2);
      }
      events.add(slice);
      offset += size;
      if (t % (seconds / 12 / 2 * 2) == 0) {
        int item = Math.min(12, t / (seconds / 12));
        events.add(new Object[] {EventType.CHECKLIST_CURRENT, inspector, new JsonObject().put("itemId", "item-" + item)});
        events.add(new Object[] {EventType.CHECKLIST_ANSWERED, inspector, new JsonObject().put("itemId", "item-" + item)
            .put("answer", "conforms").put("remark", "现场情况与申请材料一致")});
      }
      if (t % (seconds / 8 / 2 * 2) == 0) {
        events.add(new Object[] {EventType.SNAPSHOT_TAKEN, inspector, new JsonObject().put("id", UUID.randomUUID().toString())
            .put("takenAt", Instant.now().toString()).put("sha256", hex(random, 32)).put("size", 350_000 + random.nextInt(100_000))
            .put("width", 1280).put("height", 720).put("file", "snapshots/" + UUID.randomUUID() + ".jpg")});
      }
      if (t == seconds / 2) {
        events.add(new Object[] {EventType.PARTICIPANT_DISCONNECTED, "applicant", new JsonObject().put("role", "applicant")
            .put("closeCode", 1006)});
        events.add(new Object[] {EventType.PARTICIPANT_RECONNECTED, "applicant", new JsonObject().put("role", "applicant")
            .put("address", "203.0.113." + random.nextInt(255)).put("userAgent", userAgent())});
      }
      if (t % (seconds / 3 / 2 * 2) == 0) {
        events.add(new Object[] {EventType.NOTE_ADDED, inspector, new JsonObject().put("text",
            "仓储区地面防潮措施到位，冷藏设备温度显示2℃，符合要求。")});
      }
    }
    events.add(new Object[] {EventType.PARTICIPANT_LEFT, "applicant", new JsonObject().put("role", "applicant")
        .put("reason", "left")});
    events.add(new Object[] {EventType.INSPECTION_ENDED, inspector, new JsonObject().put("reason", "ended")
        .put("conclusion", "pass")});
    events.add(new Object[] {EventType.RECORDING_FINALISED, "system", new JsonObject().put("segment", 1)
        .put("file", "recordings/rec-1.webm").put("sha256", hex(random, 32)).put("size", offset)
        .put("durationMs", seconds * 1000L).put("slices", seconds / 2).put("uploadedBytes", offset)});
    events.add(new Object[] {EventType.RECORD_RENDERED, "system", new JsonObject().put("sha256", hex(random, 32))
        .put("size", 180_000).put("pages", 3)});
    events.add(new Object[] {EventType.RECORD_SIGNED, inspector, new JsonObject().put("signer", "inspector")
        .put("sha256", hex(random, 32))});
    events.add(new Object[] {EventType.RECORD_SIGNED, "applicant", new JsonObject().put("signer", "applicant")
        .put("sha256", hex(random, 32))});
    events.add(new Object[] {EventType.RECORD_FINALISED, "system", new JsonObject().put("sha256", hex(random, 32))
        .put("size", 240_000)});
    return events;
  }

  /** One fix as the server puts it on the trail: the phone's position plus GPS noise. */
  static JsonObject fix(Random random, double lat, double lng) {
    return new JsonObject().put("lat", lat + random.nextGaussian() / 1e4).put("lng", lng + random.nextGaussian() / 1e4)
        .put("accuracy", 8 + random.nextInt(20)).put("deviceTime", System.currentTimeMillis())
        .put("serverTime", Instant.now().toString()).put("clockSkewMillis", random.nextInt(400) - 200)
        .put("clockSkewFlagged", false);
  }

  /** One slice event as {@link Recordings#appendSlice} writes it, under its event id. */
  static Object[] slice(Random random, String id, String actor, long seq, long offset, int size) {
    return new Object[] {EventType.RECORDING_SLICE, actor, new JsonObject().put("segment", 1).put("seq", seq)
        .put("offset", offset).put("size", size).put("sha256", hex(random, 32)), Recordings.sliceEventId(1, seq)};
  }

  /** The applicant's phone: stands at one spot per checklist item, walks 15-40 m to the next at 1.3 m/s. */
  static final class Phone {
    static final double METRE = 1 / 111_195.0;
    final Random random;
    double lat = 31.2304;
    double lng = 121.4737;
    double toLat;
    double toLng;

    Phone(Random random) {
      this.random = random;
      toLat = lat;
      toLng = lng;
    }

    void walkToNextSpot() {
      double metres = 15 + random.nextDouble() * 25;
      double bearing = random.nextDouble() * 2 * Math.PI;
      toLat = lat + metres * Math.cos(bearing) * METRE;
      toLng = lng + metres * Math.sin(bearing) * METRE / Math.cos(Math.toRadians(lat));
    }

    void step(int seconds) {
      double dLat = (toLat - lat) / METRE;
      double dLng = (toLng - lng) / METRE * Math.cos(Math.toRadians(lat));
      double left = Math.hypot(dLat, dLng);
      double walk = 1.3 * seconds;
      if (left <= walk) {
        lat = toLat;
        lng = toLng;
      } else {
        lat += (toLat - lat) * walk / left;
        lng += (toLng - lng) * walk / left;
      }
    }
  }

  static String userAgent() {
    return "Mozilla/5.0 (Linux; Android 14; V2307A) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Mobile Safari/537.36";
  }

  static String hex(Random random, int bytes) {
    byte[] b = new byte[bytes];
    random.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }
}
