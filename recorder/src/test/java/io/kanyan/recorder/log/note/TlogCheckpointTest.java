package io.kanyan.recorder.log.note;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The tlog-checkpoint body, against the example of c2sp.org/tlog-checkpoint. */
class TlogCheckpointTest {

  /** The example in the spec, with its signature line. */
  static final String SPEC_EXAMPLE = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
      + "\n— example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n";

  @Test
  void parsesTheSpecExample() {
    SignedNote note = SignedNote.parse(SPEC_EXAMPLE);
    TlogCheckpoint cp = TlogCheckpoint.parse(note.text());
    assertThat(cp.origin()).isEqualTo("example.com/behind-the-sofa");
    assertThat(cp.size()).isEqualTo(20852163L);
    assertThat(Base64.getEncoder().encodeToString(cp.rootHash())).isEqualTo("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=");
    assertThat(cp.extensions()).isEmpty();
    assertThat(cp.text()).isEqualTo(note.text());
    assertThat(note.signatures().get(0).keyName()).isEqualTo("example.com/behind-the-sofa");
    assertThat(note.format()).isEqualTo(SPEC_EXAMPLE);
  }

  @Test
  void extensionLinesRoundTrip() {
    TlogCheckpoint cp = new TlogCheckpoint("kanyan.example/log", 0, new byte[32], List.of("kanyan 1 x y"));
    assertThat(TlogCheckpoint.parse(cp.text())).isEqualTo(cp);
    assertThat(cp.text()).isEqualTo("kanyan.example/log\n0\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\nkanyan 1 x y\n");
  }

  @Test
  void refusesMalformedBodies() {
    String root = "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=";
    assertThatThrownBy(() -> TlogCheckpoint.parse("o\n012\n" + root + "\n")).hasMessageContaining("leading zeros");
    assertThatThrownBy(() -> TlogCheckpoint.parse("o\n12\n")).hasMessageContaining("three lines");
    assertThatThrownBy(() -> TlogCheckpoint.parse("o\n12\nAAAA\n")).hasMessageContaining("32 bytes");
    assertThatThrownBy(() -> TlogCheckpoint.parse("o\n12\n" + root + "\n\n")).hasMessageContaining("extension");
    assertThatThrownBy(() -> TlogCheckpoint.parse("\n12\n" + root + "\n")).hasMessageContaining("origin");
  }
}
