package io.kanyan.signaling.notify;

import static org.assertj.core.api.Assertions.assertThat;

import io.kanyan.signaling.auth.Sealed;
import io.kanyan.signaling.auth.Signatures;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** What reaches logs and the trail of a phone, an address, a link or a foreign error message; and the sealing. */
class MasksTest {

  @Test
  void masksPhonesAddressesAndInviteTokens() {
    assertThat(Masks.phone("138 0013 8000")).isEqualTo("138****8000");
    assertThat(Masks.email("zhang.san@example.cn")).isEqualTo("z***@example.cn");
    assertThat(Masks.link("https://k.example/applicant.html#invite=AbC-123_xyz")).isEqualTo(
        "https://k.example/applicant.html#invite=…");
  }

  @Test
  void scrubsNumbersAndTokensFromAForeignErrorButKeepsDatesAndPorts() {
    String scrubbed = Masks.scrub("gateway: 13800138000 rejected at 2026-11-30 on port 8443 for invite=AbCdEf0123");
    assertThat(scrubbed).doesNotContain("13800138000").contains("138****8000", "2026-11-30", "8443")
        .doesNotContain("AbCdEf0123");
    assertThat(Masks.scrub("+86 138-0013-8000")).doesNotContain("0013");
  }

  @Test
  void aSealedValueOpensOnlyForWhatItWasBoundTo() {
    Sealed sealed = new Sealed(new byte[32]);
    String box = sealed.seal("13800138000", "a/phone");
    assertThat(box).doesNotContain("13800138000");
    assertThat(sealed.open(box, "a/phone")).isEqualTo("13800138000");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> sealed.open(box, "b/phone"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aSignatureChecksOnlyWithTheSameSecretAndBody() {
    byte[] body = "{\"id\":\"1\"}".getBytes(StandardCharsets.UTF_8);
    String header = Signatures.sign("s3cret", 1_700_000_000L, body);
    assertThat(Signatures.verify("s3cret", header, body)).isTrue();
    assertThat(Signatures.verify("other", header, body)).isFalse();
    assertThat(Signatures.verify("s3cret", header, "{\"id\":\"2\"}".getBytes(StandardCharsets.UTF_8))).isFalse();
    assertThat(Signatures.verify("s3cret", "t=x,v1=00", body)).isFalse();
  }
}
