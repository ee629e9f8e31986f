package io.kanyan.signaling.media.kurento;

import io.kanyan.signaling.inspection.Role;
import io.kanyan.signaling.media.MediaListener;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/** A MediaListener for tests: keeps everything it is told and lets a test await a message, event or failure. */
final class RecordingListener implements MediaListener {

  record Sent(Role role, JsonObject message) {
  }

  record Event(String kind, JsonObject details) {
  }

  private record Waiter(Predicate<Object> match, Promise<Object> promise) {
  }

  final List<Sent> sent = new CopyOnWriteArrayList<>();
  final List<Event> events = new CopyOnWriteArrayList<>();
  final List<String> failures = new CopyOnWriteArrayList<>();
  final List<Thread> threads = new CopyOnWriteArrayList<>();
  private final List<Waiter> waiters = new CopyOnWriteArrayList<>();
  private final Context context;
  volatile boolean wrongContext;
  /** The last handover the media reported (what a node taking the call over would adopt). */
  volatile JsonObject handover = new JsonObject();

  RecordingListener(Context context) {
    this.context = context;
  }

  @Override
  public void send(Role role, JsonObject message) {
    check();
    Sent s = new Sent(role, message.copy());
    sent.add(s);
    fire(s);
  }

  @Override
  public void event(String kind, JsonObject details) {
    check();
    Event e = new Event(kind, details.copy());
    events.add(e);
    fire(e);
  }

  @Override
  public void handover(JsonObject state) {
    check();
    handover = state.copy();
  }

  @Override
  public void failed(String reason) {
    check();
    failures.add(reason);
    fire(reason);
  }

  private void check() {
    if (Context.isOnVertxThread() && io.vertx.core.Vertx.currentContext() != context) {
      wrongContext = true;
    } else if (!Context.isOnVertxThread()) {
      wrongContext = true;
    }
  }

  private void fire(Object item) {
    for (Waiter w : waiters) {
      if (w.match.test(item)) {
        waiters.remove(w);
        w.promise.tryComplete(item);
      }
    }
  }

  private Future<Object> await(Predicate<Object> match, List<?> seen) {
    for (Object item : seen) {
      if (match.test(item)) {
        return Future.succeededFuture(item);
      }
    }
    Promise<Object> promise = Promise.promise();
    waiters.add(new Waiter(match, promise));
    // Re-check: an item may have arrived between the scan and the registration.
    for (Object item : seen) {
      if (match.test(item)) {
        promise.tryComplete(item);
      }
    }
    return promise.future();
  }

  /** The first event of {@code kind} whose details satisfy {@code match}, now or later. */
  Future<Event> event(String kind, Predicate<JsonObject> match) {
    return await(o -> o instanceof Event e && e.kind.equals(kind) && match.test(e.details), events).map(o -> (Event) o);
  }

  Future<Event> event(String kind, Role role, int segment) {
    return event(kind, d -> role.wire().equals(d.getString("role")) && d.getInteger("segment", -1) == segment);
  }

  Future<Sent> message(Role role, String type) {
    return await(o -> o instanceof Sent s && s.role == role && type.equals(s.message.getString("type")), sent)
        .map(o -> (Sent) o);
  }

  Future<String> failure() {
    return await(o -> o instanceof String, failures).map(o -> (String) o);
  }

  List<Event> events(String kind) {
    return events.stream().filter(e -> e.kind.equals(kind)).toList();
  }

  List<JsonObject> messages(Role role, String type) {
    return sent.stream().filter(s -> s.role == role && type.equals(s.message.getString("type"))).map(Sent::message).toList();
  }
}
