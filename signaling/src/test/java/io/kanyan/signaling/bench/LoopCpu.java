package io.kanyan.signaling.bench;

import io.vertx.core.Vertx;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The CPU time each event-loop thread of one Vert.x instance used during a run: shows whether a server's work is
 * spread over several cores or sits on one. Found by deploying a verticle as many times as there are event
 * loops, twice over (event loops are handed out in turn), so every loop thread is seen.
 */
final class LoopCpu {

  private final ThreadMXBean mx = ManagementFactory.getThreadMXBean();
  private final List<Thread> loops;
  private Map<Thread, Long> before = Map.of();

  LoopCpu(Vertx vertx) {
    // Verticle instances are given the event loops in turn: twice as many as there are loops meet every one.
    java.util.Set<Thread> seen = java.util.concurrent.ConcurrentHashMap.newKeySet();
    int pool = 2 * Runtime.getRuntime().availableProcessors();
    vertx.deployVerticle(() -> new io.vertx.core.VerticleBase() {
      @Override
      public io.vertx.core.Future<?> start() {
        seen.add(Thread.currentThread());
        return io.vertx.core.Future.succeededFuture();
      }
    }, new io.vertx.core.DeploymentOptions().setInstances(2 * pool)).await();
    this.loops = seen.stream().sorted(java.util.Comparator.comparing(Thread::getName)).toList();
  }

  void start() {
    before = snapshot();
  }

  /** CPU milliseconds per event-loop thread since {@link #start}, the busy ones first. */
  String report() {
    Map<Thread, Long> now = snapshot();
    long total = 0;
    Map<String, Long> used = new LinkedHashMap<>();
    for (Thread t : loops) {
      long ms = (now.get(t) - before.getOrDefault(t, 0L)) / 1_000_000;
      total += ms;
      used.put(t.getName().replace("vert.x-eventloop-thread-", "loop "), ms);
    }
    long all = total;
    return used.entrySet().stream().filter(e -> e.getValue() > 0)
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
        .map(e -> String.format("%s %d ms (%.0f%%)", e.getKey(), e.getValue(), 100.0 * e.getValue() / Math.max(1, all)))
        .collect(Collectors.joining(", ", "  server event-loop CPU: " + total + " ms: ", ""));
  }

  private Map<Thread, Long> snapshot() {
    Map<Thread, Long> m = new LinkedHashMap<>();
    for (Thread t : loops) {
      m.put(t, Math.max(0, mx.getThreadCpuTime(t.getId())));
    }
    return m;
  }
}
