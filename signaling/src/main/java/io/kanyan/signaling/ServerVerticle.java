package io.kanyan.signaling;

import io.kanyan.recorder.audit.AuditServices;
import io.kanyan.recorder.audit.CaseFiles;
import io.kanyan.recorder.trail.Checkpoints;
import io.kanyan.recorder.trail.EventType;
import io.kanyan.recorder.recording.Recordings;
import io.kanyan.recorder.recording.Snapshots;
import io.kanyan.recorder.report.RecordPdf;
import io.kanyan.recorder.report.Records;
import io.kanyan.recorder.report.SigningCertificate;
import io.kanyan.recorder.stats.StatsBackfill;
import io.kanyan.recorder.stats.StatsQuery;
import io.kanyan.recorder.stats.StatsRecorder;
import io.kanyan.recorder.trail.Trail;
import io.kanyan.signaling.auth.Accounts;
import io.kanyan.signaling.auth.Invites;
import io.kanyan.signaling.auth.LoginLimiter;
import io.kanyan.signaling.auth.Passwords;
import io.kanyan.signaling.auth.Revocations;
import io.kanyan.signaling.catalog.Catalogue;
import io.kanyan.signaling.catalog.Checklists;
import io.kanyan.signaling.http.AccountsResource;
import io.kanyan.signaling.http.CatalogResource;
import io.kanyan.signaling.http.ChecklistResource;
import io.kanyan.signaling.http.AuditResource;
import io.kanyan.signaling.http.LogResource;
import io.kanyan.signaling.http.RecordResource;
import io.kanyan.signaling.http.ReadOnlyGuard;
import io.kanyan.signaling.http.StatsResource;
import io.kanyan.signaling.http.ConnectionGuard;
import io.kanyan.signaling.http.Origins;
import io.kanyan.signaling.http.UploadGate;
import io.kanyan.signaling.http.Api;
import io.kanyan.signaling.http.Health;
import io.kanyan.signaling.http.InspectionsResource;
import io.kanyan.signaling.http.PrecheckResource;
import io.kanyan.signaling.http.DeskResource;
import io.kanyan.signaling.desk.DeskDay;
import io.kanyan.signaling.desk.DeskEvents;
import io.kanyan.signaling.desk.DeskStore;
import io.kanyan.signaling.desk.WaitingRoom;
import io.kanyan.signaling.http.UploadsResource;
import io.kanyan.signaling.http.IntegrationsResource;
import io.kanyan.signaling.http.OpenApiResource;
import io.kanyan.signaling.http.BookingResource;
import io.kanyan.signaling.booking.Bookings;
import io.kanyan.signaling.booking.Reminders;
import io.kanyan.signaling.booking.Slots;
import io.kanyan.signaling.auth.Sealed;
import io.kanyan.signaling.integration.IntegrationKeys;
import io.kanyan.signaling.integration.Webhooks;
import io.kanyan.signaling.notify.Contacts;
import io.kanyan.signaling.notify.InviteNotices;
import io.kanyan.signaling.notify.LogNotifier;
import io.kanyan.signaling.notify.MailNotifier;
import io.kanyan.signaling.notify.Notifications;
import io.kanyan.signaling.notify.Notifier;
import io.kanyan.signaling.notify.NotifySettings;
import io.kanyan.signaling.notify.SmsWebhookNotifier;
import java.util.ArrayList;
import java.util.List;
import io.kanyan.signaling.http.PhotosResource;
import io.kanyan.signaling.inspection.PhotoRequests;
import io.kanyan.recorder.recording.Photos;
import io.kanyan.signaling.inspection.Calls;
import io.kanyan.signaling.inspection.Inspections;
import io.kanyan.signaling.inspection.Prechecks;
import io.kanyan.signaling.inspection.Role;
import io.kanyan.signaling.media.Media;
import io.kanyan.signaling.metrics.KanyanMetrics;
import io.kanyan.signaling.metrics.MetricsEndpoint;
import io.kanyan.signaling.shard.CallShards;
import io.kanyan.signaling.tls.Certificates;
import io.kanyan.signaling.ws.Protocol;
import io.kanyan.signaling.ws.SignalingEndpoint;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.ext.web.Router;
import java.time.Clock;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP(S) and WebSocket server. Deployed as a single instance: every per-node job belongs to its event loop.
 * The live calls run on call loops of their own ({@link CallShards}, {@code KANYAN_CALL_LOOPS}), each call on one of
 * them, and every one of these loops takes connections on the node's ports beside this one (HTTP requests are served
 * on all of them: signaling/THREADS.md); with {@code KANYAN_CALL_LOOPS=0}, or with several nodes
 * ({@code KANYAN_CLUSTER}), everything runs on this loop.
 */
public final class ServerVerticle extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(ServerVerticle.class);

  private final Config config;
  private final Storage storage;
  private final Media media;
  private final Passwords passwords;
  private final Clock clock;
  private final KanyanMetrics metrics;
  private HttpServer https;
  private HttpServer metricsServer;
  private HttpServer devHttp;
  private Router router;
  private ConnectionGuard guard;
  private Calls calls;
  private SignalingEndpoint signaling;
  private AuditServices audit;
  private Records records;
  private Future<Integer> recordsSwept = Future.succeededFuture(0);
  private Future<Void> leftovers = Future.succeededFuture();
  private InviteNotices notices;
  private Sealed sealed;
  private Webhooks webhooks;
  private HttpClient webhookClient;
  private HttpClient smsClient;
  private DeskEvents deskEvents;
  private Bookings bookings;
  private Reminders reminders;
  private io.kanyan.signaling.cluster.NodeBus bus;
  private io.kanyan.signaling.cluster.CallLeases leases;
  private CallShards shards;
  private io.kanyan.recorder.stats.StatsWarmUp statsWarmUp;

  public ServerVerticle(Config config, Storage storage, Media media, Passwords passwords, Clock clock) {
    this(config, storage, media, passwords, clock, KanyanMetrics.NONE);
  }

  public ServerVerticle(Config config, Storage storage, Media media, Passwords passwords, Clock clock,
      KanyanMetrics metrics) {
    this.metrics = metrics;
    this.config = config;
    this.storage = storage;
    this.media = media;
    this.passwords = passwords;
    this.clock = clock;
  }

  @Override
  public Future<?> start() {
    Trail trail = new Trail(storage.redis(), clock);
    StatsRecorder stats = new StatsRecorder(storage.redis(), config.zone());
    if (!config.readOnlyInvestigation()) {
      trail.onAppended(e -> stats.record(e).onFailure(err -> log.warn("inspection {}: statistics not counted for {}: {}",
          e.inspectionId(), e.type().code(), err.getMessage())));
    }
    CaseFiles cases = new CaseFiles(storage.redis(), storage.phoneIndexKey());
    Revocations revocations = new Revocations(vertx);
    Accounts accounts = new Accounts(vertx, storage.redis(), passwords,
        new LoginLimiter(storage.redis(), config.loginAttempts(), config.loginWindow(), clock), revocations,
        config.sessionIdle(), clock);
    Invites invites = new Invites(storage.redis(), revocations, config.inviteTtl(), clock);
    io.kanyan.signaling.inspection.CallOwners owners = io.kanyan.signaling.inspection.CallOwners.single(
        config.cluster().nodeName());
    if (config.cluster().enabled()) {
      // Several nodes (signaling/CLUSTER.md): calls owned through leases in Redis, sockets bridged to the owner.
      bus = new io.kanyan.signaling.cluster.NodeBus(vertx, storage.redis(), config.cluster().nodeName());
      leases = new io.kanyan.signaling.cluster.CallLeases(vertx, storage.redis(), bus, config.cluster().lease());
      owners = leases;
    } else if (config.cluster().callLoops() > 0 && !config.readOnlyInvestigation()) {
      // One node, several cores: the calls run on call loops of their own, routed by inspection id (shard/).
      shards = new CallShards(vertx, config.cluster().callLoops());
      owners = shards.owners();
    }
    calls = new Calls(vertx, media, trail, config.gracePeriod(), clock, owners);
    Catalogue catalogue = new Catalogue(storage.redis());
    Checklists checklists = new Checklists(catalogue, trail, clock, config.zone());
    checklists.toApplicant((id, message) -> calls.sendTo(id, Role.APPLICANT, message));
    Inspections inspections = new Inspections(cases, invites, trail, calls, storage.redis(), clock, checklists);
    calls.onConnected(inspections::markStarted);
    calls.locationTrail(config.locationTrail());
    Recordings recordings = new Recordings(vertx, trail, config.dataDir());
    Snapshots snapshots = new Snapshots(vertx, trail, config.dataDir(), clock, config.zone(),
        config.http().snapshotMaxPixels());
    // One gate for the inspector's uploads and the phone's photos: together they are what the server receives.
    UploadGate uploadGate = new UploadGate(config.http().uploadsPerUser(), config.http().uploadsTotal());
    snapshots.warmUp().onFailure(err -> log.warn("snapshots: Java2D warm-up failed: {}", err.getMessage()));
    Records records = records(trail);
    notices = inviteNotices(trail);
    this.records = records;
    Slots slots = new Slots(storage.redis(), clock);
    bookings = new Bookings(storage.redis(), trail, clock, config.booking(), invites);
    reminders = new Reminders(vertx, storage.redis(), bookings, cases, notices, clock,
        config.notifications().longestDelivery());
    // Noted before inspection.ended is appended: a restart before the rendering still renders it (sweep below).
    inspections.beforeConclusion(records::expect);
    io.kanyan.signaling.booking.ClosedInspections closedInspections =
        new io.kanyan.signaling.booking.ClosedInspections(bookings, cases, notices);
    inspections.onClosed(id -> {
      // The record is rendered from the trail once the conclusion is on it; a failure is on the trail (record.failed).
      records.renderIfConcluded(id);
      closedInspections.closed(id); // the appointment ahead released (and told of, if cancelled), the contact deleted
      return recordings.finalise(id, "system").onComplete(x -> recordings.forget(id));
    });
    IntegrationKeys integrationKeys = new IntegrationKeys(storage.redis(), trail, sealed, clock);
    webhookClient = vertx.createHttpClient(new HttpClientOptions()
        .setConnectTimeout((int) config.webhooks().timeout().toMillis()));
    webhooks = new Webhooks(vertx, storage.redis(), trail, integrationKeys, webhookClient, config.webhooks(), clock);
    trail.onAppended(webhooks::onTrailEvent);
    signaling = new SignalingEndpoint(vertx, config, accounts, invites, inspections, calls, revocations, clock);
    metrics.watchTrail(trail);
    metrics.watchCalls(shards != null ? shards::live : calls::size);
    metrics.watchMedia(media);
    metrics.watchCheckpoints(() -> audit == null ? null : audit.checkpoints(), clock);
    signaling.timeRelays(metrics.relayTimer());
    // The desk's live status: kept from the trail on the node that appends, delivered by every node (desk/).
    DeskStore deskStore = new DeskStore(storage.redis(), trail, cases);
    if (!config.readOnlyInvestigation()) {
      trail.onAppended(deskStore::onTrailEvent);
    }
    deskEvents = new DeskEvents(storage.redis(), revocations);
    if (shards != null) {
      // Each call loop tells the waiting applicants of its own calls.
      deskEvents.onChange(shards::deskChanged);
      deskEvents.onResync(shards::deskResync);
      signaling.bridge(shards.bus(), java.time.Duration.ofSeconds(1));
    } else {
      WaitingRoom waitingRoom = new WaitingRoom(deskStore, calls);
      deskEvents.onChange(waitingRoom::changed);
      deskEvents.onResync(waitingRoom::resync);
    }
    if (bus != null) {
      signaling.bridge(bus, config.cluster().lease());
    }
    Future<Void> clustered = bus == null ? Future.succeededFuture() : bus.start().onSuccess(x -> {
      leases.start();
      io.kanyan.signaling.cluster.RevocationRelay.start(vertx, bus);
    });
    if (shards != null) {
      clustered = shards.deploy(vertx, new CallShards.Services(config, accounts, invites, inspections, revocations,
          media, trail, deskStore, metrics.relayTimer(), clock, inspections::markStarted));
    }

    return clustered.compose(x -> AuditServices.start(vertx, storage.redis(), trail, cases, config.dataDir(),
            checkpointSettings(), config.trust(), clock))
        .compose(started -> {
          audit = started;
          inspections.bind(started.binding(), started.committed());
          StatsQuery statsQuery = new StatsQuery(storage.redis(), config.zone(), clock);
          // The statistics page's usual views, read ahead at start and after each midnight (StatsWarmUp).
          statsWarmUp = new io.kanyan.recorder.stats.StatsWarmUp(vertx, statsQuery, clock);
          Router router = Api.router(vertx, accounts, integrationKeys, new Origins(config.publicUrl(), config.allowedOrigins()),
              new Health(storage.redis(), media),
              new ReadOnlyGuard(config.readOnlyInvestigation()),
              new AccountsResource(accounts),
              new InspectionsResource(inspections, config.publicUrl(), config.zone(), notices).bookingWith(bookings),
              new UploadsResource(inspections, calls, recordings, snapshots, trail, config.recordingsDir(),
                  uploadGate, config.dataDir()),
              new PhotosResource(inspections, new Photos(vertx, trail, snapshots, config.dataDir(), clock,
                  config.zone(), Photos.DEFAULT_MAX_PIXELS), new PhotoRequests(trail, calls, checklists, clock),
                  uploadGate, config.dataDir()),
              new CatalogResource(catalogue),
              new PrecheckResource(inspections, new Prechecks(storage.redis(), trail), media),
              new ChecklistResource(inspections),
              new AuditResource(vertx, started, config.zone()),
              new LogResource(vertx, started),
              new RecordResource(inspections, records, trail),
              new IntegrationsResource(integrationKeys, webhooks, inspections, accounts, notices, storage.redis(),
                  config.publicUrl()),
              new OpenApiResource(),
              new DeskResource(new DeskDay(inspections, bookings, deskStore, config.zone(), clock), deskEvents, accounts),
              new BookingResource(slots, bookings, inspections, accounts, notices, clock, config.zone()),
              new io.kanyan.signaling.http.IntegrationBookingResource(slots, bookings, inspections, accounts,
                  integrationKeys, notices, storage.redis(), clock, config.zone()),

              new StatsResource(statsQuery, trail, clock));
          if (config.readOnlyInvestigation()) {
            router.get("/ws").handler(ReadOnlyGuard::refuse);
          } else if (shards != null) {
            // Several loops take connections: each handshake goes to the endpoint of the loop it came in on.
            SignalingEndpoint.mountPerLoop(router, shards.endpointKey());
            signaling.serveHere(shards.endpointKey());
          } else {
            signaling.mount(router);
          }
          this.router = router;
          return accounts.ensureFirstAdmin(config.adminUser(), config.adminPassword())
              .compose(admin -> config.readOnlyInvestigation() ? Future.succeededFuture(admin)
                  : catalogue.seedExamples().map(admin))
              .onSuccess(this::announceAdmin)
              .compose(x -> config.readOnlyInvestigation() ? Future.succeededFuture()
                  : new StatsBackfill(storage.redis(), trail, stats, clock).runOnce()
                      // The statistics are derived data: a failed backfill is logged, never a reason not to serve.
                      .otherwise(err -> {
                        log.warn("statistics: counters not built from the stored trails ({}); they will be at the"
                            + " next start", err.getMessage());
                        return 0L;
                      }))
              .compose(x -> deskEvents.start())
              .compose(x -> listen(router))
              .onSuccess(x -> {
                metrics.watchWebhookQueue(vertx, storage.redis());
                if (!config.readOnlyInvestigation()) {
                  webhooks.start();
                  reminders.start();
                  statsWarmUp.start();
                  recordLeftovers(trail);
                  sweepRecords(records);
                }
              });
        });
  }

  /** The configured notifiers (the log one by default), with retries and the trail. */
  private InviteNotices inviteNotices(Trail trail) {
    NotifySettings n = config.notifications();
    sealed = Sealed.load(n.contactKey(), config.dataDir());
    List<Notifier> notifiers = new ArrayList<>();
    for (String channel : n.channels()) {
      switch (channel) {
        case "sms" -> {
          smsClient = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout((int) n.timeout().toMillis()));
          notifiers.add(new SmsWebhookNotifier(smsClient, n, clock));
        }
        case "email" -> notifiers.add(new MailNotifier(vertx, n));
        default -> notifiers.add(new LogNotifier());
      }
    }
    Notifications notifications = new Notifications(vertx, notifiers, trail, n.attempts(), n.backoff().toMillis());
    return new InviteNotices(notifications, new Contacts(storage.redis(), sealed), config.inviteTtl(), config.zone());
  }

  /**
   * Recordings a previous run left unfinished (it stopped mid-call) are finalised in the background and put
   * on their trails, marked {@code recovered}, so no evidence stays unnoticed on disk.
   */
  private void recordLeftovers(Trail trail) {
    // With several nodes on one recordings directory, a call another node runs now is recording there, not left over.
    leftovers = media.finaliseLeftovers(id -> leases == null ? Future.succeededFuture(false)
        : leases.owner(id).map(owner -> owner != null && !owner.equals(leases.self()))).compose(found -> {
      Future<?> chain = Future.succeededFuture();
      for (Media.Leftover l : found) {
        chain = chain.compose(x -> trail.append(l.eventId(), l.inspectionId(), EventType.RECORDING_FINALISED, "system",
            l.details().copy().put("kind", "recording.file")).compose(e -> l.settle().get()));
      }
      return chain.<Void>mapEmpty();
    }).onFailure(err -> log.error("recordings: leftover recordings not recorded: {}", err.getMessage()));
  }

  /**
   * Records a previous run owed (it stopped between a conclusion and its rendering, or between the last signature
   * and the finalising) are completed in the background, after the server is up.
   */
  private void sweepRecords(Records records) {
    recordsSwept = records.sweep()
        .onSuccess(n -> {
          if (n > 0) {
            log.info("records: {} record(s) left by an earlier run completed", n);
          }
        })
        .onFailure(err -> log.error("records: the records an earlier run owed were not looked at: {}",
            err.getMessage()));
  }

  /** Completes once the records a previous run owed were completed (tests wait on it). */
  public Future<Integer> recordsSwept() {
    return recordsSwept;
  }

  /** The inspections' appointments (the inspector's day is read from them). */
  public Bookings bookings() {
    return bookings;
  }

  /** The inspection records. */
  public Records records() {
    return records;
  }

  /** Inspection records: rendered in the bureau's zone, PDF-signed with the configured (or generated) certificate. */
  private Records records(Trail trail) {
    String base = config.publicUrl() != null ? config.publicUrl() : "https://localhost:" + config.httpsPort();
    return new Records(vertx, trail, storage.redis(), config.dataDir(), new RecordPdf(config.dataDir(), config.zone()),
        () -> SigningCertificate.resolve(config.recordCert(), config.recordKey(), config.dataDir()),
        id -> base + "/auditor.html#inspection=" + id, clock);
  }

  /** Completes once recordings left by a previous run are finalised and on their trails (tests wait on it). */
  public Future<Void> leftoversRecorded() {
    return leftovers;
  }

  /** Signed checkpoints of every chain head: interval, log file and key from the config, else under the data dir. */
  private Checkpoints.Settings checkpointSettings() {
    Checkpoints.Settings defaults = Checkpoints.Settings.under(config.dataDir());
    return new Checkpoints.Settings(config.checkpointInterval(),
        config.checkpointLog() != null ? config.checkpointLog() : defaults.logFile(),
        config.signingKey() != null ? config.signingKey() : defaults.keyFile(),
        config.readOnlyInvestigation(),
        // The checkpoint writer's lease names the node: the same name as the call leases (KANYAN_NODE_NAME).
        config.cluster().nodeName());
  }

  private Future<?> listen(Router router) {
    guard = new ConnectionGuard(vertx, config.http());
    Future<Certificates.PemPair> certificate = !config.tls() ? Future.succeededFuture()
        : vertx.executeBlocking(() -> Certificates.resolve(config.tlsCert(), config.tlsKey(), config.dataDir()));
    int securePort = shared(config.httpsPort());
    int plainPort = shared(config.devHttpPort());
    return certificate.compose(pair -> serveHere(router, pair, securePort, plainPort)
        .compose(servers -> {
          https = servers.https();
          devHttp = servers.plain();
          if (shards == null) {
            return Future.succeededFuture();
          }
          // The call loops take connections on the same ports: Vert.x hands each new one to one of the loops.
          return shards.listen(() -> serveHere(router, pair, securePort, plainPort));
        }))
        .compose(x -> MetricsEndpoint.listen(vertx, metrics)).onSuccess(server -> metricsServer = server);
  }

  /**
   * The port to listen on from every loop. A configured port is shared as it is; port 0 (any free port, as in tests)
   * would give each loop a port of its own, so it becomes a negative number unique to this server: Vert.x binds the
   * first such server to a free port and lets the others with the same number share it.
   */
  private static int shared(int port) {
    return port != 0 ? port : -1 - java.util.concurrent.ThreadLocalRandom.current().nextInt(1 << 30);
  }

  /** The servers one event loop listens with. */
  private record Servers(HttpServer https, HttpServer plain) {
  }

  /**
   * Starts this node's servers on the event loop this is called on: HTTPS (unless TLS is off) and the loopback HTTP
   * port (if on). Each loop that calls it takes a share of the connections on those ports, watched by the loop's own
   * {@link ConnectionGuard.Loop}.
   */
  private Future<Servers> serveHere(Router router, Certificates.PemPair pair, int securePort, int plainPort) {
    ConnectionGuard.Loop watch = guard.forThisLoop();
    Future<HttpServer> secure = Future.succeededFuture();
    if (pair != null) {
      secure = vertx.createHttpServer(options()
              .setSsl(true)
              .setKeyCertOptions(new PemKeyCertOptions().setCertPath(pair.cert().toString())
                  .setKeyPath(pair.key().toString()))
              .setHost(config.httpHost())
              .setPort(securePort))
          .connectionHandler(watch::onConnection)
          .requestHandler(watch.watching(router))
          .listen();
    }
    Future<HttpServer> plain = Future.succeededFuture();
    if (config.devHttp()) {
      // Plain HTTP only on loopback: a browser treats http://localhost as a secure context.
      plain = vertx.createHttpServer(options().setHost("127.0.0.1").setPort(plainPort))
          .connectionHandler(watch::onConnection)
          .requestHandler(watch.watching(router))
          .listen();
    }
    return Future.all(secure, plain).map(all -> new Servers(all.resultAt(0), all.resultAt(1)));
  }

  private HttpServerOptions options() {
    return new HttpServerOptions()
        // The transport takes frames up to 4x the protocol limit; the signaling endpoint assembles messages itself
        // (ws.FrameAssembler: 1009 past 64 KiB however fragmented, 1007 for invalid UTF-8). A larger single frame
        // is refused by Netty, and the endpoint closes that socket with 1009 too. The message size below only
        // bounds Vert.x's own assembly, which the endpoint does not use.
        .setMaxWebSocketFrameSize(4 * Protocol.MAX_MESSAGE_BYTES)
        .setMaxWebSocketMessageSize(4 * Protocol.MAX_MESSAGE_BYTES)
        .setCompressionSupported(true)
        // HTTP/1.1 only: with cleartext HTTP/2 on, a connection is not an HTTP connection (and not seen by the
        // ConnectionGuard) until its first bytes arrive.
        .setHttp2ClearTextEnabled(false)
        // A deflate context per socket costs ~300 KB of native memory; signaling messages are small JSON.
        .setPerMessageWebSocketCompressionSupported(false)
        .setPerFrameWebSocketCompressionSupported(false)
        // Behind HAProxy (send-proxy-v2): every connection starts with a PROXY header naming the real client, so
        // the limits per address (connections, logins, invite reads) see the client, not the balancer.
        .setUseProxyProtocol(config.proxyProtocol())
        // No traffic either way for this long closes a connection; slow-but-moving ones: see ConnectionGuard.
        .setIdleTimeout((int) config.http().idleTimeout().toSeconds())
        .setIdleTimeoutUnit(java.util.concurrent.TimeUnit.SECONDS);
  }

  private void announceAdmin(Optional<String> generated) {
    generated.ifPresent(password -> {
      // Printed once to the console (never to the log): this is the only place the password appears.
      System.out.println();
      System.out.println("==============================================================");
      System.out.println(" First start: created the administrator account");
      System.out.println("   username: " + config.adminUser());
      System.out.println("   password: " + password);
      System.out.println(" It is shown only this once. Log in and create staff accounts.");
      System.out.println("==============================================================");
      System.out.println();
      log.info("user {}: first administrator created with a generated password (shown on the console)",
          config.adminUser());
    });
  }

  @Override
  public Future<?> stop() {
    if (webhooks != null) {
      webhooks.stop();
    }
    metrics.stop(vertx);
    if (reminders != null) {
      reminders.stop();
    }
    if (statsWarmUp != null) {
      statsWarmUp.stop();
    }
    if (leases != null) {
      leases.stop();
      bus.close();
    }
    // The desk's subscription is given up before the verticle counts as stopped: the store's connection closes after.
    return Future.all(List.of(deskEvents == null ? Future.succeededFuture() : deskEvents.stop(),
        shards == null ? Future.succeededFuture() : shards.close(),
        https == null ? Future.succeededFuture() : https.close(),
        metricsServer == null ? Future.succeededFuture() : metricsServer.close(),
        devHttp == null ? Future.succeededFuture() : devHttp.close(),
        audit == null ? Future.succeededFuture() : audit.stop()));
  }

  /** The audit side (checkpoints, verifier, export, archive), once started. */
  public AuditServices audit() {
    return audit;
  }

  /** The HTTPS port actually bound (useful when configured as 0), or -1 when TLS is off. */
  public int httpsPort() {
    return https == null ? -1 : https.actualPort();
  }

  /** The metrics port actually bound (management, {@code GET /metrics}), or -1 when metrics are off. */
  public int metricsPort() {
    return metricsServer == null ? -1 : metricsServer.actualPort();
  }

  /** The loopback HTTP port actually bound, or -1 when off. */
  public int devHttpPort() {
    return devHttp == null ? -1 : devHttp.actualPort();
  }

  /** The router the servers answer with (tests enumerate its routes). */
  public Router router() {
    return router;
  }

  /** The connection watch (its figures). */
  public ConnectionGuard connectionGuard() {
    return guard;
  }

  public Calls calls() {
    return calls;
  }

  /** The call loop an inspection's call runs on; empty when the calls run on the server loop. */
  public Optional<String> callLoopOf(String inspectionId) {
    return shards == null ? Optional.empty() : Optional.of(shards.loopOf(inspectionId));
  }

  /**
   * The sockets open on each event loop that takes connections, by loop name (tests, operators): only {@code server}
   * without call loops. Ask from the server loop's context or outside Vert.x.
   */
  public Future<java.util.Map<String, Integer>> socketsPerLoop() {
    io.vertx.core.Promise<Integer> own = io.vertx.core.Promise.promise();
    context.runOnContext(v -> own.complete(signaling.openConnections()));
    return own.future().compose(n -> shards == null ? Future.succeededFuture(java.util.Map.of("server", n))
        : shards.socketsPerLoop(n));
  }

  /** True while a live call of the inspection is held on this node, on whichever event loop it runs (tests). */
  public Future<Boolean> callLive(String inspectionId) {
    return shards != null ? shards.runs(inspectionId)
        : Future.succeededFuture(calls.get(inspectionId) != null);
  }

  /** The invite notices (tests wait on a delivery through them). */
  public InviteNotices notices() {
    return notices;
  }

  /** The webhook outbox (tests run it on demand). */
  public Webhooks webhooks() {
    return webhooks;
  }

  public SignalingEndpoint signaling() {
    return signaling;
  }
}
