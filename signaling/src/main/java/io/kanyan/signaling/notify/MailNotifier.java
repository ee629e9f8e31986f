package io.kanyan.signaling.notify;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.mail.LoginOption;
import io.vertx.ext.mail.MailClient;
import io.vertx.ext.mail.MailConfig;
import io.vertx.ext.mail.MailMessage;
import io.vertx.ext.mail.StartTLSOptions;
import java.util.concurrent.TimeUnit;

/** Sends e-mail through the bureau's SMTP server with the Vert.x mail client (non-blocking). */
public final class MailNotifier implements Notifier {

  private final MailClient client;
  private final NotifySettings settings;

  public MailNotifier(Vertx vertx, NotifySettings settings) {
    this.settings = settings;
    MailConfig config = new MailConfig()
        .setHostname(settings.smtpHost())
        .setPort(settings.smtpPort())
        .setSsl(settings.smtpSsl())
        .setStarttls(StartTLSOptions.valueOf(settings.smtpStartTls().toUpperCase(java.util.Locale.ROOT)))
        .setLogin(settings.smtpUser() == null ? LoginOption.DISABLED : LoginOption.REQUIRED)
        .setConnectTimeout((int) settings.timeout().toMillis());
    if (settings.smtpUser() != null) {
      config.setUsername(settings.smtpUser()).setPassword(settings.smtpPassword());
    }
    this.client = MailClient.create(vertx, config);
  }

  @Override
  public String channel() {
    return "email";
  }

  @Override
  public String recipient(Notice notice) {
    return notice.email() == null ? null : Masks.email(notice.email());
  }

  @Override
  public Future<Void> send(Notice notice) {
    MailMessage message = new MailMessage()
        .setFrom(settings.mailFrom())
        .setTo(notice.email())
        .setSubject(notice.render(settings.mailSubject()))
        .setText(notice.render(switch (notice.kind()) {
          case INVITE -> settings.mailInvite();
          case BOOKING_MOVED -> settings.mailMoved();
          case BOOKING_CANCELLED -> settings.mailCancelled();
          case BOOKING, REMINDER -> settings.mailAppointment();
        }));
    message.setHeaders(io.vertx.core.MultiMap.caseInsensitiveMultiMap().add("X-Kanyan-Notice", notice.id()));
    return client.sendMail(message)
        .recover(err -> Future.failedFuture(new IllegalStateException("the mail server refused it: "
            + Masks.scrub(err.getMessage()))))
        .timeout(settings.timeout().toMillis(), TimeUnit.MILLISECONDS)
        .mapEmpty();
  }

  public Future<Void> close() {
    return client.close();
  }
}
