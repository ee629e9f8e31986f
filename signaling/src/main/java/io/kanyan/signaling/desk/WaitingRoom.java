package io.kanyan.signaling.desk;

import io.kanyan.signaling.inspection.Calls;
import io.kanyan.signaling.inspection.Role;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells each waiting applicant whose call is on this node their place in the inspector's queue (the signaling
 * message {@code queue}, PROTOCOL.md "The waiting room"), again whenever it changes. Runs on the context its
 * calls live on (the server verticle's, or each call loop's for its own calls).
 */
public final class WaitingRoom {

  private static final Logger log = LoggerFactory.getLogger(WaitingRoom.class);

  private final DeskStore store;
  private final Calls calls;
  /** Per inspector: what each of their waiting applicants on this node was last told. */
  private final Map<String, Map<String, String>> told = new HashMap<>();

  public WaitingRoom(DeskStore store, Calls calls) {
    this.store = store;
    this.calls = calls;
  }

  /** The inspector's queue may have moved: read it and tell the applicants here whose place changed. */
  public void changed(String inspector) {
    if (calls.size() == 0 && !told.containsKey(inspector)) {
      return;
    }
    store.waiting(inspector)
        .onSuccess(queue -> tell(inspector, queue))
        .onFailure(err -> log.warn("desk {}: queue not read: {}", inspector, err.getMessage()));
  }

  /** Changes may have been missed: read the queue of every inspector with applicants waiting here again. */
  public void resync() {
    List.copyOf(told.keySet()).forEach(this::changed);
  }

  private void tell(String inspector, List<DeskStore.Waiting> queue) {
    Map<String, String> before = told.getOrDefault(inspector, Map.of());
    Map<String, String> now = new HashMap<>();
    for (int i = 0; i < queue.size(); i++) {
      DeskStore.Waiting w = queue.get(i);
      if (calls.get(w.inspectionId()) == null) {
        continue;
      }
      JsonObject message = new JsonObject().put("type", "queue").put("place", i + 1).put("waiting", queue.size())
          .put("bookedStart", w.bookedStart() == null ? null : w.bookedStart().toString());
      String text = message.encode();
      now.put(w.inspectionId(), text);
      if (!text.equals(before.get(w.inspectionId()))) {
        calls.sendTo(w.inspectionId(), Role.APPLICANT, message);
      }
    }
    if (now.isEmpty()) {
      told.remove(inspector);
    } else {
      told.put(inspector, now);
    }
  }
}
