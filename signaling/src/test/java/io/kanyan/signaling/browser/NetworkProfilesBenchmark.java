package io.kanyan.signaling.browser;

import io.kanyan.signaling.netns.NetNs;
import io.kanyan.signaling.netns.NetworkProfile;
import io.kanyan.signaling.netns.PhoneInNamespace;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.openqa.selenium.chrome.ChromeDriver;

/**
 * One call per network profile (good, 4G busy, weak, drop and return, switch), the applicant's browser in its own
 * network namespace behind the shaped link ({@link NetNs}), the inspector's desk on this machine. For each it prints
 * the time from the tap to the first frame, the frames per second received and the time frozen over 15 s, the time
 * to recover after the drop or the switch, the phone photo's upload time (request to thumbnail, the stored bytes
 * checked against the trail's hash), and whether the audio-and-stills fallback engaged and released. The weak
 * profile dips to {@value FieldNetworkBrowserTest#DIP_KBIT} kbit/s for as long as it takes the fallback to engage.
 *
 * <p>Not a test (surefire excludes {@code *Benchmark*}): run {@code deploy/scripts/bench-field-network.sh
 * [profile ...]} as root. {@code KANYAN_NETEM=1} shapes with tc netem instead of the userspace emulator.
 */
public final class NetworkProfilesBenchmark {

  record Row(NetworkProfile profile, long firstFrameMs, FieldCall.Watch watch, String recovery, FieldCall.Photo photo,
      String fallback) {

    String markdown() {
      return String.format("| %s | %s | %.1f s | %.1f | %.1f s | %s | %dx%d, %d KB, %.1f s%s | %s |", profile.name(),
          profile.name().equals("drop") ? "link down 8 s" : profile.name().equals("switch") ? "address changes"
              : profile.describe(),
          firstFrameMs / 1000.0, watch.fps(), watch.freezeMs() / 1000.0, recovery, photo.width(), photo.height(),
          photo.size() / 1024, photo.millis() / 1000.0, photo.intact() ? "" : " (NOT INTACT)", fallback);
    }
  }

  private static String describe(FieldCall.Watch watch, String event) {
    return watch.recoveryMs() < 0 ? "still frozen at the end of the 40 s (freezes: " + watch.freezeList() + ")"
        : watch.recoveryMs() == 0 ? "no freeze after " + event + " (freezes: " + watch.freezeList() + ")"
        : String.format("first frame %.1f s after %s", watch.recoveryMs() / 1000.0, event)
        + " (freezes: " + watch.freezeList() + ")";
  }

  public static void main(String[] args) throws Exception {
    List<NetworkProfile> profiles = args.length == 0 ? NetworkProfile.ALL
        : Arrays.stream(args).map(NetworkProfile::named).toList();
    Browsers.requireChromium();
    String why = NetNs.unavailableReason();
    if (why != null) {
      System.out.println("network profiles benchmark skipped: " + why);
      System.exit(0);
    }
    System.out.printf("network profiles: %s, shaped by %s, %d cores%n", profiles.stream().map(NetworkProfile::name)
        .toList(), NetNs.useNetem() ? "tc netem" : "the userspace emulator (netns/shaper.py)",
        Runtime.getRuntime().availableProcessors());
    List<Row> rows = new ArrayList<>();
    KanyanServer server = KanyanServer.start();
    NetNs ns = NetNs.create(3);
    PhoneInNamespace phoneBrowser = null;
    ChromeDriver inspector = null;
    try {
      phoneBrowser = PhoneInNamespace.start(ns);
      inspector = Browsers.launch(Browsers.Launch.desktop());
      Browsers.logIn(inspector, server.base, KanyanServer.INSPECTOR, KanyanServer.PASSWORD);
      Browsers.visible(inspector, "create-form", 10);
      for (NetworkProfile profile : profiles) {
        ns.up();
        ns.shape(profile);
        Row row = run(profile, server, ns, inspector, phoneBrowser.driver());
        System.out.println(row.markdown());
        rows.add(row);
        ns.printCounters();
      }
    } finally {
      System.out.println("\n| profile | network | first frame | frames/s received | frozen (of 15 s; drop, switch: of 40 s) | recovery | photo | fallback |");
      System.out.println("|---|---|---|---|---|---|---|---|");
      rows.forEach(r -> System.out.println(r.markdown()));
      Browsers.quit(inspector);
      if (phoneBrowser != null) {
        phoneBrowser.close();
      }
      ns.close();
      server.close();
    }
    System.exit(0);
  }

  private static Row run(NetworkProfile profile, KanyanServer server, NetNs ns, ChromeDriver inspector,
      ChromeDriver phone) throws Exception {
    FieldCall call = FieldCall.start(server, ns, inspector, phone, "KY-BENCH-" + profile.name(), 120);
    FieldCall.Watch watch;
    String recovery = "—";
    String fallback;
    switch (profile.name()) {
      case "drop" -> {
        // Link down 5 s into a 40 s stretch, back 8 s later (13 s in).
        watch = call.watch(40_000, new FieldCall.Step(5_000, ns::down), new FieldCall.Step(13_000, ns::up));
        recovery = describe(watch, "the link came back");
      }
      case "switch" -> {
        watch = call.watch(40_000, new FieldCall.Step(5_000, ns::switchAddress));
        recovery = describe(watch, "the address changed");
      }
      default -> watch = call.watch(15_000);
    }
    if (profile.name().equals("weak")) {
      ns.shape(profile.withRate(FieldNetworkBrowserTest.DIP_KBIT));
      long dip = System.nanoTime();
      Browsers.waitFor(inspector, 120).until(d -> "fallback".equals(call.deskVideoState()));
      long engagedMs = FieldCall.millisSince(dip);
      ns.shape(profile);
      long back = System.nanoTime();
      FieldCall.Photo photo = call.photo(180);
      Browsers.waitFor(inspector, 180).until(d -> "video".equals(call.deskVideoState()));
      return new Row(profile, call.firstFrameMs, watch, "—", photo, String.format("engaged %.1f s into a dip to"
          + " %d kbit/s, back to 300 kbit/s (photo taken while it held); released %.1f s after the network came"
          + " back", engagedMs / 1000.0, FieldNetworkBrowserTest.DIP_KBIT, FieldCall.millisSince(back) / 1000.0));
    }
    FieldCall.Photo photo = call.photo(180);
    List<JsonObject> engaged = call.mediaEvents("video.fallback.engaged");
    fallback = engaged.isEmpty() ? "not engaged" : "engaged " + engaged.size() + "×, released "
        + call.mediaEvents("video.fallback.released").size() + "×";
    return new Row(profile, call.firstFrameMs, watch, recovery, photo, fallback);
  }
}
