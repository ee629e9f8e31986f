package io.kanyan.recorder.keys;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * Where the checkpoint signing key lives when it is in a PKCS#11 token.
 *
 * @param module     the token's PKCS#11 library ({@code KANYAN_SIGNING_PKCS11_MODULE}), e.g.
 *                   {@code /usr/lib/softhsm/libsofthsm2.so}
 * @param tokenLabel the token's label ({@code KANYAN_SIGNING_PKCS11_TOKEN_LABEL}); or {@code null} with a slot
 * @param slot       the slot index in the module's list of slots with a token
 *                   ({@code KANYAN_SIGNING_PKCS11_SLOT}); used only without a token label
 * @param keyLabel   the label (CKA_LABEL) of the Ed25519 key pair ({@code KANYAN_SIGNING_PKCS11_KEY_LABEL})
 * @param pin        the user PIN, read from {@code KANYAN_SIGNING_PKCS11_PIN_FILE} (preferred) or
 *                   {@code KANYAN_SIGNING_PKCS11_PIN}; never logged, never printed by {@link #toString()}
 */
public record Pkcs11Settings(Path module, String tokenLabel, int slot, String keyLabel, char[] pin) {

  public static final String MODULE = "KANYAN_SIGNING_PKCS11_MODULE";
  public static final String TOKEN_LABEL = "KANYAN_SIGNING_PKCS11_TOKEN_LABEL";
  public static final String SLOT = "KANYAN_SIGNING_PKCS11_SLOT";
  public static final String KEY_LABEL = "KANYAN_SIGNING_PKCS11_KEY_LABEL";
  public static final String PIN = "KANYAN_SIGNING_PKCS11_PIN";
  public static final String PIN_FILE = "KANYAN_SIGNING_PKCS11_PIN_FILE";

  public Pkcs11Settings {
    if (module == null || keyLabel == null || keyLabel.isBlank() || pin == null) {
      throw new IllegalArgumentException("a PKCS#11 signing key needs " + MODULE + ", " + KEY_LABEL + " and "
          + PIN_FILE + " (or " + PIN + ")");
    }
  }

  /**
   * The settings in {@code env}, or empty when {@code KANYAN_SIGNING_PKCS11_MODULE} is unset (the key is then
   * a PEM file in the data directory). Reading the PIN file is blocking I/O.
   */
  public static Optional<Pkcs11Settings> from(Map<String, String> env) {
    String module = trimmed(env.get(MODULE));
    if (module == null) {
      return Optional.empty();
    }
    String keyLabel = trimmed(env.get(KEY_LABEL));
    if (keyLabel == null) {
      throw new IllegalArgumentException(MODULE + " is set but " + KEY_LABEL + " is not: name the key pair's "
          + "label (CKA_LABEL) on the token");
    }
    String slot = trimmed(env.get(SLOT));
    int slotIndex;
    try {
      slotIndex = slot == null ? 0 : Integer.parseInt(slot);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(SLOT + " must be a slot index (0, 1, ...), not '" + slot + "'");
    }
    return Optional.of(new Pkcs11Settings(Path.of(module), trimmed(env.get(TOKEN_LABEL)), slotIndex, keyLabel,
        readPin(env)));
  }

  private static char[] readPin(Map<String, String> env) {
    String pinFile = trimmed(env.get(PIN_FILE));
    if (pinFile != null) {
      try {
        return Files.readString(Path.of(pinFile), StandardCharsets.UTF_8).strip().toCharArray();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read the token PIN from " + PIN_FILE + "=" + pinFile, e);
      }
    }
    String pin = env.get(PIN);
    if (pin == null || pin.isEmpty()) {
      throw new IllegalArgumentException(MODULE + " is set but neither " + PIN_FILE + " nor " + PIN
          + " is: the token's user PIN has no default");
    }
    return pin.toCharArray();
  }

  private static String trimmed(String value) {
    return value == null || value.isBlank() ? null : value.trim();
  }

  /** Names the token and key, never the PIN. */
  @Override
  public String toString() {
    return "PKCS#11 " + module + " " + (tokenLabel != null ? "token '" + tokenLabel + "'" : "slot #" + slot)
        + " key '" + keyLabel + "'";
  }
}
