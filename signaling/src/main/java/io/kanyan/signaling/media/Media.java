package io.kanyan.signaling.media;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Where a call's media goes: straight between the two browsers ({@link PeerToPeerMedia}, the embedded
 * default) or through Kurento Media Server ({@code media.kurento.KurentoMedia}). The {@code inspection}
 * package only ever sees this interface.
 */
public interface Media {

  /** {@code "p2p"} or {@code "kurento"}: told to the browsers in the {@code joined} message. */
  String mode();

  /**
   * The ICE servers a browser should use, as RTCIceServer dictionaries; TURN credentials are minted
   * per call (ephemeral), so this is asked once per join.
   */
  JsonArray iceServersFor(String inspectionId);

  /**
   * Opens the media of one inspection's call. Called on the call's Vert.x context; every callback of
   * {@code listener} must be delivered on that same context.
   */
  Future<CallMedia> open(String inspectionId, MediaListener listener);

  /**
   * A recording a previous run of the server left unfinished, now finalised (or found unfinalisable): what goes on
   * the trail. {@code eventId} is derived from the file, so appending it twice stores it once; {@code settle} is
   * run once the event is on the trail and removes the leftover (the raw file is deleted or moved aside), so a
   * leftover is reported exactly once even if the server stops between the two.
   */
  record Leftover(String inspectionId, String eventId, JsonObject details,
      java.util.function.Supplier<Future<Void>> settle) {
  }

  /**
   * Finalises recordings that a previous run of this server left unfinished (it stopped mid-call), so that
   * they can be put on their inspections' trails as {@code recording.file}. Called once at start-up. With several
   * nodes on one recordings directory, {@code liveElsewhere} says which inspections' calls another node runs now:
   * their raw files are that node's recordings in progress, not leftovers, and are left alone.
   */
  default Future<java.util.List<Leftover>> finaliseLeftovers(
      java.util.function.Function<String, Future<Boolean>> liveElsewhere) {
    return Future.succeededFuture(java.util.List.of());
  }

  /**
   * What {@code /health} reports about the media servers: for Kurento mode {@code {"reachable": n, "of": m}}
   * (connected, cleaned up and answering pings); null when media needs no server (peer-to-peer).
   */
  default JsonObject servers() {
    return null;
  }

  /** Media-server pipelines this node holds (the metrics); 0 without a media server. */
  default int pipelines() {
    return 0;
  }

  /** Releases what this node owns that no live inspection uses (start-up clean-up), and closes. */
  default Future<Void> close() {
    return Future.succeededFuture();
  }
}
