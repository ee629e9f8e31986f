package io.kanyan.recorder.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kanyan.recorder.log.LogEntry;
import io.kanyan.recorder.log.SignedTreeHead;
import io.kanyan.recorder.log.TamperAlarms;
import io.kanyan.recorder.redis.RedisStore;
import io.kanyan.recorder.testing.KillableRedis;
import io.kanyan.recorder.trail.Chain;
import io.kanyan.recorder.trail.Checkpoints;
import io.kanyan.recorder.trail.EventType;
import io.kanyan.recorder.trail.SigningKey;
import io.kanyan.recorder.trail.Trail;
import io.kanyan.recorder.trail.TrailEvent;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XAddArgs;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The attacks of an insider with access to Redis and the disk (issue 8), each against a real redis-server
 * and real files, each ending "tampered" online and offline (or in a refused start), naming what was
 * altered. The class prints a table "attack → how it was detected" at the end.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
class InsiderAttackTest {

  static final String VICTIM = "insp-victim";
  static final String BYSTANDER = "insp-bystander";
  static final List<String[]> TABLE = new CopyOnWriteArrayList<>();

  @TempDir
  Path root;
  Vertx vertx;
  Node node;

  /** One server's storage: a real redis-server (AOF, fsync always), a data directory, the audit side. */
  final class Node implements AutoCloseable {
    final Path dataDir = root.resolve("data");
    final KillableRedis server = KillableRedis.start(root.resolve("redis"));
    RedisStore redis;
    Trail trail;
    Checkpoints checkpoints;
    Verifier verifier;
    EvidenceExport export;

    Node() {
      connect();
      open(false);
    }

    void connect() {
      redis = RedisStore.connect(vertx, server.url()).await();
      trail = new Trail(redis, Clock.systemUTC());
    }

    Checkpoints open(boolean readOnly) {
      checkpoints = Checkpoints.open(vertx, redis, Clock.systemUTC(),
          Checkpoints.Settings.under(dataDir).withReadOnlyInvestigation(readOnly)).await();
      verifier = new Verifier(vertx, trail, checkpoints, dataDir);
      export = new EvidenceExport(vertx, trail, checkpoints, dataDir, Clock.systemUTC());
      return checkpoints;
    }

    Verdict online(String id) {
      return verifier.verify(id).await();
    }

    /** Exports the inspection now and verifies the package with the published key, as an auditor would. */
    Verdict offline(String id) throws IOException {
      Path zip = export.export(id, root.resolve("exports/" + id + "-" + System.nanoTime() + ".zip")).await();
      return EvidencePackage.verify(zip, checkpoints.key().publicKey());
    }

    Path logFile() {
      return checkpoints.settings().logFile();
    }

    @Override
    public void close() {
      checkpoints.stop().await();
      redis.close();
      server.close();
    }
  }

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    node = new Node();
  }

  @AfterEach
  void stop() {
    node.close();
    vertx.close().await();
  }

  @AfterAll
  static void printTable() {
    StringBuilder out = new StringBuilder("\nInsider attacks (issue 8) → how each was detected\n");
    List<String[]> rows = new ArrayList<>(TABLE);
    rows.sort(Comparator.comparing(r -> r[0]));
    for (String[] row : rows) {
      out.append("\n* ").append(row[0]).append('\n');
      for (int i = 1; i + 1 < row.length; i += 2) {
        out.append("    ").append(String.format("%-10s", row[i])).append(" → ").append(row[i + 1]).append('\n');
      }
    }
    System.out.println(out);
  }

  static void row(String attack, String... sideAndHow) {
    String[] row = new String[sideAndHow.length + 1];
    row[0] = attack;
    System.arraycopy(sideAndHow, 0, row, 1, sideAndHow.length);
    TABLE.add(row);
  }

  // ---- the inspection under attack

  void seed(String id, int notes, String conclusion) {
    node.trail.append(id, EventType.INSPECTION_CREATED, "user:wang", new JsonObject().put("caseNumber", id)).await();
    for (int i = 0; i < notes; i++) {
      node.trail.append(id, EventType.NOTE_ADDED, "user:wang", new JsonObject().put("text", "note " + i)).await();
    }
    node.trail.append(id, EventType.INSPECTION_ENDED, "user:wang", new JsonObject().put("conclusion", conclusion))
        .await();
  }

  /** Two inspections, each committed; the victim's last event says "fail". Returns the victim's length. */
  int seedAndCommit() {
    seed(VICTIM, 6, "fail");
    seed(BYSTANDER, 2, "pass");
    node.checkpoints.checkpointNow().await();
    return 8;
  }

  List<Map<String, String>> events(String id) {
    List<Map<String, String>> events = new ArrayList<>();
    node.trail.readRaw(id).await().forEach(e -> events.add(new LinkedHashMap<>(e.getBody())));
    return events;
  }

  /**
   * The smart attacker: edits event {@code seq}'s payload, recomputes every hash from there (each event's
   * prev and hash), writes the stream back with its original entry ids and updates kanyan:trail:heads.
   */
  void rewriteAndRecompute(String id, int seq, UnaryOperator<String> payloadEdit) {
    List<StreamMessage<String, String>> raw = node.trail.readRaw(id).await();
    List<Map<String, String>> events = new ArrayList<>();
    raw.forEach(e -> events.add(new LinkedHashMap<>(e.getBody())));
    events.get(seq - 1).put("payload", payloadEdit.apply(events.get(seq - 1).get("payload")));
    String prev = seq == 1 ? Chain.GENESIS : events.get(seq - 2).get("hash");
    for (int i = seq - 1; i < events.size(); i++) {
      Map<String, String> e = events.get(i);
      e.put("prev", prev);
      e.put("hash", Chain.hashFields(e));
      prev = e.get("hash");
    }
    String key = Trail.streamKey(id);
    node.redis.call(c -> c.del(key)).await();
    for (int i = 0; i < events.size(); i++) {
      String entryId = raw.get(i).getId();
      Map<String, String> body = events.get(i);
      node.redis.call(c -> c.xadd(key, new XAddArgs().id(entryId), body)).await();
    }
    String head = events.size() + ":" + prev;
    node.redis.call(c -> c.hset(Trail.HEADS_KEY, id, head)).await();
    assertThat(Chain.firstBreakOfFields(id, events(id))).as("the forged chain is self-consistent").isNull();
  }

  static void assertTampered(Verdict verdict, String words) {
    assertThat(verdict.valid()).as(verdict.describe()).isFalse();
    assertThat(verdict.problems()).as(verdict.describe()).anyMatch(p -> p.contains(words));
  }

  static String first(Verdict verdict, String words) {
    return verdict.problems().stream().filter(p -> p.contains(words)).findFirst().orElseThrow();
  }

  List<JsonObject> alarmsOnTheChain() {
    List<JsonObject> alarms = new ArrayList<>();
    node.trail.read(TamperAlarms.CHAIN).await().forEach(e -> alarms.add(e.payloadJson()));
    return alarms;
  }

  // ---- 1. rewrite the chain and recompute it

  @Test
  void rewrittenAndRecomputedChainWithUpdatedHeadsIsNeverSignedAndFailsOnlineAndOffline() throws Exception {
    int length = seedAndCommit();
    rewriteAndRecompute(VICTIM, length, payload -> payload.replace("\"fail\"", "\"pass\""));

    // A checkpoint interval passes: the rewritten head does not extend the committed one.
    long before = node.checkpoints.commitLog().size();
    node.checkpoints.checkpointNow().await();
    assertThat(node.checkpoints.commitLog().committed(VICTIM)).hasSize(1);
    assertThat(node.checkpoints.alarms().count()).isPositive();
    assertThat(alarmsOnTheChain()).anyMatch(a -> a.getString("subject").equals(VICTIM)
        && a.getString("finding").contains("not the one the log committed"));
    // The alarm chain itself is committed (the only new leaf), so deleting it would be noticed.
    assertThat(node.checkpoints.commitLog().size()).isEqualTo(before + 1);
    assertThat(node.checkpoints.commitLog().committed(TamperAlarms.CHAIN)).hasSize(1);

    Verdict online = node.online(VICTIM);
    assertTampered(online, "event #8 is not the one the log committed");
    // An export commits first; the forged head still is not signed, so the package fails with the key.
    Verdict offline = node.offline(VICTIM);
    assertTampered(offline, "event #8 is not the one the log committed");
    assertThat(node.online(BYSTANDER).problems()).isEmpty();
    row("1. rewrite an event (fail → pass), recompute the chain, update kanyan:trail:heads; checkpoint; export",
        "checkpoint", "not signed; tamper.alarm on the alarm chain: " + alarmsOnTheChain().get(0).getString("finding"),
        "online", first(online, "event #8"), "offline", first(offline, "event #8"));
  }

  @Test
  void rewrittenChainThatTheServerThenExtendsIsStillNeverSigned() throws Exception {
    seedAndCommit();
    rewriteAndRecompute(VICTIM, 3, payload -> payload.replace("note 1", "note 1 (harmless)"));
    // The server itself appends to the forged chain (its append script follows kanyan:trail:heads).
    node.trail.forget(VICTIM);
    node.trail.append(VICTIM, EventType.NOTE_ADDED, "user:wang", new JsonObject().put("text", "later")).await();
    node.checkpoints.checkpointNow().await();
    assertThat(node.checkpoints.commitLog().committed(VICTIM)).hasSize(1);
    Verdict online = node.online(VICTIM);
    assertTampered(online, "event #8 is not the one the log committed");
    Verdict offline = node.offline(VICTIM);
    assertTampered(offline, "event #8 is not the one the log committed");
    row("1b. rewrite event #3, recompute, then the server appends event #9 on top; checkpoint; export",
        "checkpoint", "not signed (event #8 no longer the committed one); alarm raised",
        "online", first(online, "event #8"), "offline", first(offline, "event #8"));
  }

  // ---- 2. forge a package without the server

  @Test
  void packageRewrittenWithItsProofsRemovedFails() throws Exception {
    seedAndCommit();
    Path zip = node.export.export(VICTIM, root.resolve("genuine.zip")).await();
    assertThat(EvidencePackage.verify(zip, node.checkpoints.key().publicKey()).problems()).isEmpty();
    Map<String, byte[]> entries = entries(zip);
    // Rewrite the trail inside the package consistently (fail → pass, every hash recomputed).
    List<Map<String, String>> events = new ArrayList<>();
    for (String line : new String(entries.get(EvidencePackage.TRAIL), StandardCharsets.UTF_8).split("\n")) {
      Map<String, String> e = new LinkedHashMap<>();
      new JsonObject(line).forEach(f -> e.put(f.getKey(), (String) f.getValue()));
      events.add(e);
    }
    Map<String, String> last = events.get(events.size() - 1);
    last.put("payload", last.get("payload").replace("\"fail\"", "\"pass\""));
    last.put("hash", Chain.hashFields(last));
    StringBuilder trail = new StringBuilder();
    events.forEach(e -> {
      JsonObject line = new JsonObject();
      e.forEach(line::put);
      trail.append(line.encode()).append('\n');
    });
    entries.put(EvidencePackage.TRAIL, trail.toString().getBytes(StandardCharsets.UTF_8));
    PublicKey key = node.checkpoints.key().publicKey();

    Map<String, byte[]> withProofs = new LinkedHashMap<>(entries);
    Verdict proofsKept = EvidencePackage.verify(TamperTest.writeZip(withProofs, root.resolve("a.zip"), true), key);
    assertTampered(proofsKept, "event #8 is not the one the log committed");

    Map<String, byte[]> removed = new LinkedHashMap<>(entries);
    removed.remove(EvidencePackage.COMMITMENTS);
    Verdict proofsRemoved = EvidencePackage.verify(TamperTest.writeZip(removed, root.resolve("b.zip"), true), key);
    assertTampered(proofsRemoved, "no commitment of this inspection is in the package");

    Map<String, byte[]> emptied = new LinkedHashMap<>(entries);
    emptied.put(EvidencePackage.COMMITMENTS, new JsonObject().put("proofs", new io.vertx.core.json.JsonArray())
        .encode().getBytes(StandardCharsets.UTF_8));
    Verdict proofsEmptied = EvidencePackage.verify(TamperTest.writeZip(emptied, root.resolve("c.zip"), true), key);
    assertTampered(proofsEmptied, "no commitment of this inspection is in the package");

    Map<String, byte[]> noHead = new LinkedHashMap<>(removed);
    noHead.remove(EvidencePackage.TREE_HEAD);
    Verdict headRemoved = EvidencePackage.verify(TamperTest.writeZip(noHead, root.resolve("d.zip"), true), key);
    assertTampered(headRemoved, "there is no signed tree head");

    Verdict online = node.online(VICTIM);
    assertThat(online.problems()).as("the server's own record is untouched").isEmpty();
    row("2. forge a package without the server: rewrite trail.jsonl, keep the tree head, delete the proofs",
        "offline", first(proofsRemoved, "no commitment") + " (proofs kept: "
            + first(proofsKept, "event #8") + "; tree head removed too: " + first(headRemoved, "no signed tree head") + ")",
        "online", "the server's record is unchanged and verifies; the package's trail differs from it");
  }

  private static Map<String, byte[]> entries(Path zip) throws IOException {
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

  // ---- 3. delete an inspection

  @Test
  void deletedInspectionRaisesAnAlarmFailsVerificationAndRefusesTheRestart() throws Exception {
    seedAndCommit();
    node.redis.call(c -> c.del(Trail.streamKey(VICTIM), Trail.idsKey(VICTIM), "kanyan:case:" + VICTIM)).await();
    node.redis.call(c -> c.hdel(Trail.HEADS_KEY, VICTIM)).await();

    node.checkpoints.checkpointNow().await();
    assertThat(alarmsOnTheChain()).anyMatch(a -> a.getString("subject").equals(VICTIM)
        && a.getString("finding").contains("disappeared"));
    Verdict online = node.online(VICTIM);
    assertTampered(online, "committed event #8 but the trail has 0 events: events were removed");
    Verdict offline = node.offline(VICTIM);
    assertTampered(offline, "committed event #8 but the trail has 0 events: events were removed");
    assertThatThrownBy(() -> node.open(false)).isInstanceOf(Checkpoints.RefusedStartException.class)
        .hasMessageContaining("inspection " + VICTIM + " is missing from Redis: the log committed its events #1..8");
    row("3. delete an inspection (stream, ids, heads entry, case)",
        "checkpoint", "tamper.alarm: " + alarmsOnTheChain().stream().filter(a -> a.getString("subject").equals(VICTIM))
            .findFirst().orElseThrow().getString("finding"),
        "online", first(online, "events were removed"), "offline", first(offline, "events were removed"),
        "restart", "refused: inspection " + VICTIM + " is missing from Redis");
  }

  @Test
  void eventsDeletedFromTheStreamWithTheHeadLeftAloneAreCaught() throws Exception {
    seedAndCommit();
    List<StreamMessage<String, String>> raw = node.trail.readRaw(VICTIM).await();
    String[] lastTwo = {raw.get(raw.size() - 2).getId(), raw.get(raw.size() - 1).getId()};
    node.redis.call(c -> c.xdel(Trail.streamKey(VICTIM), lastTwo)).await();
    node.checkpoints.checkpointNow().await();
    Verdict online = node.online(VICTIM);
    assertTampered(online, "committed event #8 but the trail has 6 events: events were removed");
    Verdict offline = node.offline(VICTIM);
    assertTampered(offline, "committed event #8 but the trail has 6 events: events were removed");
    assertThatThrownBy(() -> node.open(false)).isInstanceOf(Checkpoints.RefusedStartException.class)
        .hasMessageContaining("inspection " + VICTIM + ": event #8, which the log committed, is missing");
    row("3c. delete the last events of a stream, leave kanyan:trail:heads alone",
        "online", first(online, "events were removed"), "offline", first(offline, "events were removed"),
        "restart", "refused: inspection " + VICTIM + ": event #8, which the log committed, is missing");
  }

  @Test
  void deletedAlarmChainIsItselfDetected() throws Exception {
    int length = seedAndCommit();
    rewriteAndRecompute(VICTIM, length, payload -> payload.replace("\"fail\"", "\"pass\""));
    node.checkpoints.checkpointNow().await();
    assertThat(node.checkpoints.commitLog().committed(TamperAlarms.CHAIN)).isNotEmpty();
    // The insider now deletes the alarm chain too.
    node.redis.call(c -> c.del(Trail.streamKey(TamperAlarms.CHAIN), Trail.idsKey(TamperAlarms.CHAIN))).await();
    node.redis.call(c -> c.hdel(Trail.HEADS_KEY, TamperAlarms.CHAIN)).await();
    node.checkpoints.checkpointNow().await();
    Verdict online = node.online(TamperAlarms.CHAIN);
    assertThat(online.valid()).as(online.describe()).isFalse();
    assertThatThrownBy(() -> node.open(false)).isInstanceOf(Checkpoints.RefusedStartException.class)
        .hasMessageContaining("inspection " + TamperAlarms.CHAIN);
    row("3b. delete the alarm chain after an alarm", "online", online.problems().get(0),
        "restart", "refused: the alarm chain's committed events are missing");
  }

  // ---- 4. roll Redis back

  @Test
  void rolledBackRedisRefusesTheStartAndStartsReadOnlyForInvestigation() throws Exception {
    seedAndCommit();
    // An older copy of Redis's AOF, taken now.
    node.redis.close();
    node.server.kill();
    Path older = root.resolve("older-redis");
    copyTree(root.resolve("redis"), older);
    node.server.launch();
    node.connect();
    node.open(false);
    // Later work: the victim gets more events, a new inspection arrives; both are committed.
    node.trail.append(VICTIM, EventType.NOTE_ADDED, "user:wang", new JsonObject().put("text", "after")).await();
    seed("insp-later", 1, "pass");
    node.checkpoints.checkpointNow().await();

    // The insider restores the older AOF and restarts Redis.
    node.redis.close();
    node.server.kill();
    deleteTree(root.resolve("redis"));
    copyTree(older, root.resolve("redis"));
    node.server.launch();
    node.connect();
    assertThatThrownBy(() -> node.open(false)).isInstanceOf(Checkpoints.RefusedStartException.class)
        .hasMessageContaining("inspection insp-later is missing from Redis: the log committed its events #1..3")
        .hasMessageContaining("inspection " + VICTIM + " has events #1..8 in Redis but the log committed #1..9: "
            + "events #9..9 are missing")
        .hasMessageContaining("KANYAN_READ_ONLY_INVESTIGATION=true");

    // Started read-only: it signs nothing, and verification says what is gone.
    List<String> logBefore = Files.readAllLines(node.logFile());
    Checkpoints readOnly = node.open(true);
    assertThat(readOnly.startProblems()).anyMatch(p -> p.contains("insp-later is missing"));
    readOnly.checkpointNow().await();
    assertThat(Files.readAllLines(node.logFile())).isEqualTo(logBefore);
    Verdict online = node.online(VICTIM);
    assertTampered(online, "committed event #9 but the trail has 8 events: events were removed");
    Verdict offline = node.offline(VICTIM);
    assertTampered(offline, "committed event #9 but the trail has 8 events: events were removed");
    Verdict gone = node.online("insp-later");
    assertTampered(gone, "committed event #3 but the trail has 0 events");
    row("4. roll Redis back (restore an older AOF, restart)",
        "restart", "refused: inspection insp-later is missing from Redis ...; inspection " + VICTIM
            + " ... events #9..9 are missing",
        "read-only", "starts with KANYAN_READ_ONLY_INVESTIGATION=true, signs nothing",
        "online", first(online, "events were removed"), "offline", first(offline, "events were removed"));
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> paths = Files.walk(from)) {
      for (Path p : paths.toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  // ---- 5. edit the commitment log

  /** Three entries: the victim and bystander, then two more moves of the victim. */
  List<String> threeEntries() throws IOException {
    seedAndCommit();
    node.trail.append(VICTIM, EventType.NOTE_ADDED, "user:wang", new JsonObject().put("text", "x")).await();
    node.checkpoints.checkpointNow().await();
    node.trail.append(VICTIM, EventType.NOTE_ADDED, "user:wang", new JsonObject().put("text", "y")).await();
    node.checkpoints.checkpointNow().await();
    List<String> lines = Files.readAllLines(node.logFile());
    assertThat(lines).hasSize(3);
    return lines;
  }

  /** An entry with the given number, signed by a key that is not the server's, under the server's origin. */
  LogEntry foreignEntry(LogEntry genuine) {
    SignedTreeHead real = genuine.sth();
    String origin = real.checkpoint().origin();
    SignedTreeHead forged = SignedTreeHead.sign(SigningKey.generate().noteKey(origin), origin, real.number(),
        real.time(), real.treeSize(), real.root(), real.prev());
    return new LogEntry(genuine.from(), genuine.leaves(), genuine.consistency(), forged);
  }

  void logAttack(String attack, String online, String restart) throws IOException {
    Verdict verdict = node.online(VICTIM);
    assertTampered(verdict, online);
    Verdict offline = node.offline(VICTIM);
    assertTampered(offline, online);
    assertThatThrownBy(() -> node.open(false)).isInstanceOf(Checkpoints.RefusedStartException.class)
        .hasMessageContaining(restart);
    String refused;
    try {
      node.open(false);
      refused = "started";
    } catch (Checkpoints.RefusedStartException e) {
      refused = "refused: " + e.problems().get(0);
    }
    row(attack, "online", first(verdict, online), "offline", first(offline, online), "restart", refused);
  }

  @Test
  void forkedLogWithASecondEntryOfTheSameNumberSignedByAnotherKey() throws Exception {
    List<String> lines = threeEntries();
    String fork = foreignEntry(LogEntry.parse(lines.get(2))).line();
    Files.writeString(node.logFile(), fork + "\n", java.nio.file.StandardOpenOption.APPEND);
    logAttack("5a. fork the log: a second entry #3 signed by another key",
        "is a second entry #3 that this server did not write: the log was forked",
        "two entries #3 (lines 3 and 4): it was forked");
  }

  @Test
  void editedMiddleLineOfTheLog() throws Exception {
    List<String> lines = threeEntries();
    JsonObject middle = new JsonObject(lines.get(1));
    String edited = middle.put("sth", middle.getString("sth").replace("kanyan-sth/2 2 ", "kanyan-sth/2 2 ")
        .replaceFirst("\\.(\\d{3})Z", ".999Z")).encode();
    assertThat(edited).isNotEqualTo(lines.get(1));
    Files.writeString(node.logFile(), lines.get(0) + "\n" + edited + "\n" + lines.get(2) + "\n");
    logAttack("5b. edit a middle line of the log (the time of entry #2)",
        "line 2 (entry #2) of the commitment log was edited after it was written",
        "entry #2 (line 2) of the commitment log was edited: its signature does not verify");
  }

  @Test
  void removedLastLineOfTheLog() throws Exception {
    List<String> lines = threeEntries();
    Files.writeString(node.logFile(), lines.get(0) + "\n" + lines.get(1) + "\n");
    logAttack("5c. remove the last line of the log",
        "the last 1 line(s) of the commitment log (entries #3..3) were removed",
        // The alarm about it is committed as entry #4, so the file now jumps from #2 to #4.
        "entries #3..3 were removed");
  }

  @Test
  void forgedLastLineOfTheLogAndOfRedisCopy() throws Exception {
    List<String> lines = threeEntries();
    String forged = foreignEntry(LogEntry.parse(lines.get(2))).line();
    Files.writeString(node.logFile(), lines.get(0) + "\n" + lines.get(1) + "\n" + forged + "\n");
    node.redis.call(c -> c.lset(Checkpoints.REDIS_KEY, -1, forged)).await();
    logAttack("5d. forge the last line (log file and Redis copy) with another key",
        "line 3 (entry #3) of the commitment log was edited after it was written",
        "is not signed by the log's key");
  }
}
