package io.kanyan.signaling.http;

import io.kanyan.signaling.Problem;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * In a read-only investigation ({@code KANYAN_READ_ONLY_INVESTIGATION=true}, started over a store that was
 * tampered with or rolled back) every request that would change something is refused with 503
 * {@code read_only}; reads (the auditor's search, detail, verify, export) and staff log-in/log-out go on.
 * Mounted first, so it answers before any resource. Does nothing otherwise.
 */
public final class ReadOnlyGuard implements Api.Resource {

  static final String MESSAGE = "the server runs read-only for an investigation (KANYAN_READ_ONLY_INVESTIGATION): "
      + "its store or commitment log was found tampered with or rolled back, so nothing can be changed; ask the "
      + "operator";

  private final boolean readOnly;

  public ReadOnlyGuard(boolean readOnly) {
    this.readOnly = readOnly;
  }

  @Override
  public void mount(Router api) {
    if (!readOnly) {
      return;
    }
    api.route().handler(ctx -> {
      HttpMethod method = ctx.request().method();
      String path = ctx.request().path();
      boolean read = method == HttpMethod.GET || method == HttpMethod.HEAD || method == HttpMethod.OPTIONS;
      boolean session = method == HttpMethod.POST && (path.endsWith("/api/login") || path.endsWith("/api/logout"));
      if (read || session) {
        ctx.next();
      } else {
        refuse(ctx);
      }
    });
  }

  /** Answers 503 {@code read_only}. */
  public static void refuse(RoutingContext ctx) {
    Api.problem(ctx, new Problem(Problem.Kind.UNAVAILABLE, "read_only", MESSAGE));
  }
}
