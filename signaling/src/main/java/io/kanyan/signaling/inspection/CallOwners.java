package io.kanyan.signaling.inspection;

import io.kanyan.recorder.trail.Trail;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/**
 * Which node runs each live call. A node alone runs every call itself ({@link #single}); several nodes hold one
 * lease per call in Redis with a fencing token ({@code cluster.CallLeases}, see signaling/CLUSTER.md).
 */
public interface CallOwners {

  /**
   * Who owns a call after a claim.
   *
   * @param owner    the owning node's name
   * @param token    the owner's fencing token (0 on a single node)
   * @param previous the node that owned the call before this node took it over, or null
   */
  record Claim(String owner, long token, String previous) {
  }

  /** What the ownership tells the calls of this node; called on the calls' context. */
  interface Listener {

    /** This node's lease on a call is gone (it expired while the node was paused or cut off): stop acting. */
    void lost(String inspectionId);

    /** A call whose owner died has no lease: this node may take it over (by {@link #claim}). */
    void orphaned(String inspectionId);

    /** Another node asked this one, the owner, to do something for a call (send to a seat, end it). */
    Future<Void> forwarded(String inspectionId, JsonObject op);
  }

  /** This node's name. */
  String self();

  /** True when calls may be owned by other nodes (leases in Redis). */
  boolean clustered();

  void listen(Listener listener);

  /** Takes the call's lease when nobody holds it, or says who does. */
  Future<Claim> claim(String inspectionId);

  /** The node that holds the call's lease now, or null when none does. */
  Future<String> owner(String inspectionId);

  /**
   * The fence for the trail appends of a call this node owns; null when none is needed (no lease: one node, or one
   * node's call loops).
   */
  default Trail.Fence fence(String inspectionId) {
    return null;
  }

  /** The call's state as its last owner saved it (seats, seat key digests), or null (nothing is saved without leases). */
  default Future<JsonObject> state(String inspectionId) {
    return Future.succeededFuture();
  }

  /** Saves the call's state, only while this node holds its lease (without leases: nothing to save). */
  default Future<Void> save(String inspectionId, JsonObject state) {
    return Future.succeededFuture();
  }

  /** An append of this node's for the call was refused by its fence: the lease is gone, the call must be dropped. */
  default void refused(String inspectionId) {
  }

  /** The call is over on this node: its lease and state go (without leases: nothing to release). */
  default Future<Void> release(String inspectionId) {
    return Future.succeededFuture();
  }

  /** Asks {@code owner} to do {@code op} for a call it runs. */
  Future<Void> forward(String inspectionId, String owner, JsonObject op);

  /** A single node: every call is this node's, nothing leaves memory. */
  static CallOwners single(String nodeName) {
    return new CallOwners() {
      @Override
      public String self() {
        return nodeName;
      }

      @Override
      public boolean clustered() {
        return false;
      }

      @Override
      public void listen(Listener listener) {
      }

      @Override
      public Future<Claim> claim(String inspectionId) {
        return Future.succeededFuture(new Claim(nodeName, 0, null));
      }

      @Override
      public Future<String> owner(String inspectionId) {
        return Future.succeededFuture(nodeName);
      }

      @Override
      public Future<Void> forward(String inspectionId, String owner, JsonObject op) {
        return Future.succeededFuture();
      }
    };
  }
}
