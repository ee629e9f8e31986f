package io.kanyan.signaling.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's haproxy in front of Kanyan nodes, as an operator would set it up: round robin, no stickiness, WebSocket
 * tunnels kept open, a node taken out when {@code /health} stops answering. Its config and output go to
 * {@code dir}.
 */
public final class HaProxy implements AutoCloseable {

  private final Process process;
  private final int port;
  private final Path dir;

  private HaProxy(Process process, int port, Path dir) {
    this.process = process;
    this.port = port;
    this.dir = dir;
  }

  public static HaProxy start(Path dir, List<NodeProcess> nodes) throws Exception {
    Files.createDirectories(dir);
    int port = NodeProcess.freePort();
    StringBuilder cfg = new StringBuilder()
        .append("global\n  maxconn 2000\n")
        .append("defaults\n  mode http\n  timeout connect 1s\n  timeout client 60s\n  timeout server 60s\n")
        .append("  timeout tunnel 1h\n  timeout check 1s\n  option redispatch\n  retries 3\n")
        .append("frontend kanyan\n  bind 127.0.0.1:").append(port).append("\n  default_backend nodes\n")
        .append("backend nodes\n  balance roundrobin\n  option httpchk GET /health\n")
        .append("  default-server inter 500ms fall 2 rise 2\n");
    for (NodeProcess node : nodes) {
      cfg.append("  server ").append(node.name()).append(" 127.0.0.1:").append(node.port()).append(" check\n");
    }
    Path file = dir.resolve("haproxy.cfg");
    Files.writeString(file, cfg.toString());
    Process p = new ProcessBuilder("haproxy", "-db", "-f", file.toString()).redirectErrorStream(true)
        .redirectOutput(dir.resolve("haproxy.log").toFile()).start();
    HaProxy proxy = new HaProxy(p, port, dir);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
        return proxy;
      } catch (java.io.IOException e) {
        if (!p.isAlive()) {
          throw new IllegalStateException("haproxy exited: " + Files.readString(dir.resolve("haproxy.log")));
        }
        Thread.sleep(100);
      }
    }
    throw new IllegalStateException("haproxy did not listen on " + port);
  }

  public int port() {
    return port;
  }

  @Override
  public void close() throws Exception {
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor();
    }
  }
}
