package io.kanyan.signaling.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.kanyan.recorder.redis.RedisStore;
import io.kanyan.recorder.testing.TestRedis;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Several nodes start at the same moment on an empty Redis (a three-node stack brought up at once): each tries to
 * create the first administrator. Exactly one does; the others start normally instead of failing.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FirstAdminTest {

  @Test
  void nodesStartingTogetherCreateOneAdministratorAndAllStart() {
    Vertx vertx = Vertx.vertx();
    try (TestRedis server = TestRedis.start()) {
      List<RedisStore> stores = new ArrayList<>();
      List<Future<Optional<String>>> starts = new ArrayList<>();
      for (int node = 0; node < 4; node++) {
        RedisStore redis = RedisStore.connect(vertx, server.url()).await();
        stores.add(redis);
        Accounts accounts = new Accounts(vertx, redis, new Passwords(1000),
            new LoginLimiter(redis, 5, Duration.ofMinutes(1), Clock.systemUTC()), new Revocations(vertx),
            Duration.ofMinutes(30), Clock.systemUTC());
        starts.add(accounts.ensureFirstAdmin("admin", null));
      }
      Future.join(new ArrayList<>(starts)).await();

      assertThat(starts).allSatisfy(f -> assertThat(f.succeeded()).as(String.valueOf(f.cause())).isTrue());
      // One node made the account and prints its password; the others print nothing.
      assertThat(starts.stream().filter(f -> f.result().isPresent()).count()).isEqualTo(1);
      assertThat(stores.get(0).<Long>call(c -> c.scard("kanyan:users")).await()).isEqualTo(1);
      stores.forEach(RedisStore::close);
    } finally {
      vertx.close().await();
    }
  }
}
