package io.kanyan.signaling.testing;

import io.vertx.ext.web.client.WebClient;
import java.util.HashMap;
import java.util.Map;

/** Reads a test server's Prometheus endpoint (started with {@code KANYAN_METRICS_PORT=0}) into sample → value. */
public final class Scrape {

  private Scrape() {
  }

  /** Every sample of the scrape, keyed by its name and labels as printed ({@code kanyan_joins_total{kind="joined"}}). */
  public static Map<String, Double> of(TestServer server, WebClient client) {
    String text = client.get(server.running().server().metricsPort(), "127.0.0.1", "/metrics").send().await()
        .bodyAsString();
    Map<String, Double> samples = new HashMap<>();
    for (String line : text.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      int space = line.lastIndexOf(' ');
      samples.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
    }
    return samples;
  }
}
