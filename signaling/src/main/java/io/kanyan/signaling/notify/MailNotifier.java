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
  private final String domain;

  public MailNotifier(Vertx vertx, NotifySettings settings) {
    this.settings = settings;
    this.domain = domainOf(settings.mailFrom());
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
          case INSPECTION_CANCELLED -> settings.mailInspectionCancelled();
          case BOOKING, REMINDER -> settings.mailAppointment();
        }));
    message.setHeaders(io.vertx.core.MultiMap.caseInsensitiveMultiMap().add("X-Kanyan-Notice", notice.id())
        .add("Message-ID", messageId(notice)));
    return client.sendMail(message)
        .recover(err -> Future.failedFuture(new IllegalStateException("the mail server refused it: "
            + Masks.scrub(err.getMessage()))))
        .timeout(settings.timeout().toMillis(), TimeUnit.MILLISECONDS)
        .mapEmpty();
  }

  /**
   * The mail's Message-ID, made from the notice id: the same on every try of one notice, and on a reminder sent again
   * after its sender died (it keeps the reminder's own id), so a mail client or gateway that drops duplicates by
   * Message-ID (a Sieve {@code duplicate} rule, RFC 7352, or the mail service's own de-duplication) shows it once.
   * The domain is the sender's ({@code KANYAN_MAIL_FROM}).
   */
  String messageId(Notice notice) {
    return "<" + notice.id() + ".kanyan@" + domain + ">";
  }

  /** The domain of a sender address such as {@code kanyan@bureau.example} or {@code 勘验 <kanyan@bureau.example>}. */
  static String domainOf(String from) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("@([A-Za-z0-9.-]+)").matcher(from == null ? "" : from);
    return m.find() ? m.group(1) : "kanyan.invalid";
  }

  public Future<Void> close() {
    return client.close();
  }
}
