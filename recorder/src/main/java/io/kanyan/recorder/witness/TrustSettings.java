package io.kanyan.recorder.witness;

import io.kanyan.recorder.keys.Pkcs11Settings;
import io.kanyan.recorder.timestamp.TsaSettings;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the server relies on outside its data directory: the token that holds the signing key, the RFC 3161
 * timestamp authority, and the witnesses that cosign each tree head (k of n). Each is optional.
 *
 * @param signingToken {@code KANYAN_SIGNING_PKCS11_*}
 * @param previousKey  {@code KANYAN_SIGNING_PREVIOUS_KEY}: the retiring key's PEM file, during a rotation
 * @param tsa          {@code KANYAN_TSA_*}
 * @param witnesses    {@code KANYAN_WITNESSES}: {@code <submission URL> <verifier key>}, separated by commas
 * @param quorum       {@code KANYAN_WITNESS_QUORUM}: how many must cosign (default all)
 */
public record TrustSettings(Optional<Pkcs11Settings> signingToken, Optional<Path> previousKey,
    Optional<TsaSettings> tsa, List<Witnesses.Endpoint> witnesses, int quorum) {

  /** The PEM private key being replaced, needed once to announce the new key in the key history. */
  public static final String PREVIOUS_KEY = "KANYAN_SIGNING_PREVIOUS_KEY";

  public TrustSettings {
    witnesses = List.copyOf(witnesses);
    if (quorum < 0 || quorum > witnesses.size()) {
      throw new IllegalArgumentException(WitnessPolicy.QUORUM + " must be between 0 and the number of witnesses in "
          + Witnesses.WITNESSES + " (" + witnesses.size() + "), not " + quorum);
    }
  }

  public static TrustSettings none() {
    return new TrustSettings(Optional.empty(), Optional.empty(), Optional.empty(), List.of(), 0);
  }

  /** Reads the keys above from {@code env} (the environment and config file merged). Reads the PIN file. */
  public static TrustSettings from(Map<String, String> env) {
    List<Witnesses.Endpoint> witnesses = Witnesses.parseEndpoints(env.getOrDefault(Witnesses.WITNESSES, ""));
    String quorum = env.get(WitnessPolicy.QUORUM);
    int k;
    try {
      k = quorum == null || quorum.isBlank() ? witnesses.size() : Integer.parseInt(quorum.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(WitnessPolicy.QUORUM + " must be a whole number, not '" + quorum + "'");
    }
    String previous = env.get(PREVIOUS_KEY);
    return new TrustSettings(Pkcs11Settings.from(env),
        previous == null || previous.isBlank() ? Optional.empty() : Optional.of(Path.of(previous.trim())),
        TsaSettings.from(env), witnesses, k);
  }

  /** For the start-up log line: no PIN, no key material. */
  public String describe() {
    return "signingKey=" + signingToken.map(Pkcs11Settings::toString).orElse("file")
        + " tsa=" + tsa.map(t -> t.url().toString()).orElse("off")
        + " witnesses=" + (witnesses.isEmpty() ? "off" : quorum + " of " + witnesses.size());
  }
}
