package io.kanyan.signaling.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.kanyan.signaling.tls.Certificates;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

/**
 * The three-node stack in deploy/cluster, read as Docker Compose and HAProxy would read it (docker compose is not on
 * the build machine): the services are there, the nodes find Redis through the three sentinels, HAProxy balances over
 * exactly the nodes with health checks and no stickiness, and Debian's haproxy accepts its configuration.
 */
class ClusterStackTest {

  static final Path DIR = Path.of("..", "deploy", "cluster");
  static final Set<String> NODES = Set.of("kanyan-1", "kanyan-2", "kanyan-3");
  static final Set<String> SENTINELS = Set.of("sentinel-1", "sentinel-2", "sentinel-3");

  static Map<String, Object> services;
  static List<String> haproxy;

  @BeforeAll
  @SuppressWarnings("unchecked")
  static void read() throws IOException {
    // SnakeYAML resolves the anchors and merge keys (<<: *kanyan-node) as Compose does.
    try (Reader in = Files.newBufferedReader(DIR.resolve("compose.yaml"), StandardCharsets.UTF_8)) {
      Map<String, Object> compose = new Yaml().load(in);
      services = (Map<String, Object>) compose.get("services");
    }
    haproxy = Files.readAllLines(DIR.resolve("haproxy.cfg")).stream().map(String::strip)
        .filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> service(String name) {
    assertThat(services).as("services").containsKey(name);
    return (Map<String, Object>) services.get(name);
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> env(String name) {
    return (Map<String, Object>) service(name).get("environment");
  }

  @Test
  @SuppressWarnings("unchecked")
  void hasThreeNodesRedisWithSentinelHaproxyCoturnAndOptionalKurento() {
    assertThat(services.keySet()).containsAll(NODES).containsAll(SENTINELS)
        .contains("redis-primary", "redis-replica", "haproxy", "coturn", "kms");
    assertThat(service("kms").get("profiles")).isEqualTo(List.of("kurento"));
    assertThat(String.join(" ", (List<String>) service("redis-replica").get("command")))
        .contains("--replicaof redis-primary 6379");
  }

  @Test
  void nodesReachRedisThroughAllThreeSentinelsAndPublishNoPort() throws IOException {
    Matcher monitor = Pattern.compile("(?m)^sentinel monitor (\\S+) (\\S+) (\\d+) (\\d+)$")
        .matcher(Files.readString(DIR.resolve("sentinel.conf")));
    assertThat(monitor.find()).as("sentinel monitor line").isTrue();
    String primaryName = monitor.group(1);
    assertThat(services).containsKey(monitor.group(2));
    assertThat(Integer.parseInt(monitor.group(4))).isBetween(2, SENTINELS.size());
    Set<String> serverIds = new TreeSet<>();
    for (String node : NODES) {
      Map<String, Object> env = env(node);
      String url = String.valueOf(env.get("REDIS_URL"));
      assertThat(url).startsWith("redis-sentinel://").endsWith("#" + primaryName);
      SENTINELS.forEach(s -> assertThat(url).contains(s + ":26379"));
      // Behind HAProxy every connection comes from the balancer: the PROXY header names the client.
      assertThat(env.get("KANYAN_PROXY_PROTOCOL")).isEqualTo("true");
      assertThat(env).containsKeys("KANYAN_METRICS_PORT", "KANYAN_PHONE_INDEX_KEY", "KANYAN_CONTACT_KEY",
          "KANYAN_SIGNING_KEY");
      assertThat(service(node)).doesNotContainKey("ports");
      serverIds.add(String.valueOf(env.get("KANYAN_SERVER_ID")));
    }
    assertThat(serverIds).as("a pipeline-naming id per node").hasSize(NODES.size());
  }

  @Test
  @SuppressWarnings("unchecked")
  void haproxyBalancesOverExactlyTheNodesWithReadinessChecksAndNoStickiness() {
    List<String> backend = section("backend kanyan");
    Set<String> targets = new TreeSet<>();
    for (String line : backend) {
      if (line.startsWith("server ")) {
        String[] parts = line.split("\\s+");
        String[] hostPort = parts[2].split(":");
        targets.add(hostPort[0]);
        assertThat((List<Object>) service(hostPort[0]).get("expose")).map(String::valueOf).contains(hostPort[1]);
      }
    }
    assertThat(targets).isEqualTo(new TreeSet<>(NODES));
    assertThat(backend).contains("option httpchk GET /health/ready");
    // The nodes read a PROXY header first on every connection, health checks included.
    assertThat(backend).anyMatch(l -> l.startsWith("default-server") && l.contains("send-proxy-v2")
        && l.contains("check-send-proxy"));
    assertThat(backend).noneMatch(l -> l.startsWith("cookie") || l.startsWith("stick") || l.equals("balance source"));
    assertThat(section("defaults")).anyMatch(l -> l.startsWith("timeout tunnel"));
    List<String> ports = (List<String>) service("haproxy").get("ports");
    assertThat(ports).singleElement().asString().endsWith(":8443");
  }

  @Test
  void debiansHaproxyAcceptsTheConfiguration(@TempDir Path dir) throws Exception {
    Certificates.PemPair pair = Certificates.resolve(null, null, dir);
    Path pem = dir.resolve("kanyan.pem");
    Files.writeString(pem, Files.readString(pair.cert()) + Files.readString(pair.key()));
    Path cfg = dir.resolve("haproxy.cfg");
    Files.writeString(cfg, Files.readString(DIR.resolve("haproxy.cfg"))
        .replace("/usr/local/etc/haproxy/kanyan.pem", pem.toString()));
    Process p = new ProcessBuilder("haproxy", "-c", "-f", cfg.toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    assertThat(out).contains("Configuration file is valid");
  }

  @Test
  @SuppressWarnings("unchecked")
  void prometheusScrapesEveryNodeOnItsMetricsPort() throws IOException {
    Map<String, Object> prometheus;
    try (Reader in = Files.newBufferedReader(DIR.resolve("prometheus.yml"), StandardCharsets.UTF_8)) {
      prometheus = new Yaml().load(in);
    }
    List<Map<String, Object>> jobs = (List<Map<String, Object>>) prometheus.get("scrape_configs");
    List<String> targets = new ArrayList<>();
    for (Map<String, Object> job : jobs) {
      for (Map<String, Object> sc : (List<Map<String, Object>>) job.get("static_configs")) {
        targets.addAll((List<String>) sc.get("targets"));
      }
    }
    assertThat(targets).containsExactlyInAnyOrderElementsOf(NODES.stream()
        .map(n -> n + ":" + env(n).get("KANYAN_METRICS_PORT")).collect(Collectors.toSet()));
    assertThat(Path.of("..", "deploy", "grafana", "kanyan-dashboard.json")).exists();
  }

  /** The lines of one haproxy.cfg section, without its header. */
  static List<String> section(String header) {
    List<String> lines = new ArrayList<>();
    boolean in = false;
    for (String line : haproxy) {
      if (line.matches("^(global|defaults|frontend|backend|resolvers|listen)\\b.*")) {
        in = line.equals(header);
        continue;
      }
      if (in) {
        lines.add(line);
      }
    }
    assertThat(lines).as(header).isNotEmpty();
    return lines;
  }

  @Test
  @SuppressWarnings("unchecked")
  void theNodesRunAsOneClusterAndShareTheEvidenceButNotTheirOwnFiles() {
    Set<String> names = new java.util.HashSet<>();
    Map<String, Set<String>> volumesByTarget = new java.util.HashMap<>();
    for (String node : List.of("kanyan-1", "kanyan-2", "kanyan-3")) {
      assertThat(env(node).get("KANYAN_CLUSTER")).isEqualTo("true");
      names.add(String.valueOf(env(node).get("KANYAN_NODE_NAME")));
      String dataDir = String.valueOf(env(node).get("KANYAN_DATA_DIR"));
      for (Object v : (List<Object>) service(node).get("volumes")) {
        String[] parts = String.valueOf(v).split(":");
        String target = parts[1].equals(dataDir) ? "data" : parts[1].replace(dataDir + "/", "");
        volumesByTarget.computeIfAbsent(target, t -> new java.util.HashSet<>()).add(parts[0]);
      }
    }
    assertThat(names).as("every node has its own name").hasSize(3).doesNotContain("null");
    assertThat(volumesByTarget.get("data")).as("each node's own data volume").hasSize(3);
    for (String shared : List.of("inspections", "recordings", "uploads-partial")) {
      assertThat(volumesByTarget.get(shared)).as(shared + " on one volume for all nodes").hasSize(1);
    }
  }
}
