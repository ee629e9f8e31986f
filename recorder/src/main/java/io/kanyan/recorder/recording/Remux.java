package io.kanyan.recorder.recording;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finalises a recording: remuxes it with ffmpeg ({@code -c copy}, no re-encoding) so the container gets a
 * duration and a seek index (MediaRecorder and Kurento's WebM have neither), then hashes the result.
 *
 * <p>Works for any container ffmpeg can copy into (WebM, Matroska, MP4; MP4 gets {@code +faststart}).
 * ffmpeg runs as a child process on a worker thread, never on an event loop.
 */
public final class Remux {

  private static final Logger log = LoggerFactory.getLogger(Remux.class);

  /** Debian's ffmpeg; override with the system property {@code kanyan.ffmpeg}. */
  static final String FFMPEG = System.getProperty("kanyan.ffmpeg", "/usr/bin/ffmpeg");
  /** Debian's ffprobe; override with the system property {@code kanyan.ffprobe}. */
  static final String FFPROBE = System.getProperty("kanyan.ffprobe", "/usr/bin/ffprobe");
  /** A remux of an hour of video takes seconds; anything near this limit is stuck. */
  static final long PROCESS_TIMEOUT_SECONDS = 300;

  private Remux() {
  }

  /**
   * Remuxes {@code in} into {@code out} (overwriting {@code out}), then hashes {@code out}.
   * {@code in} is left in place; the caller decides whether to delete it.
   *
   * @return the finalised file, or a failed future with a {@link RemuxException}
   */
  public static Future<FinalisedFile> finalise(Vertx vertx, Path in, Path out) {
    return vertx.executeBlocking(() -> finaliseBlocking(in, out), false);
  }

  /** The blocking work of {@link #finalise}; for callers already on a worker thread. */
  public static FinalisedFile finaliseBlocking(Path in, Path out) {
    if (!Files.isRegularFile(in)) {
      throw new RemuxException("recording " + in + " does not exist or is not a file");
    }
    if (in.toAbsolutePath().normalize().equals(out.toAbsolutePath().normalize())) {
      throw new RemuxException("recording " + in + ": remux output must differ from the input");
    }
    List<String> command = new ArrayList<>(List.of(FFMPEG, "-hide_banner", "-nostdin", "-loglevel", "error",
        "-y", "-i", in.toString(), "-map", "0", "-c", "copy"));
    if (out.getFileName().toString().toLowerCase().endsWith(".mp4")) {
      command.addAll(List.of("-movflags", "+faststart"));
    }
    command.add(out.toString());
    Output result = run(command);
    if (result.exitCode() != 0) {
      throw new RemuxException("recording " + in + ": ffmpeg exited with " + result.exitCode() + ": "
          + result.text().strip());
    }
    long duration = durationMillis(out);
    String sha256 = sha256(out);
    long size = size(out);
    log.info("recording {}: finalised as {} ({} bytes, {} ms)", in, out, size, duration);
    return new FinalisedFile(out, sha256, size, duration);
  }

  /** Lower-case hex SHA-256 of a file's bytes, read in a stream (files may be large). */
  public static String sha256(Path file) {
    try (InputStream stream = Files.newInputStream(file)) {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      byte[] buffer = new byte[64 * 1024];
      for (int n = stream.read(buffer); n > 0; n = stream.read(buffer)) {
        digest.update(buffer, 0, n);
      }
      return HexFormat.of().formatHex(digest.digest());
    } catch (IOException e) {
      throw new RemuxException("recording " + file + ": cannot read it to hash it: " + e.getMessage(), e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }

  /** The container duration in milliseconds as ffprobe reports it, or -1 if there is none. */
  static long durationMillis(Path file) {
    Output result = run(List.of(FFPROBE, "-v", "error", "-show_entries", "format=duration",
        "-of", "default=noprint_wrappers=1:nokey=1", file.toString()));
    String text = result.text().strip();
    if (result.exitCode() != 0 || text.isEmpty() || text.equals("N/A")) {
      return -1;
    }
    try {
      return Math.round(Double.parseDouble(text.lines().findFirst().orElse("")) * 1000);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static long size(Path file) {
    try {
      return Files.size(file);
    } catch (IOException e) {
      throw new RemuxException("recording " + file + ": cannot read its size: " + e.getMessage(), e);
    }
  }

  private record Output(int exitCode, String text) {
  }

  private static Output run(List<String> command) {
    Process process;
    try {
      process = new ProcessBuilder(command).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new RemuxException("cannot start " + command.get(0) + " (is ffmpeg installed?): " + e.getMessage(), e);
    }
    try (InputStream output = process.getInputStream()) {
      // Output is small (loglevel error); reading it to the end also waits for the process to close it.
      String text = new String(output.readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(PROCESS_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new RemuxException(command.get(0) + " did not finish within " + PROCESS_TIMEOUT_SECONDS + " s");
      }
      return new Output(process.exitValue(), text);
    } catch (IOException e) {
      process.destroyForcibly();
      throw new RemuxException("cannot read the output of " + command.get(0) + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new RemuxException(command.get(0) + " was interrupted", e);
    }
  }
}
