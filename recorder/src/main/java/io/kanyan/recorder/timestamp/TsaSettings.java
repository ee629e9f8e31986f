package io.kanyan.recorder.timestamp;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * The RFC 3161 timestamp authority that stamps every signed tree head.
 *
 * @param url        where time-stamp queries are POSTed ({@code KANYAN_TSA_URL})
 * @param trustAnchors PEM file of the CA certificate(s) the TSA's certificate must chain to
 *                   ({@code KANYAN_TSA_TRUST}); stored tokens are checked against them
 * @param timeout    how long one request may take ({@code KANYAN_TSA_TIMEOUT}, seconds, default 10)
 * @param attempts   tries per tree head before it is reported as unstamped ({@code KANYAN_TSA_ATTEMPTS},
 *                   default 5); it is tried again when the next tree head is stamped
 * @param retryDelay the first pause between tries, doubled each time ({@code KANYAN_TSA_RETRY_DELAY}, seconds,
 *                   default 5)
 */
public record TsaSettings(URI url, Path trustAnchors, Duration timeout, int attempts, Duration retryDelay) {

  public static final String URL = "KANYAN_TSA_URL";
  public static final String TRUST = "KANYAN_TSA_TRUST";

  public TsaSettings {
    if (!"http".equals(url.getScheme()) && !"https".equals(url.getScheme())) {
      throw new IllegalArgumentException(URL + " must be an http or https URL, not '" + url + "'");
    }
    if (attempts < 1) {
      throw new IllegalArgumentException("KANYAN_TSA_ATTEMPTS must be at least 1");
    }
  }

  /** The settings in {@code env}, or empty when {@code KANYAN_TSA_URL} is unset (no timestamps). */
  public static Optional<TsaSettings> from(Map<String, String> env) {
    String url = env.get(URL);
    if (url == null || url.isBlank()) {
      return Optional.empty();
    }
    String trust = env.get(TRUST);
    if (trust == null || trust.isBlank()) {
      throw new IllegalArgumentException(URL + " is set but " + TRUST + " is not: name the PEM file of the CA "
          + "certificate the TSA's certificate chains to, or its tokens cannot be checked");
    }
    return Optional.of(new TsaSettings(URI.create(url.trim()), Path.of(trust.trim()),
        Duration.ofSeconds(number(env, "KANYAN_TSA_TIMEOUT", 10)), (int) number(env, "KANYAN_TSA_ATTEMPTS", 5),
        Duration.ofSeconds(number(env, "KANYAN_TSA_RETRY_DELAY", 5))));
  }

  private static long number(Map<String, String> env, String name, long fallback) {
    String value = env.get(name);
    if (value == null || value.isBlank()) {
      return fallback;
    }
    try {
      return Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " must be a whole number, not '" + value + "'");
    }
  }

  public TsaSettings withRetryDelay(Duration delay) {
    return new TsaSettings(url, trustAnchors, timeout, attempts, delay);
  }
}
