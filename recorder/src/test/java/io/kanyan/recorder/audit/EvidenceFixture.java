package io.kanyan.recorder.audit;

import io.kanyan.recorder.redis.RedisStore;
import io.kanyan.recorder.testing.TestRedis;
import io.kanyan.recorder.log.SignedTreeHead;
import io.kanyan.recorder.trail.Checkpoints;
import io.kanyan.recorder.trail.EventType;
import io.kanyan.recorder.trail.Trail;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/** One inspection with snapshots and a recording, fully checkpointed, and its exported package. */
final class EvidenceFixture implements AutoCloseable {

  static final String INSPECTION = "insp-7f3a";
  static final String SNAPSHOT_1 = "snapshots/" + INSPECTION + "/s1.jpg";
  static final String SNAPSHOT_2 = "snapshots/" + INSPECTION + "/s2.jpg";
  static final String RECORDING = "recordings/" + INSPECTION + "/call-1.webm";

  final TestRedis server;
  final RedisStore redis;
  final Trail trail;
  final Checkpoints checkpoints;
  final Verifier verifier;
  final EvidenceExport export;
  final Path dataDir;
  final SignedTreeHead checkpoint;
  final Path zip;

  EvidenceFixture(Vertx vertx, Path dataDir) throws IOException {
    this.dataDir = dataDir;
    server = TestRedis.start();
    redis = RedisStore.connect(vertx, server.url()).await();
    // Tamper tests rewrite streams thousands of times; they test detection, not durability.
    redis.call(c -> c.configSet("appendfsync", "no")).await();
    trail = new Trail(redis, Clock.systemUTC());
    checkpoints = Checkpoints.open(vertx, redis, Clock.systemUTC(), Checkpoints.Settings.under(dataDir)).await();
    verifier = new Verifier(vertx, trail, checkpoints, dataDir);
    export = new EvidenceExport(vertx, trail, checkpoints, dataDir, Clock.systemUTC());
    Random random = new Random(42);
    append(EventType.INSPECTION_CREATED, "user:wang", new JsonObject().put("caseNumber", "KY-2026-0001"));
    append(EventType.INVITE_ISSUED, "user:wang", new JsonObject());
    append(EventType.PARTICIPANT_JOINED, "user:wang", new JsonObject().put("role", "inspector"));
    append(EventType.PARTICIPANT_JOINED, "applicant", new JsonObject().put("role", "applicant"));
    append(EventType.CALL_CONNECTED, "system", new JsonObject());
    for (int i = 0; i < 6; i++) {
      append(EventType.LOCATION_FIX, "applicant", new JsonObject().put("lat", 31.23 + i / 1e4).put("lng", 121.47));
    }
    append(EventType.SNAPSHOT_TAKEN, "user:wang", file(SNAPSHOT_1, random, 3_000));
    append(EventType.NOTE_ADDED, "user:wang", new JsonObject().put("text", "消防通道畅通"));
    append(EventType.SNAPSHOT_TAKEN, "user:wang", file(SNAPSHOT_2, random, 2_000));
    for (int i = 0; i < 5; i++) {
      append(EventType.RECORDING_SLICE, "system", new JsonObject().put("n", i));
    }
    append(EventType.RECORDING_FINALISED, "system", file(RECORDING, random, 8_000));
    append(EventType.INSPECTION_ENDED, "user:wang", new JsonObject().put("conclusion", "pass"));
    for (String other : new String[] {"insp-0001", "insp-9999", "insp-5555"}) {
      trail.append(other, EventType.INSPECTION_CREATED, "user:li", new JsonObject()).await();
    }
    zip = export.export(INSPECTION, dataDir.resolve("exports/evidence.zip")).await();
    checkpoint = checkpoints.latest().orElseThrow();
  }

  private void append(EventType type, String actor, JsonObject payload) {
    trail.append(INSPECTION, type, actor, payload).await();
  }

  private JsonObject file(String path, Random random, int size) throws IOException {
    byte[] bytes = new byte[size];
    random.nextBytes(bytes);
    Path file = dataDir.resolve(path);
    Files.createDirectories(file.getParent());
    Files.write(file, bytes);
    return new JsonObject().put(Verifier.PAYLOAD_FILE, path)
        .put(Verifier.PAYLOAD_SHA256, Verifier.sha256(new ByteArrayInputStream(bytes)));
  }

  /** Every entry of the exported package, in order. */
  Map<String, byte[]> packageEntries() throws IOException {
    Map<String, byte[]> entries = new LinkedHashMap<>();
    try (ZipFile file = new ZipFile(zip.toFile())) {
      for (ZipEntry entry : Collections.list(file.entries())) {
        try (InputStream in = file.getInputStream(entry)) {
          entries.put(entry.getName(), in.readAllBytes());
        }
      }
    }
    return entries;
  }

  @Override
  public void close() {
    redis.close();
    server.close();
  }
}
