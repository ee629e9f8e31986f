package io.kanyan.signaling.notify;

import java.time.Duration;
import java.util.List;

/**
 * How applicants are notified. Read from the config keys named in the README (section "Notifications").
 *
 * @param channels          the notifiers in use: {@code log} (the default, for development), {@code sms}, {@code email}
 * @param smsUrl            the bureau's SMS gateway endpoint ({@code KANYAN_SMS_WEBHOOK_URL})
 * @param smsSecret         the HMAC-SHA256 key the gateway checks the body with ({@code KANYAN_SMS_WEBHOOK_SECRET})
 * @param smsInvite         the SMS text of an invite, with {@code {caseNumber} {matter} {siteAddress} {link} {expiresAt}}
 * @param smsReminder       the SMS text of a reminder, same placeholders plus {@code {at}}
 * @param smsBooking        the SMS text sent when the inspection is booked or moved, same placeholders plus {@code {at}}
 * @param smtpHost          the SMTP server ({@code KANYAN_SMTP_HOST})
 * @param smtpPort          its port
 * @param smtpUser          login (none: no authentication)
 * @param smtpPassword      password
 * @param smtpStartTls      {@code disabled}, {@code optional} or {@code required}
 * @param smtpSsl           TLS from the first byte (port 465)
 * @param mailFrom          the sender address
 * @param mailSubject       the subject of an invite mail (same placeholders)
 * @param mailInvite        the text of an invite mail
 * @param mailAppointment   the text of a booking or reminder mail (same placeholders plus {@code {at}})
 * @param attempts          tries per notice and channel before it is given up (each failure on the trail)
 * @param backoff           the wait after the first failure; doubled after each further one
 * @param timeout           one try's limit
 * @param contactKey        base64 AES-256 key sealing the applicant's phone/e-mail until the inspection closes
 */
public record NotifySettings(List<String> channels, String smsUrl, String smsSecret, String smsInvite,
    String smsReminder, String smsBooking, String smtpHost, int smtpPort, String smtpUser, String smtpPassword, String smtpStartTls,
    boolean smtpSsl, String mailFrom, String mailSubject, String mailInvite, String mailAppointment, int attempts, Duration backoff,
    Duration timeout, String contactKey) {

  public static final String SMS_INVITE = "【勘验】您的远程核查（案件 {caseNumber}，{matter}）请在 {expiresAt} 前打开：{link}";
  public static final String SMS_REMINDER = "【勘验】提醒：您的远程核查（案件 {caseNumber}）将于 {at} 开始：{link}";
  public static final String SMS_BOOKING = "【勘验】您的远程核查（案件 {caseNumber}）已预约在 {at}，届时请用手机打开：{link}";
  public static final String MAIL_SUBJECT = "远程核查邀请 / Remote inspection invitation: {caseNumber}";
  public static final String MAIL_INVITE = "您好！\n\n案件 {caseNumber}（{matter}，{siteAddress}）的远程视频核查已安排。"
      + "请在 {expiresAt} 前用手机浏览器打开以下链接：\n{link}\n\n"
      + "Hello,\n\nthe remote video inspection of case {caseNumber} ({matter}, {siteAddress}) is ready. "
      + "Open this link on your phone before {expiresAt}:\n{link}\n";
  public static final String MAIL_APPOINTMENT = "您好！\n\n案件 {caseNumber}（{matter}，{siteAddress}）的远程视频核查"
      + "预约在 {at}。届时请用手机浏览器打开以下链接：\n{link}\n\n"
      + "Hello,\n\nthe remote video inspection of case {caseNumber} ({matter}, {siteAddress}) is booked for {at}. "
      + "At that time, open this link on your phone:\n{link}\n";

  public NotifySettings {
    channels = channels.isEmpty() ? List.of("log") : List.copyOf(channels);
    for (String c : channels) {
      if (!List.of("log", "sms", "email").contains(c)) {
        throw new IllegalArgumentException("KANYAN_NOTIFIERS takes log, sms and email, not '" + c + "'");
      }
    }
    if (channels.contains("sms") && (smsUrl == null || smsSecret == null)) {
      throw new IllegalArgumentException("the sms notifier needs KANYAN_SMS_WEBHOOK_URL and KANYAN_SMS_WEBHOOK_SECRET");
    }
    if (channels.contains("email") && (smtpHost == null || mailFrom == null)) {
      throw new IllegalArgumentException("the email notifier needs KANYAN_SMTP_HOST and KANYAN_MAIL_FROM");
    }
    if (!List.of("disabled", "optional", "required").contains(smtpStartTls)) {
      throw new IllegalArgumentException("KANYAN_SMTP_STARTTLS must be disabled, optional or required");
    }
    if (attempts < 1 || backoff.isNegative() || timeout.isZero() || timeout.isNegative()) {
      throw new IllegalArgumentException("KANYAN_NOTIFY_ATTEMPTS must be 1 or more, KANYAN_NOTIFY_TIMEOUT above zero");
    }
  }

  /** A copy safe to log. */
  public String describe() {
    return "notifiers=" + String.join("+", channels)
        + (smsSecret == null ? "" : " smsSecret=(set)") + (smtpPassword == null ? "" : " smtpPassword=(set)")
        + " contactKey=" + (contactKey == null ? "(data dir)" : "(set)");
  }
}
