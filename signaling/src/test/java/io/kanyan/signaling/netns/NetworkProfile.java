package io.kanyan.signaling.netns;

import java.util.List;

/**
 * A mobile network the phone's link is shaped to: the round trip added (split evenly between the two directions),
 * its jitter (±, per direction half of it), random loss in each direction, and the rate each direction is limited to
 * (0 = not limited). "drop" and "switch" are the good network with an event in the middle of the call (the link down
 * for 8 s; the phone's address changed).
 */
public record NetworkProfile(String name, int rttMs, int jitterMs, double lossPct, int rateKbit) {

  /** Nothing added: the link as the machine gives it. */
  public static final NetworkProfile NONE = new NetworkProfile("none", 0, 0, 0, 0);
  public static final NetworkProfile GOOD = new NetworkProfile("good", 20, 0, 0, 0);
  public static final NetworkProfile BUSY_4G = new NetworkProfile("4g-busy", 80, 20, 2, 1500);
  public static final NetworkProfile WEAK = new NetworkProfile("weak", 200, 0, 5, 300);
  public static final NetworkProfile DROP = new NetworkProfile("drop", 20, 0, 0, 0);
  public static final NetworkProfile SWITCH = new NetworkProfile("switch", 20, 0, 0, 0);

  public static final List<NetworkProfile> ALL = List.of(GOOD, BUSY_4G, WEAK, DROP, SWITCH);

  public static NetworkProfile named(String name) {
    return ALL.stream().filter(p -> p.name.equals(name)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no network profile '" + name + "'; known: "
            + ALL.stream().map(NetworkProfile::name).toList()));
  }

  /** The same network with another rate (the weak profile's dip). */
  public NetworkProfile withRate(int kbit) {
    return new NetworkProfile(name + "@" + kbit + "kbit", rttMs, jitterMs, lossPct, kbit);
  }

  public String describe() {
    return rttMs + " ms" + (jitterMs > 0 ? " ± " + jitterMs + " ms" : "") + ", " + lossPct + " % loss, "
        + (rateKbit > 0 ? rateKbit + " kbit/s" : "unlimited");
  }
}
