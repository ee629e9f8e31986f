package io.kanyan.signaling.testing;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * A WebSocket client on a plain socket that writes whatever frames a test asks for (fragments, invalid UTF-8,
 * any opcode), which a well-behaved client library will not produce. Blocking; for test threads.
 */
public final class RawWs implements AutoCloseable {

  public static final int TEXT = 0x1;
  public static final int BINARY = 0x2;
  public static final int CONTINUATION = 0x0;

  /** What the server sent until it closed: its text messages and the close status (-1 when none came). */
  public record Outcome(List<String> texts, int closeCode, long millis) {
  }

  private static final SecureRandom RANDOM = new SecureRandom();
  private final Socket socket;
  private final OutputStream out;
  private final DataInputStream in;

  private RawWs(Socket socket) throws IOException {
    this.socket = socket;
    this.out = socket.getOutputStream();
    this.in = new DataInputStream(socket.getInputStream());
  }

  /** Opens {@code path} (e.g. {@code /ws?invite=...}) and completes the handshake; fails unless it gets 101. */
  public static RawWs open(int port, String path, String origin) {
    try {
      Socket socket = new Socket("127.0.0.1", port);
      socket.setSoTimeout(10_000);
      RawWs ws = new RawWs(socket);
      byte[] key = new byte[16];
      RANDOM.nextBytes(key);
      String request = "GET " + path + " HTTP/1.1\r\nHost: localhost:" + port + "\r\nUpgrade: websocket\r\n"
          + "Connection: Upgrade\r\nSec-WebSocket-Key: " + Base64.getEncoder().encodeToString(key) + "\r\n"
          + "Sec-WebSocket-Version: 13\r\nOrigin: " + origin + "\r\nUser-Agent: kanyan-raw-test\r\n\r\n";
      ws.out.write(request.getBytes(StandardCharsets.US_ASCII));
      ws.out.flush();
      String head = ws.readHead();
      if (!head.startsWith("HTTP/1.1 101")) {
        socket.close();
        throw new AssertionError("handshake refused: " + head);
      }
      return ws;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private String readHead() throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    byte[] end = {'\r', '\n', '\r', '\n'};
    while (matched < 4) {
      int b = in.read();
      if (b < 0) {
        break;
      }
      head.write(b);
      matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
    }
    return head.toString(StandardCharsets.US_ASCII);
  }

  /** Writes one masked frame; false when the server had already closed the connection. */
  public boolean frame(int opcode, boolean fin, byte[] payload) {
    try {
      ByteArrayOutputStream f = new ByteArrayOutputStream(payload.length + 14);
      f.write((fin ? 0x80 : 0) | opcode);
      if (payload.length < 126) {
        f.write(0x80 | payload.length);
      } else if (payload.length < 65536) {
        f.write(0x80 | 126);
        f.write(payload.length >>> 8);
        f.write(payload.length & 0xff);
      } else {
        f.write(0x80 | 127);
        for (int shift = 56; shift >= 0; shift -= 8) {
          f.write((int) ((long) payload.length >>> shift) & 0xff);
        }
      }
      byte[] mask = new byte[4];
      RANDOM.nextBytes(mask);
      f.write(mask);
      byte[] masked = new byte[payload.length];
      for (int i = 0; i < payload.length; i++) {
        masked[i] = (byte) (payload[i] ^ mask[i % 4]);
      }
      f.write(masked);
      out.write(f.toByteArray());
      out.flush();
      return true;
    } catch (IOException closed) {
      return false;
    }
  }

  /**
   * Writes only the header of a frame that claims {@code length} bytes (and its mask), sending none of them:
   * a server that checks the length first answers without reading a payload.
   */
  public boolean announce(int opcode, long length) {
    try {
      ByteArrayOutputStream f = new ByteArrayOutputStream(14);
      f.write(0x80 | opcode);
      f.write(0x80 | 127);
      for (int shift = 56; shift >= 0; shift -= 8) {
        f.write((int) (length >>> shift) & 0xff);
      }
      f.write(new byte[4]);
      out.write(f.toByteArray());
      out.flush();
      return true;
    } catch (IOException closed) {
      return false;
    }
  }

  public boolean text(String message) {
    return frame(TEXT, true, message.getBytes(StandardCharsets.UTF_8));
  }

  /** One frame from the server. */
  private record Frame(int opcode, byte[] payload) {
  }

  /** The next frame, or null when the connection ended. */
  private Frame readFrame() throws IOException {
    int b0 = in.read();
    if (b0 < 0) {
      return null;
    }
    long len = in.readUnsignedByte() & 0x7f;
    if (len == 126) {
      len = in.readUnsignedShort();
    } else if (len == 127) {
      len = in.readLong();
    }
    byte[] payload = new byte[(int) len];
    in.readFully(payload);
    return new Frame(b0 & 0x0f, payload);
  }

  /** Reads frames until the server closes (or {@code timeoutMs} passes), answering nothing. */
  public Outcome untilClosed(long timeoutMs) {
    long start = System.currentTimeMillis();
    List<String> texts = new ArrayList<>();
    try {
      socket.setSoTimeout((int) timeoutMs);
      for (Frame f = readFrame(); f != null; f = readFrame()) {
        if (f.opcode() == 0x8) {
          int code = f.payload().length >= 2 ? ((f.payload()[0] & 0xff) << 8) | (f.payload()[1] & 0xff) : 1005;
          return new Outcome(texts, code, System.currentTimeMillis() - start);
        }
        if (f.opcode() == TEXT) {
          texts.add(new String(f.payload(), StandardCharsets.UTF_8));
        }
      }
    } catch (IOException timedOutOrReset) {
      // no close frame came
    }
    return new Outcome(texts, -1, System.currentTimeMillis() - start);
  }

  /** Reads the next text message (skipping control frames), or null when the server closed. */
  public String nextText() {
    try {
      for (Frame f = readFrame(); f != null && f.opcode() != 0x8; f = readFrame()) {
        if (f.opcode() == TEXT) {
          return new String(f.payload(), StandardCharsets.UTF_8);
        }
      }
    } catch (IOException e) {
      // closed
    }
    return null;
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException ignored) {
      // already gone
    }
  }
}
