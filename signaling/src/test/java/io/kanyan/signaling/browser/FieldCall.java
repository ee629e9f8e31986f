package io.kanyan.signaling.browser;

import static io.kanyan.signaling.browser.Browsers.js;
import static io.kanyan.signaling.browser.Browsers.visible;
import static io.kanyan.signaling.browser.Browsers.waitFor;

import io.kanyan.recorder.recording.Sha256;
import io.kanyan.signaling.netns.NetNs;
import io.kanyan.signaling.testing.Http;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.openqa.selenium.By;
import org.openqa.selenium.chrome.ChromeDriver;

/**
 * One call between the inspector's desk (on this machine) and the phone (its browser in a {@link NetNs}), and what
 * it measures there: the time from the applicant's tap to the first frame on the desk, the frames per second the
 * desk received and how long the picture stood still, and phone photos (time from request to the desk's thumbnail,
 * the stored original's hash checked against the trail). Shared by {@link FieldNetworkBrowserTest} (which asserts
 * behaviour) and {@link NetworkProfilesBenchmark} (which prints the figures).
 */
final class FieldCall {

  /** A stretch without a new frame at least this long counts as a freeze. */
  static final long FREEZE_MS = 1000;

  final KanyanServer server;
  final NetNs ns;
  final ChromeDriver inspector;
  final ChromeDriver phone;
  final String id;
  final long firstFrameMs;

  /**
   * What the desk received over a stretch of the call: frames, the stretches of at least {@link #FREEZE_MS} without a
   * new frame (start and end, ms into the stretch; an end of -1: still frozen when it ended), and, when the stretch
   * had steps (a drop, a switch), the time from the last step to the end of the first freeze that ended after it
   * ({@code 0}: none did and the video was not frozen at the end; {@code -1}: still frozen at the end).
   */
  record Watch(long millis, long frames, List<long[]> freezes, long recoveryMs) {

    double fps() {
      return millis == 0 ? 0 : frames * 1000.0 / millis;
    }

    long freezeMs() {
      return freezes.stream().mapToLong(f -> (f[1] < 0 ? millis : f[1]) - f[0]).sum();
    }

    String freezeList() {
      return freezes.isEmpty() ? "none" : String.join(", ", freezes.stream().map(f -> String.format("%.1f–%s s",
          f[0] / 1000.0, f[1] < 0 ? "end" : String.format("%.1f", f[1] / 1000.0))).toList());
    }
  }

  /** Something done to the network {@code atMs} into a {@link #watch(long, Step...)}. */
  record Step(long atMs, Runnable action) {
  }

  /** A phone photo: its size, the time from request to thumbnail, and whether the stored bytes match its hash. */
  record Photo(int width, int height, long size, long millis, boolean intact) {
  }

  private FieldCall(KanyanServer server, NetNs ns, ChromeDriver inspector, ChromeDriver phone, String id,
      long firstFrameMs) {
    this.server = server;
    this.ns = ns;
    this.inspector = inspector;
    this.phone = phone;
    this.id = id;
    this.firstFrameMs = firstFrameMs;
  }

  /**
   * Opens a new inspection on the desk (already logged in), lets the phone join it and waits up to
   * {@code firstFrameSeconds} for the desk's first frame.
   */
  static FieldCall start(KanyanServer server, NetNs ns, ChromeDriver inspector, ChromeDriver phone,
      String caseNumber, int firstFrameSeconds) {
    JsonObject created = server.createInspection(caseNumber);
    String id = created.getJsonObject("inspection").getString("id");
    String origin = "https://" + ns.hostAddress() + ":" + server.raw().httpsPort();
    inspector.get("about:blank");
    inspector.get(server.base + "/inspector.html#id=" + id);
    visible(inspector, "enter-call", 15).click();
    phone.get("about:blank");
    Browsers.fakeLocation(phone, origin, 31.2304, 121.4737, 15);
    phone.get(origin + "/applicant.html#invite=" + created.getJsonObject("invite").getString("token"));
    visible(phone, "start", 30).click();
    long tap = System.nanoTime();
    waitFor(inspector, firstFrameSeconds).until(d -> presented(inspector) > 0);
    return new FieldCall(server, ns, inspector, phone, id, millisSince(tap));
  }

  long presented() {
    return presented(inspector);
  }

  /** Frames the desk's video element has presented (Chromium counts them per element). */
  static long presented(ChromeDriver inspector) {
    Object v = js(inspector, "const v = document.getElementById('remote-video');"
        + " return v.getVideoPlaybackQuality ? v.getVideoPlaybackQuality().totalVideoFrames : 0;");
    return ((Number) v).longValue();
  }

  /** Watches the desk's video for {@code millis}, sampling every 100 ms, doing {@code steps} on the way. */
  Watch watch(long millis, Step... steps) throws InterruptedException {
    long start = System.nanoTime();
    long first = presented();
    long last = first;
    long lastNew = 0;
    long lastStep = -1;
    int done = 0;
    List<long[]> freezes = new ArrayList<>();
    long elapsed = 0;
    while (elapsed < millis) {
      Thread.sleep(100);
      while (done < steps.length && (System.nanoTime() - start) / 1_000_000 >= steps[done].atMs()) {
        steps[done++].action().run();
        lastStep = (System.nanoTime() - start) / 1_000_000;
      }
      long n = presented();
      elapsed = (System.nanoTime() - start) / 1_000_000;
      if (n > last) {
        if (elapsed - lastNew >= FREEZE_MS) {
          freezes.add(new long[] {lastNew, elapsed});
        }
        last = n;
        lastNew = elapsed;
      }
    }
    if (elapsed - lastNew >= FREEZE_MS) {
      freezes.add(new long[] {lastNew, -1});
    }
    long recovery = 0;
    if (lastStep >= 0) {
      final long after = lastStep;
      recovery = freezes.stream().filter(f -> f[1] < 0 || f[1] > after).findFirst()
          .map(f -> f[1] < 0 ? -1L : f[1] - after).orElse(0L);
    }
    return new Watch(elapsed, last - first, freezes, recovery);
  }

  /** Waits up to {@code seconds} for {@code frames} new frames on the desk; the time it took, in ms. */
  long awaitFrames(long frames, int seconds) {
    long start = System.nanoTime();
    long from = presented();
    waitFor(inspector, seconds).until(d -> presented() >= from + frames);
    return millisSince(start);
  }

  /** Asks the phone for a photo and waits up to {@code seconds} for it to arrive on the desk. */
  Photo photo(int seconds) {
    int before = inspector.findElements(By.cssSelector("#snapshots img")).size();
    long asked = System.nanoTime();
    inspector.findElement(By.id("phone-photo")).click();
    waitFor(inspector, seconds).until(d -> d.findElements(By.cssSelector("#snapshots img")).size() > before);
    long millis = millisSince(asked);
    List<JsonObject> taken = events("snapshot.taken");
    JsonObject photo = taken.get(taken.size() - 1).getJsonObject("payload");
    Http ian = server.login(KanyanServer.INSPECTOR, KanyanServer.PASSWORD);
    byte[] original = ian.get("/api/inspections/" + id + "/snapshots/" + photo.getString("snapshotId")
        + "?variant=original").body().getBytes();
    boolean intact = "phone".equals(photo.getString("source"))
        && Sha256.of(original).equals(photo.getString("sha256")) && original.length == photo.getLong("size");
    return new Photo(photo.getInteger("width"), photo.getInteger("height"), photo.getLong("size"), millis, intact);
  }

  /** The payloads of this call's {@code media.event} trail events of {@code kind}. */
  List<JsonObject> mediaEvents(String kind) {
    return events("media.event").stream().map(e -> e.getJsonObject("payload"))
        .filter(p -> kind.equals(p.getString("kind"))).toList();
  }

  List<JsonObject> events(String type) {
    Http ian = server.login(KanyanServer.INSPECTOR, KanyanServer.PASSWORD);
    return ian.get("/api/inspections/" + id + "/trail").bodyAsJsonObject().getJsonArray("events").stream()
        .map(e -> (JsonObject) e).filter(e -> type.equals(e.getString("type"))).toList();
  }

  /** The desk's fallback state as its quality line shows it: video, fallback or probing. */
  String deskVideoState() {
    return String.valueOf(js(inspector, "return document.getElementById('video-quality').dataset.state || '';"));
  }

  static long millisSince(long nanos) {
    return (System.nanoTime() - nanos) / 1_000_000;
  }
}
