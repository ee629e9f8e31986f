package io.kanyan.signaling.media;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The STUN and TURN servers of this deployment, and the minting of ephemeral TURN credentials.
 *
 * <p>TURN credentials follow the "TURN REST API" scheme that coturn implements with
 * {@code use-auth-secret} / {@code static-auth-secret}: the username is {@code <expiry unix seconds>:<inspectionId>}
 * and the credential is {@code base64(HMAC-SHA1(secret, username))}. coturn recomputes the credential from the
 * shared secret and refuses it after the expiry, so nothing long-lived ever reaches a browser.
 *
 * <p>The secret is never logged and never leaves this class except as an HMAC.
 */
public final class IceServers {

  /** Credentials live this long unless configured otherwise; a re-join mints new ones. */
  public static final Duration DEFAULT_TTL = Duration.ofHours(8);

  private final List<String> stunUrls;
  private final List<String> turnUrls;
  private final byte[] turnSecret;
  private final Duration ttl;
  private final Clock clock;

  /**
   * @param stunUrls   {@code stun:host:port} URLs, may be empty
   * @param turnUrls   {@code turn:host:port[?transport=udp|tcp]} or {@code turns:} URLs, may be empty
   * @param turnSecret coturn's {@code static-auth-secret}; required (non-blank) when {@code turnUrls} is not empty
   * @param ttl        how long minted credentials stay valid
   * @param clock      the time source for expiries
   */
  public IceServers(List<String> stunUrls, List<String> turnUrls, String turnSecret, Duration ttl, Clock clock) {
    this.stunUrls = List.copyOf(stunUrls);
    this.turnUrls = List.copyOf(turnUrls);
    for (String url : this.stunUrls) {
      requireScheme(url, "stun:", "stuns:");
    }
    for (String url : this.turnUrls) {
      requireScheme(url, "turn:", "turns:");
    }
    if (!this.turnUrls.isEmpty() && (turnSecret == null || turnSecret.isBlank())) {
      throw new IllegalArgumentException("TURN URLs are configured but the TURN shared secret is empty: "
          + "set KANYAN_TURN_SECRET to coturn's static-auth-secret");
    }
    this.turnSecret = turnSecret == null ? new byte[0] : turnSecret.getBytes(StandardCharsets.UTF_8);
    if (ttl.isNegative() || ttl.isZero()) {
      throw new IllegalArgumentException("the TURN credential lifetime must be positive, not " + ttl);
    }
    this.ttl = ttl;
    this.clock = clock;
  }

  /** No STUN, no TURN: browsers use host candidates only (a LAN or loopback). */
  public static IceServers none() {
    return new IceServers(List.of(), List.of(), null, DEFAULT_TTL, Clock.systemUTC());
  }

  /**
   * The three TURN URLs that let a phone through any network that lets anything through: UDP and TCP on
   * {@code port} (3478), and TLS on {@code tlsPort} (443, which firewalls that allow only web traffic still pass).
   * {@code host} must be the name on coturn's certificate for the TLS one to be trusted.
   */
  public static List<String> allTransports(String host, int port, int tlsPort) {
    return List.of("turn:" + host + ":" + port + "?transport=udp", "turn:" + host + ":" + port + "?transport=tcp",
        "turns:" + host + ":" + tlsPort + "?transport=tcp");
  }

  /** Parses a comma-separated list (blank entries ignored), as the configuration gives it. */
  public static List<String> parseList(String commaSeparated) {
    if (commaSeparated == null || commaSeparated.isBlank()) {
      return List.of();
    }
    return java.util.Arrays.stream(commaSeparated.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
  }

  /** Ephemeral TURN credentials for one inspection. */
  public record TurnCredentials(String username, String credential, long expiresAtEpochSecond) {

    @Override
    public String toString() {
      return "TurnCredentials[username=" + username + ", credential=<hidden>]";
    }
  }

  /** What a Kurento WebRtcEndpoint is told: a STUN address and port, and a TURN URL with credentials. */
  public record KmsIce(Optional<String> stunAddress, int stunPort, Optional<String> turnUrl) {

    @Override
    public String toString() {
      return "KmsIce[stun=" + stunAddress.orElse("-") + ":" + stunPort + ", turn=" + (turnUrl.isPresent() ? "<set>" : "-") + "]";
    }
  }

  /** Whether TURN is configured (then browsers and KMS get minted credentials). */
  public boolean hasTurn() {
    return !turnUrls.isEmpty();
  }

  /** Mints credentials for {@code inspectionId}, valid for the configured lifetime from now. */
  public TurnCredentials mint(String inspectionId) {
    long expiry = clock.instant().plus(ttl).getEpochSecond();
    String username = expiry + ":" + inspectionId;
    return new TurnCredentials(username, hmac(username), expiry);
  }

  /**
   * The RTCIceServer dictionaries for a browser in {@code inspectionId}'s call:
   * {@code [{urls:[stun…]}, {urls:[turn…], username, credential}]}, each entry only if configured.
   */
  public JsonArray forBrowser(String inspectionId) {
    JsonArray servers = new JsonArray();
    if (!stunUrls.isEmpty()) {
      servers.add(new JsonObject().put("urls", new JsonArray(stunUrls)));
    }
    if (hasTurn()) {
      TurnCredentials credentials = mint(inspectionId);
      servers.add(new JsonObject().put("urls", new JsonArray(turnUrls))
          .put("username", credentials.username())
          .put("credential", credentials.credential()));
    }
    return servers;
  }

  /**
   * The settings for Kurento's WebRtcEndpoint: the first STUN URL as address and port, and the first plain
   * {@code turn:} URL (KMS does not speak TURN over TLS; a {@code turns:} one only if there is no other) as
   * {@code user:credential@host:port[?transport=…]} with freshly minted credentials. KMS expects IP addresses;
   * a host name is passed through as configured.
   */
  public KmsIce forKms(String inspectionId) {
    Optional<String> stunAddress = Optional.empty();
    int stunPort = 3478;
    if (!stunUrls.isEmpty()) {
      HostPort stun = HostPort.parse(stunUrls.get(0));
      stunAddress = Optional.of(stun.host());
      stunPort = stun.port();
    }
    Optional<String> turnUrl = Optional.empty();
    if (hasTurn()) {
      String url = turnUrls.stream().filter(u -> u.startsWith("turn:")).findFirst().orElse(turnUrls.get(0));
      HostPort turn = HostPort.parse(url);
      TurnCredentials credentials = mint(inspectionId);
      // The credential is base64 (may hold '/' and '+') and KMS splits this URL on ':' and '@' only.
      turnUrl = Optional.of(credentials.username() + ":" + credentials.credential() + "@" + turn.host() + ":"
          + turn.port() + turn.query());
    }
    return new KmsIce(stunAddress, stunPort, turnUrl);
  }

  private String hmac(String username) {
    try {
      Mac mac = Mac.getInstance("HmacSHA1");
      mac.init(new SecretKeySpec(turnSecret, "HmacSHA1"));
      return Base64.getEncoder().encodeToString(mac.doFinal(username.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("the JDK cannot compute HMAC-SHA1", e);
    }
  }

  private static void requireScheme(String url, String... schemes) {
    for (String scheme : schemes) {
      if (url.startsWith(scheme)) {
        HostPort.parse(url);
        return;
      }
    }
    throw new IllegalArgumentException("ICE server URL '" + url + "' must start with " + String.join(" or ", schemes));
  }

  /** Host, port and query of a {@code stun:}/{@code turn:} URL (RFC 7064/7065: no "//"). */
  private record HostPort(String host, int port, String query) {

    static HostPort parse(String url) {
      int colon = url.indexOf(':');
      String rest = url.substring(colon + 1);
      String query = "";
      int question = rest.indexOf('?');
      if (question >= 0) {
        query = rest.substring(question);
        rest = rest.substring(0, question);
      }
      int defaultPort = url.startsWith("stuns:") || url.startsWith("turns:") ? 5349 : 3478;
      try {
        URI uri = new URI("x://" + rest);
        if (uri.getHost() == null) {
          throw new IllegalArgumentException("ICE server URL '" + url + "' has no host");
        }
        return new HostPort(uri.getHost(), uri.getPort() < 0 ? defaultPort : uri.getPort(), query);
      } catch (java.net.URISyntaxException e) {
        throw new IllegalArgumentException("ICE server URL '" + url + "' is not a valid host:port", e);
      }
    }
  }
}
