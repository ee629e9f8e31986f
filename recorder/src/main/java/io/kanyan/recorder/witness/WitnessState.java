package io.kanyan.recorder.witness;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;

/**
 * What a witness remembers per log: the size, root hash and cosigned checkpoint of the latest checkpoint it
 * cosigned. One JSON file per origin under the state directory, named by the SHA-256 of the origin, replaced
 * atomically and fsynced before the cosignature is answered (the spec requires it persisted first). Blocking.
 */
public final class WitnessState {

  /** The latest cosigned checkpoint of one log. */
  public record Latest(String origin, long size, byte[] root, String cosignedCheckpoint) {
  }

  private final Path dir;

  public WitnessState(Path dir) {
    this.dir = dir;
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the witness state directory " + dir, e);
    }
  }

  public Optional<Latest> latest(String origin) {
    Path file = file(origin);
    try {
      if (!Files.exists(file)) {
        return Optional.empty();
      }
      JsonObject json = new JsonObject(Files.readString(file, StandardCharsets.UTF_8));
      if (!origin.equals(json.getString("origin"))) {
        throw new IllegalStateException(file + " holds the state of another log");
      }
      return Optional.of(new Latest(origin, json.getLong("size"), Base64.getDecoder().decode(json.getString("root")),
          json.getString("checkpoint")));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the witness state " + file, e);
    }
  }

  public void save(Latest latest) {
    Path file = file(latest.origin());
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    String json = new JsonObject().put("origin", latest.origin()).put("size", latest.size())
        .put("root", Base64.getEncoder().encodeToString(latest.root()))
        .put("checkpoint", latest.cosignedCheckpoint()).encodePrettily();
    try {
      Files.writeString(tmp, json, StandardCharsets.UTF_8);
      try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        channel.force(true);
      }
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      try (FileChannel directory = FileChannel.open(dir, StandardOpenOption.READ)) {
        directory.force(true);
      } catch (IOException notSupported) {
        // Some file systems cannot fsync a directory; the rename is still atomic.
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot persist the witness state " + file, e);
    }
  }

  private Path file(String origin) {
    try {
      byte[] hash = MessageDigest.getInstance("SHA-256").digest(origin.getBytes(StandardCharsets.UTF_8));
      return dir.resolve(HexFormat.of().formatHex(hash) + ".json");
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
