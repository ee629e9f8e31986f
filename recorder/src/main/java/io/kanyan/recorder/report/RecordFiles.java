package io.kanyan.recorder.report;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.UUID;

/**
 * A record's files under the data directory (blocking: call off the event loop). Each is forced to disk before the
 * trail may name it; a record PDF is never overwritten ({@link #writeOnce}).
 */
final class RecordFiles {

  private final Path dataDir;

  RecordFiles(Path dataDir) {
    this.dataDir = dataDir;
  }

  Path resolve(String relative) {
    Path p = dataDir.resolve(relative).normalize();
    if (!p.startsWith(dataDir.normalize())) {
      throw new IllegalArgumentException("a record file outside the data directory: " + relative);
    }
    return p;
  }

  /**
   * Writes a file that must never be replaced, forced to disk before the trail may name it: false (and nothing
   * written) when the file exists already. The link is atomic, so of two writers at once exactly one wins.
   */
  boolean writeOnce(String relative, byte[] bytes) throws IOException {
    Path file = resolve(relative);
    Files.createDirectories(file.getParent());
    Path tmp = file.resolveSibling(file.getFileName() + "." + UUID.randomUUID() + ".tmp");
    try {
      try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        while (buffer.hasRemaining()) {
          channel.write(buffer);
        }
        channel.force(true);
      }
      try {
        Files.createLink(file, tmp);
      } catch (FileAlreadyExistsException e) {
        return false;
      } catch (UnsupportedOperationException | IOException noLinks) {
        try {
          Files.move(tmp, file); // no hard links on this file system: no replacing either
        } catch (FileAlreadyExistsException e) {
          return false;
        }
      }
      return true;
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** Writes a file (replacing one there: signature files) and forces it to disk before the trail may name it. */
  void write(String relative, byte[] bytes) throws IOException {
    Path file = resolve(relative);
    Files.createDirectories(file.getParent());
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      ByteBuffer buffer = ByteBuffer.wrap(bytes);
      while (buffer.hasRemaining()) {
        channel.write(buffer);
      }
      channel.force(true);
    }
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
