package io.kanyan.recorder.witness;

import io.kanyan.recorder.log.note.MalformedNoteException;
import io.kanyan.recorder.log.note.NoteVerifier;
import io.kanyan.recorder.log.note.SignedNote;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The log's side of the tlog-witness protocol: submits each new signed tree head to every configured witness
 * with a consistency proof from the size that witness last cosigned, and collects the cosignatures that verify
 * under the configured witness keys. A witness that answers 409 states its size; the submission is then made
 * once more from that size. A witness that is down or refuses is logged and reported in {@link #status()};
 * it never stops the checkpoint job.
 */
public final class Witnesses {

  private static final Logger log = LoggerFactory.getLogger(Witnesses.class);
  public static final String WITNESSES = "KANYAN_WITNESSES";

  /** One configured witness: its submission prefix and its cosignature key. */
  public record Endpoint(URI prefix, CosignatureKey key) {
  }

  /** The consistency proof between two sizes of the log (RFC 6962), as the log computes it. */
  @FunctionalInterface
  public interface Proofs {
    Future<List<byte[]>> between(long oldSize, long newSize);
  }

  private final HttpClient http;
  private final List<Endpoint> endpoints;
  private final WitnessPolicy policy;
  /** The size each witness last cosigned, as far as this log knows (by key name). */
  private final Map<String, Long> knownSizes = new ConcurrentHashMap<>();
  private final Map<String, String> lastErrors = new ConcurrentHashMap<>();
  private final AtomicReference<String> lastQuorumFailure = new AtomicReference<>();

  public Witnesses(Vertx vertx, List<Endpoint> endpoints, int quorum) {
    this.http = endpoints.isEmpty() ? null : vertx.createHttpClient();
    this.endpoints = List.copyOf(endpoints);
    this.policy = new WitnessPolicy(endpoints.stream().map(Endpoint::key).toList(), quorum);
  }

  public static List<Endpoint> parseEndpoints(String value) {
    List<Endpoint> endpoints = new ArrayList<>();
    for (String entry : value.split(",")) {
      if (entry.isBlank()) {
        continue;
      }
      String[] parts = entry.trim().split("\\s+");
      if (parts.length != 2) {
        throw new IllegalArgumentException(WITNESSES + " entries are '<submission URL> <witness verifier key>', "
            + "separated by commas: '" + entry.trim() + "'");
      }
      try {
        endpoints.add(new Endpoint(URI.create(parts[0]), CosignatureKey.parseVerifierKey(parts[1])));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(WITNESSES + ": " + e.getMessage(), e);
      }
    }
    return endpoints;
  }

  public WitnessPolicy policy() {
    return policy;
  }

  public boolean isEmpty() {
    return endpoints.isEmpty();
  }

  /**
   * Submits {@code treeHead} (signed by the log) to every witness and returns it with the cosignatures that
   * verify. Never fails: a witness that does not cosign is left out, logged and reported.
   */
  public Future<SignedNote> cosign(SignedNote treeHead, long treeSize, Proofs proofs) {
    List<Future<List<SignedNote.Signature>>> all = endpoints.stream()
        .map(endpoint -> submit(endpoint, treeHead, treeSize, proofs, true)
            .onSuccess(sigs -> lastErrors.remove(endpoint.key().keyName()))
            .recover(err -> {
              lastErrors.put(endpoint.key().keyName(), err.getMessage());
              log.warn("witnesses: {} did not cosign tree head {}: {}", endpoint.prefix(), treeSize, err.getMessage());
              return Future.succeededFuture(List.of());
            }))
        .toList();
    return Future.join(all).map(done -> {
      SignedNote cosigned = treeHead;
      for (Future<List<SignedNote.Signature>> f : all) {
        for (SignedNote.Signature sig : f.result()) {
          cosigned = cosigned.withSignature(sig);
        }
      }
      WitnessPolicy.Check check = policy.check(cosigned);
      if (!check.ok()) {
        lastQuorumFailure.set("tree head " + treeSize + ": " + check.failure());
        log.error("witnesses: tree head {} lacks its witness quorum: {}", treeSize, check.failure());
      } else {
        lastQuorumFailure.set(null);
      }
      return cosigned;
    });
  }

  private Future<List<SignedNote.Signature>> submit(Endpoint endpoint, SignedNote treeHead, long treeSize,
      Proofs proofs, boolean mayRetry) {
    long oldSize = Math.min(knownSizes.getOrDefault(endpoint.key().keyName(), 0L), treeSize);
    return proofs.between(oldSize, treeSize)
        .compose(proof -> post(endpoint, new AddCheckpoint(oldSize, proof, treeHead.format()).format()))
        .compose(response -> response.body().compose(body -> {
          int status = response.statusCode();
          if (status == 200) {
            knownSizes.put(endpoint.key().keyName(), treeSize);
            return Future.succeededFuture(cosignatures(endpoint, treeHead, body.toString()));
          }
          if (status == 409 && mayRetry && AddCheckpoint.SIZE_CONTENT_TYPE.equals(mediaType(response))) {
            long theirs = Long.parseLong(body.toString().trim());
            if (theirs != oldSize && theirs <= treeSize) {
              knownSizes.put(endpoint.key().keyName(), theirs);
              return submit(endpoint, treeHead, treeSize, proofs, false);
            }
          }
          return Future.failedFuture("HTTP " + status + " " + body.toString().trim());
        }));
  }

  private Future<HttpClientResponse> post(Endpoint endpoint, String body) {
    String base = endpoint.prefix().toString();
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST)
        .setAbsoluteURI((base.endsWith("/") ? base : base + "/") + "add-checkpoint")
        .setConnectTimeout(10_000).setIdleTimeout(30_000)
        .putHeader("Content-Type", "text/plain; charset=utf-8");
    return http.request(options).compose(req -> req.send(Buffer.buffer(body)));
  }

  private static String mediaType(HttpClientResponse response) {
    String type = response.getHeader("Content-Type");
    return type == null ? "" : type.split(";")[0].trim();
  }

  /** The response's signature lines that are valid cosignatures by this witness's key (others are ignored). */
  private static List<SignedNote.Signature> cosignatures(Endpoint endpoint, SignedNote treeHead, String body) {
    SignedNote answered = SignedNote.parse(treeHead.text() + "\n" + body);
    List<SignedNote.Signature> valid = new ArrayList<>();
    for (SignedNote.Signature sig : answered.signatures()) {
      SignedNote alone = new SignedNote(treeHead.text(), List.of(sig));
      if (alone.isSignedBy((NoteVerifier) endpoint.key())) {
        valid.add(sig);
      }
    }
    if (valid.isEmpty()) {
      throw new MalformedNoteException("the witness answered no valid cosignature by " + endpoint.key().keyName());
    }
    return valid;
  }

  /** For the health endpoint: the last error per witness and the last tree head that lacked its quorum. */
  public Map<String, Object> status() {
    Map<String, Object> status = new java.util.LinkedHashMap<>();
    status.put("policy", policy.toString());
    status.put("errors", Map.copyOf(lastErrors));
    String quorumFailure = lastQuorumFailure.get();
    if (quorumFailure != null) {
      status.put("lastQuorumFailure", quorumFailure);
    }
    return status;
  }

  public Future<Void> close() {
    return http == null ? Future.succeededFuture() : http.close();
  }
}
