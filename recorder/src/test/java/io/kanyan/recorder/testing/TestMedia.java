package io.kanyan.recorder.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Small real media files for tests, made with Debian's ffmpeg from its built-in test sources.
 *
 * <p>{@link #liveWebm} writes the WebM to a pipe, as a browser's MediaRecorder or a media server does when
 * it streams to disk: the file plays but has no duration and no cues.
 */
public final class TestMedia {

  private TestMedia() {
  }

  /** A VP8 + Opus WebM of {@code seconds} seconds (160x120, 10 fps) with no duration and no cues. */
  public static Path liveWebm(Path file, int seconds) throws IOException, InterruptedException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    Process process = new ProcessBuilder(List.of("/usr/bin/ffmpeg", "-hide_banner", "-nostdin",
        "-loglevel", "error", "-f", "lavfi", "-i", "testsrc=duration=" + seconds + ":size=160x120:rate=10",
        "-f", "lavfi", "-i", "sine=frequency=440:duration=" + seconds, "-c:v", "libvpx", "-b:v", "100k",
        "-c:a", "libopus", "-f", "webm", "pipe:1"))
        .redirectOutput(file.toFile())
        .redirectError(ProcessBuilder.Redirect.DISCARD)
        .start();
    if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
      process.destroyForcibly();
      throw new IOException("ffmpeg could not make a test WebM at " + file);
    }
    return file;
  }
}
