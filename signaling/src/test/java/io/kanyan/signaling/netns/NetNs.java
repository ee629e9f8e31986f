package io.kanyan.signaling.netns;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * A Linux network namespace for the applicant's browser, joined to this machine by a veth pair: the phone's
 * network, which a test can take down, bring back, slow down or move to a new address. Made with iproute2 (`ip`,
 * `tc`); needs root (CAP_NET_ADMIN). Each instance has its own names and subnet, and {@link #close()} removes
 * everything it made.
 *
 * <p>Addresses: this machine {@code 10.<n>.0.1} (where the phone reaches the server, always), the phone
 * {@code 10.<n>.0.2}; after {@link #switchAddress()} the phone is {@code 10.<n>.1.2} with its default route through
 * {@code 10.<n>.1.1}, and its old address is gone.
 *
 * <p>This machine's network changes only in {@link #create} and {@link #close}: every Chromium on the machine
 * (the desk's, other test runs') takes a change of its addresses or links as "the network changed" and fails the
 * requests it is opening just then ({@code net::ERR_NETWORK_CHANGED}). So the phone's drop happens in the emulator
 * (it drops every frame), and the gateways of its later addresses are made with the link. Make the namespace before
 * starting a browser on this machine.
 */
public final class NetNs implements AutoCloseable {

  private final String name;
  private final String hostIf;
  private final String phoneIf;
  private final String midNs;
  private final String midHost;
  private final String midPhone;
  private final int net;
  /** Gateways made with the link, for this many {@link #switchAddress()} calls. */
  static final int PREMADE_SWITCHES = 3;

  private int generation;
  private Process shaper;
  private Path shaperScript;
  private OutputStream shaperControl;

  private NetNs(String name, int net) {
    this.name = name;
    this.net = net;
    this.hostIf = name + "h";
    this.phoneIf = name + "p";
    this.midNs = name + "m";
    this.midHost = name + "mh";
    this.midPhone = name + "mp";
  }

  /** Whether profiles use the kernel's tc netem ({@code KANYAN_NETEM=1}) rather than the userspace emulator. */
  public static boolean useNetem() {
    return "1".equals(System.getenv("KANYAN_NETEM"));
  }

  /** True when this process may create namespaces and veth pairs (root with CAP_NET_ADMIN, iproute2 present). */
  public static String unavailableReason() {
    String probe = "kyprobe" + ProcessHandle.current().pid() % 10000;
    try {
      run("ip", "netns", "add", probe);
      run("ip", "netns", "del", probe);
      run("ethtool", "--version");
      return null;
    } catch (RuntimeException e) {
      return "network namespaces cannot be made here (" + e.getMessage() + "); run as root with iproute2 installed";
    }
  }

  /** Makes the namespace and its link; {@code index} (1-50) keeps parallel instances apart. */
  public static NetNs create(int index) {
    int net = 200 + index;
    NetNs ns = new NetNs("ky" + (ProcessHandle.current().pid() % 10000) + "n" + index, net);
    try {
      run("ip", "netns", "add", ns.name);
      run("ip", "netns", "add", ns.midNs);
      // host <-> (mid: the emulator bridges midHost and midPhone) <-> phone
      run("ip", "link", "add", ns.hostIf, "type", "veth", "peer", "name", ns.midHost);
      run("ip", "link", "add", ns.phoneIf, "type", "veth", "peer", "name", ns.midPhone);
      run("ip", "link", "set", ns.midHost, "netns", ns.midNs);
      run("ip", "link", "set", ns.midPhone, "netns", ns.midNs);
      run("ip", "link", "set", ns.phoneIf, "netns", ns.name);
      // Frames cross the emulator one by one: no offloads (no 64 KB segments, no checksums left to the "hardware").
      run("ethtool", "-K", ns.hostIf, "tx", "off", "tso", "off", "gso", "off", "gro", "off");
      // No IPv6 on this machine's end: its link-local address would change a second after the link came up (DAD),
      // a network change for every browser on the machine (see above). The phone's link is IPv4.
      if (Files.isDirectory(Path.of("/proc/sys/net/ipv6/conf", ns.hostIf))) {
        run("sysctl", "-q", "-w", "net.ipv6.conf." + ns.hostIf + ".disable_ipv6=1");
      }
      for (String mid : List.of(ns.midHost, ns.midPhone)) {
        ns.inMid("ip", "link", "set", mid, "up", "promisc", "on");
        ns.inMid("ethtool", "-K", mid, "tx", "off", "tso", "off", "gso", "off", "gro", "off");
      }
      run("ip", "addr", "add", ns.hostAddress() + "/24", "dev", ns.hostIf);
      for (int g = 1; g <= PREMADE_SWITCHES; g++) {
        run("ip", "addr", "add", "10." + net + "." + g + ".1/24", "dev", ns.hostIf);
      }
      run("ip", "link", "set", ns.hostIf, "up");
      ns.inside("ip", "link", "set", "lo", "up");
      ns.inside("ethtool", "-K", ns.phoneIf, "tx", "off", "tso", "off", "gso", "off", "gro", "off");
      ns.inside("ip", "addr", "add", ns.phoneAddress() + "/24", "dev", ns.phoneIf);
      ns.inside("ip", "link", "set", ns.phoneIf, "up");
      ns.inside("ip", "route", "add", "default", "via", ns.hostAddress());
      ns.startShaper();
      return ns;
    } catch (RuntimeException | IOException e) {
      ns.close();
      throw e instanceof RuntimeException r ? r : new IllegalStateException(e);
    }
  }

  private void startShaper() throws IOException {
    Path script = Files.createTempFile("kanyan-shaper", ".py");
    shaperScript = script;
    try (InputStream in = NetNs.class.getResourceAsStream("/netns/shaper.py")) {
      Files.write(script, in.readAllBytes());
    }
    shaper = new ProcessBuilder("ip", "netns", "exec", midNs, "python3", script.toString(), midHost, midPhone)
        .redirectErrorStream(true).start();
    shaperControl = shaper.getOutputStream();
    BufferedReader out = new BufferedReader(new InputStreamReader(shaper.getInputStream(), StandardCharsets.UTF_8));
    String first = out.readLine();
    if (!"ready".equals(first)) {
      throw new IllegalStateException("the network emulator did not start: " + first);
    }
    Thread drain = new Thread(() -> {
      try {
        for (String line; (line = out.readLine()) != null; ) {
          System.out.println("shaper " + name + ": " + line);
        }
      } catch (IOException ignored) {
        // it ended
      }
    }, "shaper-" + name);
    drain.setDaemon(true);
    drain.start();
  }

  /**
   * Shapes the phone's link to {@code profile}: each direction gets half the round trip (± half the jitter), the
   * loss and the rate.
   */
  public void shape(NetworkProfile profile) {
    if (useNetem()) {
      List<String> netem = new ArrayList<>(List.of("netem", "delay", profile.rttMs() / 2 + "ms"));
      if (profile.jitterMs() > 0) {
        netem.add(profile.jitterMs() / 2 + "ms");
      }
      netem.addAll(List.of("loss", profile.lossPct() + "%"));
      if (profile.rateKbit() > 0) {
        netem.addAll(List.of("rate", profile.rateKbit() + "kbit"));
      }
      List<String> host = new ArrayList<>(List.of("tc", "qdisc", "replace", "dev", hostIf, "root"));
      host.addAll(netem);
      run(host.toArray(String[]::new));
      List<String> phone = new ArrayList<>(List.of("tc", "qdisc", "replace", "dev", phoneIf, "root"));
      phone.addAll(netem);
      inside(phone.toArray(String[]::new));
      return;
    }
    control(String.format(Locale.ROOT, "set delay=%d jitter=%d loss=%s rate=%d", profile.rttMs() / 2,
        profile.jitterMs() / 2, profile.lossPct(), profile.rateKbit()));
  }

  /** Asks the emulator to print its counters (frames in, lost, dropped by the queue, out) on the test's output. */
  public void printCounters() {
    if (!useNetem()) {
      control("stats");
    }
  }

  private void control(String line) {
    try {
      shaperControl.write((line + "\n").getBytes(StandardCharsets.UTF_8));
      shaperControl.flush();
    } catch (IOException e) {
      throw new IllegalStateException("the network emulator is gone: " + e.getMessage(), e);
    }
  }

  private void inMid(String... command) {
    List<String> all = new ArrayList<>(List.of("ip", "netns", "exec", midNs));
    all.addAll(List.of(command));
    run(all.toArray(String[]::new));
  }

  public String name() {
    return name;
  }

  /** This machine's end of the phone's link (a veth), for tests that watch it. */
  public String hostInterface() {
    return hostIf;
  }

  /** This machine's address on the phone's link (where the phone reaches the server); it never changes. */
  public String hostAddress() {
    return "10." + net + ".0.1";
  }

  private String gateway() {
    return "10." + net + "." + generation + ".1";
  }

  public String phoneAddress() {
    return "10." + net + "." + generation + ".2";
  }

  /** The command line that runs {@code command} inside the namespace. */
  public List<String> wrap(List<String> command) {
    List<String> all = new ArrayList<>(List.of("ip", "netns", "exec", name));
    all.addAll(command);
    return all;
  }

  /**
   * The phone's link goes down (no packet either way) until {@link #up()}: the emulator, which bridges every frame
   * (with tc netem too), drops them all, as a phone that lost its network looks to the server.
   */
  public void down() {
    control("down");
  }

  public void up() {
    control("up");
  }

  /** Limits the phone's downlink and uplink to {@code kbit} kbit/s, nothing else added. */
  public void rate(int kbit) {
    shape(new NetworkProfile("rate", 0, 0, 0, kbit));
  }

  /**
   * The phone moves to a new network: a new address and a new default route, and the old address is removed, so
   * every path through it is dead (as when a phone leaves Wi-Fi for 4G).
   */
  public void switchAddress() {
    String oldPhone = phoneAddress();
    generation++;
    if (generation > PREMADE_SWITCHES) {
      run("ip", "addr", "add", gateway() + "/24", "dev", hostIf); // a change of this machine's network, see above
    }
    inside("ip", "addr", "add", phoneAddress() + "/24", "dev", phoneIf);
    inside("ip", "addr", "del", oldPhone + "/24", "dev", phoneIf);
    // Deleting the old address took its routes with it: the server is reached through the new gateway.
    inside("ip", "route", "replace", "default", "via", gateway());
  }

  /** Runs a command inside the namespace and waits for it. */
  public void inside(String... command) {
    run(wrap(List.of(command)).toArray(String[]::new));
  }

  @Override
  public void close() {
    if (shaper != null) {
      shaper.destroy();
    }
    if (shaperScript != null) {
      try {
        Files.deleteIfExists(shaperScript);
      } catch (IOException e) {
        System.err.println("could not delete " + shaperScript + ": " + e);
      }
    }
    quietly("ip", "link", "del", hostIf);
    quietly("ip", "netns", "del", name);
    quietly("ip", "netns", "del", midNs);
  }

  private static void quietly(String... command) {
    try {
      run(command);
    } catch (RuntimeException ignored) {
      // already gone
    }
  }

  static void run(String... command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      if (!p.waitFor(20, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException(String.join(" ", command) + ": " + out);
      }
    } catch (IOException e) {
      throw new IllegalStateException(String.join(" ", command) + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
