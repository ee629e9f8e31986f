package io.kanyan.signaling.catalog;

import io.kanyan.recorder.redis.RedisStore;
import io.kanyan.signaling.Problem;
import io.lettuce.core.ScriptOutputType;
import io.vertx.core.Future;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The matter catalogue (事项清单) with versioned checklists, kept in Redis.
 *
 * <p>Keys: {@code kanyan:catalog:codes} (set of matter codes) and one hash per matter,
 * {@code kanyan:catalog:matter:<code>}, holding {@code head} (name, description, flags as JSON),
 * {@code version} (the version in force) and {@code v<n>} (the items of version n, as JSON). A version is never
 * rewritten: saving different items adds the next one, so an inspection bound to version n can always be
 * explained; saving the same items only updates the head. Nothing here expires.
 */
public final class Catalogue {

  private static final Logger log = LoggerFactory.getLogger(Catalogue.class);
  public static final String FORMAT = "kanyan-catalogue/1";
  static final String CODES = "kanyan:catalog:codes";
  static final String SEEDED = "kanyan:catalog:seeded";
  static final int MAX_MATTERS = 500;

  /** Adds a version only when the items differ from the version in force; always updates the head. */
  private static final String PUT = """
      local v = tonumber(redis.call('HGET', KEYS[1], 'version') or '0')
      local cur = false
      if v > 0 then cur = redis.call('HGET', KEYS[1], 'v' .. v) end
      if cur ~= ARGV[3] then
        v = v + 1
        redis.call('HSET', KEYS[1], 'v' .. v, ARGV[3], 'version', v)
      end
      redis.call('HSET', KEYS[1], 'head', ARGV[2])
      redis.call('SADD', KEYS[2], ARGV[1])
      return v
      """;
  /** head, version, items of the given version (or of the one in force when ARGV[1] is empty); nil when absent. */
  private static final String GET = """
      local v = redis.call('HGET', KEYS[1], 'version')
      if not v then return nil end
      if ARGV[1] ~= '' then v = ARGV[1] end
      local items = redis.call('HGET', KEYS[1], 'v' .. v)
      if not items then return nil end
      return {redis.call('HGET', KEYS[1], 'head'), v, items}
      """;

  private final RedisStore redis;

  public Catalogue(RedisStore redis) {
    this.redis = redis;
  }

  static String key(String code) {
    return "kanyan:catalog:matter:" + code;
  }

  /** On a store that never had a catalogue, loads the shipped example matters (marked as examples to adapt). */
  public Future<Void> seedExamples() {
    return redis.call(c -> c.setnx(SEEDED, "1")).compose(first -> {
      if (!first) {
        return Future.succeededFuture();
      }
      JsonObject examples = examples();
      return importAll(examples).onSuccess(list -> log.info("catalogue: {} example matters loaded", list.size()))
          .mapEmpty();
    });
  }

  /** The example matters shipped in the jar ({@code catalog/examples.json}). */
  public static JsonObject examples() {
    try (InputStream in = Catalogue.class.getResourceAsStream("/catalog/examples.json")) {
      if (in == null) {
        throw new IllegalStateException("catalog/examples.json is missing from the classpath");
      }
      return new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Saves a matter; its items become a new version unless they equal the version in force. */
  public Future<Matter> put(Matter matter) {
    JsonObject head = matter.headJson();
    head.remove("version");
    return redis.<Long>call(c -> c.eval(PUT, ScriptOutputType.INTEGER, new String[] {key(matter.code()), CODES},
            matter.code(), head.encode(), matter.itemsJson().encode()))
        .map(v -> matter.withVersion(v.intValue()));
  }

  /** The matter with the checklist version in force; 404 when there is no such matter. */
  public Future<Matter> get(String code) {
    return get(code, 0);
  }

  /** The matter with checklist version {@code version} (0: the one in force); 404 when absent. */
  public Future<Matter> get(String code, int version) {
    return find(code, version).compose(m -> m == null
        ? Future.failedFuture(Problem.notFound("there is no matter '" + abbreviate(code) + "'"
            + (version > 0 ? " with checklist version " + version : "") + " in the catalogue"))
        : Future.succeededFuture(m));
  }

  /** The matter, or null. */
  public Future<Matter> find(String code, int version) {
    if (code == null || code.length() > 40) {
      return Future.succeededFuture(null);
    }
    return redis.<List<Object>>call(c -> c.eval(GET, ScriptOutputType.MULTI, new String[] {key(code)},
            version > 0 ? Integer.toString(version) : ""))
        .map(reply -> {
          if (reply == null || reply.size() < 3) {
            return null;
          }
          JsonObject head = new JsonObject((String) reply.get(0)).put("version", Integer.parseInt((String) reply.get(1)));
          return Matter.stored(head, new JsonArray((String) reply.get(2)));
        });
  }

  /** Every matter with its checklist in force, by code. */
  public Future<List<Matter>> list() {
    return redis.call(c -> c.smembers(CODES)).compose(codes -> {
      List<Future<Matter>> reads = new ArrayList<>();
      codes.forEach(code -> reads.add(find(code, 0)));
      return Future.all(reads).map(all -> {
        List<Matter> out = new ArrayList<>();
        for (int i = 0; i < reads.size(); i++) {
          if (all.resultAt(i) != null) {
            out.add(all.resultAt(i));
          }
        }
        out.sort(Comparator.comparing(Matter::code));
        return out;
      });
    });
  }

  /** The whole catalogue as one JSON document, the form {@link #importAll} reads. */
  public Future<JsonObject> export() {
    return list().map(matters -> {
      JsonArray list = new JsonArray();
      matters.forEach(m -> list.add(m.toJson()));
      return new JsonObject().put("format", FORMAT).put("matters", list);
    });
  }

  /**
   * Imports matters: every one is checked before any is saved, so a bad document changes nothing. Each matter
   * is saved as by {@link #put} (a new version where its items changed).
   */
  public Future<List<Matter>> importAll(JsonObject doc) {
    List<Matter> matters = parse(doc);
    Future<List<Matter>> chain = Future.succeededFuture(new ArrayList<>());
    for (Matter m : matters) {
      chain = chain.compose(done -> put(m).map(saved -> {
        done.add(saved);
        return done;
      }));
    }
    return chain;
  }

  /** Reads an import document ({@code {"format": "kanyan-catalogue/1", "matters": [...]}}). */
  static List<Matter> parse(JsonObject doc) {
    if (doc == null) {
      throw Problem.badRequest("bad_json", "send the catalogue as a JSON object with a 'matters' list");
    }
    Object format = doc.getValue("format");
    if (format != null && !FORMAT.equals(format)) {
      throw Problem.badRequest("bad_field", "format must be " + FORMAT + " (an export of this server)");
    }
    if (!(doc.getValue("matters") instanceof JsonArray list) || list.isEmpty()) {
      throw Problem.badRequest("missing_field", "matters must be a non-empty list");
    }
    if (list.size() > MAX_MATTERS) {
      throw Problem.badRequest("bad_field", "a catalogue holds at most " + MAX_MATTERS + " matters");
    }
    List<Matter> out = new ArrayList<>();
    java.util.Set<String> codes = new java.util.HashSet<>();
    for (int i = 0; i < list.size(); i++) {
      Matter m = Matter.from(list.getValue(i), "matter " + (i + 1));
      if (!codes.add(m.code())) {
        throw Problem.badRequest("bad_field", "matter code '" + m.code() + "' appears twice");
      }
      out.add(m);
    }
    return out;
  }

  /** Parses a JSON text body for import, with a clear error when it is not JSON. */
  public static JsonObject document(String text) {
    try {
      return new JsonObject(text);
    } catch (DecodeException | ClassCastException e) {
      throw Problem.badRequest("bad_json", "the catalogue is not a JSON object");
    }
  }

  private static String abbreviate(String s) {
    return s.length() > 40 ? s.substring(0, 40) + "…" : s;
  }
}
