package io.kanyan.recorder.witness;

import io.kanyan.recorder.log.note.MalformedNoteException;
import io.kanyan.recorder.log.note.NoteVerifier;
import io.kanyan.recorder.log.note.SignedNote;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Which witnesses a verifier relies on and how many of them must have cosigned a tree head (k of n). Each
 * witness counts once, however many lines it has on the note; a cosignature line that matches a configured
 * witness but does not verify makes the tree head fail (the note was altered).
 *
 * @param witnesses the witnesses' cosignature verifier keys
 * @param quorum    how many of them must have cosigned; 0 when no witness is required
 */
public record WitnessPolicy(List<CosignatureKey> witnesses, int quorum) {

  /** {@code KANYAN_WITNESS_QUORUM}: k of the n keys in {@code KANYAN_WITNESSES} (default: all of them). */
  public static final String QUORUM = "KANYAN_WITNESS_QUORUM";

  public WitnessPolicy {
    witnesses = List.copyOf(witnesses);
    if (quorum < 0 || quorum > witnesses.size()) {
      throw new IllegalArgumentException(QUORUM + " must be between 0 and the number of witnesses ("
          + witnesses.size() + "), not " + quorum);
    }
  }

  public static WitnessPolicy none() {
    return new WitnessPolicy(List.of(), 0);
  }

  /** The outcome for one tree head: who cosigned, and whether that is enough. */
  public record Check(int quorum, List<String> cosignedBy, String problem) {

    public boolean ok() {
      return problem == null && cosignedBy.size() >= quorum;
    }

    /** What went wrong, in words, or null. */
    public String failure() {
      if (problem != null) {
        return problem;
      }
      return cosignedBy.size() >= quorum ? null : "cosigned by " + cosignedBy.size() + " of the " + quorum
          + " required witnesses" + (cosignedBy.isEmpty() ? "" : " (" + String.join(", ", cosignedBy) + ")");
    }
  }

  /** Counts the configured witnesses whose cosignature on {@code treeHead} verifies. */
  public Check check(SignedNote treeHead) {
    try {
      List<NoteVerifier> verified = treeHead.verifiedBy(new ArrayList<NoteVerifier>(witnesses));
      return new Check(quorum, verified.stream().map(NoteVerifier::keyName).toList(), null);
    } catch (MalformedNoteException e) {
      return new Check(quorum, List.of(), "a witness cosignature does not verify: " + e.getMessage());
    }
  }

  /** Parses verifier keys separated by commas or white space. */
  public static List<CosignatureKey> parseKeys(String keys) {
    return Arrays.stream(keys.split("[,\\s]+")).filter(s -> !s.isBlank()).map(CosignatureKey::parseVerifierKey)
        .toList();
  }

  @Override
  public String toString() {
    return quorum + " of " + witnesses.stream().map(CosignatureKey::keyName).collect(Collectors.joining(", "));
  }

  /** Keyed by name, for reports. */
  public Map<String, CosignatureKey> byName() {
    return witnesses.stream().collect(Collectors.toMap(CosignatureKey::keyName, k -> k, (a, b) -> a));
  }
}
