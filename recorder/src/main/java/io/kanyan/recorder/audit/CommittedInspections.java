package io.kanyan.recorder.audit;

import io.kanyan.recorder.trail.Checkpoint;
import io.kanyan.recorder.trail.Checkpoints;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;

/**
 * Which inspections the signed commitments have committed. The {@link Sweep} checks each of them against
 * Redis, and a lookup of a committed inspection whose data is gone answers "tampered", never "not found".
 * Kept small so it can be pointed at another commitment store.
 */
public interface CommittedInspections {

  /** Every committed inspection id (for chains that are not inspections, too: callers skip those). */
  Future<Set<String>> ids();

  /** What committed this inspection, in words ("checkpoint #12"), or empty when it never was. */
  Future<Optional<String>> committedBy(String inspectionId);

  /**
   * The failure for a lookup that found {@code what} missing: {@link TamperedInspectionException} when the
   * inspection was committed, otherwise {@code otherwise} (a plain "not found").
   *
   * @param what what is missing, as a noun ("its case record", "its case record and trail")
   */
  default <T> Future<T> missing(String inspectionId, String what, Throwable otherwise) {
    return committedBy(inspectionId).transform(by -> by.succeeded() && by.result().isPresent()
        ? Future.failedFuture(new TamperedInspectionException(inspectionId, "inspection " + inspectionId
            + " was committed by " + by.result().get() + " but Redis no longer holds " + what + ": it was deleted "
            + "or hidden"))
        : Future.failedFuture(otherwise));
  }

  /** None: nothing is known to be committed (tests and tools without checkpoints). */
  static CommittedInspections none() {
    return new CommittedInspections() {
      @Override
      public Future<Set<String>> ids() {
        return Future.succeededFuture(Set.of());
      }

      @Override
      public Future<Optional<String>> committedBy(String inspectionId) {
        return Future.succeededFuture(Optional.empty());
      }
    };
  }

  /**
   * The inspections in the latest checkpoint's leaves ({@code leaves-<number>.txt}: {@code id\tseq\thead}
   * per line). An inspection deleted before a checkpoint was taken is not in it; the append-only
   * commitment log closes that gap.
   */
  static CommittedInspections latestCheckpoint(Vertx vertx, Checkpoints checkpoints) {
    return new CommittedInspections() {
      @Override
      public Future<Set<String>> ids() {
        Optional<Checkpoint> cp = checkpoints.latest();
        if (cp.isEmpty()) {
          return Future.succeededFuture(Set.of());
        }
        Path leaves = checkpoints.settings().leavesDir().resolve("leaves-" + cp.get().number() + ".txt");
        return vertx.executeBlocking(() -> read(leaves), false);
      }

      @Override
      public Future<Optional<String>> committedBy(String inspectionId) {
        Optional<Checkpoint> cp = checkpoints.latest();
        if (cp.isEmpty()) {
          return Future.succeededFuture(Optional.empty());
        }
        return checkpoints.prove(cp.get(), inspectionId)
            .map(proof -> proof.map(p -> "checkpoint #" + p.checkpoint() + " (events #1.." + p.seq() + ")"));
      }
    };
  }

  private static Set<String> read(Path leaves) throws IOException {
    Set<String> ids = new LinkedHashSet<>();
    try {
      for (String line : Files.readAllLines(leaves, StandardCharsets.UTF_8)) {
        int tab = line.indexOf('\t');
        if (tab > 0) {
          ids.add(line.substring(0, tab));
        }
      }
    } catch (NoSuchFileException e) {
      return Set.of();
    }
    return ids;
  }
}
