package io.kanyan.signaling.media.kurento;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import org.kurento.client.MediaProfileSpecType;
import org.kurento.client.MediaType;

/**
 * What an SDP answer settled: which media flow and with which video codec; it picks the recorder profile so KMS
 * does not transcode (VP8/VP9 + Opus into WebM, H.264 into MP4).
 *
 * @param audio      an audio m-line is active
 * @param video      a video m-line is active
 * @param videoCodec the first (chosen) video codec, upper case, or "" without video
 */
record Negotiated(boolean audio, boolean video, String videoCodec) {

  /** Reads the active m-lines of an SDP answer and the codec of the first video payload type. */
  static Negotiated fromAnswer(String sdp) {
    boolean audio = false;
    boolean video = false;
    String section = "";
    String videoPayload = null;
    String videoCodec = "";
    for (String line : sdp.split("\r?\n")) {
      if (line.startsWith("m=")) {
        String[] parts = line.substring(2).split(" ");
        section = parts[0];
        boolean active = parts.length > 3 && !parts[1].equals("0");
        if (section.equals("audio") && active) {
          audio = true;
        } else if (section.equals("video") && active && !video) {
          video = true;
          videoPayload = parts[3];
        }
      } else if (section.equals("video") && videoPayload != null && videoCodec.isEmpty()
          && line.startsWith("a=rtpmap:" + videoPayload + " ")) {
        String codec = line.substring(line.indexOf(' ') + 1);
        videoCodec = codec.substring(0, codec.contains("/") ? codec.indexOf('/') : codec.length()).toUpperCase(Locale.ROOT);
      } else if (line.equals("a=inactive")) {
        if (section.equals("audio")) {
          audio = false;
        } else if (section.equals("video")) {
          video = false;
        }
      }
    }
    return new Negotiated(audio, video, video ? videoCodec : "");
  }

  boolean h264() {
    return videoCodec.equals("H264");
  }

  /** The recorder profile: MP4 family for H.264, WebM family otherwise; audio-/video-only variants. */
  MediaProfileSpecType profile() {
    if (h264()) {
      return audio ? MediaProfileSpecType.MP4 : MediaProfileSpecType.MP4_VIDEO_ONLY;
    }
    if (audio && video) {
      return MediaProfileSpecType.WEBM;
    }
    return video ? MediaProfileSpecType.WEBM_VIDEO_ONLY : MediaProfileSpecType.WEBM_AUDIO_ONLY;
  }

  /** The file extension that matches {@link #profile()}. */
  String extension() {
    return h264() ? "mp4" : "webm";
  }

  /** The media types that must flow before recording starts. */
  Set<MediaType> mediaTypes() {
    Set<MediaType> types = EnumSet.noneOf(MediaType.class);
    if (audio) {
      types.add(MediaType.AUDIO);
    }
    if (video) {
      types.add(MediaType.VIDEO);
    }
    return types;
  }
}
