package io.kanyan.signaling.auth;

/** A logged-in staff member. */
public record Principal(String username, String displayName, Role role) {

  /** Staff roles. Applicants have no account and no principal. */
  public enum Role {
    INSPECTOR("inspector"), AUDITOR("auditor"), ADMIN("admin");

    private final String wire;

    Role(String wire) {
      this.wire = wire;
    }

    public String wire() {
      return wire;
    }

    public static Role fromWire(String wire) {
      for (Role r : values()) {
        if (r.wire.equals(wire)) {
          return r;
        }
      }
      throw new IllegalArgumentException("role must be inspector, auditor or admin, not '" + wire + "'");
    }
  }

  /** The trail's actor name for this person. */
  public String actor() {
    return "user:" + username;
  }

  public boolean canReadAll() {
    return role == Role.AUDITOR || role == Role.ADMIN;
  }
}
