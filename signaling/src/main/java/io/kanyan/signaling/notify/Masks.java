package io.kanyan.signaling.notify;

import java.util.regex.Pattern;

/** What of a phone, an address, a link or an error message may reach a log line or the trail. */
public final class Masks {

  /**
   * Nine digits or more, single spaces or dashes allowed between them: a phone number (mobile 11 digits, landline
   * with area code 10-12), whatever wrote it. Dates (8 digits) and ports stay readable.
   */
  private static final Pattern LONG_NUMBER = Pattern.compile("(?<!\\d)\\+?\\d(?:[\\s-]?\\d){8,}(?!\\d)");
  /** An invite token in a link. */
  private static final Pattern TOKEN = Pattern.compile("(invite=)[A-Za-z0-9_-]+");

  private Masks() {
  }

  /** {@code 138****8000}: the first three and last four digits. */
  public static String phone(String phone) {
    if (phone == null) {
      return null;
    }
    String digits = phone.replaceAll("[^0-9]", "");
    return digits.length() < 8 ? "****" : digits.substring(0, 3) + "****" + digits.substring(digits.length() - 4);
  }

  /** {@code z***@example.cn}. */
  public static String email(String email) {
    if (email == null) {
      return null;
    }
    int at = email.indexOf('@');
    return at < 1 ? "***" : email.charAt(0) + "***" + email.substring(at);
  }

  /** The link without its token: {@code https://host/applicant.html#invite=…}. */
  public static String link(String link) {
    return link == null ? null : TOKEN.matcher(link).replaceAll("$1…");
  }

  /** A message from elsewhere (a gateway's answer, an SMTP error) with numbers and tokens masked. */
  public static String scrub(String text) {
    if (text == null) {
      return null;
    }
    String out = TOKEN.matcher(text).replaceAll("$1…");
    return LONG_NUMBER.matcher(out).replaceAll(m -> phone(m.group()));
  }
}
