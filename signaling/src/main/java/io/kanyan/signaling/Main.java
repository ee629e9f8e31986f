package io.kanyan.signaling;

import io.kanyan.recorder.audit.VerifyCommand;
import io.kanyan.signaling.auth.Passwords;
import io.kanyan.signaling.media.Media;
import io.kanyan.signaling.media.IceServers;
import io.kanyan.signaling.media.PeerToPeerMedia;
import io.kanyan.signaling.media.kurento.KurentoMedia;
import io.kanyan.signaling.media.kurento.KurentoSettings;
import io.kanyan.signaling.metrics.KanyanMetrics;
import io.kanyan.signaling.witness.WitnessCommand;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts Kanyan: read the config, open storage (embedded or external Redis, checked for durability),
 * choose the media path, deploy the server, log the outcome.
 */
public final class Main {

  private static final Logger log = LoggerFactory.getLogger(Main.class);

  /** A started server, for the process and for tests. */
  public record Running(Vertx vertx, Storage storage, ServerVerticle server, Media media) {

    /** Stops the media, then Vert.x (the server's last writes), then Redis; completes when all is closed. */
    public Future<Void> close() {
      return media.close().transform(x -> vertx.close()).transform(x -> {
        storage.close();
        return Future.<Void>succeededFuture();
      });
    }
  }

  public static void main(String[] args) {
    if (args.length > 0 && args[0].equals("verify")) {
      // The offline verifier: java -jar kanyan.jar verify evidence.zip [--public-key key.pem]
      System.exit(VerifyCommand.run(java.util.Arrays.copyOfRange(args, 1, args.length)));
      return;
    }
    if (args.length > 0 && args[0].equals("witness")) {
      // A tlog-witness for another machine: java -jar kanyan.jar witness --key ... --port ... --state ... --log-key ...
      int status = WitnessCommand.run(java.util.Arrays.copyOfRange(args, 1, args.length), System.out);
      if (status != 0) {
        System.exit(status);
      }
      return;
    }
    Config config;
    try {
      config = Config.load();
    } catch (RuntimeException e) {
      System.err.println("kanyan: bad configuration: " + e.getMessage());
      System.exit(2);
      return;
    }
    log.info("kanyan: starting with {}", config.describe());
    KanyanMetrics metrics = KanyanMetrics.create(config.metrics());
    Vertx vertx = metrics.vertx();
    start(vertx, config, new Passwords(), Clock.systemUTC(), metrics)
        .onSuccess(running -> {
          // One exit hook, in order: the server's last writes, then the embedded Redis (not its own hook, beside ours).
          running.storage().stopRedisLast();
          Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
              running.close().toCompletionStage().toCompletableFuture().get(20, java.util.concurrent.TimeUnit.SECONDS);
            } catch (Exception e) {
              // Vert.x did not close in time: Redis is stopped anyway (its data is on disk: appendfsync always).
              running.storage().close();
            }
          }, "kanyan-shutdown"));
          ServerVerticle s = running.server();
          if (s.httpsPort() > 0) {
            log.info("kanyan: up at https://localhost:{} (a phone on the LAN: https://<this machine's LAN address>:{})",
                s.httpsPort(), s.httpsPort());
          }
          if (s.devHttpPort() > 0) {
            log.info("kanyan: development HTTP at http://localhost:{} (this machine only)", s.devHttpPort());
          }
          if (s.metricsPort() > 0) {
            log.info("kanyan: metrics at http://{}:{}/metrics", config.metrics().host(), s.metricsPort());
          }
        })
        .onFailure(err -> {
          log.error("kanyan: could not start: {}", err.getMessage(), err);
          vertx.close().onComplete(x -> System.exit(1));
        });
  }

  /** Starts the whole server on {@code vertx}; tests call this with their own config. */
  public static Future<Running> start(Vertx vertx, Config config, Passwords passwords, Clock clock) {
    return start(vertx, config, passwords, clock, KanyanMetrics.NONE);
  }

  /**
   * The same, reporting into {@code metrics}; {@code vertx} should come from {@link KanyanMetrics#vertx()} so that
   * Vert.x's own metrics are in the same registry.
   */
  public static Future<Running> start(Vertx vertx, Config config, Passwords passwords, Clock clock,
      KanyanMetrics metrics) {
    return Storage.open(vertx, config).compose(storage -> media(vertx, config, clock)
        .compose(media -> deploy(vertx, config, storage, media, passwords, clock, metrics))
        .onFailure(err -> storage.close()));
  }

  private static Future<Running> deploy(Vertx vertx, Config config, Storage storage, Media media, Passwords passwords,
      Clock clock, KanyanMetrics metrics) {
    ServerVerticle server = new ServerVerticle(config, storage, media, passwords, clock, metrics);
    return vertx.deployVerticle(server).map(id -> new Running(vertx, storage, server, media));
  }

  /** The ICE servers: STUN/TURN URLs and the TURN secret from which per-call credentials are minted. */
  static IceServers iceServers(Config config, Clock clock) {
    return new IceServers(config.stunUrls(), config.turnUrls(), config.turnSecret(), config.turnTtl(), clock);
  }

  /**
   * Kurento mode when {@code KMS_URL} is set (connects the pool and releases this server's stale pipelines
   * first), peer-to-peer otherwise.
   */
  static Future<Media> media(Vertx vertx, Config config, Clock clock) {
    IceServers ice = iceServers(config, clock);
    if (!config.kurento()) {
      return Future.succeededFuture(new PeerToPeerMedia(ice));
    }
    String kmsUri = config.kmsRecordingsUri() != null ? config.kmsRecordingsUri()
        : "file://" + config.recordingsDir().toAbsolutePath();
    KurentoSettings defaults = KurentoSettings.of(config.kmsUrls(), config.recordingsDir(), kmsUri, config.serverId());
    KurentoSettings settings = new KurentoSettings(config.kmsUrls(), config.recordingsDir(), kmsUri, config.serverId(),
        config.kmsConnectTimeout(), config.kmsRequestTimeout(), config.kmsPingInterval(), config.kmsLossGrace(),
        defaults.retryInterval());
    return KurentoMedia.start(vertx, settings, ice).map(media -> (Media) media);
  }
}
