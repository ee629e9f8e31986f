package io.kanyan.recorder.audit;

import io.kanyan.recorder.redis.RedisStore;
import io.kanyan.recorder.timestamp.Timestamps;
import io.kanyan.recorder.witness.Attestations;
import io.kanyan.recorder.witness.TrustSettings;
import io.kanyan.recorder.witness.Witnesses;
import io.kanyan.recorder.trail.Checkpoints;
import io.kanyan.recorder.trail.SigningKey;
import io.kanyan.recorder.trail.Trail;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;

/**
 * The audit side wired in one step: signed checkpoints (started), the verifier, the evidence export, the
 * archive lookup, the binding of case records to trails and the sweep of committed inspections (started),
 * all over the same trail, case files and data directory.
 *
 * <pre>{@code
 * AuditServices.start(vertx, redis, trail, cases, config.dataDir(), System.getenv(), clock)
 *     .onSuccess(audit -> ...audit.archive().search(q), audit.verifier().verify(id),
 *                        audit.export().export(id, target), audit.checkpoints().publicKeyPem())
 * }</pre>
 */
public record AuditServices(Checkpoints checkpoints, Verifier verifier, EvidenceExport export, Archive archive,
    CaseBinding binding, CommittedInspections committed, Sweep sweep) {

  /** How often the {@link Sweep} compares the committed inspections with Redis. */
  public static final java.time.Duration SWEEP_INTERVAL = java.time.Duration.ofMinutes(5);

  /**
   * Opens the checkpoint key and log (settings from {@link Checkpoints.Settings#from}: {@code
   * KANYAN_CHECKPOINT_INTERVAL}, {@code KANYAN_CHECKPOINT_LOG}, {@code KANYAN_SIGNING_KEY}), reconciles
   * them with Redis and starts the periodic checkpoints. Run it on every node: one of them, the holder of the
   * writer's lease, makes the checkpoints, and the others follow its log (recorder/TRAIL.md 5.7).
   */
  public static Future<AuditServices> start(Vertx vertx, RedisStore redis, Trail trail, CaseFiles cases,
      Path dataDir, Map<String, String> env, Clock clock) {
    return start(vertx, redis, trail, cases, dataDir, Checkpoints.Settings.from(env, dataDir), clock);
  }

  /** The same, with the checkpoint settings already read (the server reads them into its Config). */
  public static Future<AuditServices> start(Vertx vertx, RedisStore redis, Trail trail, CaseFiles cases,
      Path dataDir, Checkpoints.Settings settings, Clock clock) {
    return start(vertx, redis, trail, cases, dataDir, settings, TrustSettings.none(), clock);
  }

  /**
   * The same, with the parties outside the server: the signing key's PKCS#11 token, the TSA and the witnesses
   * (see {@link TrustSettings}). The log's key history gets the current key announced (refused when no one can
   * announce it), and each new tree head is then stamped and cosigned.
   */
  public static Future<AuditServices> start(Vertx vertx, RedisStore redis, Trail trail, CaseFiles cases,
      Path dataDir, Checkpoints.Settings settings, TrustSettings trust, Clock clock) {
    Path attestations = settings.logFile().resolveSibling("attestations");
    return Checkpoints.open(vertx, redis, clock, settings, trust.signingToken(), trust.previousKey())
        .compose(checkpoints -> trust.tsa()
            .map(tsa -> Timestamps.open(vertx, tsa, attestations.resolve("timestamps")).map(java.util.Optional::of))
            .orElse(Future.succeededFuture(java.util.Optional.empty()))
            .map(timestamps -> {
              checkpoints.attestWith(new Attestations(vertx, new Witnesses(vertx, trust.witnesses(), trust.quorum()),
                  timestamps, attestations.resolve("cosigned")));
              return checkpoints;
            }))
        .compose(checkpoints -> checkpoints.start().map(v -> {
          CaseBinding binding = new CaseBinding(redis, cases, trail, clock);
          CommittedInspections committed = CommittedInspections.commitLog(vertx, checkpoints);
          // Every node sweeps; one raises the alarms: the checkpoint writer (in a read-only investigation, with no
          // writer, each node).
          Sweep sweep = new Sweep(vertx, redis, checkpoints.alarms(), binding, committed, SWEEP_INTERVAL,
              () -> settings.readOnlyInvestigation() ? Future.succeededFuture(true) : checkpoints.stillWriter());
          sweep.start();
          return new AuditServices(checkpoints,
              new Verifier(vertx, trail, checkpoints, dataDir, binding),
              new EvidenceExport(vertx, trail, checkpoints, dataDir, clock),
              new Archive(cases, trail, binding, committed, sweep), binding, committed, sweep);
        }));
  }


  /** The published history of the log's signing keys, beside the commitment log. */
  public static Path keyHistoryFile(Checkpoints.Settings settings) {
    return Checkpoints.keyHistoryFile(settings);
  }

  /** Stops the periodic sweep and checkpoints, waiting for a checkpoint that is running. */
  public Future<Void> stop() {
    sweep.stop();
    return checkpoints.stop().compose(x -> checkpoints.attestations().close())
        .compose(x -> checkpoints.closeKey());
  }
}
