package io.kanyan.signaling.auth;

import io.kanyan.signaling.Problem;
import io.kanyan.recorder.redis.RedisStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Staff accounts and their sessions, kept in Redis.
 *
 * <p>Keys: {@code kanyan:user:<name>} (hash), {@code kanyan:users} (set),
 * {@code kanyan:session:<sha256(token)>} (hash with an idle TTL, renewed on use),
 * {@code kanyan:user-sessions:<name>} (set of session digests, to end them all when a user is disabled).
 * Password hashing runs on a worker thread.
 */
public final class Accounts {

  private static final Logger log = LoggerFactory.getLogger(Accounts.class);
  private static final Pattern USERNAME = Pattern.compile("[a-z0-9][a-z0-9._-]{1,31}");
  static final int MIN_PASSWORD = 10;
  static final int MAX_DISPLAY_NAME = 64;

  /** A successful login: who, and the session token for the cookie. */
  public record Login(Principal principal, String token) {
  }

  private final Vertx vertx;
  private final RedisStore redis;
  private final Passwords passwords;
  private final LoginLimiter limiter;
  private final Revocations revocations;
  private final Duration sessionIdle;
  private final Clock clock;
  private final String dummyHash;

  public Accounts(Vertx vertx, RedisStore redis, Passwords passwords, LoginLimiter limiter, Revocations revocations,
      Duration sessionIdle, Clock clock) {
    this.vertx = vertx;
    this.redis = redis;
    this.passwords = passwords;
    this.limiter = limiter;
    this.revocations = revocations;
    this.sessionIdle = sessionIdle;
    this.clock = clock;
    this.dummyHash = passwords.unmatchable();
  }

  static String userKey(String username) {
    return "kanyan:user:" + username;
  }

  static String sessionKey(String digest) {
    return "kanyan:session:" + digest;
  }

  static String userSessionsKey(String username) {
    return "kanyan:user-sessions:" + username;
  }

  /**
   * Creates the first admin when there are no users at all.
   *
   * @return the password to show once when it was generated here, empty when an admin existed or the
   *     password came from configuration
   */
  public Future<Optional<String>> ensureFirstAdmin(String username, String configuredPassword) {
    return redis.call(c -> c.scard("kanyan:users")).compose(count -> {
      if (count > 0) {
        return Future.succeededFuture(Optional.<String>empty());
      }
      String password = configuredPassword != null ? configuredPassword : Passwords.generate();
      // Named by its username, which reads the same in every language (an English "Administrator" showed in
      // the Chinese pages); the role is shown beside it in the page's language.
      return create(username, username, Principal.Role.ADMIN, password)
          .map(user -> configuredPassword == null ? Optional.of(password) : Optional.<String>empty())
          // Several nodes starting at once on an empty Redis: one creates the administrator, the others find it
          // made (and print nothing: the password is the one the first node printed, or the configured one).
          .recover(err -> err instanceof Problem p && "user_exists".equals(p.code())
              ? Future.succeededFuture(Optional.<String>empty()) : Future.failedFuture(err));
    });
  }

  /** Creates a staff account; fails with {@code user_exists}, {@code bad_username} or {@code weak_password}. */
  public Future<JsonObject> create(String username, String displayName, Principal.Role role, String password) {
    if (username == null || !USERNAME.matcher(username).matches()) {
      return Future.failedFuture(Problem.badRequest("bad_username",
          "a username is 2-32 lowercase letters, digits, dots, dashes or underscores"));
    }
    if (password == null || password.strip().length() < MIN_PASSWORD) {
      return Future.failedFuture(Problem.badRequest("weak_password",
          "a password needs at least " + MIN_PASSWORD + " characters, not counting spaces at its ends"));
    }
    String name = displayName == null || displayName.isBlank() ? username : displayName.trim();
    if (name.length() > MAX_DISPLAY_NAME) {
      return Future.failedFuture(Problem.badRequest("bad_field",
          "the name is longer than " + MAX_DISPLAY_NAME + " characters"));
    }
    return vertx.executeBlocking(() -> passwords.hash(password.toCharArray()), false)
        .compose(hash -> redis.call(c -> c.hsetnx(userKey(username), "username", username)).compose(fresh -> {
          if (!fresh) {
            return Future.failedFuture(Problem.conflict("user_exists", "a user named " + username + " already exists"));
          }
          Map<String, String> fields = Map.of("username", username, "displayName", name, "role", role.wire(),
              "password", hash, "disabled", "false", "createdAt", clock.instant().toString());
          return redis.call(c -> {
            c.hset(userKey(username), fields);
            return c.sadd("kanyan:users", username);
          });
        }))
        .map(ok -> {
          log.info("user {}: created with role {}", username, role.wire());
          return publicView(Map.of("username", username, "displayName", name, "role", role.wire(),
              "disabled", "false", "createdAt", clock.instant().toString()));
        });
  }

  /**
   * Checks a password and opens a session. The attempt is counted (per username and address) before the
   * password is checked; past the limit it is refused with {@code too_many_attempts} without checking.
   */
  public Future<Login> login(String username, String password, String address) {
    String user = username == null ? "" : username.trim().toLowerCase();
    return limiter.take(user, address).compose(wait -> {
      if (wait > 0) {
        log.info("user {}: login from {} refused, backing off for {}s", user, address, wait);
        return Future.failedFuture(new Problem(Problem.Kind.TOO_MANY, "too_many_attempts",
            "too many failed logins; try again in " + wait + " seconds"));
      }
      return redis.call(c -> c.hgetall(userKey(user))).compose(fields -> check(user, password, address, fields));
    });
  }

  private Future<Login> check(String user, String password, String address, Map<String, String> fields) {
    String stored = fields.isEmpty() ? dummyHash : fields.get("password");
    String given = password == null ? "" : password;
    return vertx.executeBlocking(() -> passwords.verify(given.toCharArray(), stored), false).compose(ok -> {
      if (!ok || fields.isEmpty() || "true".equals(fields.get("disabled"))) {
        log.info("user {}: failed login from {}", user, address);
        return Future.failedFuture(Problem.unauthorized("bad_credentials",
            "the username or password is wrong, or the account is disabled"));
      }
      return limiter.succeeded(user, address).compose(x -> openSession(principal(fields)));
    });
  }

  /** Clears the login back-off of a user at every address (an admin's unlock). */
  public Future<JsonObject> unlock(String username) {
    return redis.call(c -> c.hgetall(userKey(username))).compose(fields -> fields.isEmpty()
        ? Future.failedFuture(Problem.notFound("there is no user named " + username))
        : limiter.unlock(username).map(x -> {
          log.info("user {}: login back-off cleared by an admin", username);
          return publicView(fields);
        }));
  }

  private Future<Login> openSession(Principal principal) {
    String token = Tokens.random();
    String digest = Tokens.digest(token);
    return redis.call(c -> {
      c.hset(sessionKey(digest), Map.of("username", principal.username(), "createdAt", clock.instant().toString()));
      c.expire(sessionKey(digest), sessionIdle.toSeconds());
      return c.sadd(userSessionsKey(principal.username()), digest);
    }).map(ok -> {
      log.info("user {}: logged in", principal.username());
      return new Login(principal, token);
    });
  }

  /** The principal of a live session, renewing its idle timeout; empty when unknown, expired or disabled. */
  public Future<Optional<Principal>> session(String token) {
    if (token == null || token.isEmpty()) {
      return Future.succeededFuture(Optional.empty());
    }
    String key = sessionKey(Tokens.digest(token));
    return redis.call(c -> c.hget(key, "username")).compose(username -> {
      if (username == null) {
        return Future.succeededFuture(Optional.<Principal>empty());
      }
      return redis.call(c -> {
        c.expire(key, sessionIdle.toSeconds());
        return c.hgetall(userKey(username));
      }).map(fields -> fields.isEmpty() || "true".equals(fields.get("disabled"))
          ? Optional.<Principal>empty()
          : Optional.of(principal(fields)));
    });
  }

  /**
   * True while the session {@code token} is live and belongs to {@code username}, an enabled account; unlike
   * {@link #session} it does not renew the idle timeout (a page that only listens is not activity).
   */
  public Future<Boolean> live(String token, String username) {
    if (token == null || token.isEmpty()) {
      return Future.succeededFuture(false);
    }
    String key = sessionKey(Tokens.digest(token));
    return redis.call(c -> c.hget(key, "username")).compose(owner -> !username.equals(owner)
        ? Future.succeededFuture(false)
        : enabled(username).map(Optional::isPresent));
  }

  /** The account {@code username} if it exists and is enabled (an integration acts for an inspector). */
  public Future<Optional<Principal>> enabled(String username) {
    if (username == null || username.isBlank() || username.length() > 64) {
      return Future.succeededFuture(Optional.empty());
    }
    return redis.call(c -> c.hgetall(userKey(username))).map(f -> f.isEmpty() || "true".equals(f.get("disabled"))
        ? Optional.<Principal>empty() : Optional.of(principal(f)));
  }

  /** Ends one session; every signaling connection opened with it is closed too. */
  public Future<Void> logout(String token) {
    if (token == null) {
      return Future.succeededFuture();
    }
    String digest = Tokens.digest(token);
    return redis.call(c -> c.del(sessionKey(digest)))
        .onSuccess(x -> revocations.publish(Revocations.Kind.SESSION, digest, "session_ended"))
        .mapEmpty();
  }

  public Future<List<JsonObject>> list() {
    return redis.call(c -> c.smembers("kanyan:users")).compose(names -> {
      List<Future<Map<String, String>>> loads = new ArrayList<>();
      for (String name : names) {
        loads.add(redis.call(c -> c.hgetall(userKey(name))));
      }
      return Future.all(loads).map(all -> {
        List<JsonObject> users = new ArrayList<>();
        for (int i = 0; i < loads.size(); i++) {
          Map<String, String> f = all.resultAt(i);
          if (!f.isEmpty()) {
            users.add(publicView(f));
          }
        }
        users.sort((a, b) -> a.getString("username").compareTo(b.getString("username")));
        return users;
      });
    });
  }

  /** Disables or re-enables a user; disabling ends every session of theirs at once. */
  public Future<JsonObject> setDisabled(String username, boolean disabled) {
    return redis.call(c -> c.hgetall(userKey(username))).compose(fields -> {
      if (fields.isEmpty()) {
        return Future.failedFuture(Problem.notFound("there is no user named " + username));
      }
      // Marked disabled first, so a session looked up meanwhile is already refused; then the sessions end
      // and every live signaling connection of the user is closed.
      return redis.call(c -> c.hset(userKey(username), "disabled", Boolean.toString(disabled)))
          .compose(x -> disabled ? endSessions(username) : Future.<Void>succeededFuture())
          .onSuccess(x -> {
            if (disabled) {
              revocations.publish(Revocations.Kind.USER, username, "account_disabled");
            }
          })
          .compose(x -> redis.call(c -> c.hgetall(userKey(username))))
          .map(updated -> {
            log.info("user {}: {}", username, disabled ? "disabled" : "enabled");
            return publicView(updated);
          });
    });
  }

  private Future<Void> endSessions(String username) {
    return redis.call(c -> c.smembers(userSessionsKey(username))).compose(digests -> redis.call(c -> {
      for (String d : digests) {
        c.del(sessionKey(d));
      }
      return c.del(userSessionsKey(username));
    })).mapEmpty();
  }

  private static Principal principal(Map<String, String> f) {
    return new Principal(f.get("username"), f.get("displayName"), Principal.Role.fromWire(f.get("role")));
  }

  private static JsonObject publicView(Map<String, String> f) {
    return new JsonObject()
        .put("username", f.get("username"))
        .put("displayName", f.get("displayName"))
        .put("role", f.get("role"))
        .put("disabled", Boolean.parseBoolean(f.get("disabled")))
        .put("createdAt", f.get("createdAt"));
  }
}
