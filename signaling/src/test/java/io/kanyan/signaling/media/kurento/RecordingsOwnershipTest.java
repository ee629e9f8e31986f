package io.kanyan.signaling.media.kurento;

import static org.assertj.core.api.Assertions.assertThat;

import io.kanyan.recorder.testing.TestMedia;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The compose stack's recordings volume (issue 11, defect 8), played out with real uids on this machine: Docker
 * creates the volume root as root (KMS mounts it first), {@code deploy/scripts/prepare-recordings.sh} (the
 * {@code recordings-init} service) hands it to the server's uid/gid 10001, the server creates the inspection
 * directory, KMS (root, umask 022) writes its raw segment, and the server's start-up finalisation, run as uid 10001
 * in a process of its own, remuxes it, hashes it and deletes the raw file.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RecordingsOwnershipTest {

  static final String SERVER = "10001";
  static final Path PREPARE = Path.of("..", "deploy", "scripts", "prepare-recordings.sh");

  @TempDir
  Path work;

  @Test
  void theServersUidFinalisesWhatRootWroteInTheSharedRecordingsVolume() throws Exception {
    Assumptions.assumeTrue("root".equals(System.getProperty("user.name")) && Files.isExecutable(Path.of("/usr/bin/setpriv")),
        "needs root and setpriv to play two uids");
    Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path volume = work.resolve("recordings");
    Files.createDirectory(volume); // as Docker makes it: root:root 0755
    Path classpath = readableClasspath(work.resolve("cp"));

    run(List.of("sh", PREPARE.toString(), volume.toString(), SERVER, SERVER)); // recordings-init, as root
    String id = "insp-0001";
    asServer("sh", "-c", "umask 0002 && mkdir -p " + volume.resolve(id)); // CallPipeline's mkdirs
    Path raw = volume.resolve(id).resolve("applicant-1.kms.webm");
    TestMedia.liveWebm(work.resolve("kms.webm"), 1);
    run(List.of("sh", "-c", "umask 022 && cp " + work.resolve("kms.webm") + " " + raw)); // KMS, as root

    String out = asServer(System.getProperty("java.home") + "/bin/java", "-cp", classpath.toString(),
        FinaliseLeftovers.class.getName(), volume.toString());

    assertThat(out).contains("\"sha256\"").doesNotContain("\"error\"");
    Path finalised = volume.resolve(id).resolve("applicant-1.webm");
    assertThat(finalised).exists();
    assertThat(Files.getAttribute(finalised, "unix:uid")).isEqualTo(Integer.parseInt(SERVER));
    assertThat(raw).as("the raw file root wrote is deleted by the server's uid").doesNotExist();
  }

  /** Runs as uid/gid 10001 with no other groups (the server in its container); returns the output, fails on exit != 0. */
  private static String asServer(String... command) throws Exception {
    List<String> all = new ArrayList<>(List.of("setpriv", "--reuid=" + SERVER, "--regid=" + SERVER, "--clear-groups"));
    all.addAll(List.of(command));
    return run(all);
  }

  private static String run(List<String> command) throws IOException, InterruptedException {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes());
    assertThat(process.waitFor()).as(String.join(" ", command) + " →\n" + output).isZero();
    return output;
  }

  /** This JVM's classpath, copied where uid 10001 can read it (the Maven repository under /root is not readable). */
  private static Path readableClasspath(Path dir) throws IOException {
    Files.createDirectories(dir);
    List<String> entries = new ArrayList<>();
    int n = 0;
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      Path source = Path.of(entry);
      if (Files.isRegularFile(source)) {
        Path copy = dir.resolve((n++) + "-" + source.getFileName());
        Files.copy(source, copy);
        entries.add(copy.toString());
      } else if (Files.isDirectory(source)) {
        Path copy = dir.resolve((n++) + "-classes");
        try (var files = Files.walk(source)) {
          for (Path p : (Iterable<Path>) files::iterator) {
            Path target = copy.resolve(source.relativize(p).toString());
            if (Files.isDirectory(p)) {
              Files.createDirectories(target);
            } else {
              Files.copy(p, target);
            }
          }
        }
        entries.add(copy.toString());
      }
    }
    try (var files = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(Files.isDirectory(p) ? "rwxr-xr-x" : "rw-r--r--"));
      }
    }
    return Path.of(String.join(File.pathSeparator, entries));
  }
}
