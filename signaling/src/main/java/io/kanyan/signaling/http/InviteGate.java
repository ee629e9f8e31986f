package io.kanyan.signaling.http;

import io.kanyan.recorder.audit.CaseFile;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import java.util.function.Function;

/**
 * Checks an applicant's invite (header {@code X-Invite-Token}) before a byte of the request's body is read, and keeps
 * the inspection it admits to for the route's later handlers. Mount it on a route of its own ahead of the routes
 * that read bodies: Vert.x Web runs a body handler only first on its route.
 */
final class InviteGate {

  private static final String CASE = "kanyan.invite.case";

  private InviteGate() {
  }

  /** @param admits the inspection an invite token admits to, or a failed future with the problem to answer */
  static Handler<RoutingContext> first(Function<String, Future<CaseFile>> admits) {
    return ctx -> {
      HttpServerRequest request = ctx.request();
      request.pause();
      Api.holdBody(ctx);
      admits.apply(request.getHeader(InspectionsResource.INVITE_HEADER)).onComplete(ar -> {
        if (ar.failed()) {
          Api.fail(ctx, ar.cause());
        } else {
          ctx.put(CASE, ar.result());
          ctx.next();
        }
        // Refused or not, the request flows again: a refused one's answer is already on its way, and a paused
        // request would stall the next one on the same kept-alive connection.
        request.resume();
      });
    };
  }

  /** The inspection {@link #first} admitted the request to. */
  static CaseFile inspection(RoutingContext ctx) {
    return ctx.get(CASE);
  }
}
