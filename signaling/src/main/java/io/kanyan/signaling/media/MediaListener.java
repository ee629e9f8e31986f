package io.kanyan.signaling.media;

import io.kanyan.signaling.inspection.Role;
import io.vertx.core.json.JsonObject;

/** What media tells its call. Always invoked on the call's context. */
public interface MediaListener {

  /** Sends a signaling message (offer, answer, ice, ...) to the participant in {@code role}. */
  void send(Role role, JsonObject message);

  /** A fact worth keeping on the trail (media server chosen, media flowing, recording started...). */
  void event(String kind, JsonObject details);

  /**
   * What another node needs to adopt this call's media if this node is lost (for a media server: which one, the
   * pipeline and each recording participant's elements), opaque to the call, which saves it with the call's state
   * (CLUSTER.md); an empty object when there is nothing to adopt. Called whenever it changes.
   */
  default void handover(JsonObject state) {
  }

  /** The media path broke (for example the media server died); both participants are told. */
  void failed(String reason);
}
