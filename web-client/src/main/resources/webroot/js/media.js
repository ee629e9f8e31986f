/**
 * Camera and microphone: asking for them, and turning the browser's errors into reasons a person can
 * act on.
 * @module media
 */

/** Why the camera or microphone could not be used. */
export class MediaProblem extends Error {
  /**
   * @param {'permission-denied'|'no-camera'|'camera-busy'|'insecure'|'unsupported'|'media-failed'} reason
   *   also the suffix of the message key `media.error.<reason>`
   * @param {Error} [cause]
   */
  constructor(reason, cause) {
    super(reason);
    this.reason = reason;
    this.cause = cause;
  }
}

/**
 * Opens the camera (the given facing mode preferred, not required) and the microphone.
 * @param {{facingMode?: 'user'|'environment', width?: number, height?: number}} [options]
 * @returns {Promise<MediaStream>}
 */
export async function openCamera({ facingMode = 'user', width = 1280, height = 720 } = {}) {
  if (!window.isSecureContext) throw new MediaProblem('insecure');
  if (!navigator.mediaDevices?.getUserMedia) throw new MediaProblem('unsupported');
  try {
    return await navigator.mediaDevices.getUserMedia({
      audio: { echoCancellation: true, noiseSuppression: true },
      video: { facingMode: { ideal: facingMode }, width: { ideal: width }, height: { ideal: height } },
    });
  } catch (err) {
    throw classify(err);
  }
}

/**
 * Opens only a camera track with another facing mode (to switch front/rear during a call).
 * @param {'user'|'environment'} facingMode
 * @returns {Promise<MediaStreamTrack>}
 */
export async function openVideoTrack(facingMode) {
  try {
    const stream = await navigator.mediaDevices.getUserMedia({
      video: { facingMode: { exact: facingMode }, width: { ideal: 1280 }, height: { ideal: 720 } },
    });
    return stream.getVideoTracks()[0];
  } catch (err) {
    throw classify(err);
  }
}

/**
 * Mutes or unmutes the audio tracks of a stream.
 * @param {MediaStream} stream
 * @param {boolean} muted
 */
export function setMuted(stream, muted) {
  stream.getAudioTracks().forEach((track) => { track.enabled = !muted; });
}

function classify(err) {
  switch (err?.name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return new MediaProblem('permission-denied', err);
    case 'NotFoundError':
    case 'OverconstrainedError':
      return new MediaProblem('no-camera', err);
    case 'NotReadableError':
    case 'AbortError':
      return new MediaProblem('camera-busy', err);
    default:
      return new MediaProblem('media-failed', err);
  }
}
