package io.kanyan.recorder.report;

import io.kanyan.recorder.trail.EventType;
import io.kanyan.recorder.trail.Trail;
import io.kanyan.recorder.trail.TrailEvent;
import io.lettuce.core.StreamMessage;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The events of an inspection's trail that its record is made of, kept per inspection and brought up to date on
 * every read with the entries appended since the last one. The desk and the phone ask for the record's state every
 * 2.5 s while they wait; a read then costs one {@code XRANGE} from the last chain head seen (usually that one
 * entry), not the whole trail (thousands of recording slices after a long call).
 *
 * <p>The first entry of each read must be the head seen last, with the same hash; when it is not (the stream was
 * trimmed, rebuilt or deleted) the whole trail is read again. Events already read are not read again: a change to
 * them in Redis shows on the next full read (a restart, or this inspection leaving the cache), and always in
 * verification, which reads everything. Renders and signatures read the whole trail, not this.
 */
final class RecordEvents {

  /** The event types {@link RecordState#of} and {@link RecordContent#from} look at. */
  static final Set<EventType> USED = Collections.unmodifiableSet(EnumSet.of(EventType.INSPECTION_CREATED,
      EventType.CHECKLIST_BOUND, EventType.CHECKLIST_ANSWERED, EventType.NOTE_ADDED, EventType.SNAPSHOT_TAKEN,
      EventType.LOCATION_FIX, EventType.CALL_CONNECTED, EventType.INSPECTION_ENDED, EventType.RECORD_RENDERED,
      EventType.RECORD_FAILED, EventType.RECORD_SIGNED, EventType.RECORD_REFUSED, EventType.RECORD_FINALISED));
  /** Inspections kept (the least recently read leave first); a view is a few hundred small events at most. */
  static final int MAX_CACHED = 256;

  private final Trail trail;
  private final Map<String, View> views = Collections.synchronizedMap(new LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, View> eldest) {
      return size() > MAX_CACHED;
    }
  });

  RecordEvents(Trail trail) {
    this.trail = trail;
  }

  /**
   * What has been read of one trail: the events a record uses, in chain order, and the head (of any type) with
   * its stream entry id. The state is folded once per head; the content when first asked for.
   */
  static final class View {
    private final List<TrailEvent> used;
    private final TrailEvent head;
    private final String headEntry;
    private final RecordState state;
    private RecordContent content;

    private View(List<TrailEvent> used, TrailEvent head, String headEntry) {
      this.used = used;
      this.head = head;
      this.headEntry = headEntry;
      this.state = RecordState.of(used);
    }

    static View of(List<TrailEvent> before, TrailEvent head, String headEntry,
        List<StreamMessage<String, String>> entries) {
      List<TrailEvent> used = new ArrayList<>(before);
      TrailEvent last = head;
      String lastEntry = headEntry;
      for (StreamMessage<String, String> entry : entries) {
        last = TrailEvent.fromFields(entry.getBody());
        lastEntry = entry.getId();
        if (USED.contains(last.type())) {
          used.add(last);
        }
      }
      return new View(List.copyOf(used), last, lastEntry);
    }

    RecordState state() {
      return state;
    }

    /** The events {@link RecordContent#from} needs: the used ones, ending with the head. */
    List<TrailEvent> events() {
      if (head == null || !used.isEmpty() && used.get(used.size() - 1) == head) {
        return used;
      }
      List<TrailEvent> events = new ArrayList<>(used);
      events.add(head);
      return events;
    }

    /** Computed once per head; two threads may both compute it, with the same result. */
    RecordContent content(String verifyUrl) {
      RecordContent c = content;
      if (c == null || !c.verifyUrl().equals(verifyUrl)) {
        c = RecordContent.from(events(), verifyUrl);
        content = c;
      }
      return c;
    }

    long headSeq() {
      return head == null ? 0 : head.seq();
    }
  }

  /** The view of an inspection's trail as it is now in Redis. */
  Future<View> read(String inspectionId) {
    View cached = views.get(inspectionId);
    if (cached == null || cached.head == null) {
      return full(inspectionId);
    }
    return trail.readFrom(inspectionId, cached.headEntry).compose(entries -> {
      if (entries.isEmpty() || !entries.get(0).getId().equals(cached.headEntry)
          || !cached.head.hash().equals(entries.get(0).getBody().get("hash"))) {
        return full(inspectionId);
      }
      if (entries.size() == 1) {
        return Future.succeededFuture(cached);
      }
      return Future.succeededFuture(keep(inspectionId,
          View.of(cached.used, cached.head, cached.headEntry, entries.subList(1, entries.size()))));
    });
  }

  private Future<View> full(String inspectionId) {
    return trail.readRaw(inspectionId).map(entries -> keep(inspectionId, View.of(List.of(), null, null, entries)));
  }

  /** Caches the newer of two views read at about the same time; answers this read's own view. */
  private View keep(String inspectionId, View view) {
    if (view.head != null) {
      views.merge(inspectionId, view, (old, fresh) -> fresh.headSeq() >= old.headSeq() ? fresh : old);
    }
    return view;
  }
}
