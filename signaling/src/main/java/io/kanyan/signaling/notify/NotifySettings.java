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
 * @param smsMoved          the SMS text sent when staff or the approval system moved the booking: plus {@code {from}}
 * @param smsCancelled      the SMS text sent when staff or the approval system cancelled the booking: {@code {from}}
 * @param smsInspectionCancelled the SMS text sent when the inspection itself was cancelled while its appointment was
 *                          still ahead: {@code {from}} is that appointment; the link no longer opens
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
 * @param mailMoved         the text of a mail telling of a move by staff (plus {@code {from}})
 * @param mailCancelled     the text of a mail telling of a cancellation by staff ({@code {from}})
 * @param mailInspectionCancelled the text of a mail telling that the inspection was cancelled with its appointment
 *                          ({@code {from}})
 * @param attempts          tries per notice and channel before it is given up (each failure on the trail)
 * @param backoff           the wait after the first failure; doubled after each further one
 * @param timeout           one try's limit
 * @param contactKey        base64 AES-256 key sealing the applicant's phone/e-mail until the inspection closes
 */
public record NotifySettings(List<String> channels, String smsUrl, String smsSecret, String smsInvite,
    String smsReminder, String smsBooking, String smsMoved, String smsCancelled, String smsInspectionCancelled,
    String smtpHost, int smtpPort, String smtpUser, String smtpPassword, String smtpStartTls, boolean smtpSsl,
    String mailFrom, String mailSubject, String mailInvite, String mailAppointment, String mailMoved,
    String mailCancelled, String mailInspectionCancelled, int attempts, Duration backoff, Duration timeout,
    String contactKey) {

  public static final String SMS_INVITE = "【勘验】您的远程核查（案件 {caseNumber}，{matter}）请在 {expiresAt} 前打开：{link}";
  public static final String SMS_REMINDER = "【勘验】提醒：您的远程核查（案件 {caseNumber}）将于 {at} 开始：{link}";
  public static final String SMS_BOOKING = "【勘验】您的远程核查（案件 {caseNumber}）已预约在 {at}，届时请用手机打开：{link}";
  public static final String SMS_MOVED = "【勘验】您的远程核查（案件 {caseNumber}）预约时间已由 {from} 改为 {at}，"
      + "届时请用手机打开：{link} 如不便，请打开该链接另选时间，或联系承办人员。";
  public static final String SMS_CANCELLED = "【勘验】您的远程核查（案件 {caseNumber}）原定 {from} 的预约已取消。"
      + "请打开链接另选时间：{link} 如链接已无法打开，请联系承办人员。";
  public static final String SMS_INSPECTION_CANCELLED = "【勘验】您的远程核查（案件 {caseNumber}）已撤销，原定 {from} "
      + "的预约随之取消，届时无需再打开链接。如有疑问，请联系承办人员。";
  public static final String MAIL_SUBJECT = "远程核查邀请 / Remote inspection invitation: {caseNumber}";
  public static final String MAIL_INVITE = "您好！\n\n案件 {caseNumber}（{matter}，{siteAddress}）的远程视频核查已安排。"
      + "请在 {expiresAt} 前用手机浏览器打开以下链接：\n{link}\n\n"
      + "Hello,\n\nthe remote video inspection of case {caseNumber} ({matter}, {siteAddress}) is ready. "
      + "Open this link on your phone before {expiresAt}:\n{link}\n";
  public static final String MAIL_APPOINTMENT = "您好！\n\n案件 {caseNumber}（{matter}，{siteAddress}）的远程视频核查"
      + "预约在 {at}。届时请用手机浏览器打开以下链接：\n{link}\n\n"
      + "Hello,\n\nthe remote video inspection of case {caseNumber} ({matter}, {siteAddress}) is booked for {at}. "
      + "At that time, open this link on your phone:\n{link}\n";

  public static final String MAIL_MOVED = "您好！\n\n案件 {caseNumber}（{matter}，{siteAddress}）的远程视频核查"
      + "预约时间已由 {from} 改为 {at}。届时请用手机浏览器打开以下链接：\n{link}\n"
      + "如新的时间不便，请打开该链接另选时间，或联系承办人员。\n\n"
      + "Hello,\n\nthe remote video inspection of case {caseNumber} ({matter}, {siteAddress}) has been moved from "
      + "{from} to {at}. At that time, open this link on your phone:\n{link}\n"
      + "If the new time does not suit you, open the link to pick another, or contact the bureau.\n";
  public static final String MAIL_CANCELLED = "您好！\n\n案件 {caseNumber}（{matter}，{siteAddress}）原定 {from} 的"
      + "远程视频核查预约已取消。请用手机浏览器打开以下链接另选时间：\n{link}\n如链接已无法打开，请联系承办人员。\n\n"
      + "Hello,\n\nthe appointment for the remote video inspection of case {caseNumber} ({matter}, {siteAddress}) "
      + "at {from} has been cancelled. Open this link on your phone to pick another time:\n{link}\n"
      + "If the link no longer opens, contact the bureau.\n";
  public static final String MAIL_INSPECTION_CANCELLED = "您好！\n\n案件 {caseNumber}（{matter}，{siteAddress}）的远程视频核查"
      + "已撤销，原定 {from} 的预约随之取消，届时无需再打开核查链接。如有疑问，请联系承办人员。\n\n"
      + "Hello,\n\nthe remote video inspection of case {caseNumber} ({matter}, {siteAddress}) has been called off, "
      + "and its appointment at {from} with it. You need not open the inspection link at that time. "
      + "If you have any questions, contact the bureau.\n";

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

  /**
   * The longest one notice's delivery on one channel can take: every try up to its timeout, and the waits between
   * them (a reminder's claim is kept at least this long before it is taken for its sender's death).
   */
  public Duration longestDelivery() {
    Duration total = Duration.ZERO;
    for (int attempt = 1; attempt <= attempts; attempt++) {
      total = total.plus(timeout);
      if (attempt < attempts) {
        total = total.plusMillis(Math.max(1, backoff.toMillis() << Math.min(attempt - 1, 16)));
      }
    }
    return total;
  }

  /** A copy safe to log. */
  public String describe() {
    return "notifiers=" + String.join("+", channels)
        + (smsSecret == null ? "" : " smsSecret=(set)") + (smtpPassword == null ? "" : " smtpPassword=(set)")
        + " contactKey=" + (contactKey == null ? "(data dir)" : "(set)");
  }
}
