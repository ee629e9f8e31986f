package io.kanyan.signaling;

import io.kanyan.signaling.auth.Passwords;
import io.kanyan.signaling.media.Media;
import io.kanyan.signaling.media.PeerToPeerMedia;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
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

    public Future<Void> close() {
      return vertx.close().onComplete(x -> storage.close());
    }
  }

  public static void main(String[] args) {
    Config config;
    try {
      config = Config.load();
    } catch (RuntimeException e) {
      System.err.println("kanyan: bad configuration: " + e.getMessage());
      System.exit(2);
      return;
    }
    log.info("kanyan: starting with {}", config.describe());
    Vertx vertx = Vertx.vertx();
    start(vertx, config, new Passwords(), Clock.systemUTC())
        .onSuccess(running -> {
          Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
              running.close().toCompletionStage().toCompletableFuture().get(10, java.util.concurrent.TimeUnit.SECONDS);
            } catch (Exception e) {
              // shutting down anyway; the embedded redis-server is stopped by its own hook
            }
          }));
          ServerVerticle s = running.server();
          if (s.httpsPort() > 0) {
            log.info("kanyan: up at https://localhost:{} (a phone on the LAN: https://<this machine's LAN address>:{})",
                s.httpsPort(), s.httpsPort());
          }
          if (s.devHttpPort() > 0) {
            log.info("kanyan: development HTTP at http://localhost:{} (this machine only)", s.devHttpPort());
          }
        })
        .onFailure(err -> {
          log.error("kanyan: could not start: {}", err.getMessage(), err);
          vertx.close().onComplete(x -> System.exit(1));
        });
  }

  /** Starts the whole server on {@code vertx}; tests call this with their own config. */
  public static Future<Running> start(Vertx vertx, Config config, Passwords passwords, Clock clock) {
    return Storage.open(vertx, config).compose(storage -> {
      Media media = media(config);
      ServerVerticle server = new ServerVerticle(config, storage, media, passwords, clock);
      return vertx.deployVerticle(server)
          .map(id -> new Running(vertx, storage, server, media))
          .onFailure(err -> storage.close());
    });
  }

  static Media media(Config config) {
    JsonArray ice = new JsonArray();
    if (!config.stunUrls().isEmpty()) {
      ice.add(new JsonObject().put("urls", new JsonArray(config.stunUrls())));
    }
    return new PeerToPeerMedia(ice);
  }
}
