package io.kanyan.recorder.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A SoftHSM2 token (Debian's {@code softhsm2}) in a fresh directory, with keys generated on it by OpenSC's
 * {@code pkcs11-tool}, as an operator would. SoftHSM2 reads its configuration from the file named by
 * {@code SOFTHSM2_CONF} when the module is initialised; the surefire configuration sets that variable for the
 * test JVM, and {@link #create} writes the file there, pointing at a new token directory.
 */
public final class SoftHsm {

  public static final Path MODULE = Path.of("/usr/lib/softhsm/libsofthsm2.so");
  public static final String USER_PIN = "20261129";
  private static final String SO_PIN = "11292026";

  private final Path conf;
  private final String tokenLabel;

  private SoftHsm(Path conf, String tokenLabel) {
    this.conf = conf;
    this.tokenLabel = tokenLabel;
  }

  /** Initialises a token labelled {@code tokenLabel} under {@code dir}. */
  public static SoftHsm create(Path dir, String tokenLabel) {
    String confVar = System.getenv("SOFTHSM2_CONF");
    if (confVar == null || confVar.isBlank()) {
      throw new IllegalStateException("SOFTHSM2_CONF is not set for the test JVM (see the surefire configuration)");
    }
    if (!Files.isRegularFile(MODULE)) {
      throw new IllegalStateException(MODULE + " is missing: apt-get install softhsm2 opensc");
    }
    try {
      Path tokens = Files.createDirectories(dir.resolve("tokens"));
      Path conf = Path.of(confVar);
      Files.createDirectories(conf.toAbsolutePath().getParent());
      Files.writeString(conf, "directories.tokendir = " + tokens.toAbsolutePath() + "\nobjectstore.backend = file\n"
          + "log.level = ERROR\n", StandardCharsets.UTF_8);
      SoftHsm hsm = new SoftHsm(conf, tokenLabel);
      hsm.run(List.of("softhsm2-util", "--init-token", "--free", "--label", tokenLabel, "--pin", USER_PIN,
          "--so-pin", SO_PIN));
      return hsm;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public String tokenLabel() {
    return tokenLabel;
  }

  /** Generates an Ed25519 key pair on the token, sensitive and (SoftHSM2's default) never extractable. */
  public void generateEd25519(String keyLabel, String id) {
    pkcs11Tool("--keypairgen", "--key-type", "EC:edwards25519", "--label", keyLabel, "--id", id, "--sensitive");
  }

  /** Generates an Ed25519 key pair whose private key the token would let out (what Kanyan must refuse). */
  public void generateExtractableEd25519(String keyLabel, String id) {
    pkcs11Tool("--keypairgen", "--key-type", "EC:edwards25519", "--label", keyLabel, "--id", id, "--extractable");
  }

  /** Runs pkcs11-tool logged in to the token; returns its output. */
  public String pkcs11Tool(String... args) {
    List<String> command = new ArrayList<>(List.of("pkcs11-tool", "--module", MODULE.toString(), "--token-label",
        tokenLabel, "--login", "--pin", USER_PIN));
    command.addAll(List.of(args));
    return run(command);
  }

  private String run(List<String> command) {
    try {
      ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
      builder.environment().put("SOFTHSM2_CONF", conf.toString());
      Process process = builder.start();
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
        throw new IllegalStateException(command.get(0) + " failed: " + output);
      }
      return output;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
