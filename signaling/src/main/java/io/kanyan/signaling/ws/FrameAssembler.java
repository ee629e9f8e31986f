package io.kanyan.signaling.ws;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocketFrame;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Puts a socket's frames together into messages, so that the signaling limits hold for fragmented messages
 * too. Vert.x's own assembly silently drops a fragmented message over its size limit and decodes invalid UTF-8
 * with replacement characters; here a message that grows past {@link Protocol#MAX_MESSAGE_BYTES} closes the
 * socket with 1009 as soon as it does, and a text message that is not valid UTF-8 closes it with 1007
 * (RFC 6455, 8.1). Control frames (ping, pong, close) are answered by Vert.x and ignored here.
 */
final class FrameAssembler implements Handler<WebSocketFrame> {

  /** Where assembled messages and protocol closes go. */
  interface Sink {
    void text(String message);

    void binary();

    void close(short code, String reason);
  }

  private final Sink sink;
  private final int max;
  private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
      .onMalformedInput(CodingErrorAction.REPORT)
      .onUnmappableCharacter(CodingErrorAction.REPORT);
  private Buffer partial;
  private boolean partialIsText;
  private boolean failed;

  FrameAssembler(Sink sink, int max) {
    this.sink = sink;
    this.max = max;
  }

  @Override
  public void handle(WebSocketFrame frame) {
    if (failed || !(frame.isText() || frame.isBinary() || frame.isContinuation())) {
      return;
    }
    if (!frame.isContinuation() && frame.isFinal()) {
      // the common case, a whole message in one frame: no copy into an assembly buffer
      partial = null;
      deliver(frame.binaryData(), frame.isText());
      return;
    }
    if (!frame.isContinuation()) {
      partial = Buffer.buffer();
      partialIsText = frame.isText();
    } else if (partial == null) {
      return; // Netty refuses a continuation without a start; nothing to add to
    }
    partial.appendBuffer(frame.binaryData());
    if (partial.length() > max) {
      fail((short) 1009, "message too big: the limit is " + (max / 1024) + " KiB");
      return;
    }
    if (!frame.isFinal()) {
      return;
    }
    Buffer message = partial;
    partial = null;
    deliver(message, partialIsText);
  }

  private void deliver(Buffer message, boolean isText) {
    if (message.length() > max) {
      fail((short) 1009, "message too big: the limit is " + (max / 1024) + " KiB");
      return;
    }
    if (!isText) {
      sink.binary();
      return;
    }
    String text;
    try {
      text = utf8.reset().decode(ByteBuffer.wrap(message.getBytes())).toString();
    } catch (CharacterCodingException e) {
      fail((short) 1007, "the text message is not valid UTF-8");
      return;
    }
    sink.text(text);
  }

  private void fail(short code, String reason) {
    failed = true;
    partial = null;
    sink.close(code, reason);
  }
}
