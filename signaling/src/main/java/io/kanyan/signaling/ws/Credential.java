package io.kanyan.signaling.ws;

import io.kanyan.signaling.Problem;
import io.kanyan.signaling.auth.Accounts;
import io.kanyan.signaling.auth.Invites;
import io.kanyan.signaling.auth.Principal;
import io.kanyan.signaling.auth.Tokens;
import io.kanyan.signaling.inspection.Inspections;
import io.vertx.core.Future;
import java.util.List;

/**
 * What a signaling connection was opened with (a staff session or an applicant invite): the keys under which a
 * revocation finds the connection, and a re-check against the store before a seat is taken or the trail is
 * written in its name.
 */
abstract sealed class Credential {

  /** Registry keys: {@code session:<digest>} and {@code user:<name>}, or {@code invite:<digest>}. */
  abstract List<String> keys();

  /**
   * Checks that the credential still works.
   *
   * @param seating true for {@code join}: an invite must then also be unexpired and its inspection open
   * @return a failed future with a {@link Problem} whose code says why when it no longer does
   */
  abstract Future<Void> recheck(boolean seating);

  /**
   * What the node that runs the call needs to authenticate this connection again when its socket is bridged there
   * ({@link Bridge}): the kind and the token. It travels only between the nodes, through Redis, which holds the
   * sessions and invites anyway.
   */
  abstract io.vertx.core.json.JsonObject attachment();

  static String key(io.kanyan.signaling.auth.Revocations.Revoked r) {
    return switch (r.kind()) {
      case SESSION -> "session:" + r.key();
      case USER -> "user:" + r.key();
      case INVITE -> "invite:" + r.key();
    };
  }

  static Credential staff(Accounts accounts, String token, Principal principal) {
    return new Staff(accounts, token, principal);
  }

  static Credential invite(Inspections inspections, Invites invites, String token, String inspectionId) {
    return new Invite(inspections, invites, token, inspectionId);
  }

  static final class Staff extends Credential {
    private final Accounts accounts;
    private final String token;
    private final Principal principal;

    Staff(Accounts accounts, String token, Principal principal) {
      this.accounts = accounts;
      this.token = token;
      this.principal = principal;
    }

    @Override
    List<String> keys() {
      return List.of("session:" + Tokens.digest(token), "user:" + principal.username());
    }

    @Override
    io.vertx.core.json.JsonObject attachment() {
      return new io.vertx.core.json.JsonObject().put("kind", "staff").put("token", token);
    }

    /** Also renews the session's idle time: a staff member in a call is active. */
    @Override
    Future<Void> recheck(boolean seating) {
      return accounts.session(token).compose(p -> p.isPresent() && p.get().username().equals(principal.username())
          ? Future.succeededFuture()
          : Future.failedFuture(Problem.unauthorized("session_ended",
              "your login has ended (logged out, expired or the account was disabled); log in again")));
    }
  }

  static final class Invite extends Credential {
    private final Inspections inspections;
    private final Invites invites;
    private final String token;
    private final String inspectionId;

    Invite(Inspections inspections, Invites invites, String token, String inspectionId) {
      this.inspections = inspections;
      this.invites = invites;
      this.token = token;
      this.inspectionId = inspectionId;
    }

    @Override
    List<String> keys() {
      return List.of("invite:" + Tokens.digest(token));
    }

    @Override
    io.vertx.core.json.JsonObject attachment() {
      return new io.vertx.core.json.JsonObject().put("kind", "invite").put("token", token);
    }

    /** At {@code join} the invite must still admit to an open inspection; later only a revocation ends it. */
    @Override
    Future<Void> recheck(boolean seating) {
      Future<String> admits = seating ? inspections.forInvite(token).map(f -> f.id()) : invites.resolve(token)
          .recover(err -> err instanceof Problem p && p.code().equals("invite_expired")
              ? Future.succeededFuture(inspectionId) : Future.failedFuture(err));
      return admits.recover(err -> Future.failedFuture(err instanceof Problem p && p.code().equals("invite_unknown")
              ? revoked() : err))
          .compose(id -> id.equals(inspectionId) ? Future.succeededFuture() : Future.failedFuture(revoked()));
    }

    private static Problem revoked() {
      return Problem.unauthorized("invite_revoked",
          "this invitation link was replaced or cancelled; ask the inspector for the current link");
    }
  }
}
