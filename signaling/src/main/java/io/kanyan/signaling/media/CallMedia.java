package io.kanyan.signaling.media;

import io.kanyan.signaling.inspection.Role;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.Map;

/**
 * The media of one live call. Every method is called on the call's context and must not block.
 * A failure here is reported to the participant who sent the message; the call goes on.
 */
public interface CallMedia {

  /** A participant took (or took back) a seat; {@code reconnect} is true when they resumed it. */
  Future<Void> join(Role role, boolean reconnect);

  /** An SDP offer from a participant's browser. */
  Future<Void> offer(Role from, String sdp);

  /** An SDP answer from a participant's browser. */
  Future<Void> answer(Role from, String sdp);

  /** A trickled ICE candidate ({candidate, sdpMid, sdpMLineIndex}) from a participant's browser. */
  Future<Void> candidate(Role from, JsonObject candidate);

  /** A participant's connection is gone (for now or for good). */
  Future<Void> leave(Role role);

  /**
   * This node took the call over from a node that was lost, and that node was recording {@code recording} (role →
   * segment), with its media in the state it last reported through {@link MediaListener#handover} ({@code handover},
   * null if it reported none): can this media go on where it left off? True when nothing was lost: peer-to-peer
   * media never went through a server, and a media server's pipeline that could be adopted records on. False when
   * those recordings ended with the lost owner: each role's next segment reports the hole as {@code recording.gap}
   * with the fields of {@code cause} (reason, from, to).
   */
  default Future<Boolean> adopt(Map<Role, Integer> recording, JsonObject handover, JsonObject cause) {
    return Future.succeededFuture(true);
  }

  /** Ends the call's media; for a recording media server this stops and finalises the recordings. */
  Future<Void> release();
}
