package io.kanyan.signaling.http;

import static io.kanyan.signaling.http.Api.principal;
import static io.kanyan.signaling.http.Api.respond;

import io.kanyan.recorder.stats.StatsQuery;
import io.kanyan.recorder.trail.EventType;
import io.kanyan.recorder.trail.Trail;
import io.kanyan.signaling.Problem;
import io.kanyan.signaling.auth.Principal;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Clock;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;

/**
 * The bureau's statistics for admins and auditors: the figures of a period as JSON, and the same figures as
 * CSV. Aggregates only, read from the counters {@code StatsRecorder} keeps; no inspection's data is shown. Every
 * read is itself on the trail first ({@code audit.access} on the {@link #ACCESS_CHAIN}): the per-inspector figures
 * are about staff.
 */
public final class StatsResource implements Api.Resource {

  /** The CSV's columns after scope, key, label, from and to: the figures, in the API's names. */
  static final List<String> COLUMNS = List.of("created", "connected", "concluded", "cancelled", "pass", "fail",
      "rectify", "remoteShare", "cases", "medianMinutes", "p90Minutes", "waits", "medianWaitMinutes",
      "firstConcluded", "firstPass", "firstPassRate", "reinspections", "reinspectionPass");
  /** The default period: the last 30 days. */
  static final int DEFAULT_DAYS = 30;

  /** The chain that holds reads of the statistics (no inspection's trail concerns them). */
  public static final String ACCESS_CHAIN = "kanyan-statistics";

  private final StatsQuery query;
  private final Trail trail;
  private final Clock clock;

  public StatsResource(StatsQuery query, Trail trail, Clock clock) {
    this.query = query;
    this.trail = trail;
    this.clock = clock;
  }

  @Override
  public void mount(Router api) {
    api.get("/stats").handler(respond(this::figures));
    api.get("/stats/export.csv").handler(this::csv);
  }

  private Future<JsonObject> figures(RoutingContext ctx) {
    Principal who = principal(ctx, Principal.Role.AUDITOR, Principal.Role.ADMIN);
    LocalDate to = date(ctx, "to", LocalDate.ofInstant(clock.instant(), query.zone()));
    LocalDate from = date(ctx, "from", to.minusDays(DEFAULT_DAYS - 1));
    StatsQuery.Unit by = choice(ctx, "by", StatsQuery.Unit.class, StatsQuery.Unit.DAY);
    StatsQuery.Group group = choice(ctx, "group", StatsQuery.Group.class, StatsQuery.Group.NONE);
    String problem = StatsQuery.problem(from, to, by);
    if (problem != null) {
      throw Problem.badRequest("bad_period", problem);
    }
    String what = ctx.request().path().endsWith(".csv") ? "statistics.csv" : "statistics";
    return trail.append(ACCESS_CHAIN, EventType.AUDIT_ACCESS, who.actor(), new JsonObject().put("what", what)
            .put("from", from.toString()).put("to", to.toString()).put("by", by.name().toLowerCase(Locale.ROOT))
            .put("group", group.name().toLowerCase(Locale.ROOT)))
        .compose(logged -> query.figures(from, to, by, group));
  }

  private void csv(RoutingContext ctx) {
    Future<JsonObject> figures;
    try {
      figures = figures(ctx);
    } catch (RuntimeException e) {
      Api.fail(ctx, e);
      return;
    }
    figures.onSuccess(f -> ctx.response().putHeader("Content-Type", "text/csv; charset=utf-8")
            .putHeader("Content-Disposition", "attachment; filename=\"kanyan-statistics-" + f.getString("from")
                + "-" + f.getString("to") + ".csv\"")
            .end(toCsv(f)))
        .onFailure(err -> Api.fail(ctx, err));
  }

  /**
   * One line per figure set: the period's total, each group, each series point. Starts with a byte order
   * mark so spreadsheet programs read the Chinese names as UTF-8.
   */
  static String toCsv(JsonObject f) {
    StringBuilder out = new StringBuilder("\uFEFFscope,key,label,from,to");
    COLUMNS.forEach(c -> out.append(',').append(c));
    out.append("\r\n");
    line(out, "total", "", "", f.getString("from"), f.getString("to"), f.getJsonObject("total"));
    String group = f.getString("group");
    for (Object o : f.getJsonArray("groups", new JsonArray())) {
      JsonObject g = (JsonObject) o;
      line(out, group, g.getString("key"), g.getString("label"), f.getString("from"), f.getString("to"), g);
    }
    for (Object o : f.getJsonArray("series")) {
      JsonObject p = (JsonObject) o;
      line(out, f.getString("by"), p.getString("from"), "", p.getString("from"), p.getString("to"), p);
    }
    return out.toString();
  }

  private static void line(StringBuilder out, String scope, String key, String label, String from, String to,
      JsonObject figures) {
    out.append(cell(scope)).append(',').append(cell(key)).append(',').append(cell(label)).append(',')
        .append(from).append(',').append(to);
    for (String c : COLUMNS) {
      Object v = figures.getValue(c);
      out.append(',').append(v == null ? "" : v.toString());
    }
    out.append("\r\n");
  }

  /**
   * A text cell, quoted when needed; one that a spreadsheet would run as a formula (=, +, -, @ first) is
   * prefixed with an apostrophe: matter and inspector names are typed by people.
   */
  static String cell(String s) {
    String v = s == null ? "" : s;
    if (!v.isEmpty() && "=+-@\t\r".indexOf(v.charAt(0)) >= 0) {
      v = "'" + v;
    }
    if (v.contains(",") || v.contains("\"") || v.contains("\n") || v.contains("\r")) {
      v = "\"" + v.replace("\"", "\"\"") + "\"";
    }
    return v;
  }

  private static LocalDate date(RoutingContext ctx, String name, LocalDate otherwise) {
    String v = ctx.request().getParam(name);
    if (v == null || v.isBlank()) {
      return otherwise;
    }
    try {
      return LocalDate.parse(v.trim());
    } catch (DateTimeParseException e) {
      throw Problem.badRequest("bad_field", name + " must be a date as YYYY-MM-DD, not '" + v + "'");
    }
  }

  private static <E extends Enum<E>> E choice(RoutingContext ctx, String name, Class<E> type, E otherwise) {
    String v = ctx.request().getParam(name);
    if (v == null || v.isBlank()) {
      return otherwise;
    }
    try {
      return Enum.valueOf(type, v.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      StringBuilder allowed = new StringBuilder();
      for (E c : type.getEnumConstants()) {
        allowed.append(allowed.length() == 0 ? "" : ", ").append(c.name().toLowerCase(Locale.ROOT));
      }
      throw Problem.badRequest("bad_field", name + " must be one of " + allowed + ", not '" + v + "'");
    }
  }
}
