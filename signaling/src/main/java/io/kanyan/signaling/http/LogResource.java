package io.kanyan.signaling.http;

import static io.kanyan.signaling.http.Api.principal;
import static io.kanyan.signaling.http.Api.respond;

import io.kanyan.recorder.audit.AuditServices;
import io.kanyan.recorder.keys.KeyHistory;
import io.kanyan.recorder.log.SignedTreeHead;
import io.kanyan.recorder.log.note.SignedNote;
import io.kanyan.recorder.timestamp.Timestamps;
import io.kanyan.recorder.trail.Checkpoints;
import io.kanyan.recorder.witness.Attestations;
import io.kanyan.recorder.witness.WitnessPolicy;
import io.kanyan.signaling.Problem;
import io.kanyan.signaling.auth.Principal;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.Base64;
import java.util.Optional;

/**
 * The commitment log as parties outside the server check it: the latest signed tree head with a consistency
 * proof from a size the caller remembers (the auditor's browser), the witnesses' cosignatures and the RFC 3161
 * timestamp of that tree head, and the history of the log's signing keys. See {@code recorder/TRAIL.md}.
 */
public final class LogResource implements Api.Resource {

  private final Vertx vertx;
  private final AuditServices audit;

  public LogResource(Vertx vertx, AuditServices audit) {
    this.vertx = vertx;
    this.audit = audit;
  }

  @Override
  public void mount(Router api) {
    api.get("/audit/log/consistency").handler(respond(this::consistency));
    api.get("/audit/log/keys").handler(respond(this::keys));
    api.get("/audit/log/attestations").handler(respond(this::attestations));
  }

  /**
   * {@code GET /api/audit/log/attestations}: how the witnesses and the TSA are doing, so that a failing one is
   * seen, not only logged: the witness policy, each witness's last error, the last tree head that lacked its
   * quorum, and the TSA's counts of stamped tree heads, failed tries and tree heads still unstamped.
   */
  private Future<JsonObject> attestations(RoutingContext ctx) {
    principal(ctx, Principal.Role.AUDITOR, Principal.Role.ADMIN);
    Attestations attestations = audit.checkpoints().attestations();
    JsonObject answer = new JsonObject().put("witnesses", new JsonObject(attestations.witnesses().status()));
    attestations.timestamps().map(Timestamps::status).ifPresent(t -> answer.put("tsa", new JsonObject()
        .put("tsa", t.tsa()).put("stamped", t.stamped()).put("failedTries", t.failedTries())
        .put("unstamped", t.unstamped()).put("lastError", t.lastError())));
    return Future.succeededFuture(answer);
  }

  /**
   * {@code GET /api/audit/log/consistency?from=<size>}: the latest tree head (with its cosignatures when the
   * witnesses answered) and the RFC 6962 consistency proof from {@code from}. A {@code from} above the current
   * size gets no proof: the log shrank, which the caller reports.
   */
  private Future<JsonObject> consistency(RoutingContext ctx) {
    principal(ctx, Principal.Role.AUDITOR, Principal.Role.ADMIN);
    long from = fromParam(ctx.request().getParam("from"));
    Checkpoints checkpoints = audit.checkpoints();
    Optional<SignedTreeHead> latest = checkpoints.latest();
    JsonObject answer = new JsonObject().put("origin", checkpoints.origin())
        .put("verifierKey", checkpoints.verifierKey()).put("from", from);
    if (latest.isEmpty()) {
      return Future.succeededFuture(answer.put("size", 0L));
    }
    SignedTreeHead sth = latest.get();
    Attestations attestations = checkpoints.attestations();
    answer.put("size", sth.treeSize()).put("root", Base64.getEncoder().encodeToString(sth.root()));
    Future<JsonArray> proof = from > sth.treeSize() ? Future.succeededFuture(null)
        : checkpoints.consistencyProof(from, sth.treeSize()).map(nodes -> {
          JsonArray array = new JsonArray();
          nodes.forEach(node -> array.add(Base64.getEncoder().encodeToString(node)));
          return array;
        });
    Future<JsonObject> outside = vertx.executeBlocking(() -> {
      SignedNote note = attestations.cosigned(sth.treeSize()).filter(n -> n.text().equals(sth.note().text()))
          .orElse(sth.note());
      WitnessPolicy.Check check = attestations.policy().check(note);
      JsonObject witnesses = new JsonObject().put("quorum", check.quorum())
          .put("cosignedBy", new JsonArray(check.cosignedBy())).put("ok", check.ok());
      if (check.failure() != null) {
        witnesses.put("problem", check.failure());
      }
      JsonObject result = new JsonObject().put("treeHead", note.format()).put("witnesses", witnesses);
      attestations.timestamp(sth.treeSize())
          .ifPresent(token -> result.put("timestamp", Base64.getEncoder().encodeToString(token)));
      return result;
    }, false);
    return Future.all(proof, outside).map(all -> answer.put("proof", proof.result())
        .mergeIn(outside.result()));
  }

  private static long fromParam(String value) {
    if (value == null || value.isBlank()) {
      return 0;
    }
    try {
      long from = Long.parseLong(value.trim());
      if (from >= 0) {
        return from;
      }
    } catch (NumberFormatException e) {
      // answered below
    }
    throw Problem.badRequest("bad_size", "from must be a tree size (0, 1, 2, ...), not '" + value + "'");
  }

  /** {@code GET /api/audit/log/keys}: the signed history of the log's keys; public, like the public key. */
  private Future<JsonObject> keys(RoutingContext ctx) {
    return vertx.executeBlocking(() -> KeyHistory.read(AuditServices.keyHistoryFile(audit.checkpoints().settings()))
        .toJson(), false);
  }
}
