package io.kanyan.signaling.inspection;

/** The two seats of a call. */
public enum Role {
  INSPECTOR("inspector"),
  APPLICANT("applicant");

  private final String wire;

  Role(String wire) {
    this.wire = wire;
  }

  /** The name used in signaling messages and the trail. */
  public String wire() {
    return wire;
  }

  /** The role named {@code wire} ({@link #wire()}). */
  public static Role fromWire(String wire) {
    for (Role r : values()) {
      if (r.wire.equals(wire)) {
        return r;
      }
    }
    throw new IllegalArgumentException("no role '" + wire + "'");
  }

  public Role other() {
    return this == INSPECTOR ? APPLICANT : INSPECTOR;
  }
}
