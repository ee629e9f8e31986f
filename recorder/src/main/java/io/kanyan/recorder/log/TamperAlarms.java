package io.kanyan.recorder.log;

import io.kanyan.recorder.trail.EventType;
import io.kanyan.recorder.trail.Trail;
import io.kanyan.recorder.trail.TrailEvent;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tamper alarms: a chain head that does not extend what the commitment log committed, an inspection that
 * disappeared, a commitment log edited behind the server's back. Each alarm goes three ways: a
 * {@code tamper.alarm} event on the alarm chain (a trail of its own, {@link #CHAIN}, whose head the log
 * commits like any other, so deleting it is itself detected), an ERROR log line, and {@link #count()}.
 * An alarm is raised once per process for the same inspection and finding.
 */
public final class TamperAlarms {

  private static final Logger log = LoggerFactory.getLogger(TamperAlarms.class);

  /** The trail id of the alarm chain. */
  public static final String CHAIN = "kanyan-alarms";

  private final Trail trail;
  private final AtomicLong count = new AtomicLong();
  private final Set<String> raised = ConcurrentHashMap.newKeySet();

  public TamperAlarms(Trail trail) {
    this.trail = trail;
  }

  /**
   * Raises an alarm about {@code subject} (an inspection id, or {@code commitment-log}). Never fails: an
   * alarm that cannot be put on the alarm chain is still logged and counted.
   */
  public Future<Void> raise(String subject, String finding) {
    if (!raised.add(key(subject, finding))) {
      return Future.succeededFuture();
    }
    return append(UUID.randomUUID().toString(), subject, finding);
  }

  /**
   * Raises an alarm without this process's once-per-finding memory, for a caller that keeps its own (the sweep,
   * which raises a finding again once it went away and came back). Never fails, like {@link #raise}.
   */
  public Future<Void> raiseAgain(String subject, String finding) {
    return append(UUID.randomUUID().toString(), subject, finding);
  }

  /**
   * The alarms on the alarm chain, each as {@link #key}: what any node raised so far. The chain's head is committed
   * like any other, so an alarm cannot be taken off it unnoticed; one can only be added.
   */
  public Future<Set<String>> onChain() {
    return trail.read(CHAIN).map(events -> {
      Set<String> keys = new HashSet<>();
      for (TrailEvent e : events) {
        if (e.type() == EventType.TAMPER_ALARM) {
          JsonObject p = e.payloadJson();
          keys.add(key(p.getString("subject"), p.getString("finding")));
        }
      }
      return keys;
    });
  }

  /** One alarm's subject and finding as one string. */
  public static String key(String subject, String finding) {
    return subject + "\n" + finding;
  }

  private Future<Void> append(String eventId, String subject, String finding) {
    count.incrementAndGet();
    log.error("TAMPER ALARM {}: {}", subject, finding);
    return trail.append(eventId, CHAIN, EventType.TAMPER_ALARM, "system",
            new JsonObject().put("subject", subject).put("finding", finding))
        .<Void>mapEmpty()
        .recover(err -> {
          log.error("TAMPER ALARM {}: could not be put on the alarm chain: {}", subject, err.toString());
          return Future.succeededFuture();
        });
  }

  /** How many alarms this process raised (a metric for monitoring: anything above 0 needs a person). */
  public long count() {
    return count.get();
  }
}
