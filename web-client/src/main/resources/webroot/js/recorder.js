/**
 * Peer-to-peer recording in the inspector's browser: the applicant's video with both parties' audio
 * mixed (WebAudio) is recorded by MediaRecorder in short slices; each slice is uploaded as soon as it is
 * produced, in order, with its sequence number and SHA-256, and retried until the server acknowledges it.
 * One run of the recorder is one recording segment on the server.
 * @module recorder
 */
import { api, ApiError, sha256Hex } from './api.js';

const MIME_TYPES = ['video/webm;codecs=vp8,opus', 'video/webm;codecs=vp9,opus', 'video/webm'];
const MAX_RETRY_MS = 8000;
const DRAIN_TIMEOUT_MS = 20000;
/** Statuses after which retrying the same slice cannot succeed. */
const GIVE_UP = new Set([401, 403, 404, 409, 410, 413, 415]);

/**
 * @typedef {object} RecordingProgress
 * @property {number|null} segment server segment number
 * @property {'starting'|'recording'|'stopping'|'stopped'|'failed'} state
 * @property {number} uploadedSlices
 * @property {number} uploadedBytes
 * @property {number} pendingSlices slices produced but not yet acknowledged
 * @property {number} droppedSlices slices the server refused for good (they show as a gap)
 * @property {boolean} retrying the current slice failed at least once
 * @property {string|null} error the last error message
 */

/**
 * @typedef {object} CallRecording
 * @property {() => Promise<RecordingProgress>} stop stops recording and waits (bounded) until every slice is uploaded
 * @property {() => RecordingProgress} progress
 */

/**
 * Starts recording and uploading.
 * @param {object} options
 * @param {string} options.inspectionId
 * @param {AudioContext} options.audioContext created during a user gesture so it runs
 * @param {MediaStream} options.remoteStream the applicant's stream (video + audio)
 * @param {MediaStream} options.localStream the inspector's stream (its audio is mixed in)
 * @param {number} [options.sliceMs=2000]
 * @param {(progress: RecordingProgress) => void} options.onProgress
 * @returns {Promise<CallRecording>}
 */
export async function startCallRecording({ inspectionId, audioContext, remoteStream, localStream, sliceMs = 2000, onProgress }) {
  const mimeType = MIME_TYPES.find((type) => MediaRecorder.isTypeSupported(type)) || '';
  const progress = {
    segment: null, state: 'starting', uploadedSlices: 0, uploadedBytes: 0,
    pendingSlices: 0, droppedSlices: 0, retrying: false, error: null,
  };
  const report = () => onProgress({ ...progress });
  const base = `/api/inspections/${encodeURIComponent(inspectionId)}/recordings`;

  const { segment } = await api(base, { json: { mimeType: mimeType || 'video/webm' } });
  progress.segment = segment;

  const mix = mixAudio(audioContext, [remoteStream, localStream]);
  const tracks = [...remoteStream.getVideoTracks(), ...mix.stream.getAudioTracks()];
  const recorder = new MediaRecorder(new MediaStream(tracks), mimeType ? { mimeType } : {});
  const queue = [];
  let seq = 0;
  let pumping = null;
  let stopped = null;

  const uploadOne = async (slice) => {
    const sha = await sha256Hex(slice.blob);
    for (let delay = 500; ; delay = Math.min(MAX_RETRY_MS, delay * 2)) {
      try {
        await api(`${base}/${segment}/slices/${slice.seq}`, {
          method: 'PUT',
          body: slice.blob,
          headers: { 'Content-Type': 'video/webm', 'X-Content-SHA256': sha },
        });
        progress.uploadedSlices += 1;
        progress.uploadedBytes += slice.blob.size;
        progress.retrying = false;
        return;
      } catch (err) {
        progress.error = err.message;
        if (err instanceof ApiError && GIVE_UP.has(err.status)) {
          progress.droppedSlices += 1;
          return;
        }
        progress.retrying = true;
        report();
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  };

  const pump = async () => {
    while (queue.length) {
      await uploadOne(queue[0]);
      queue.shift();
      progress.pendingSlices = queue.length;
      report();
    }
  };

  recorder.addEventListener('dataavailable', (event) => {
    if (!event.data || event.data.size === 0) return;
    seq += 1;
    queue.push({ seq, blob: event.data });
    progress.pendingSlices = queue.length;
    report();
    if (!pumping) pumping = pump().finally(() => { pumping = null; });
  });
  recorder.addEventListener('error', (event) => {
    progress.state = 'failed';
    // No message: the page says in its own language that the browser stopped recording.
    progress.error = event.error?.message || null;
    report();
  });

  recorder.start(sliceMs);
  progress.state = 'recording';
  report();

  return {
    progress: () => ({ ...progress }),
    stop() {
      stopped ??= (async () => {
        progress.state = 'stopping';
        report();
        if (recorder.state !== 'inactive') {
          const done = new Promise((resolve) => recorder.addEventListener('stop', resolve, { once: true }));
          recorder.stop();
          await done;
        }
        mix.disconnect();
        const deadline = Date.now() + DRAIN_TIMEOUT_MS;
        while ((queue.length || pumping) && Date.now() < deadline) {
          await (pumping || new Promise((resolve) => setTimeout(resolve, 100)));
        }
        progress.state = queue.length ? 'failed' : 'stopped';
        report();
        return { ...progress };
      })();
      return stopped;
    },
  };
}

/** Mixes the audio tracks of several streams into one track. */
function mixAudio(context, streams) {
  const destination = context.createMediaStreamDestination();
  const sources = streams
    .filter((stream) => stream.getAudioTracks().length > 0)
    .map((stream) => {
      const source = context.createMediaStreamSource(new MediaStream(stream.getAudioTracks()));
      source.connect(destination);
      return source;
    });
  return {
    stream: destination.stream,
    disconnect: () => sources.forEach((source) => source.disconnect()),
  };
}
