package io.kanyan.signaling.notify;

import io.kanyan.signaling.auth.Signatures;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.util.concurrent.TimeUnit;

/**
 * Sends SMS through the bureau's gateway: a JSON POST, {@code {"id", "to", "text", "kind", "inspectionId"}},
 * signed with HMAC-SHA256 ({@link Signatures}, header {@value Signatures#HEADER}) and carrying
 * {@code Idempotency-Key} (the notice id), so a retried request sends one SMS. Any 2xx is a delivery.
 */
public final class SmsWebhookNotifier implements Notifier {

  private final HttpClient client;
  private final NotifySettings settings;
  private final Clock clock;

  public SmsWebhookNotifier(HttpClient client, NotifySettings settings, Clock clock) {
    this.client = client;
    this.settings = settings;
    this.clock = clock;
  }

  @Override
  public String channel() {
    return "sms";
  }

  @Override
  public String recipient(Notice notice) {
    return notice.phone() == null ? null : Masks.phone(notice.phone());
  }

  @Override
  public Future<Void> send(Notice notice) {
    String template = switch (notice.kind()) {
      case REMINDER -> settings.smsReminder();
      case BOOKING -> settings.smsBooking();
      case BOOKING_MOVED -> settings.smsMoved();
      case BOOKING_CANCELLED -> settings.smsCancelled();
      case INSPECTION_CANCELLED -> settings.smsInspectionCancelled();
      case INVITE -> settings.smsInvite();
    };
    byte[] body = new JsonObject().put("id", notice.id()).put("to", notice.phone())
        .put("text", notice.render(template)).put("kind", notice.kind().wire())
        .put("inspectionId", notice.inspectionId()).encode().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    String signature = Signatures.sign(settings.smsSecret(), clock.instant().getEpochSecond(), body);
    return client.request(new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(settings.smsUrl()))
        .compose(req -> req.putHeader("Content-Type", "application/json")
            .putHeader(Signatures.HEADER, signature)
            .putHeader("Idempotency-Key", notice.id())
            .send(Buffer.buffer(body)))
        .compose(resp -> resp.body().compose(answer -> resp.statusCode() / 100 == 2 ? Future.<Void>succeededFuture()
            : Future.failedFuture(new IllegalStateException("the SMS gateway answered " + resp.statusCode()))))
        .timeout(settings.timeout().toMillis(), TimeUnit.MILLISECONDS);
  }
}
