package io.kanyan.recorder.audit;

import io.kanyan.recorder.log.CommitLog;
import io.kanyan.recorder.trail.Checkpoints;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.List;
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

  /** What committed this inspection, in words ("the commitment log (leaf 12, events #1..9)"), or empty when it never was. */
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
   * The inspections the append-only commitment log ever committed ({@link CommitLog#lastCommitted()}): an
   * inspection stays in it for good, however long ago it was committed and whatever was deleted since.
   * The log's methods wait for an append in progress (an fsync), so they are called off the event loop.
   */
  static CommittedInspections commitLog(Vertx vertx, Checkpoints checkpoints) {
    CommitLog log = checkpoints.commitLog();
    return new CommittedInspections() {
      @Override
      public Future<Set<String>> ids() {
        return vertx.executeBlocking(() -> Set.copyOf(log.lastCommitted().keySet()), false);
      }

      @Override
      public Future<Optional<String>> committedBy(String inspectionId) {
        return vertx.executeBlocking(() -> {
          List<CommitLog.Committed> committed = log.committed(inspectionId);
          if (committed.isEmpty()) {
            return Optional.<String>empty();
          }
          CommitLog.Committed last = committed.get(committed.size() - 1);
          return Optional.of("the commitment log (leaf " + last.index() + ", events #1.." + last.seq() + ")");
        }, false);
      }
    };
  }
}
