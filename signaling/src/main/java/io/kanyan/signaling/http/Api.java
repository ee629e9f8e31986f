package io.kanyan.signaling.http;

import io.kanyan.recorder.audit.TamperedInspectionException;
import io.kanyan.recorder.redis.NotReplicatedException;
import io.kanyan.recorder.redis.RedisUnavailableException;
import io.kanyan.signaling.Problem;
import io.kanyan.signaling.auth.Accounts;
import io.kanyan.signaling.auth.Principal;
import io.kanyan.signaling.integration.Integration;
import io.kanyan.signaling.integration.IntegrationKeys;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.CookieSameSite;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.UUID;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the server's router: the JSON API under {@code /api} (one sub-router per resource), the probes
 * ({@code /health}, {@code /health/live}, {@code /health/ready}),
 * and the static web client. Tests mount the same router. Failures are mapped to HTTP here, in one place.
 */
public final class Api {

  private static final Logger log = LoggerFactory.getLogger(Api.class);
  public static final String SESSION_COOKIE = "kanyan_session";
  static final String PRINCIPAL = "kanyan.principal";
  static final String INTEGRATION = "kanyan.integration";
  /** JSON bodies are small; uploads have their own limits on their own routes. */
  static final long MAX_JSON_BODY = 64 * 1024;
  private static final String HOLD_BODY = "kanyan.holdBody";
  /** The names of the only two routes that match every path: headers and query check, and the failure mapping. */
  public static final String HEADERS_ROUTE = "headers";
  public static final String FAILURES_ROUTE = "failures";
  /**
   * How long a refused request's connection stays open after the answer is written, so the client reads the
   * answer before the close (closing with unread data makes the kernel reset the connection at once).
   */
  private static final long REFUSED_LINGER_MS = 1000;

  private Api() {
  }

  /**
   * @param origins   the origins allowed to send state-changing requests (CSRF)
   * @param resources every API resource; each mounts its routes on the {@code /api} sub-router
   * @param health    the probes: {@code /health}, {@code /health/live}, {@code /health/ready}
   */
  public static Router router(Vertx vertx, Accounts accounts, Origins origins, Health health,
      Resource... resources) {
    return router(vertx, accounts, null, origins, health, resources);
  }

  /**
   * {@link #router(Vertx, Accounts, Origins, Health, Resource...)} that also admits integrations: a request
   * with {@code Authorization: Bearer <key>} is looked up in {@code keys} (before its body is read), and
   * routes ask for it with {@link #integration}.
   */
  public static Router router(Vertx vertx, Accounts accounts, IntegrationKeys keys, Origins origins,
      Health health, Resource... resources) {
    Router root = Router.router(vertx);
    root.route().setName(HEADERS_ROUTE).handler(ctx -> {
      SecurityHeaders.put(ctx);
      if (!queryDecodes(ctx.request())) {
        problem(ctx, Problem.badRequest("bad_query", "the address has a malformed query string (bad % escape)"));
        return;
      }
      ctx.next();
    });
    root.get("/health").handler(health);
    root.get("/health/live").handler(health::live);
    root.get("/health/ready").handler(health::ready);

    Router api = Router.router(vertx);
    api.route().handler(ctx -> {
      ctx.response().putHeader("Cache-Control", "no-store");
      ctx.next();
    });
    api.route().handler(ctx -> checkOrigin(ctx, origins));
    api.route().handler(ctx -> authenticate(ctx, accounts, keys));
    for (Resource resource : resources) {
      resource.mount(api);
    }
    api.route().handler(ctx -> problem(ctx, Problem.notFound("there is no API at " + ctx.request().path())));
    root.route("/api/*").subRouter(api);

    root.get("/").handler(ctx -> ctx.redirect("/inspector.html"));
    WebClientFiles.mount(root);
    root.errorHandler(404, ctx -> problem(ctx, Problem.notFound("there is nothing at " + ctx.request().path())));
    root.route().setName(FAILURES_ROUTE).failureHandler(Api::onFailure);
    return root;
  }

  /** True when the query string's % escapes decode (an undecodable one would fail deep inside a handler). */
  private static boolean queryDecodes(HttpServerRequest request) {
    try {
      request.params();
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /**
   * Refuses a state-changing request (anything but GET, HEAD, OPTIONS) that a page of another origin sent: a
   * browser names the page's origin in {@code Origin} on every such request. Clients that are not browsers
   * send no Origin and are let through to authentication.
   */
  private static void checkOrigin(RoutingContext ctx, Origins origins) {
    HttpMethod method = ctx.request().method();
    if (method == HttpMethod.GET || method == HttpMethod.HEAD || method == HttpMethod.OPTIONS) {
      ctx.next();
      return;
    }
    String origin = ctx.request().getHeader("Origin");
    String site = ctx.request().getHeader("Sec-Fetch-Site");
    boolean foreign = origin != null ? !origins.allows(ctx.request(), origin) : "cross-site".equalsIgnoreCase(site);
    if (foreign) {
      refuse(ctx, new Problem(Problem.Kind.FORBIDDEN, "bad_origin",
          "this request came from a page of another site (" + (origin == null ? site : origin)
              + "); use Kanyan's own pages"));
      return;
    }
    ctx.next();
  }

  /** A group of API routes. */
  public interface Resource {
    void mount(Router api);
  }

  /**
   * Reads a JSON body, up to {@link #MAX_JSON_BODY}. A request that has a body must declare it as
   * {@code application/json} (415 otherwise): a cross-site form or {@code text/plain} post can then never
   * reach a JSON route.
   */
  public static Handler<RoutingContext> jsonBody() {
    return jsonBody(MAX_JSON_BODY);
  }

  /** {@link #jsonBody()} with another size limit (e.g. a whole catalogue to import). */
  public static Handler<RoutingContext> jsonBody(long limit) {
    BodyHandler reader = BodyHandler.create(false).setBodyLimit(limit);
    return ctx -> {
      if (hasBody(ctx.request()) && !isJson(ctx.request().getHeader("Content-Type"))) {
        refuse(ctx, new Problem(Problem.Kind.UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type",
            "send the request body as JSON, with Content-Type: application/json"));
        return;
      }
      reader.handle(ctx);
    };
  }

  private static boolean hasBody(HttpServerRequest request) {
    String length = request.getHeader("Content-Length");
    return request.getHeader("Transfer-Encoding") != null || length != null && !length.trim().equals("0");
  }

  private static boolean isJson(String contentType) {
    if (contentType == null) {
      return false;
    }
    String type = contentType.split(";", 2)[0].trim().toLowerCase(java.util.Locale.ROOT);
    return type.equals("application/json");
  }

  /** Looks up the staff session (if any) and stores the principal for the route handlers. */
  private static void authenticate(RoutingContext ctx, Accounts accounts, IntegrationKeys keys) {
    // The session lookup is asynchronous: hold the body back until the route's own body reader has registered
    // (a BodyHandler, which runs synchronously inside next()), then let it flow. A route that streams its
    // body itself after further checks asks to keep it held (holdBody).
    HttpServerRequest request = ctx.request();
    request.pause();
    String bearer = bearer(request);
    if (bearer != null && keys != null) {
      keys.authenticate(bearer).onComplete(ar -> {
        if (ar.failed()) {
          fail(ctx, ar.cause());
        } else {
          ar.result().ifPresent(i -> ctx.put(INTEGRATION, i));
          ctx.next();
        }
        if (!Boolean.TRUE.equals(ctx.get(HOLD_BODY))) {
          request.resume();
        }
      });
      return;
    }
    accounts.session(sessionToken(ctx)).onComplete(ar -> {
      if (ar.failed()) {
        fail(ctx, ar.cause());
      } else {
        ar.result().ifPresent(p -> ctx.put(PRINCIPAL, p));
        ctx.next();
      }
      if (!Boolean.TRUE.equals(ctx.get(HOLD_BODY))) {
        request.resume();
      }
    });
  }

  private static String bearer(HttpServerRequest request) {
    String h = request.getHeader("Authorization");
    return h != null && h.regionMatches(true, 0, "Bearer ", 0, 7) ? h.substring(7).trim() : null;
  }

  /**
   * The integration whose API key the request carries, which must hold {@code scope}: 401 without a valid
   * key (unknown or revoked), 403 without the scope.
   */
  public static Integration integration(RoutingContext ctx, String scope) {
    Integration i = ctx.get(INTEGRATION);
    if (i == null) {
      throw Problem.unauthorized("bad_api_key", bearer(ctx.request()) == null
          ? "send the integration's API key as Authorization: Bearer <key>"
          : "this API key is unknown or was revoked; ask the bureau's administrator for a new one");
    }
    if (!i.scopes().contains(scope)) {
      throw Problem.forbidden("this API key lacks the scope " + scope + "; the bureau's administrator can add it to "
          + "integration " + i.name() + " on the admin page (与审批系统对接, 修改权限) or with PUT /api/integrations/"
          + i.id() + "/scopes, and this key then works for it (no new key is needed)");
    }
    return i;
  }

  /** Called by a route handler that will read the body itself later: the request stays paused until then. */
  public static void holdBody(RoutingContext ctx) {
    ctx.put(HOLD_BODY, true);
    ctx.request().pause();
  }

  /**
   * Answers with a problem and closes the connection once it is sent, so a body the client is still sending is
   * never read (a refused upload costs the server nothing more).
   */
  static void refuse(RoutingContext ctx, Problem p) {
    if (ctx.response().ended()) {
      return;
    }
    if (ctx.request().isEnded()) {
      problem(ctx, p);
      return;
    }
    ctx.response().putHeader("Connection", "close");
    HttpServerRequest request = ctx.request();
    problem(ctx, p).onComplete(x -> {
      // Vert.x would otherwise read and discard the rest of the body to keep the connection; read nothing.
      request.handler(null).pause();
      ctx.vertx().setTimer(REFUSED_LINGER_MS, t -> request.connection().close());
    });
  }



  public static String sessionToken(RoutingContext ctx) {
    Cookie cookie = ctx.request().getCookie(SESSION_COOKIE);
    return cookie == null ? null : cookie.getValue();
  }

  /** The logged-in staff member, or a 401 failure. */
  public static Principal principal(RoutingContext ctx) {
    Principal p = ctx.get(PRINCIPAL);
    if (p == null) {
      throw Problem.unauthorized("not_logged_in", "log in first");
    }
    return p;
  }

  /** The logged-in staff member, who must have one of {@code roles}. */
  public static Principal principal(RoutingContext ctx, Principal.Role... roles) {
    Principal p = principal(ctx);
    for (Principal.Role r : roles) {
      if (p.role() == r) {
        return p;
      }
    }
    throw Problem.forbidden("your role (" + p.role().wire() + ") may not do this");
  }

  /** Answers a route with the JSON form of its future's value (200), or maps its failure. */
  public static Handler<RoutingContext> respond(Function<RoutingContext, Future<?>> handler) {
    return respond(200, handler);
  }

  public static Handler<RoutingContext> respond(int status, Function<RoutingContext, Future<?>> handler) {
    return ctx -> {
      Future<?> result;
      try {
        result = handler.apply(ctx);
      } catch (RuntimeException e) {
        fail(ctx, e);
        return;
      }
      result.onSuccess(value -> {
        if (ctx.response().ended()) {
          return;
        }
        if (value == null) {
          ctx.response().setStatusCode(204).end();
        } else {
          ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json; charset=utf-8")
              .end(value instanceof JsonObject j ? j.encode() : io.vertx.core.json.Json.encode(value));
        }
      }).onFailure(err -> fail(ctx, err));
    };
  }

  /** The JSON body of a request, or a 400. */
  public static JsonObject body(RoutingContext ctx) {
    try {
      JsonObject json = ctx.body().asJsonObject();
      if (json == null) {
        throw Problem.badRequest("bad_json", "send a JSON object as the request body");
      }
      return json;
    } catch (io.vertx.core.json.DecodeException | ClassCastException e) {
      throw Problem.badRequest("bad_json", "the request body is not valid JSON");
    }
  }

  public static void fail(RoutingContext ctx, Throwable err) {
    if (ctx.response().ended()) {
      return;
    }
    if (err instanceof Problem p) {
      problem(ctx, p);
    } else if (err instanceof TamperedInspectionException t) {
      log.error("http {}: TAMPERING: {}", ctx.request().path(), t.getMessage());
      problem(ctx, Problem.gone("tampered", t.getMessage()));
    } else if (err instanceof NotReplicatedException) {
      log.warn("http {}: store write not acknowledged by its replicas: {}", ctx.request().path(), err.getMessage());
      problem(ctx, new Problem(Problem.Kind.UNAVAILABLE, "not_replicated",
          "the server's store could not confirm the change on its standby copy (a Redis replica is down or lagging); "
              + "try again in a minute"));
    } else if (err instanceof RedisUnavailableException) {
      log.warn("http {}: store unavailable: {}", ctx.request().path(), err.getMessage());
      problem(ctx, new Problem(Problem.Kind.UNAVAILABLE, "unavailable",
          "the server's store is unavailable; try again in a minute"));
    } else {
      String incident = UUID.randomUUID().toString().substring(0, 8);
      log.error("http {} {}: incident {}", ctx.request().method(), ctx.request().path(), incident, err);
      ctx.response().setStatusCode(500).putHeader("Content-Type", "application/json; charset=utf-8")
          .end(new JsonObject().put("code", "internal")
              .put("message", "something went wrong on the server (incident " + incident + ")").encode());
    }
  }

  public static Future<Void> problem(RoutingContext ctx, Problem p) {
    if (p.kind() == Problem.Kind.TOO_MANY || p.kind() == Problem.Kind.UNAVAILABLE) {
      ctx.response().putHeader("Retry-After", p.kind() == Problem.Kind.TOO_MANY ? "60" : "5");
    }
    return ctx.response().setStatusCode(p.kind().status())
        .putHeader("Content-Type", "application/json; charset=utf-8")
        .end(new JsonObject().put("code", p.code()).put("message", p.getMessage()).encode());
  }

  private static void onFailure(RoutingContext ctx) {
    Throwable err = ctx.failure();
    if (err != null) {
      fail(ctx, err);
      return;
    }
    int status = ctx.statusCode();
    String code = status == 413 ? "too_large" : status == 404 ? "not_found" : "http_" + status;
    String message = status == 413 ? "the request body is too large"
        : status == 404 ? "there is nothing at " + ctx.request().path() : "the request failed (" + status + ")";
    ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json; charset=utf-8")
        .end(new JsonObject().put("code", code).put("message", message).encode());
  }

  /** The client's address; only the direct peer is trusted (no X-Forwarded-For without a configured proxy). */
  public static String clientAddress(HttpServerRequest req) {
    return req.remoteAddress() == null ? "unknown" : req.remoteAddress().hostAddress();
  }

  /** {@code host[:port]} as the client addressed this server (the Host header). */
  public static String authority(HttpServerRequest req) {
    io.vertx.core.net.HostAndPort a = req.authority();
    if (a == null) {
      return "localhost";
    }
    String host = a.host().contains(":") && !a.host().startsWith("[") ? "[" + a.host() + "]" : a.host();
    return a.port() > 0 ? host + ":" + a.port() : host;
  }

  /** The session cookie: HttpOnly, SameSite=Strict, Secure when the request came over TLS. */
  public static Cookie sessionCookie(HttpServerRequest req, String token) {
    return Cookie.cookie(SESSION_COOKIE, token).setHttpOnly(true).setSameSite(CookieSameSite.STRICT)
        .setSecure(req.isSSL()).setPath("/");
  }
}
