package io.kanyan.recorder.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kanyan.recorder.keys.KeyHistory.LogKey;
import io.kanyan.recorder.log.note.Ed25519NoteKey;
import io.kanyan.recorder.log.note.SignedNote;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeyHistoryTest {

  static final String ORIGIN = "kanyan.example/log";
  static final Instant T0 = Instant.parse("2026-11-01T00:00:00Z");

  @TempDir
  Path dir;

  static LogKey newKey() throws Exception {
    KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    return LogKey.of(Ed25519NoteKey.signer(ORIGIN, pair.getPublic(), pair.getPrivate()));
  }

  @Test
  void eachNewKeyIsAnnouncedByTheOneBeforeAndVerified() throws Exception {
    LogKey first = newKey();
    LogKey second = newKey();
    Path file = dir.resolve("key-history.json");
    KeyHistory.ensure(file, first, Optional.empty(), T0);
    KeyHistory history = KeyHistory.ensure(file, second, Optional.of(first), T0.plusSeconds(86_400));

    List<KeyHistory.Entry> entries = KeyHistory.read(file).verify(Optional.of(first.verifier().verifierKey()));
    assertThat(entries).extracting(e -> e.key().verifierKey())
        .containsExactly(first.verifier().verifierKey(), second.verifier().verifierKey());
    assertThat(history.notes().get(1).isSignedBy(first.verifier())).isTrue();
    assertThat(history.notes().get(1).isSignedBy(second.verifier())).isTrue();
    // Starting again with the same key changes nothing.
    assertThat(KeyHistory.ensure(file, second, Optional.empty(), T0.plusSeconds(90_000)).notes())
        .hasSize(2);
  }

  @Test
  void aKeyThatTheLatestKeyDidNotAnnounceIsRefused() throws Exception {
    LogKey first = newKey();
    Path file = dir.resolve("key-history.json");
    KeyHistory.ensure(file, first, Optional.empty(), T0);
    LogKey insiders = newKey();

    // The server will not start on a key the history lacks...
    assertThatThrownBy(() -> KeyHistory.ensure(file, insiders, Optional.empty(), T0.plusSeconds(60)))
        .isInstanceOf(KeyHistoryException.class).hasMessageContaining("KANYAN_SIGNING_PREVIOUS_KEY");
    // ...and a history file with a self-announced second key fails verification.
    KeyHistory forged = KeyHistory.read(file);
    String text = KeyHistory.HEADER + "\n" + ORIGIN + "\n2\n" + insiders.verifier().verifierKey() + "\n"
        + T0.plusSeconds(60).getEpochSecond() + "\n" + KeyHistory.hash(forged.notes().get(0)) + "\n";
    JsonObject json = forged.toJson();
    json.getJsonArray("entries").add(SignedNote.sign(text, insiders.signer()).format());
    assertThatThrownBy(() -> KeyHistory.fromJson(json).verify(Optional.empty()))
        .isInstanceOf(KeyHistoryException.class)
        .hasMessage("key history entry 2 is not signed by the key before it: a key no one announced");
  }

  @Test
  void anEditedOrReorderedHistoryIsNamedByEntry() throws Exception {
    LogKey a = newKey();
    LogKey b = newKey();
    LogKey c = newKey();
    KeyHistory history = KeyHistory.empty().announce(Optional.empty(), a, T0)
        .announce(Optional.of(a), b, T0.plusSeconds(10))
        .announce(Optional.of(b), c, T0.plusSeconds(20));
    assertThat(history.keys()).hasSize(3);

    List<Object> dropped = new ArrayList<>(history.toJson().getJsonArray("entries").getList());
    dropped.remove(1);
    assertThatThrownBy(() -> KeyHistory.fromJson(new JsonObject().put("entries", new JsonArray(dropped)))
        .verify(Optional.empty()))
        .hasMessageContaining("entry 2 is numbered 3");

    LogKey other = newKey();
    assertThatThrownBy(() -> history.verify(Optional.of(other.verifier().verifierKey())))
        .hasMessageContaining("entry 1 is not the pinned first key");

    String tampered = history.toJson().encode().replace("\\n" + T0.plusSeconds(10).getEpochSecond() + "\\n",
        "\\n" + T0.plusSeconds(11).getEpochSecond() + "\\n");
    assertThatThrownBy(() -> KeyHistory.fromJson(new JsonObject(tampered)).verify(Optional.empty()))
        .hasMessageContaining("entry 2 is not signed by the key it announces");
  }

  @Test
  void aRetiredKeyCannotComeBack() throws Exception {
    LogKey a = newKey();
    LogKey b = newKey();
    Path file = dir.resolve("key-history.json");
    KeyHistory.ensure(file, a, Optional.empty(), T0);
    KeyHistory.ensure(file, b, Optional.of(a), T0.plusSeconds(5));
    assertThatThrownBy(() -> KeyHistory.ensure(file, a, Optional.of(b), T0.plusSeconds(9)))
        .hasMessageContaining("retired");
    assertThat(Files.readString(file)).contains(b.verifier().verifierKey());
  }

  @Test
  void everyKeySignsUnderTheFirstEntrysOrigin() throws Exception {
    LogKey first = newKey();
    KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    LogKey elsewhere = LogKey.of(Ed25519NoteKey.signer("kanyan.example/another-log", pair.getPublic(), pair.getPrivate()));
    KeyHistory history = KeyHistory.empty().announce(Optional.empty(), first, T0);
    assertThatThrownBy(() -> history.announce(Optional.of(first), elsewhere, T0.plusSeconds(5)))
        .hasMessageContaining("must sign under the log's origin " + ORIGIN);

    // Signed by both keys and linked, but naming another log: the history fails.
    String text = KeyHistory.HEADER + "\nkanyan.example/another-log\n2\n" + elsewhere.verifier().verifierKey() + "\n"
        + T0.plusSeconds(5).getEpochSecond() + "\n" + KeyHistory.hash(history.notes().get(0)) + "\n";
    JsonObject json = history.toJson();
    json.getJsonArray("entries").add(SignedNote.sign(text, first.signer(), elsewhere.signer()).format());
    assertThatThrownBy(() -> KeyHistory.fromJson(json).verify(Optional.empty()))
        .isInstanceOf(KeyHistoryException.class)
        .hasMessageContaining("key history entry 2 names the log 'kanyan.example/another-log', not '" + ORIGIN);
  }
}
