package io.kanyan.recorder.audit;

import io.kanyan.recorder.log.note.Ed25519NoteKey;
import io.kanyan.recorder.timestamp.TimestampVerifier;
import io.kanyan.recorder.trail.SigningKey;
import io.kanyan.recorder.witness.CosignatureKey;
import io.kanyan.recorder.witness.WitnessPolicy;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;

/**
 * The offline verifier: {@code java -cp kanyan.jar io.kanyan.recorder.audit.VerifyCommand evidence.zip
 * [--public-key key.pem]}. Needs no server, Redis or network. Exit status 0 when the package is intact,
 * 1 when it was tampered with (with a sentence saying what), 2 when it cannot be read.
 */
public final class VerifyCommand {

  private VerifyCommand() {
  }

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the command, printing to standard output; returns the exit status. */
  public static int run(String[] args) {
    return run(args, System.out);
  }

  public static int run(String[] args, PrintStream out) {
    Path zip = null;
    Path keyFile = null;
    List<CosignatureKey> witnesses = new ArrayList<>();
    Integer quorum = null;
    Path tsaTrust = null;
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--public-key") && i + 1 < args.length) {
        keyFile = Path.of(args[++i]);
      } else if (args[i].equals("--witness") && i + 1 < args.length) {
        try {
          witnesses.add(CosignatureKey.parseVerifierKey(args[++i]));
        } catch (IllegalArgumentException e) {
          out.println("--witness: " + e.getMessage());
          return usage(out);
        }
      } else if (args[i].equals("--quorum") && i + 1 < args.length && args[i + 1].matches("[0-9]{1,3}")) {
        quorum = Integer.parseInt(args[++i]);
      } else if (args[i].equals("--tsa-trust") && i + 1 < args.length) {
        tsaTrust = Path.of(args[++i]);
      } else if (zip == null && !args[i].startsWith("--")) {
        zip = Path.of(args[i]);
      } else {
        return usage(out);
      }
    }
    if (zip == null) {
      return usage(out);
    }
    try {
      PublicKey trusted = keyFile == null ? null : trustedKey(Files.readString(keyFile, StandardCharsets.US_ASCII));
      out.println("Kanyan evidence package " + zip);
      WitnessPolicy policy = new WitnessPolicy(witnesses, quorum != null ? quorum : witnesses.size());
      Verdict verdict = EvidencePackage.verify(zip, trusted, policy,
          tsaTrust == null ? null : TimestampVerifier.fromPem(tsaTrust));
      out.print(verdict.describe());
      return verdict.valid() ? 0 : 1;
    } catch (IOException | RuntimeException e) {
      out.println("cannot verify " + zip + ": " + e.getMessage());
      return 2;
    }
  }

  /** A PEM public key, or a C2SP verifier key {@code <name>+<key ID>+<base64>} (GET /api/audit/public-key, log-key.txt). */
  static PublicKey trustedKey(String text) {
    String trimmed = text.strip();
    return trimmed.startsWith("-----BEGIN") ? SigningKey.parsePublicKeyPem(trimmed)
        : Ed25519NoteKey.parseVerifierKey(trimmed).publicKey();
  }

  private static int usage(PrintStream out) {
    out.println("usage: VerifyCommand <evidence.zip> [--public-key <published key: PEM, or the log's verifier key>] "
        + "[--witness <witness verifier key> ...] [--quorum <k>] [--tsa-trust <TSA root certificates.pem>]");
    return 2;
  }
}
