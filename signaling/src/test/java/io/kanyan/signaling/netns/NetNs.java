package io.kanyan.signaling.netns;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
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
 */
public final class NetNs implements AutoCloseable {

  private final String name;
  private final String hostIf;
  private final String phoneIf;
  private final int net;
  private int generation;

  private NetNs(String name, int net) {
    this.name = name;
    this.net = net;
    this.hostIf = name + "h";
    this.phoneIf = name + "p";
  }

  /** True when this process may create namespaces and veth pairs (root with CAP_NET_ADMIN, iproute2 present). */
  public static String unavailableReason() {
    String probe = "kyprobe" + ProcessHandle.current().pid() % 10000;
    try {
      run("ip", "netns", "add", probe);
      run("ip", "netns", "del", probe);
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
      run("ip", "link", "add", ns.hostIf, "type", "veth", "peer", "name", ns.phoneIf);
      run("ip", "link", "set", ns.phoneIf, "netns", ns.name);
      run("ip", "addr", "add", ns.hostAddress() + "/24", "dev", ns.hostIf);
      run("ip", "link", "set", ns.hostIf, "up");
      ns.inside("ip", "link", "set", "lo", "up");
      ns.inside("ip", "addr", "add", ns.phoneAddress() + "/24", "dev", ns.phoneIf);
      ns.inside("ip", "link", "set", ns.phoneIf, "up");
      ns.inside("ip", "route", "add", "default", "via", ns.hostAddress());
      return ns;
    } catch (RuntimeException e) {
      ns.close();
      throw e;
    }
  }

  public String name() {
    return name;
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

  /** The phone's link goes down (no packet either way) until {@link #up()}. */
  public void down() {
    run("ip", "link", "set", hostIf, "down");
  }

  public void up() {
    run("ip", "link", "set", hostIf, "up");
  }

  /** Shapes the phone's downlink and uplink to {@code kbit} kbit/s (token bucket; tc netem is not needed). */
  public void rate(int kbit) {
    String rate = kbit + "kbit";
    run("tc", "qdisc", "replace", "dev", hostIf, "root", "tbf", "rate", rate, "burst", "32kbit", "latency", "400ms");
    inside("tc", "qdisc", "replace", "dev", phoneIf, "root", "tbf", "rate", rate, "burst", "32kbit", "latency", "400ms");
  }

  /**
   * The phone moves to a new network: a new address and a new default route, and the old address is removed, so
   * every path through it is dead (as when a phone leaves Wi-Fi for 4G).
   */
  public void switchAddress() {
    String oldPhone = phoneAddress();
    generation++;
    run("ip", "addr", "add", gateway() + "/24", "dev", hostIf);
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
    quietly("ip", "link", "del", hostIf);
    quietly("ip", "netns", "del", name);
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
