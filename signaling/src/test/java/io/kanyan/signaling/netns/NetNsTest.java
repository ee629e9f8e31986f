package io.kanyan.signaling.netns;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The phone's network troubles stay on the phone's side: while a test drops the phone's link and moves it to a new
 * address, this machine's addresses and links do not change. (They did: the drop took this machine's end of the link
 * down and the switch added an address here, and every Chromium on the machine, the desk's among them, then failed
 * the requests it was opening with {@code net::ERR_NETWORK_CHANGED}: the desk of FieldNetworkBrowserTest never showed
 * its form after the login, when such a change, its own or another run's, came at that moment.) Needs root, like
 * {@link NetNs}; skipped otherwise, saying why.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class NetNsTest {

  @Test
  void thePhonesDropAndSwitchLeaveThisMachinesAddressesAndLinksAlone() throws Exception {
    String why = NetNs.unavailableReason();
    Assumptions.assumeTrue(why == null, why);
    try (NetNs ns = NetNs.create(7)) {
      String link = ns.hostInterface();
      // Every change of a link or an address on this machine, as Chromium's network-change tracker reads them.
      Process monitor = new ProcessBuilder("ip", "-o", "monitor", "link", "address").redirectErrorStream(true).start();
      BlockingQueue<String> seen = new LinkedBlockingQueue<>();
      Thread reader = new Thread(() -> {
        try (BufferedReader out = new BufferedReader(new InputStreamReader(monitor.getInputStream(),
            StandardCharsets.UTF_8))) {
          for (String line; (line = out.readLine()) != null; ) {
            seen.add(line);
          }
        } catch (java.io.IOException ended) {
          // the monitor was stopped
        }
      }, "ip-monitor");
      reader.setDaemon(true);
      reader.start();
      try {
        // The monitor listens once it prints a change of our link (its alias, which no browser looks at).
        awaitListening(link, seen);
        ns.down();
        ns.up();
        ns.rate(1500);
        ns.switchAddress();
        ns.shape(NetworkProfile.WEAK);
        ns.down();
        ns.up();
        ns.shape(NetworkProfile.NONE);
        // One more alias change: the monitor prints it after whatever the steps changed.
        NetNs.run("ip", "link", "set", link, "alias", "kanyan-end");
        List<String> printed = new java.util.ArrayList<>();
        printed.add(seen.take());
        Thread.sleep(1000); // anything else on its way
        seen.drainTo(printed);
        assertThat(printed).as("changes of this machine's network while the phone's link dropped and switched")
            .filteredOn(line -> line.contains(link + "@") || line.contains("10.207.")).hasSize(1);
      } finally {
        monitor.destroy();
      }
    }
  }

  private static void awaitListening(String link, BlockingQueue<String> seen) throws InterruptedException {
    for (int attempt = 0; attempt < 40; attempt++) {
      NetNs.run("ip", "link", "set", link, "alias", "kanyan-start-" + attempt);
      if (seen.poll(500, TimeUnit.MILLISECONDS) != null) {
        Thread.sleep(1000); // the answers to earlier attempts, if late
        seen.clear();
        return;
      }
    }
    throw new AssertionError("ip monitor printed nothing for 20 s");
  }
}
