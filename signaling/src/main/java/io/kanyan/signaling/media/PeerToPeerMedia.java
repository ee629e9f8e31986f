package io.kanyan.signaling.media;

import io.kanyan.signaling.inspection.Role;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * The embedded default: the browsers send media to each other and the server relays only SDP and ICE.
 * The recording is made in the inspector's browser and uploaded in slices.
 */
public final class PeerToPeerMedia implements Media {

  private final IceServers iceServers;

  /** @param iceServers the STUN/TURN servers; TURN credentials are minted per call */
  public PeerToPeerMedia(IceServers iceServers) {
    this.iceServers = iceServers;
  }

  @Override
  public String mode() {
    return "p2p";
  }

  @Override
  public JsonArray iceServersFor(String inspectionId) {
    return iceServers.forBrowser(inspectionId);
  }

  @Override
  public Future<CallMedia> open(String inspectionId, MediaListener listener) {
    return Future.succeededFuture(new Relay(listener));
  }

  /** Forwards every offer, answer and candidate to the other seat. */
  private record Relay(MediaListener listener) implements CallMedia {

    @Override
    public Future<Void> join(Role role, boolean reconnect) {
      return Future.succeededFuture();
    }

    @Override
    public Future<Void> offer(Role from, String sdp) {
      listener.send(from.other(), new JsonObject().put("type", "offer").put("sdp", sdp));
      return Future.succeededFuture();
    }

    @Override
    public Future<Void> answer(Role from, String sdp) {
      listener.send(from.other(), new JsonObject().put("type", "answer").put("sdp", sdp));
      return Future.succeededFuture();
    }

    @Override
    public Future<Void> candidate(Role from, JsonObject candidate) {
      listener.send(from.other(), new JsonObject().put("type", "ice").put("candidate", candidate));
      return Future.succeededFuture();
    }

    @Override
    public Future<Void> leave(Role role) {
      return Future.succeededFuture();
    }

    @Override
    public Future<Void> release() {
      return Future.succeededFuture();
    }
  }
}
