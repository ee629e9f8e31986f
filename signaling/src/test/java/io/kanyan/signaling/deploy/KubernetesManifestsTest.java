package io.kanyan.signaling.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressServiceBackend;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * deploy/kubernetes/kanyan.yaml, parsed into fabric8's Kubernetes model (the classes kubectl's schema is generated
 * from): the probes hit the health routes on the container's HTTPS port, the Service and the Ingress lead to that
 * port, the disruption budget covers the Deployment's pods and lets a drain proceed, and the metrics port stays
 * off the Service.
 */
class KubernetesManifestsTest {

  static final Path FILE = Path.of("..", "deploy", "kubernetes", "kanyan.yaml");

  static List<HasMetadata> all;
  static Deployment deployment;
  static Service service;
  static Ingress ingress;
  static PodDisruptionBudget budget;
  static Container container;

  @BeforeAll
  static void parse() throws IOException {
    ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
    all = new ArrayList<>();
    try (MappingIterator<JsonNode> docs = yaml.readerFor(JsonNode.class).readValues(FILE.toFile())) {
      while (docs.hasNext()) {
        JsonNode doc = docs.next();
        Class<? extends HasMetadata> type = switch (doc.path("kind").asText()) {
          case "Deployment" -> Deployment.class;
          case "Service" -> Service.class;
          case "Ingress" -> Ingress.class;
          case "PodDisruptionBudget" -> PodDisruptionBudget.class;
          case "PersistentVolumeClaim" -> PersistentVolumeClaim.class;
          default -> throw new AssertionError("unexpected kind in " + FILE + ": " + doc.path("kind"));
        };
        all.add(yaml.treeToValue(doc, type));
      }
    }
    deployment = one(all, Deployment.class);
    service = one(all, Service.class);
    ingress = one(all, Ingress.class);
    budget = one(all, PodDisruptionBudget.class);
    assertThat(all).allSatisfy(r -> assertThat(r.getApiVersion()).isNotBlank());
    container = deployment.getSpec().getTemplate().getSpec().getContainers().get(0);
  }

  static <T> T one(List<HasMetadata> all, Class<T> type) {
    List<T> found = all.stream().filter(type::isInstance).map(type::cast).toList();
    assertThat(found).as(type.getSimpleName()).hasSize(1);
    return found.get(0);
  }

  static int containerPort(IntOrString port) {
    if (port.getIntVal() != null) {
      return port.getIntVal();
    }
    return container.getPorts().stream().filter(p -> port.getStrVal().equals(p.getName()))
        .map(ContainerPort::getContainerPort).findFirst()
        .orElseThrow(() -> new AssertionError("no container port named " + port.getStrVal()));
  }

  static String env(String name) {
    return container.getEnv().stream().filter(e -> e.getName().equals(name)).map(EnvVar::getValue).findFirst()
        .orElse(null);
  }

  @Test
  void probesHitTheHealthRoutesOnTheHttpsPort() {
    Probe live = container.getLivenessProbe();
    Probe ready = container.getReadinessProbe();
    assertThat(live.getHttpGet().getPath()).isEqualTo("/health/live");
    assertThat(ready.getHttpGet().getPath()).isEqualTo("/health/ready");
    assertThat(container.getStartupProbe().getHttpGet().getPath()).isEqualTo("/health/live");
    for (Probe p : List.of(live, ready, container.getStartupProbe())) {
      assertThat(containerPort(p.getHttpGet().getPort())).isEqualTo(8443);
      assertThat(p.getHttpGet().getScheme()).isEqualTo("HTTPS");
    }
  }

  @Test
  void serviceAndIngressLeadToTheContainersHttpsPortAndNotToMetrics() {
    Map<String, String> podLabels = deployment.getSpec().getTemplate().getMetadata().getLabels();
    assertThat(podLabels).containsAllEntriesOf(service.getSpec().getSelector());
    assertThat(deployment.getSpec().getSelector().getMatchLabels()).isEqualTo(service.getSpec().getSelector());
    assertThat(service.getSpec().getPorts()).hasSize(1);
    ServicePort port = service.getSpec().getPorts().get(0);
    assertThat(containerPort(port.getTargetPort())).isEqualTo(8443);
    int metrics = Integer.parseInt(env("KANYAN_METRICS_PORT"));
    assertThat(containerPort(new IntOrString("metrics"))).isEqualTo(metrics);
    assertThat(deployment.getSpec().getTemplate().getMetadata().getAnnotations())
        .containsEntry("prometheus.io/port", Integer.toString(metrics));

    IngressServiceBackend backend = ingress.getSpec().getRules().get(0).getHttp().getPaths().get(0).getBackend()
        .getService();
    assertThat(backend.getName()).isEqualTo(service.getMetadata().getName());
    assertThat(backend.getPort().getName()).isEqualTo(port.getName());
    Map<String, String> annotations = ingress.getMetadata().getAnnotations();
    assertThat(annotations).containsEntry("nginx.ingress.kubernetes.io/backend-protocol", "HTTPS");
    // WebSocket: an upgraded socket lives far longer than the 60 s default read timeout; and no affinity.
    assertThat(Integer.parseInt(annotations.get("nginx.ingress.kubernetes.io/proxy-read-timeout"))).isGreaterThan(60);
    assertThat(annotations).doesNotContainKey("nginx.ingress.kubernetes.io/affinity");
    assertThat(ingress.getSpec().getTls()).isNotEmpty();
  }

  @Test
  void disruptionBudgetCoversThePodsAndLetsADrainProceed() {
    Map<String, String> podLabels = deployment.getSpec().getTemplate().getMetadata().getLabels();
    assertThat(budget.getSpec().getSelector().getMatchLabels())
        .isEqualTo(deployment.getSpec().getSelector().getMatchLabels());
    assertThat(podLabels).containsAllEntriesOf(budget.getSpec().getSelector().getMatchLabels());
    int minAvailable = budget.getSpec().getMinAvailable().getIntVal();
    assertThat(minAvailable).isPositive().isLessThan(deployment.getSpec().getReplicas());
  }

  @Test
  void nodesAreConfiguredForABalancerInFront() {
    assertThat(env("KANYAN_MAX_CONNECTIONS_PER_ADDRESS")).isEqualTo("0");
    assertThat(env("KANYAN_METRICS_HOST")).isEqualTo("0.0.0.0");
    // A pod stopping must outlive the seat grace period (30 s by default) so its calls can move.
    assertThat(deployment.getSpec().getTemplate().getSpec().getTerminationGracePeriodSeconds()).isGreaterThan(30);
    assertThat(container.getEnv()).anyMatch(e -> e.getName().equals("KANYAN_SERVER_ID")
        && "metadata.name".equals(e.getValueFrom().getFieldRef().getFieldPath()));
  }

  @Test
  void podsRunAsClusterNodesSharingTheEvidenceButNotTheirOwnFiles() {
    assertThat(env("KANYAN_CLUSTER")).isEqualTo("true");
    assertThat(container.getEnv()).anyMatch(e -> e.getName().equals("KANYAN_NODE_NAME")
        && "metadata.name".equals(e.getValueFrom().getFieldRef().getFieldPath()));
    var volumes = deployment.getSpec().getTemplate().getSpec().getVolumes();
    java.util.function.Function<String, io.fabric8.kubernetes.api.model.Volume> volume = name -> volumes.stream()
        .filter(v -> v.getName().equals(name)).findFirst().orElseThrow(() -> new AssertionError("no volume " + name));
    String dataDir = env("KANYAN_DATA_DIR");
    var mounts = container.getVolumeMounts();
    // The data dir itself (each node's checkpoint log copy) is the pod's own; a shared one would have every pod
    // writing one log file.
    var own = mounts.stream().filter(m -> m.getMountPath().equals(dataDir)).findFirst().orElseThrow();
    assertThat(volume.apply(own.getName()).getPersistentVolumeClaim()).as("the data dir is not shared").isNull();
    // The evidence directories are on the ReadWriteMany claim: any pod takes any upload and serves any download.
    for (String dir : List.of("inspections", "recordings", "uploads-partial")) {
      var mount = mounts.stream().filter(m -> m.getMountPath().equals(dataDir + "/" + dir)).findFirst()
          .orElseThrow(() -> new AssertionError("no shared mount for " + dir));
      var claim = volume.apply(mount.getName()).getPersistentVolumeClaim();
      assertThat(claim).as(dir + " is on the shared claim").isNotNull();
      PersistentVolumeClaim pvc = all.stream().filter(PersistentVolumeClaim.class::isInstance)
          .map(PersistentVolumeClaim.class::cast).filter(c -> c.getMetadata().getName().equals(claim.getClaimName()))
          .findFirst().orElseThrow();
      assertThat(pvc.getSpec().getAccessModes()).contains("ReadWriteMany");
    }
  }
}
