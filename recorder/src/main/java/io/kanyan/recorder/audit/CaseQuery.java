package io.kanyan.recorder.audit;

import java.time.Instant;

/**
 * A search over case files; every criterion is optional. Results are newest first.
 *
 * @param applicantPhone the full number as typed; it is matched through its keyed hash only
 * @param offset         how many matches to skip (paging)
 * @param limit          page size, 1..200
 * @param nonConforming  a checklist item id: only inspections where that item did not conform
 */
public record CaseQuery(
    String caseNumber,
    String inspector,
    String applicantName,
    String applicantPhone,
    String matterType,
    String conclusion,
    CaseFile.Status status,
    Instant from,
    Instant to,
    int offset,
    int limit,
    String nonConforming) {

  public CaseQuery(String caseNumber, String inspector, String applicantName, String applicantPhone,
      String matterType, String conclusion, CaseFile.Status status, Instant from, Instant to, int offset, int limit) {
    this(caseNumber, inspector, applicantName, applicantPhone, matterType, conclusion, status, from, to, offset, limit,
        null);
  }

  public static CaseQuery byInspector(String inspector, int limit) {
    return new CaseQuery(null, inspector, null, null, null, null, null, null, null, 0, limit);
  }
}
