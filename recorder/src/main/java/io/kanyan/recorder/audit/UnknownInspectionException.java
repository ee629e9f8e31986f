package io.kanyan.recorder.audit;

/** No trail (or case file) exists for the inspection id asked for: a 404 for an HTTP caller. */
public final class UnknownInspectionException extends RuntimeException {

  public UnknownInspectionException(String inspectionId) {
    super("no inspection " + inspectionId + " is on record; check the id");
  }
}
