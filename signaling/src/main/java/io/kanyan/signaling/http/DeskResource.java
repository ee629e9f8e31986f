package io.kanyan.signaling.http;

import static io.kanyan.signaling.http.Api.principal;
import static io.kanyan.signaling.http.Api.respond;

import io.kanyan.signaling.Problem;
import io.kanyan.signaling.auth.Accounts;
import io.kanyan.signaling.auth.Principal;
import io.kanyan.signaling.desk.DeskDay;
import io.kanyan.signaling.desk.DeskEvents;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;

/**
 * The inspector's desk: the day ({@code GET /api/desk/day}), its live status changes as server-sent events
 * ({@code GET /api/desk/events}) and "next" ({@code POST /api/desk/next}). Only inspectors have a desk; each sees
 * only their own.
 */
public final class DeskResource implements Api.Resource {

  /** A comment line this often keeps proxies and the server's idle timeout from closing a quiet stream. */
  static final long HEARTBEAT_MS = 15_000;
  /** The login is checked again (without renewing it) this often: a logout on another node ends the stream too. */
  static final long RECHECK_MS = 60_000;

  private final DeskDay day;
  private final DeskEvents events;
  private final Accounts accounts;

  public DeskResource(DeskDay day, DeskEvents events, Accounts accounts) {
    this.day = day;
    this.events = events;
    this.accounts = accounts;
  }

  @Override
  public void mount(Router api) {
    api.get("/desk/day").handler(respond(this::day));
    api.get("/desk/events").handler(this::stream);
    api.post("/desk/next").handler(respond(this::next));
  }

  private Future<JsonObject> day(RoutingContext ctx) {
    Principal who = principal(ctx, Principal.Role.INSPECTOR);
    String date = ctx.request().getParam("date");
    LocalDate d;
    try {
      d = date == null || date.isBlank() ? day.today() : LocalDate.parse(date);
    } catch (DateTimeParseException e) {
      throw Problem.badRequest("bad_date", "date must be a day like 2026-11-30");
    }
    return day.day(who, d);
  }

  private Future<JsonObject> next(RoutingContext ctx) {
    return day.next(principal(ctx, Principal.Role.INSPECTOR));
  }

  /**
   * The event stream: {@code ready} once connected (a page then reads the day again, so nothing that happened
   * while it was away is missed), {@code status} with a {@code DeskStatus} for every change of one of the
   * inspector's inspections, {@code ended} (with the code) before the server closes it because the login ended.
   */
  private void stream(RoutingContext ctx) {
    Principal who;
    try {
      who = principal(ctx, Principal.Role.INSPECTOR);
    } catch (Problem p) {
      Api.fail(ctx, p);
      return;
    }
    String token = Api.sessionToken(ctx);
    HttpServerResponse res = ctx.response();
    res.setChunked(true).putHeader("Content-Type", "text/event-stream; charset=utf-8")
        // Not compressed: a compressor may hold small events back.
        .putHeader("Content-Encoding", "identity")
        .putHeader("X-Accel-Buffering", "no");
    res.write("retry: 3000\n\nevent: ready\ndata: {}\n\n");
    boolean[] closed = {false};
    Runnable[] disconnect = {null};
    long[] timer = {-1};
    Runnable close = () -> {
      if (closed[0]) {
        return;
      }
      closed[0] = true;
      ctx.vertx().cancelTimer(timer[0]);
      disconnect[0].run();
      if (!res.ended() && !res.closed()) {
        res.end();
      }
    };
    DeskEvents.Desk desk = new DeskEvents.Desk() {
      @Override
      public void status(JsonObject state) {
        if (!closed[0]) {
          res.write("event: status\ndata: " + state.encode() + "\n\n");
        }
      }

      @Override
      public void resync() {
        if (!closed[0]) {
          res.write("event: ready\ndata: {}\n\n");
        }
      }

      @Override
      public void revoked(String code) {
        if (!closed[0]) {
          res.write("event: ended\ndata: " + new JsonObject().put("code", code).encode() + "\n\n");
        }
        close.run();
      }
    };
    disconnect[0] = events.connect(who.username(), token, desk);
    long[] beats = {0};
    timer[0] = ctx.vertx().setPeriodic(HEARTBEAT_MS, t -> {
      res.write(": keep-alive\n\n");
      if (++beats[0] % (RECHECK_MS / HEARTBEAT_MS) == 0) {
        accounts.live(token, who.username()).onSuccess(live -> {
          if (!live) {
            desk.revoked("session_ended");
          }
        });
      }
    });
    res.closeHandler(v -> close.run());
  }
}
