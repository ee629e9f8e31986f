package io.kanyan.recorder.recording;

import io.kanyan.recorder.loops.KeyedQueue;
import io.kanyan.recorder.trail.EventType;
import io.kanyan.recorder.trail.Trail;
import io.kanyan.recorder.trail.TrailEvent;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Recordings made in the inspector's browser (peer-to-peer mode), uploaded as numbered slices.
 *
 * <p>A recording is made of <em>segments</em>: each {@code MediaRecorder} run is one segment (a page
 * reload mid-call starts a new one, and the trail shows the gap). A slice is checked against its declared
 * SHA-256, written at the segment's committed length (truncating any half-written tail of an earlier
 * failed attempt), fsynced, and only then put on the trail as {@code RECORDING_SLICE}; a retried slice
 * with the same content is acknowledged again without storing anything. A slice number that skips ahead
 * puts a {@code RECORDING_GAP} on the trail first. {@link #finalise} remuxes every segment so it has a
 * duration and cues and puts its SHA-256 on the trail as {@code RECORDING_FINALISED}.
 *
 * <p>The state of a segment is rebuilt from the trail on first use, so a server restart mid-call loses
 * nothing. Operations on one inspection run one after another, in call order. Files live under
 * {@code <dataDir>/inspections/<id>/recording/}; file names on the trail are relative to the data dir.
 */
public final class Recordings {

  /** What the uploader is told about a stored slice. */
  public record SliceAck(int segment, long seq, long size, String sha256, boolean duplicate, long segmentBytes) {
  }

  /** A segment just opened. */
  public record Segment(int segment, String startedAt) {
  }

  /**
   * Kind of the {@code MEDIA_EVENT} marking where a browser-made segment starts (its time is the video's
   * zero). Distinct from the media server's {@code recording.started}, which carries a {@code role}.
   */
  public static final String SEGMENT_STARTED = "recording.segment.started";

  private static final Logger LOG = LoggerFactory.getLogger(Recordings.class);
  private static final Pattern SAFE_ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");

  private final Vertx vertx;
  private final Trail trail;
  private final Path dataDir;
  private final Map<String, State> states = new ConcurrentHashMap<>();
  private final KeyedQueue queue = new KeyedQueue();

  public Recordings(Vertx vertx, Trail trail, Path dataDir) {
    this.vertx = vertx;
    this.trail = trail;
    this.dataDir = dataDir;
  }

  /** Opens the next segment of an inspection's recording; its start time is the video's zero. */
  public Future<Segment> startSegment(String inspectionId, String actor, String mimeType) {
    checkId(inspectionId);
    return serial(inspectionId, () -> fresh(inspectionId).compose(state -> {
      int number = state.segments.isEmpty() ? 1 : state.segments.lastKey() + 1;
      Future<TrailEvent> gap = Future.succeededFuture();
      if (number > 1) {
        SegmentState previous = state.segments.get(number - 1);
        gap = trail.append(inspectionId, EventType.RECORDING_GAP, actor, new JsonObject()
            .put("segment", number).put("reason", "new-segment")
            .put("previousSegment", number - 1).put("previousSlices", previous.nextSeq - 1));
      }
      return gap.compose(ignored -> trail.append(inspectionId, EventType.MEDIA_EVENT, actor, new JsonObject()
              .put("kind", SEGMENT_STARTED).put("source", "browser").put("segment", number)
              .put("mimeType", mimeType == null ? "video/webm" : mimeType)
              .put("file", relative(partFile(inspectionId, number)))))
          .map(event -> {
            state.segments.put(number, new SegmentState());
            LOG.info("inspection {}: recording segment {} started", inspectionId, number);
            return new Segment(number, event.toJson().getString("time"));
          });
    }));
  }

  /**
   * Stores one slice durably and puts it on the trail.
   *
   * @param sha256 the lowercase hex SHA-256 the uploader computed; the body must match it
   */
  public Future<SliceAck> appendSlice(String inspectionId, int segment, long seq, Buffer data, String sha256,
      String actor) {
    checkId(inspectionId);
    if (data.length() == 0) {
      return Future.failedFuture(new RecordingException(RecordingException.Code.BAD_MEDIA, "the slice is empty"));
    }
    String computed = Sha256.of(data.getBytes());
    if (!computed.equalsIgnoreCase(sha256 == null ? "" : sha256)) {
      return Future.failedFuture(new RecordingException(RecordingException.Code.HASH_MISMATCH,
          "slice " + seq + " arrived damaged (its SHA-256 does not match); send it again"));
    }
    return serial(inspectionId, () -> current(inspectionId, segment).compose(state -> {
      SegmentState seg = state.segments.get(segment);
      if (seg == null) {
        return Future.failedFuture(new RecordingException(RecordingException.Code.NOT_FOUND,
            "recording segment " + segment + " was not started; start a new segment"));
      }
      if (seg.finalised) {
        return Future.failedFuture(new RecordingException(RecordingException.Code.SLICE_CONFLICT,
            "recording segment " + segment + " is already finalised"));
      }
      if (seq < seg.nextSeq) {
        return duplicate(seg, segment, seq, computed, data.length());
      }
      Future<TrailEvent> gap = seq == seg.nextSeq ? Future.succeededFuture()
          : trail.append(inspectionId, EventType.RECORDING_GAP, actor, new JsonObject()
              .put("segment", segment).put("reason", "missing-slices")
              .put("fromSeq", seg.nextSeq).put("toSeq", seq - 1));
      long offset = seg.committedSize;
      Path part = partFile(inspectionId, segment);
      return gap
          .compose(ignored -> vertx.executeBlocking(() -> writeAt(part, offset, data.getBytes()), false))
          .compose(ignored -> trail.append(sliceEventId(segment, seq), inspectionId,
              EventType.RECORDING_SLICE, actor, new JsonObject().put("segment", segment).put("seq", seq)
                  .put("offset", offset).put("size", data.length()).put("sha256", computed)))
          .map(event -> {
            seg.accept(seq, offset + data.length(), computed);
            return new SliceAck(segment, seq, data.length(), computed, false, seg.committedSize);
          });
    }));
  }

  /**
   * Finalises every segment not yet finalised: remux (duration + cues), SHA-256, {@code RECORDING_FINALISED}
   * on the trail with {@code file} (relative to the data dir) and {@code sha256}. Idempotent.
   */
  public Future<List<FinalisedFile>> finalise(String inspectionId, String actor) {
    checkId(inspectionId);
    return serial(inspectionId, () -> fresh(inspectionId).compose(state -> {
      Future<List<FinalisedFile>> chain = Future.succeededFuture(new ArrayList<>());
      for (Map.Entry<Integer, SegmentState> entry : state.segments.entrySet()) {
        int number = entry.getKey();
        SegmentState seg = entry.getValue();
        if (seg.finalised || seg.committedSize == 0) {
          continue;
        }
        chain = chain.compose(done -> finaliseSegment(inspectionId, number, seg, actor).map(file -> {
          done.add(file);
          return done;
        }));
      }
      return chain;
    }));
  }

  /** Where a finalised segment lives (it may not exist yet). */
  public Path finalFile(String inspectionId, int segment) {
    checkId(inspectionId);
    return dir(inspectionId).resolve("segment-" + segment + ".webm");
  }

  private Future<FinalisedFile> finaliseSegment(String inspectionId, int number, SegmentState seg,
      String actor) {
    Path part = partFile(inspectionId, number);
    Path out = finalFile(inspectionId, number);
    return Remux.finalise(vertx, part, out)
        .compose(file -> trail.append("recording-finalised:" + inspectionId + ":" + number, inspectionId,
                EventType.RECORDING_FINALISED, actor, new JsonObject().put("segment", number)
                    .put("file", relative(out)).put("sha256", file.sha256()).put("size", file.sizeBytes()).put("durationMs", file.durationMillis())
                    .put("slices", seg.nextSeq - 1).put("uploadedBytes", seg.committedSize))
            .map(event -> file))
        .onSuccess(file -> {
          seg.finalised = true;
          LOG.info("inspection {}: recording segment {} finalised ({} bytes)", inspectionId, number, file.sizeBytes());
        });
  }

  private Future<SliceAck> duplicate(SegmentState seg, int segment, long seq, String sha256, long size) {
    String stored = seg.hashes.get(seq);
    if (sha256.equals(stored)) {
      return Future.succeededFuture(new SliceAck(segment, seq, size, sha256, true, seg.committedSize));
    }
    return Future.failedFuture(new RecordingException(RecordingException.Code.SLICE_CONFLICT, stored == null
        ? "slice " + seq + " came too late: the recording already moved past it"
        : "slice " + seq + " was already stored with different content"));
  }

  private static Void writeAt(Path part, long offset, byte[] bytes) throws IOException {
    Files.createDirectories(part.getParent());
    try (FileChannel channel = FileChannel.open(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      // A failed earlier attempt may have left bytes past the committed length: drop them.
      channel.truncate(offset);
      ByteBuffer buffer = ByteBuffer.wrap(bytes);
      long position = offset;
      while (buffer.hasRemaining()) {
        position += channel.write(buffer, position);
      }
      channel.force(true);
    }
    return null;
  }

  /** The state of an inspection's recording, rebuilt from the trail the first time it is needed. */
  private Future<State> state(String inspectionId) {
    State known = states.get(inspectionId);
    if (known != null) {
      return Future.succeededFuture(known);
    }
    return trail.read(inspectionId).map(events -> {
      State state = new State();
      for (TrailEvent event : events) {
        state.apply(event);
      }
      states.put(inspectionId, state);
      return state;
    });
  }

  /** The state rebuilt from the trail now, whatever was cached (another node may have moved it on). */
  private Future<State> fresh(String inspectionId) {
    states.remove(inspectionId);
    return state(inspectionId);
  }

  /**
   * The state to store a slice of {@code segment} against. The cached one serves while it still describes the
   * segment's file: with several nodes on shared storage (signaling/CLUSTER.md) another node may have started a
   * segment or stored slices since, and a stale committed length would overwrite them. So the cache is used only
   * when it knows the segment and the part file is exactly as long as it says; otherwise (another node's slices,
   * or a half-written tail of a failed attempt) it is rebuilt from the trail, which is the truth.
   */
  private Future<State> current(String inspectionId, int segment) {
    return state(inspectionId).compose(state -> {
      SegmentState seg = state.segments.get(segment);
      if (seg == null) {
        return fresh(inspectionId);
      }
      return vertx.fileSystem().exists(partFile(inspectionId, segment).toString())
          .compose(exists -> exists ? vertx.fileSystem().props(partFile(inspectionId, segment).toString())
              .map(props -> props.size()) : Future.succeededFuture(0L))
          .compose(size -> size == seg.committedSize ? Future.succeededFuture(state) : fresh(inspectionId));
    });
  }

  /** Drops the cached state of a finished inspection. */
  public void forget(String inspectionId) {
    states.remove(inspectionId);
  }

  /**
   * Runs {@code work} once the inspection's earlier operations finished, on the caller's event loop (uploads of one
   * inspection may come in on connections of different loops), answering there.
   */
  private <T> Future<T> serial(String inspectionId, Supplier<Future<T>> work) {
    return queue.run(inspectionId, work);
  }

  private Path dir(String inspectionId) {
    return dataDir.resolve("inspections").resolve(inspectionId).resolve("recording");
  }

  private Path partFile(String inspectionId, int segment) {
    return dir(inspectionId).resolve("segment-" + segment + ".part.webm");
  }

  private String relative(Path file) {
    return dataDir.relativize(file).toString().replace('\\', '/');
  }

  /**
   * The event id of a slice: {@code slice:<segment>:<seq>}, unique in its inspection's trail (event ids are looked up
   * per inspection). Before 30 Nov 2026 it was {@code recording-slice:<inspection id>:<segment>:<seq>}: the inspection
   * id repeated, stored twice per slice (stream and id set), 47 bytes each time for nothing. Nothing reads the id; a
   * retried slice is recognised by its segment and seq, whichever id its first copy has (a slice whose append failed
   * after it was stored leaves the part file longer than the cached state knows, so the state is read again from the
   * trail and the retry is found a duplicate there).
   */
  public static String sliceEventId(int segment, long seq) {
    return "slice:" + segment + ":" + seq;
  }

  static void checkId(String inspectionId) {
    if (inspectionId == null || !SAFE_ID.matcher(inspectionId).matches()) {
      throw new IllegalArgumentException("not an inspection id: " + inspectionId);
    }
  }

  private static final class State {
    final TreeMap<Integer, SegmentState> segments = new TreeMap<>();

    void apply(TrailEvent event) {
      JsonObject p = event.payloadJson();
      if (p.containsKey("role")) {
        // The media server's recordings (Kurento mode) are not browser segments.
        return;
      }
      switch (event.type()) {
        case MEDIA_EVENT -> {
          if (SEGMENT_STARTED.equals(p.getString("kind")) && p.getInteger("segment") != null) {
            segments.put(p.getInteger("segment"), new SegmentState());
          }
        }
        case RECORDING_SLICE -> {
          SegmentState seg = segments.computeIfAbsent(p.getInteger("segment", 0), n -> new SegmentState());
          seg.accept(p.getLong("seq"), p.getLong("offset") + p.getLong("size"), p.getString("sha256"));
        }
        case RECORDING_FINALISED -> {
          SegmentState seg = segments.get(p.getInteger("segment", 0));
          if (seg != null) {
            seg.finalised = true;
          }
        }
        default -> {
        }
      }
    }
  }

  private static final class SegmentState {
    long nextSeq = 1;
    long committedSize;
    boolean finalised;
    final Map<Long, String> hashes = new ConcurrentHashMap<>();

    void accept(long seq, long newSize, String sha256) {
      hashes.put(seq, sha256);
      nextSeq = seq + 1;
      committedSize = newSize;
    }
  }
}
