package io.kanyan.recorder.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Temporary directories of the test helpers (servers, Redis, browsers): made under {@code java.io.tmpdir}, which a
 * Maven run points at a directory of its own ({@code target/test-tmp}, see the root pom), and deleted by the helper
 * that made them when it closes. A test's own files go in a JUnit {@code @TempDir} instead.
 */
public final class TempDirs {

  private static final Set<Path> AT_EXIT = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> AT_EXIT.forEach(TempDirs::delete), "temp-dirs-at-exit"));
  }

  private TempDirs() {
  }

  /**
   * Deletes {@code dir} now and, should it be back by then, once more when the JVM exits: a closed server's worker may
   * still be finishing a blocking task (rendering a record) that writes into its data directory.
   */
  public static void deleteNowAndAtExit(Path dir) {
    delete(dir);
    AT_EXIT.add(dir);
  }

  /** A new directory named {@code prefix} + a random suffix under {@code java.io.tmpdir}. */
  public static Path create(String prefix) {
    try {
      return Files.createTempDirectory(prefix);
    } catch (IOException e) {
      throw new UncheckedIOException("could not make a temporary directory under "
          + System.getProperty("java.io.tmpdir"), e);
    }
  }

  /**
   * Deletes {@code dir} and everything under it (symbolic links, not what they point to); what is already gone is
   * fine. A process that has just stopped (a browser, redis-server) may still write a last file: the walk is tried
   * again. What cannot be deleted is reported on stderr and left (the check after the suite names it), never thrown
   * over a test's own result.
   */
  public static void delete(Path dir) {
    for (int attempt = 1; dir != null && Files.exists(dir, LinkOption.NOFOLLOW_LINKS); attempt++) {
      try {
        walkAndDelete(dir);
      } catch (IOException e) {
        if (attempt == 3) {
          System.err.println("could not delete " + dir + ": " + e);
          return;
        }
        try {
          Thread.sleep(200);
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  private static void walkAndDelete(Path dir) throws IOException {
    Files.walkFileTree(dir, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        Files.deleteIfExists(file);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
        if (e instanceof NoSuchFileException) {
          return FileVisitResult.CONTINUE; // deleted meanwhile (a process that just stopped)
        }
        throw e;
      }

      @Override
      public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
        if (e != null && !(e instanceof NoSuchFileException)) {
          throw e;
        }
        Files.deleteIfExists(d);
        return FileVisitResult.CONTINUE;
      }
    });
  }
}
