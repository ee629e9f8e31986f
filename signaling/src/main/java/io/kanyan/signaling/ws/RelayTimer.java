package io.kanyan.signaling.ws;

/** Hears how long the server took to handle each signaling message it passed on (the server's metrics). */
@FunctionalInterface
public interface RelayTimer {

  RelayTimer NONE = (message, nanos) -> { };

  /**
   * @param message the message, once handled (for an offer, answer or ICE candidate: passed to the media side,
   *                which in peer-to-peer mode means written to the other participant's socket)
   * @param nanos   from the message parsed (and past the rate limit) to its handling completing
   */
  void relayed(Protocol.ClientMessage message, long nanos);
}
