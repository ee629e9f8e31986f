package io.kanyan.signaling.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/**
 * One HTTP/1.1 connection driven byte by byte, for what a normal client will not do: send half a request,
 * declare a body it never sends, stall. Blocking; for test threads.
 */
public final class RawHttp implements AutoCloseable {

  private final Socket socket;
  private final OutputStream out;
  private final InputStream in;
  private long sent;

  public RawHttp(int port) {
    try {
      socket = new Socket("localhost", port);
      socket.setSoTimeout(30_000);
      out = socket.getOutputStream();
      in = socket.getInputStream();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Sends text as is (use \r\n yourself). */
  public RawHttp send(String text) {
    return send(text.getBytes(StandardCharsets.UTF_8));
  }

  public RawHttp send(byte[] bytes) {
    try {
      out.write(bytes);
      out.flush();
      sent += bytes.length;
      return this;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Tries to send; false when the server has closed the connection. */
  public boolean trySend(byte[] bytes) {
    try {
      send(bytes);
      return true;
    } catch (UncheckedIOException e) {
      return false;
    }
  }

  /** Bytes sent so far. */
  public long sent() {
    return sent;
  }

  /** A response's head and (up to {@code Content-Length}) body, as text. */
  public record Response(int status, String head, String body) {
  }

  /** Reads one response; fails when the connection closes first. */
  public Response read() {
    try {
      ByteArrayOutputStream head = new ByteArrayOutputStream();
      while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
        int b = in.read();
        if (b < 0) {
          throw new IOException("the server closed the connection before answering");
        }
        head.write(b);
      }
      String text = head.toString(StandardCharsets.UTF_8);
      int status = Integer.parseInt(text.substring(9, 12));
      int length = 0;
      for (String line : text.split("\r\n")) {
        if (line.toLowerCase().startsWith("content-length:")) {
          length = Integer.parseInt(line.substring(15).trim());
        }
      }
      byte[] body = in.readNBytes(length);
      return new Response(status, text, new String(body, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Waits until the server closes the connection (end of stream or reset); false if it stays open 30 s. */
  public boolean awaitClosed() {
    try {
      byte[] buf = new byte[8192];
      while (in.read(buf) >= 0) {
        // discard whatever the server still says
      }
      return true;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException e) {
      return true;
    }
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException ignored) {
      // closing a test socket
    }
  }
}
