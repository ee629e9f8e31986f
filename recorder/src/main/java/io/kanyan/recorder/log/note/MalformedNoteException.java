package io.kanyan.recorder.log.note;

/** A note, key or checkpoint that does not follow its C2SP format; the message says where. */
public final class MalformedNoteException extends IllegalArgumentException {

  private static final long serialVersionUID = 1L;

  public MalformedNoteException(String message) {
    super(message);
  }
}
