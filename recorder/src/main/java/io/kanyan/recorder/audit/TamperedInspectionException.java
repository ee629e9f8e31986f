package io.kanyan.recorder.audit;

/**
 * An inspection that the signed commitments hold is missing from Redis (its case record, its trail or
 * both): it was deleted or hidden. Never answered as "not found".
 */
public final class TamperedInspectionException extends RuntimeException {

  private final String inspectionId;

  public TamperedInspectionException(String inspectionId, String what) {
    super(what, null, false, false);
    this.inspectionId = inspectionId;
  }

  public String inspectionId() {
    return inspectionId;
  }
}
