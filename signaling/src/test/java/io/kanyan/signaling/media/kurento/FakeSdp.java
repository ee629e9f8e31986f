package io.kanyan.signaling.media.kurento;

import java.util.ArrayList;
import java.util.List;

/** Plausible SDP answers in the shape KMS 7.3 gives (see call.jsonl): one codec per m-line, BUNDLE, ICE lite. */
final class FakeSdp {

  private FakeSdp() {
  }

  /** A browser-like offer with audio (Opus) and video; {@code videoCodecs} in preference order, e.g. "VP8". */
  static String offer(String... videoCodecs) {
    StringBuilder sdp = new StringBuilder("v=0\r\no=- 5691228601258082842 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
        + "a=group:BUNDLE 0 1\r\na=msid-semantic: WMS s1\r\n"
        + "m=audio 9 UDP/TLS/RTP/SAVPF 111 0 8\r\nc=IN IP4 0.0.0.0\r\na=ice-ufrag:rytJ\r\n"
        + "a=ice-pwd:mFXB2Z7aWKn+9W/zrEPUCEY0\r\na=ice-options:trickle\r\na=setup:actpass\r\na=mid:0\r\n"
        + "a=sendrecv\r\na=rtcp-mux\r\na=rtpmap:111 opus/48000/2\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n");
    StringBuilder payloads = new StringBuilder();
    StringBuilder maps = new StringBuilder();
    int pt = 96;
    for (String codec : videoCodecs) {
      payloads.append(' ').append(pt);
      maps.append("a=rtpmap:").append(pt).append(' ').append(codec).append("/90000\r\n");
      pt++;
    }
    sdp.append("m=video 9 UDP/TLS/RTP/SAVPF").append(payloads).append("\r\nc=IN IP4 0.0.0.0\r\n")
        .append("a=ice-ufrag:rytJ\r\na=ice-pwd:mFXB2Z7aWKn+9W/zrEPUCEY0\r\na=setup:actpass\r\na=mid:1\r\na=sendrecv\r\n")
        .append("a=rtcp-mux\r\n").append(maps);
    return sdp.toString();
  }

  /**
   * Answers an offer as KMS does: each active m-line keeps its first payload type only. An offer without m-lines
   * gets an answer without m-lines (errors.jsonl); an m-line that does not parse ({@code m=video garbage}) is
   * answered as rejected and inactive ({@code m=video 0 ...} + {@code a=inactive}), which is what KMS 7.3 answered to
   * the six {@code v=0} garbage offers tried against it (issue 11): the request succeeds, no media is negotiated.
   */
  static String answer(String offer, long version) {
    List<String> out = new ArrayList<>(List.of("v=0", "o=- " + version + " " + version + " IN IP4 0.0.0.0",
        "s=Kurento Media Server", "c=IN IP4 0.0.0.0", "t=0 0"));
    String[] lines = offer.split("\r?\n");
    List<String> mids = new ArrayList<>();
    String firstPayload = null;
    for (String line : lines) {
      if (line.startsWith("m=")) {
        String[] parts = line.split(" ");
        boolean valid = parts.length > 3 && parts[1].matches("\\d+") && parts[2].contains("RTP");
        if (!valid) {
          firstPayload = null;
          out.add(parts[0] + " 0 RTP/AVP 0");
          out.add("a=inactive");
          continue;
        }
        firstPayload = parts[3];
        out.add(parts[0] + " 1 " + parts[2] + " " + firstPayload);
        out.add("a=sendrecv");
        out.add("a=setup:active");
        out.add("a=rtcp-mux");
        out.add("a=ice-ufrag:FV08");
        out.add("a=ice-pwd:ZD0yqBBlhKft35xnbtwh39");
        // KMS's certificate fingerprint as in call.jsonl: browsers refuse an answer without one.
        out.add("a=fingerprint:sha-256 93:97:4E:91:1D:26:77:31:CC:B4:18:35:FE:FA:8E:82:01:31:4A:02:D5:CA:48:CB:FA:2F:"
            + "AB:8E:4C:DC:36:B8");
      } else if (line.startsWith("a=mid:") && firstPayload != null) {
        out.add(line);
        mids.add(line.substring("a=mid:".length()));
      } else if (firstPayload != null && line.startsWith("a=rtpmap:" + firstPayload + " ")) {
        out.add(line);
      }
    }
    if (!mids.isEmpty()) {
      out.add(5, "a=group:BUNDLE " + String.join(" ", mids));
    }
    return String.join("\r\n", out) + "\r\n";
  }
}
