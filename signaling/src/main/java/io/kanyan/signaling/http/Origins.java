package io.kanyan.signaling.http;

import io.vertx.core.http.HttpServerRequest;
import java.net.URI;
import java.util.List;

/**
 * The origins whose pages may change things here: this server's own origin (as the browser reached it), the
 * configured public URL, and the configured extra origins. Used against cross-site request forgery.
 */
public final class Origins {

  private final String publicOrigin;
  private final List<String> allowed;

  /**
   * @param publicUrl the configured public URL, or null
   * @param allowed   extra origins ({@code https://host[:port]})
   */
  public Origins(String publicUrl, List<String> allowed) {
    this.publicOrigin = publicUrl == null ? null : originOf(publicUrl);
    this.allowed = List.copyOf(allowed);
  }

  /** True when {@code origin} is one of ours for this request. */
  public boolean allows(HttpServerRequest req, String origin) {
    String own = (req.isSSL() ? "https://" : "http://") + Api.authority(req);
    return origin.equalsIgnoreCase(own)
        || origin.equalsIgnoreCase(publicOrigin)
        || allowed.stream().anyMatch(origin::equalsIgnoreCase);
  }

  private static String originOf(String url) {
    URI u = URI.create(url);
    return u.getScheme() + "://" + u.getRawAuthority();
  }
}
