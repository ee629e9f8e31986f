package io.kanyan.signaling.http;

import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.StaticHandler;
import java.util.regex.Pattern;

/**
 * Serves the web client (the {@code webroot} directory on the classpath) on a bounded set of paths: top-level
 * pages and the files under {@code css/}, {@code js/} and {@code i18n/}. Anything else, and any such path that
 * names no file, is a 404 decided by one class-path lookup. Vert.x's file resolver is never asked about a
 * missing file: it answers a miss by walking every entry of the jar (tens of thousands), megabytes of garbage
 * per request.
 */
final class WebClientFiles {

  private static final String ROOT = "webroot";
  static final String ROUTE = "web client files";
  private static final Pattern SERVED =
      Pattern.compile("/(?:[A-Za-z0-9_-]+\\.html|favicon\\.ico|(?:css|js|i18n)(?:/[A-Za-z0-9_-]+)*/[A-Za-z0-9_.-]+\\.[a-z]+)");

  private WebClientFiles() {
  }

  static void mount(Router root) {
    StaticHandler files = StaticHandler.create(ROOT).setCachingEnabled(false).setDirectoryListing(false);
    root.routeWithRegex(SERVED.pattern()).setName(ROUTE).method(HttpMethod.GET).method(HttpMethod.HEAD).handler(ctx -> {
      if (exists(ctx.normalizedPath())) {
        files.handle(ctx);
      } else {
        ctx.next();
      }
    });
  }

  private static boolean exists(String path) {
    return !path.contains("..") && WebClientFiles.class.getClassLoader().getResource(ROOT + path) != null;
  }
}
