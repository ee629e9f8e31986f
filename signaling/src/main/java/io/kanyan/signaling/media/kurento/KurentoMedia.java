package io.kanyan.signaling.media.kurento;

import io.kanyan.signaling.inspection.Role;
import io.kanyan.signaling.media.CallMedia;
import io.kanyan.signaling.media.IceServers;
import io.kanyan.signaling.media.Media;
import io.kanyan.signaling.media.MediaListener;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import java.time.Clock;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kurento mode: every call's media goes through a Kurento Media Server, which records each participant.
 * See {@code signaling/KURENTO.md} for the topology, recording, lifecycle and failure handling.
 *
 * <p>Create it with {@link #start(Vertx, KurentoSettings, IceServers)}: it connects to the pool and releases this
 * server's stale pipelines before it takes calls.
 */
public final class KurentoMedia implements Media {

  private static final Logger log = LoggerFactory.getLogger(KurentoMedia.class);
  private static final Pattern SAFE_ID = Pattern.compile("[A-Za-z0-9_-]{1,128}");
  private static final Pattern SEGMENT = Pattern.compile("(inspector|applicant)-(\\d+)\\..*");

  private final Vertx vertx;
  private final KurentoSettings settings;
  private final IceServers iceServers;
  private final KmsPool pool;
  private final Segments segments;

  /** Builds the media without connecting; call {@link #startPool()} (or use {@link #start}). */
  public KurentoMedia(Vertx vertx, KurentoSettings settings, IceServers iceServers) {
    this(vertx, settings, iceServers, Clock.systemUTC());
  }

  /** As {@link #KurentoMedia(Vertx, KurentoSettings, IceServers)}, with the clock that times recording gaps. */
  public KurentoMedia(Vertx vertx, KurentoSettings settings, IceServers iceServers, Clock clock) {
    this.vertx = vertx;
    this.settings = settings;
    this.iceServers = iceServers;
    this.segments = new Segments(clock);
    this.pool = new KmsPool(vertx, settings);
  }

  /** Builds the media, connects to every configured media server and releases stale pipelines. */
  public static Future<KurentoMedia> start(Vertx vertx, KurentoSettings settings, IceServers iceServers) {
    KurentoMedia media = new KurentoMedia(vertx, settings, iceServers);
    return media.startPool().map(media);
  }

  /** Connects the pool (bounded by the connect timeout per media server); never fails. */
  public Future<Void> startPool() {
    return pool.start();
  }

  @Override
  public String mode() {
    return "kurento";
  }

  @Override
  public JsonArray iceServersFor(String inspectionId) {
    return iceServers.forBrowser(inspectionId);
  }

  @Override
  public Future<CallMedia> open(String inspectionId, MediaListener listener) {
    if (inspectionId == null || !SAFE_ID.matcher(inspectionId).matches()) {
      return Future.failedFuture(new KmsException("inspection id '" + inspectionId
          + "' cannot name a recordings directory (letters, digits, '-' and '_' only)"));
    }
    Context context = vertx.getOrCreateContext();
    return firstSegments(inspectionId).map(first -> new KurentoCallMedia(this, inspectionId, listener, context, first));
  }

  /** Continues numbering after the segments already on disk, so a restarted server never overwrites one. */
  private Future<Map<Role, Integer>> firstSegments(String inspectionId) {
    String dir = settings.recordingsDir().resolve(inspectionId).toString();
    return vertx.fileSystem().exists(dir)
        .compose(exists -> exists ? vertx.fileSystem().readDir(dir) : Future.succeededFuture(List.<String>of()))
        .map(files -> {
          Map<Role, Integer> next = new EnumMap<>(Role.class);
          for (String path : files) {
            Matcher m = SEGMENT.matcher(java.nio.file.Path.of(path).getFileName().toString());
            if (m.matches()) {
              Role role = m.group(1).equals("inspector") ? Role.INSPECTOR : Role.APPLICANT;
              next.merge(role, Integer.parseInt(m.group(2)) + 1, Math::max);
            }
          }
          return next;
        });
  }

  @Override
  public Future<List<Leftover>> finaliseLeftovers(java.util.function.Function<String, Future<Boolean>> liveElsewhere) {
    return LeftoverRecordings.finalise(vertx, settings.recordingsDir(), liveElsewhere);
  }

  @Override
  public io.vertx.core.json.JsonObject servers() {
    return new io.vertx.core.json.JsonObject().put("reachable", pool.liveCount()).put("of", pool.members().size());
  }

  @Override
  public int pipelines() {
    return pool.members().stream().mapToInt(KmsMember::load).sum();
  }

  @Override
  public Future<Void> close() {
    log.info("kurento: closing the media server pool");
    return pool.close();
  }

  Segments segments() {
    return segments;
  }

  KmsPool pool() {
    return pool;
  }

  Vertx vertx() {
    return vertx;
  }

  KurentoSettings settings() {
    return settings;
  }

  IceServers iceServers() {
    return iceServers;
  }
}
