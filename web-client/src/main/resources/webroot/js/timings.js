/**
 * Join latency, phase by phase, for the join benchmark (signaling/.../bench/JoinLatencyBenchmark): each phase is
 * marked once per page load, as epoch milliseconds (comparable across the two browsers on one machine), in
 * `window.kanyanTimings` and as `performance` marks (`kanyan:<phase>`, visible in the browser's profiler).
 * Phases: tap, cameraOpen, socketOpen, joined, offerSent, offerReceived, answerReceived, iceConnected, firstFrame.
 * @module timings
 */

/** @type {Object<string, number>} */
const timings = {};
window.kanyanTimings = timings;

/**
 * Marks a phase the first time it is reached on this page; later calls are ignored.
 * @param {string} phase
 */
export function mark(phase) {
  if (phase in timings) return;
  timings[phase] = Math.round(performance.timeOrigin + performance.now());
  try { performance.mark(`kanyan:${phase}`); } catch { /* marks are a convenience only */ }
}

/**
 * Marks `firstFrame` when the first frame of a video element's stream is presented.
 * @param {HTMLVideoElement} video
 */
export function markFirstFrame(video) {
  const done = () => mark('firstFrame');
  if ('requestVideoFrameCallback' in video) {
    const watch = () => video.requestVideoFrameCallback(done);
    video.addEventListener('loadedmetadata', watch, { once: true });
  } else {
    video.addEventListener('loadeddata', done, { once: true });
  }
}
