package io.kanyan.signaling.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.kanyan.recorder.redis.RedisStore;
import io.kanyan.recorder.testing.Loops;
import io.kanyan.recorder.testing.TestRedis;
import io.vertx.core.Future;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * An inspection's invite re-issued and cancelled by requests on four event loops at once (an inspector's double
 * click, an integration and the page together): afterwards exactly the invite the inspection names works, or none
 * after a cancel, never an older link that nobody can revoke any more.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class InvitesLoopsTest {

  static TestRedis server;
  static Loops loops;
  static RedisStore redis;
  static Invites invites;

  @BeforeAll
  static void start() {
    server = TestRedis.start();
    loops = Loops.start(4);
    redis = RedisStore.connect(loops.vertx(), server.url()).await();
    invites = new Invites(redis, new Revocations(loops.vertx()), Duration.ofDays(3), Clock.systemUTC());
  }

  @AfterAll
  static void stop() {
    redis.close();
    loops.close();
    server.close();
  }

  @Test
  void invitesIssuedFromEveryLoopAtOnceLeaveExactlyTheCurrentOneWorking() {
    for (int round = 0; round < 5; round++) {
      String inspection = UUID.randomUUID().toString();
      List<String> tokens = issuedAtOnce(inspection, loop -> true);

      List<String> working = working(tokens);
      assertThat(working).hasSize(1);
      assertThat(redis.<String>call(c -> c.get(Invites.currentKey(inspection))).await())
          .isEqualTo(Tokens.digest(working.get(0)));

      invites.revoke(inspection).await();
      assertThat(working(tokens)).isEmpty();
    }
  }

  @Test
  void aCancelAtTheSameTimeAsReissuesLeavesNoInviteThatCannotBeRevoked() {
    for (int round = 0; round < 5; round++) {
      String inspection = UUID.randomUUID().toString();
      // Two loops re-issue while two cancel.
      List<String> tokens = issuedAtOnce(inspection, loop -> loop % 2 == 0);

      List<String> working = working(tokens);
      String current = redis.<String>call(c -> c.get(Invites.currentKey(inspection))).await();
      if (working.isEmpty()) {
        assertThat(current).isNull();
      } else {
        assertThat(working).hasSize(1);
        assertThat(current).isEqualTo(Tokens.digest(working.get(0)));
      }
      invites.revoke(inspection).await();
      assertThat(working(tokens)).isEmpty();
    }
  }

  @Test
  void bookingsCoveringTheInviteAtOnceKeepTheLatestTime() {
    for (int round = 0; round < 5; round++) {
      String inspection = UUID.randomUUID().toString();
      Invites.Issued invite = invites.issue(inspection).await();
      Instant base = invite.expiresAt();

      // 100 appointments booked at once, each needing the link a different number of minutes (1..100) past its expiry.
      loops.on(loop -> {
        List<Future<?>> all = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
          all.add(invites.coverUntil(inspection, base.plus(Duration.ofMinutes(1 + (i * 4L + loop) * 7 % 100))));
        }
        return Future.all(new ArrayList<>(all)).mapEmpty();
      });

      assertThat(invites.find(invite.token()).await().expiresAt()).isEqualTo(base.plus(Duration.ofMinutes(100)));
    }
  }

  @Test
  void anInviteRevokedWhileBookingsCoverItStaysRevoked() {
    for (int round = 0; round < 5; round++) {
      String inspection = UUID.randomUUID().toString();
      Invites.Issued invite = invites.issue(inspection).await();
      Instant base = invite.expiresAt();

      loops.on(loop -> {
        List<Future<?>> all = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
          // The revoke lands while covers are between their read and their write (two round trips in).
          all.add(i == 12 ? redis.call(c -> c.ping()).compose(x -> redis.call(c -> c.ping()))
              .compose(x -> invites.revoke(inspection))
              : invites.coverUntil(inspection, base.plus(Duration.ofMinutes(1 + i * 4L + loop))));
        }
        return Future.all(new ArrayList<>(all)).mapEmpty();
      });

      assertThat(invites.find(invite.token()).transform(ar -> Future.succeededFuture(ar.succeeded())).await())
          .as("the revoked invite answers").isFalse();
    }
  }

  /** Each loop issues (or, where {@code issues} says not, revokes) 25 times at once; the tokens issued. */
  private static List<String> issuedAtOnce(String inspection, java.util.function.IntPredicate issues) {
    List<List<String>> each = loops.on(loop -> {
      List<Future<String>> all = new ArrayList<>();
      for (int i = 0; i < 25; i++) {
        all.add(issues.test(loop) ? invites.issue(inspection).map(Invites.Issued::token)
            : invites.revoke(inspection).map((String) null));
      }
      return Future.all(new ArrayList<>(all)).map(x -> all.stream().map(Future::result)
          .filter(java.util.Objects::nonNull).toList());
    });
    return each.stream().flatMap(List::stream).toList();
  }

  private static List<String> working(List<String> tokens) {
    List<String> out = new ArrayList<>();
    for (String token : tokens) {
      if (invites.resolve(token).transform(ar -> Future.succeededFuture(ar.succeeded())).await()) {
        out.add(token);
      }
    }
    return out;
  }
}
