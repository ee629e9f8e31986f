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
    new Stream(ctx, who.username(), Api.sessionToken(ctx)).open();
  }

  /** One desk's event stream: its writes, heartbeat and login re-check, and its end. Runs on the request's context. */
  private final class Stream implements DeskEvents.Desk {
    private final RoutingContext ctx;
    private final HttpServerResponse res;
    private final String inspector;
    private final String token;
    private Runnable disconnect = () -> { };
    private long timer = -1;
    private long beats;
    private boolean closed;

    Stream(RoutingContext ctx, String inspector, String token) {
      this.ctx = ctx;
      this.res = ctx.response();
      this.inspector = inspector;
      this.token = token;
    }

    void open() {
      res.setChunked(true).putHeader("Content-Type", "text/event-stream; charset=utf-8")
          // Not compressed: a compressor may hold small events back.
          .putHeader("Content-Encoding", "identity")
          .putHeader("X-Accel-Buffering", "no");
      res.closeHandler(v -> close());
      write("retry: 3000\n\nevent: ready\ndata: {}\n\n");
      disconnect = events.connect(inspector, token, this);
      timer = ctx.vertx().setPeriodic(HEARTBEAT_MS, t -> beat());
    }

    private void beat() {
      write(": keep-alive\n\n");
      if (++beats % (RECHECK_MS / HEARTBEAT_MS) == 0) {
        accounts.live(token, inspector).onSuccess(live -> {
          if (!live) {
            revoked("session_ended");
          }
        });
      }
    }

    @Override
    public void status(JsonObject state) {
      write("event: status\ndata: " + state.encode() + "\n\n");
    }

    @Override
    public void resync() {
      write("event: ready\ndata: {}\n\n");
    }

    @Override
    public void revoked(String code) {
      write("event: ended\ndata: " + new JsonObject().put("code", code).encode() + "\n\n");
      close();
    }

    private void write(String text) {
      if (closed) {
        return;
      }
      if (res.writeQueueFull()) {
        // A client that does not read: end the stream rather than buffer for it (a page reconnects and reads the day).
        close();
        return;
      }
      res.write(text);
    }

    private void close() {
      if (closed) {
        return;
      }
      closed = true;
      ctx.vertx().cancelTimer(timer);
      disconnect.run();
      if (!res.ended() && !res.closed()) {
        res.end();
      }
    }
  }
}
