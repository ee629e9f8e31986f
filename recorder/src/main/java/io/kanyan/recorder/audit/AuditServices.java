package io.kanyan.recorder.audit;

import io.kanyan.recorder.redis.RedisStore;
import io.kanyan.recorder.trail.Checkpoints;
import io.kanyan.recorder.trail.Trail;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;

/**
 * The audit side wired in one step: signed checkpoints (started), the verifier, the evidence export and
 * the archive lookup, all over the same trail, case files and data directory.
 *
 * <pre>{@code
 * AuditServices.start(vertx, redis, trail, cases, config.dataDir(), System.getenv(), clock)
 *     .onSuccess(audit -> ...audit.archive().search(q), audit.verifier().verify(id),
 *                        audit.export().export(id, target), audit.checkpoints().publicKeyPem())
 * }</pre>
 */
public record AuditServices(Checkpoints checkpoints, Verifier verifier, EvidenceExport export, Archive archive) {

  /**
   * Opens the checkpoint key and log (settings from {@link Checkpoints.Settings#from}: {@code
   * KANYAN_CHECKPOINT_INTERVAL}, {@code KANYAN_CHECKPOINT_LOG}, {@code KANYAN_SIGNING_KEY}), reconciles
   * them with Redis and starts the periodic checkpoints. Run it on one node only.
   */
  public static Future<AuditServices> start(Vertx vertx, RedisStore redis, Trail trail, CaseFiles cases,
      Path dataDir, Map<String, String> env, Clock clock) {
    return start(vertx, redis, trail, cases, dataDir, Checkpoints.Settings.from(env, dataDir), clock);
  }

  /** The same, with the checkpoint settings already read (the server reads them into its Config). */
  public static Future<AuditServices> start(Vertx vertx, RedisStore redis, Trail trail, CaseFiles cases,
      Path dataDir, Checkpoints.Settings settings, Clock clock) {
    return Checkpoints.open(vertx, redis, clock, settings)
        .compose(checkpoints -> checkpoints.start().map(v -> new AuditServices(checkpoints,
            new Verifier(vertx, trail, checkpoints, dataDir),
            new EvidenceExport(vertx, trail, checkpoints, dataDir, clock),
            new Archive(cases, trail))));
  }


  /** Stops the periodic checkpoints, waiting for one that is running. */
  public Future<Void> stop() {
    return checkpoints.stop();
  }
}
