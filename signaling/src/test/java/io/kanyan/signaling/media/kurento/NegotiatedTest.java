package io.kanyan.signaling.media.kurento;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.kurento.client.MediaProfileSpecType;
import org.kurento.client.MediaType;

class NegotiatedTest {

  @Test
  void vp8AndOpusRecordIntoWebm() {
    Negotiated n = Negotiated.fromAnswer(FakeSdp.answer(FakeSdp.offer("VP8", "H264"), 1));
    assertThat(n.videoCodec()).isEqualTo("VP8");
    assertThat(n.profile()).isEqualTo(MediaProfileSpecType.WEBM);
    assertThat(n.extension()).isEqualTo("webm");
    assertThat(n.mediaTypes()).containsExactlyInAnyOrder(MediaType.AUDIO, MediaType.VIDEO);
  }

  @Test
  void h264RecordsIntoMp4() {
    Negotiated n = Negotiated.fromAnswer(FakeSdp.answer(FakeSdp.offer("H264", "VP8"), 1));
    assertThat(n.profile()).isEqualTo(MediaProfileSpecType.MP4);
    assertThat(n.extension()).isEqualTo("mp4");
  }

  @Test
  void rejectedOrInactiveVideoRecordsAudioOnly() {
    String answer = "v=0\r\nm=audio 1 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 opus/48000/2\r\n"
        + "m=video 0 UDP/TLS/RTP/SAVPF 96\r\na=rtpmap:96 VP8/90000\r\n";
    assertThat(Negotiated.fromAnswer(answer).profile()).isEqualTo(MediaProfileSpecType.WEBM_AUDIO_ONLY);
    String inactive = "v=0\r\nm=audio 1 UDP/TLS/RTP/SAVPF 111\r\na=inactive\r\n"
        + "m=video 1 UDP/TLS/RTP/SAVPF 96\r\na=rtpmap:96 VP8/90000\r\n";
    assertThat(Negotiated.fromAnswer(inactive).profile()).isEqualTo(MediaProfileSpecType.WEBM_VIDEO_ONLY);
  }

  @Test
  void readsTheAnswerARealKmsGaveInTheCapturedCall() throws Exception {
    Path call = Path.of("/work/shared/kurento-transcripts/call.jsonl");
    Assumptions.assumeTrue(Files.exists(call));
    String answer = Files.readAllLines(call).stream()
        .map(io.vertx.core.json.JsonObject::new)
        .filter(o -> "kms->client".equals(o.getString("dir")) && o.getJsonObject("msg").getValue("result") instanceof io.vertx.core.json.JsonObject r
            && r.getValue("value") instanceof String v && v.startsWith("v=0") && v.contains("Kurento"))
        .map(o -> o.getJsonObject("msg").getJsonObject("result").getString("value"))
        .findFirst().orElseThrow();
    Negotiated n = Negotiated.fromAnswer(answer);
    assertThat(n.audio()).isTrue();
    assertThat(n.video()).isTrue();
    assertThat(n.videoCodec()).isEqualTo("VP8");
    assertThat(n.profile()).isEqualTo(MediaProfileSpecType.WEBM);
  }
}
