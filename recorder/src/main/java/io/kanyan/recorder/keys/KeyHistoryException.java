package io.kanyan.recorder.keys;

/** The key history does not hold: names the entry and what is wrong with it. */
public final class KeyHistoryException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public KeyHistoryException(int entry, String problem) {
    super("key history entry " + entry + " " + problem);
  }
}
