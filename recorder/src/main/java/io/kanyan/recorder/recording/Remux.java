package io.kanyan.recorder.recording;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Makes a recorded WebM seekable and fingerprints it: {@code ffmpeg -c copy} rewrites the container so
 * it has a duration and cues (MediaRecorder and streaming writers leave both out), then the output's
 * SHA-256 is computed. Runs ffmpeg and the hashing off the event loop.
 */
public final class Remux {

  /** A finished file: where it is, its SHA-256 (lowercase hex) and its size in bytes. */
  public record FinalisedFile(Path file, String sha256, long size) {
  }

  private static final long TIMEOUT_SECONDS = 600;

  private Remux() {
  }

  /**
   * Remuxes {@code in} into {@code out} (replacing it) and hashes the result.
   *
   * @return the finished file; fails with a {@link RecordingException} when ffmpeg fails
   */
  public static Future<FinalisedFile> finalise(Vertx vertx, Path in, Path out) {
    return vertx.executeBlocking(() -> {
      remux(in, out);
      return new FinalisedFile(out, sha256(out), Files.size(out));
    }, false);
  }

  private static void remux(Path in, Path out) throws IOException, InterruptedException {
    Path tmp = out.resolveSibling(out.getFileName() + ".remux.webm");
    Path log = out.resolveSibling(out.getFileName() + ".ffmpeg.log");
    Process process = new ProcessBuilder(List.of("ffmpeg", "-hide_banner", "-loglevel", "error", "-y",
        "-fflags", "+genpts", "-i", in.toString(), "-c", "copy", "-f", "webm", tmp.toString()))
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .start();
    if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new RecordingException(RecordingException.Code.FINALISE_FAILED,
          "ffmpeg did not finish remuxing " + in.getFileName() + " within " + TIMEOUT_SECONDS + " s");
    }
    if (process.exitValue() != 0 || !Files.exists(tmp) || Files.size(tmp) == 0) {
      String output = Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
      Files.deleteIfExists(tmp);
      throw new RecordingException(RecordingException.Code.FINALISE_FAILED,
          "ffmpeg could not remux " + in.getFileName() + " (exit " + process.exitValue() + "): " + output.strip());
    }
    Files.deleteIfExists(log);
    Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /** Lowercase hex SHA-256 of a file, streamed. Blocking. */
  public static String sha256(Path file) throws IOException {
    MessageDigest sha = newSha256();
    byte[] buffer = new byte[1 << 16];
    try (InputStream stream = Files.newInputStream(file)) {
      int n;
      while ((n = stream.read(buffer)) > 0) {
        sha.update(buffer, 0, n);
      }
    }
    return HexFormat.of().formatHex(sha.digest());
  }

  /** Lowercase hex SHA-256 of bytes. */
  public static String sha256(byte[] bytes) {
    return HexFormat.of().formatHex(newSha256().digest(bytes));
  }

  private static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK lacks SHA-256", e);
    }
  }
}
