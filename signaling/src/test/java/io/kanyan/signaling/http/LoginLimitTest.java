package io.kanyan.signaling.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.kanyan.signaling.testing.Http;
import io.kanyan.signaling.testing.Staff;
import io.kanyan.signaling.testing.TestServer;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The login limit: counted before the password is checked (so concurrent guesses cannot race past it), kept
 * per username and address pair with a growing back-off (so nobody can lock a person out from elsewhere), and
 * cleared by an admin.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LoginLimitTest {

  static TestServer server;
  static WebClient fromOtherAddress;

  @BeforeAll
  static void start() {
    server = TestServer.start(Map.of("KANYAN_LOGIN_ATTEMPTS", "5", "KANYAN_LOGIN_WINDOW", "5m"));
    // The dev HTTP server listens on 127.0.0.1; a client bound to 127.0.0.2 is another address to it.
    fromOtherAddress = WebClient.create(server.vertx(), new WebClientOptions().setLocalAddress("127.0.0.2"));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static HttpResponse<Buffer> login(WebClient client, String username, String password) {
    return client.post(server.httpPort(), "127.0.0.1", "/api/login")
        .sendJsonObject(new JsonObject().put("username", username).put("password", password)).await();
  }

  static WebClient here() {
    return new Http(server.vertx(), server.httpPort()).raw();
  }

  @Test
  void fortyConcurrentGuessesCheckOnlyTheAllowedNumberOfPasswords() {
    Staff.as(server, "gina", "inspector");
    WebClient client = here();
    List<Future<HttpResponse<Buffer>>> all = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      all.add(client.post(server.httpPort(), "127.0.0.1", "/api/login")
          .sendJsonObject(new JsonObject().put("username", "gina").put("password", "guess-" + i)));
    }
    Future.all(all).await();
    long checked = all.stream().filter(f -> f.result().statusCode() == 401).count();
    long refused = all.stream().filter(f -> f.result().statusCode() == 429).count();
    System.out.printf("login limit: 40 concurrent guesses -> %d checked (401), %d refused (429)%n", checked, refused);
    assertThat(checked).isEqualTo(5);
    assertThat(refused).isEqualTo(35);
  }

  @Test
  void failuresFromOneAddressLockNobodyOutElsewhereOrUnderAnotherName() {
    Staff.as(server, "hank", "inspector");
    for (int i = 0; i < 20; i++) {
      login(here(), "user" + i, "wrong-password");
      login(fromOtherAddress, "hank", "wrong-password-" + i);
    }
    assertThat(login(fromOtherAddress, "hank", Staff.PASSWORD).statusCode()).isEqualTo(429);
    assertThat(login(here(), "hank", Staff.PASSWORD).statusCode()).isEqualTo(200);
    assertThat(login(here(), "admin", TestServer.ADMIN_PASSWORD).statusCode()).isEqualTo(200);
  }

  @Test
  void theWaitGrowsWithEachFurtherFailureAndASuccessClearsIt() {
    Staff.as(server, "iris", "inspector");
    WebClient client = here();
    for (int i = 0; i < 5; i++) {
      assertThat(login(client, "iris", "wrong-" + i).statusCode()).isEqualTo(401);
    }
    HttpResponse<Buffer> waiting = login(client, "iris", Staff.PASSWORD);
    assertThat(waiting.statusCode()).isEqualTo(429);
    assertThat(waiting.bodyAsJsonObject().getString("message")).contains("15 seconds");
    server.clock().advance(Duration.ofSeconds(16));
    assertThat(login(client, "iris", "wrong-again").statusCode()).isEqualTo(401);
    assertThat(login(client, "iris", Staff.PASSWORD).bodyAsJsonObject().getString("message")).contains("30 seconds");
    server.clock().advance(Duration.ofSeconds(31));
    assertThat(login(client, "iris", Staff.PASSWORD).statusCode()).isEqualTo(200);
    assertThat(login(client, "iris", "one-typo").statusCode()).isEqualTo(401);
    assertThat(login(client, "iris", Staff.PASSWORD).statusCode()).as("the success started afresh").isEqualTo(200);
  }

  @Test
  void anAdminUnlocksAUser() {
    Http jack = Staff.as(server, "jack", "inspector");
    for (int i = 0; i < 6; i++) {
      login(fromOtherAddress, "jack", "wrong-" + i);
    }
    assertThat(login(fromOtherAddress, "jack", Staff.PASSWORD).statusCode()).isEqualTo(429);
    assertThat(jack.post("/api/users/jack/unlock").statusCode()).isEqualTo(403);
    Http admin = new Http(server.vertx(), server.httpPort()).login("admin", TestServer.ADMIN_PASSWORD);
    assertThat(admin.post("/api/users/nobody/unlock").statusCode()).isEqualTo(404);
    HttpResponse<Buffer> unlocked = admin.post("/api/users/jack/unlock");
    assertThat(unlocked.statusCode()).isEqualTo(200);
    assertThat(unlocked.bodyAsJsonObject().getString("username")).isEqualTo("jack");
    assertThat(login(fromOtherAddress, "jack", Staff.PASSWORD).statusCode()).isEqualTo(200);
  }
}
