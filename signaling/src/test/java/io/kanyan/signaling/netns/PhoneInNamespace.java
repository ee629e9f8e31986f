package io.kanyan.signaling.netns;

import io.kanyan.recorder.testing.TempDirs;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Headless Chromium as the applicant's phone, running inside a {@link NetNs}: all its traffic to the server and
 * to the inspector's browser crosses the namespace's link. ChromeDriver stays on this machine and reaches the
 * browser's DevTools port through a relay that does not cross that link (each connection is piped through a small
 * Python relay started inside the namespace), so taking the phone's network down never cuts the test's control.
 */
public final class PhoneInNamespace implements AutoCloseable {

  private static final String RELAY = String.join("\n",
      "import os, socket, sys, threading",
      "s = socket.create_connection(('127.0.0.1', int(sys.argv[1])))",
      "def up():",
      "    while True:",
      "        d = os.read(0, 65536)",
      "        if not d:",
      "            s.shutdown(socket.SHUT_WR)",
      "            return",
      "        s.sendall(d)",
      "threading.Thread(target=up, daemon=True).start()",
      "while True:",
      "    d = s.recv(65536)",
      "    if not d:",
      "        break",
      "    sys.stdout.buffer.write(d)",
      "    sys.stdout.buffer.flush()");

  private final NetNs ns;
  private final Path profile;
  private final Process chromium;
  private final ServerSocket relay;
  private final ChromeDriver driver;
  private final List<Process> pipes = new ArrayList<>();

  private PhoneInNamespace(NetNs ns, Path profile, int port) throws IOException {
    this.ns = ns;
    this.profile = profile;
    // The same port number on both sides: DevTools answers with URLs naming its own port.
    this.relay = new ServerSocket(port, 50, InetAddress.getLoopbackAddress());
    Thread acceptor = new Thread(this::accept, "devtools-relay-" + ns.name());
    acceptor.setDaemon(true);
    acceptor.start();
    List<String> args = new ArrayList<>(List.of("/usr/bin/chromium", "--headless=new", "--no-sandbox",
        "--disable-gpu", "--use-fake-device-for-media-stream=fps=15", "--use-fake-ui-for-media-stream",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
        "--disable-dev-shm-usage", "--autoplay-policy=no-user-gesture-required", "--lang=zh-CN",
        "--user-data-dir=" + profile, "--remote-debugging-port=" + port,
        // The server's certificate is self-signed; the page must be https (a secure context) off loopback.
        "--ignore-certificate-errors",
        // Like a phone: one network at a time, its address in the ICE candidates (no mDNS names).
        "--force-webrtc-ip-handling-policy=default_public_interface_only",
        "--disable-features=WebRtcHideLocalIpsWithMdns", "--window-size=390,844", "about:blank"));
    this.chromium = new ProcessBuilder(ns.wrap(args)).redirectErrorStream(true)
        .redirectOutput(profile.resolve("chromium.log").toFile()).start();
    try {
      awaitDevTools(port);
    } catch (IOException e) {
      // Not left running, and what it printed goes with the failure (its profile is deleted).
      chromium.destroyForcibly();
      relay.close();
      String log = Files.exists(profile.resolve("chromium.log")) ? Files.readString(profile.resolve("chromium.log")) : "";
      throw new IOException(e.getMessage() + "; its log ends:\n" + log.substring(Math.max(0, log.length() - 3000)), e);
    }
    ChromeOptions options = new ChromeOptions();
    options.setExperimentalOption("debuggerAddress", "127.0.0.1:" + port);
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(Path.of("/usr/bin/chromedriver").toFile()).usingAnyFreePort().build();
    this.driver = new ChromeDriver(service, options);
    driver.executeCdpCommand("Emulation.setDeviceMetricsOverride", Map.of("width", 390, "height", 844,
        "deviceScaleFactor", 2, "mobile", true));
  }

  /** Starts the phone's browser inside {@code ns}. */
  public static PhoneInNamespace start(NetNs ns) throws IOException {
    int port;
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = probe.getLocalPort();
    }
    Path profile = TempDirs.create("kanyan-phone");
    try {
      return new PhoneInNamespace(ns, profile, port);
    } catch (IOException | RuntimeException e) {
      TempDirs.delete(profile);
      throw e;
    }
  }

  public ChromeDriver driver() {
    return driver;
  }

  private void accept() {
    while (!relay.isClosed()) {
      try {
        Socket client = relay.accept();
        Process pipe = new ProcessBuilder(ns.wrap(List.of("python3", "-c", RELAY,
            String.valueOf(relay.getLocalPort())))).start();
        synchronized (pipes) {
          pipes.add(pipe);
        }
        pump(client.getInputStream(), pipe.getOutputStream(), client);
        pump(pipe.getInputStream(), client.getOutputStream(), client);
      } catch (IOException e) {
        return; // closed
      }
    }
  }

  private static void pump(InputStream in, OutputStream out, Socket client) {
    Thread t = new Thread(() -> {
      byte[] buffer = new byte[65536];
      try (in; out) {
        for (int n; (n = in.read(buffer)) >= 0; ) {
          out.write(buffer, 0, n);
          out.flush();
        }
      } catch (IOException e) {
        // one side closed
      } finally {
        try {
          client.close();
        } catch (IOException ignored) {
          // closed already
        }
      }
    }, "devtools-pump");
    t.setDaemon(true);
    t.start();
  }

  private static void awaitDevTools(int port) throws IOException {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    long deadline = System.currentTimeMillis() + 30_000;
    while (System.currentTimeMillis() < deadline) {
      try {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
            + "/json/version")).timeout(Duration.ofSeconds(3)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not up yet
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException(e);
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException(e);
      }
    }
    throw new IOException("Chromium in the namespace did not open its DevTools port " + port);
  }

  @Override
  public void close() {
    try {
      // Closed as a person closes it (a SIGTERM leaves its singleton socket directory behind).
      driver.executeCdpCommand("Browser.close", Map.of());
    } catch (RuntimeException ignored) {
      // gone already, or closing: the signal below makes sure
    }
    try {
      driver.quit();
    } catch (RuntimeException ignored) {
      // the browser may be gone already
    }
    chromium.destroy();
    try {
      relay.close();
    } catch (IOException ignored) {
      // closed
    }
    synchronized (pipes) {
      pipes.forEach(Process::destroy);
    }
    try {
      chromium.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    TempDirs.delete(profile); // its chromium.log with it: the test's failure dump has the page and its console
  }
}
