package io.kanyan.signaling.auth;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The HMAC-SHA256 signature on every body Kanyan sends to another system (SMS gateway, approval-system
 * webhooks). Header {@value #HEADER}: {@code t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>};
 * the timestamp inside the signed text lets a receiver refuse old replays.
 */
public final class Signatures {

  public static final String HEADER = "X-Kanyan-Signature";

  private Signatures() {
  }

  /** The header value for {@code body} sent at {@code unixSeconds}. */
  public static String sign(String secret, long unixSeconds, byte[] body) {
    return "t=" + unixSeconds + ",v1=" + hex(secret, unixSeconds, body);
  }

  /** True when {@code header} is a valid signature of {@code body} with {@code secret} (constant-time compare). */
  public static boolean verify(String secret, String header, byte[] body) {
    if (header == null) {
      return false;
    }
    long t = -1;
    String v1 = null;
    for (String part : header.split(",")) {
      String[] kv = part.trim().split("=", 2);
      if (kv.length == 2 && kv[0].equals("t")) {
        try {
          t = Long.parseLong(kv[1]);
        } catch (NumberFormatException e) {
          return false;
        }
      } else if (kv.length == 2 && kv[0].equals("v1")) {
        v1 = kv[1];
      }
    }
    return t >= 0 && v1 != null && MessageDigest.isEqual(hex(secret, t, body).getBytes(StandardCharsets.US_ASCII),
        v1.getBytes(StandardCharsets.US_ASCII));
  }

  private static String hex(String secret, long t, byte[] body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      mac.update((t + ".").getBytes(StandardCharsets.US_ASCII));
      return HexFormat.of().formatHex(mac.doFinal(body));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is not available", e);
    }
  }
}
