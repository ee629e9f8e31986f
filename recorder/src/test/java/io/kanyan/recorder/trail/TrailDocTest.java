package io.kanyan.recorder.trail;

import static org.assertj.core.api.Assertions.assertThat;

import io.kanyan.recorder.log.Leaf;
import io.kanyan.recorder.log.SignedTreeHead;
import io.kanyan.recorder.log.note.TlogCheckpoint;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Keeps the worked example in {@code recorder/TRAIL.md} true: every value there is computed here. */
class TrailDocTest {

  static final String ID = "e-0001";
  static final String INSPECTION = "9d2c4f7a-1b3e-4c5d-8e6f-0a1b2c3d4e5f";
  static final Instant TIME = Instant.parse("2026-11-26T02:30:00.000Z");
  static final String PAYLOAD = "{\"caseNumber\":\"KY-2026-0001\",\"matterType\":\"餐饮许可\"}";

  static List<String> values() {
    String hash1 = Chain.hash(ID, INSPECTION, 1, EventType.INSPECTION_CREATED, "user:wang", TIME, PAYLOAD, Chain.GENESIS);
    String hash2 = Chain.hash("e-0002", INSPECTION, 2, EventType.PARTICIPANT_JOINED, "applicant",
        TIME.plusMillis(61_250), "{\"role\":\"applicant\"}", hash1);
    String netstrings = new String(Chain.netstrings(List.of(Chain.VERSION, ID, INSPECTION, "1",
        EventType.INSPECTION_CREATED.code(), "user:wang", Chain.formatTime(TIME), PAYLOAD, Chain.GENESIS)),
        StandardCharsets.UTF_8);
    HexFormat hex = HexFormat.of();
    String leaf = hex.formatHex(new Leaf(INSPECTION, 2, hash2).hash());
    String otherLeaf = hex.formatHex(new Leaf("a0000000-other", 7, "11".repeat(32)).hash());
    // A checkpoint's new leaves are sorted by inspection id: "9d2c..." sorts before "a000...", so ours is leaf 0.
    byte[] root = Merkle.nodeHash(hex.parseHex(leaf), hex.parseHex(otherLeaf));
    TlogCheckpoint body = new TlogCheckpoint("kanyan/ffffffffffffffff", 2, root,
        List.of(SignedTreeHead.EXTENSION + " 1 2026-11-26T02:32:00.000Z " + Chain.GENESIS));
    String text = body.text();
    String textHash = hex.formatHex(Chain.sha256().digest(text.getBytes(StandardCharsets.UTF_8)));
    return List.of(netstrings, hash1, hash2, leaf, otherLeaf, hex.formatHex(root),
        java.util.Base64.getEncoder().encodeToString(root), text, textHash);
  }

  @Test
  void trailMdHoldsTheComputedWorkedExample() throws Exception {
    Path doc = Path.of("TRAIL.md");
    String text = Files.readString(doc);
    for (String value : values()) {
      assertThat(text).as("TRAIL.md must contain this computed value; update the worked example").contains(value);
    }
  }

  public static void main(String[] args) {
    values().forEach(System.out::println);
  }
}
