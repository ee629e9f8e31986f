package io.kanyan.recorder.redis;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Files and directories only this user may read: directories 700, files 600, set explicitly (Java cannot set
 * its umask), on POSIX file systems; elsewhere nothing is changed.
 */
public final class PrivateFiles {

  private static final Set<PosixFilePermission> DIR = PosixFilePermissions.fromString("rwx------");
  private static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");

  private PrivateFiles() {
  }

  /** Creates {@code dir} (and its parents) if missing, and makes it 700. */
  public static Path directory(Path dir) throws IOException {
    Files.createDirectories(dir);
    restrict(dir, DIR);
    return dir;
  }

  /** Writes {@code text} to {@code file} created afresh with mode 600 (never readable by others, even briefly). */
  public static void write(Path file, String text) throws IOException {
    Files.deleteIfExists(file);
    if (posix(file.getParent())) {
      Files.createFile(file, PosixFilePermissions.asFileAttribute(FILE));
    }
    Files.writeString(file, text);
  }

  /** Makes an existing file 600 or directory 700. */
  public static void restrict(Path path) throws IOException {
    restrict(path, Files.isDirectory(path) ? DIR : FILE);
  }

  private static void restrict(Path path, Set<PosixFilePermission> mode) throws IOException {
    if (posix(path) && !Files.getPosixFilePermissions(path).equals(mode)) {
      Files.setPosixFilePermissions(path, mode);
    }
  }

  private static boolean posix(Path path) {
    return path != null && path.getFileSystem().supportedFileAttributeViews().contains("posix");
  }
}
