/**
 * Video that follows the network (peer-to-peer calls).
 *
 * - The phone ({@link createVideoSender}) sets its video sender's encoding (RTCRtpSender.setParameters:
 *   `scaleResolutionDownBy`, `maxFramerate`, `maxBitrate`) from getStats every reading: the bandwidth the browser
 *   estimates for sending (`availableOutgoingBitrate`), less what the inspector's side reports lost
 *   (`remote-inbound-rtp` `fractionLost`) and a long round trip. It picks a rung of a ladder: "smooth" trades
 *   resolution for frame rate, "sharp" (the inspector's "sharper, slower") keeps the resolution and gives up
 *   frames. It steps down at once, and up only after {@link UP_AFTER} readings in a row allow it.
 * - The desk ({@link createVideoWatch}) reads what arrives (resolution, frames per second, bitrate) for the
 *   inspector's quality line and decides the fallback: when audio arrives but every reading of the video stays
 *   under its floor ({@link FLOOR_FPS} frames/s, {@link SHARP_FLOOR_FPS} in sharp mode) for {@link FLOOR_MS}, the call falls back to
 *   audio and full-resolution stills (the phone stops sending video; photos still come from its camera). It then
 *   probes: the phone sends the lowest rung for {@link PROBE_MS}, and if enough frames arrive the video is back,
 *   otherwise it waits longer before the next probe. Every change is a `video-fallback` message (PROTOCOL.md).
 * @module bandwidth
 */

/** Under this many frames per second (smooth video) for {@link FLOOR_MS}, the call falls back to audio and stills. */
export const FLOOR_FPS = 5;
/** The floor in "sharper, slower" mode, where the inspector asked for few frames. */
export const SHARP_FLOOR_FPS = 2;
export const FLOOR_MS = 10000;
/** A probe sends video for this long; the frame rate of its second half decides. */
export const PROBE_MS = 10000;
/** The first probe after falling back, and the longest wait between probes (doubling after each failed one). */
const FIRST_PROBE_MS = 15000;
const MAX_PROBE_MS = 60000;
/** Readings that must agree before the phone steps up a rung. */
const UP_AFTER = 3;
/** What the audio takes of the estimated bandwidth (Opus at its default rate, with packet overhead). */
const AUDIO_KBPS = 45;

/**
 * Rungs, best first: the least kbit/s the video may use for it, the height it is sent at, frames per second,
 * and the most kbit/s it is given.
 * @type {Object<string, Array<{minKbps: number, height: number, fps: number, maxKbps: number}>>}
 */
const LADDERS = {
  smooth: [
    { minKbps: 1200, height: 720, fps: 30, maxKbps: 2500 },
    { minKbps: 700, height: 540, fps: 25, maxKbps: 1400 },
    { minKbps: 400, height: 360, fps: 20, maxKbps: 800 },
    { minKbps: 200, height: 270, fps: 15, maxKbps: 450 },
    { minKbps: 100, height: 180, fps: 12, maxKbps: 230 },
    { minKbps: 0, height: 144, fps: 8, maxKbps: 120 },
  ],
  sharp: [
    { minKbps: 1200, height: 1080, fps: 10, maxKbps: 2500 },
    { minKbps: 700, height: 720, fps: 8, maxKbps: 1400 },
    { minKbps: 400, height: 720, fps: 5, maxKbps: 800 },
    { minKbps: 200, height: 540, fps: 4, maxKbps: 450 },
    { minKbps: 0, height: 480, fps: 3, maxKbps: 230 },
  ],
};

/**
 * The rung for a budget: the best one whose minimum it meets.
 * @param {'smooth'|'sharp'} mode
 * @param {number} budgetKbps
 * @returns {number} its index in the ladder
 */
export function rungFor(mode, budgetKbps) {
  const ladder = LADDERS[mode];
  const index = ladder.findIndex((r) => budgetKbps >= r.minKbps);
  return index < 0 ? ladder.length - 1 : index;
}

/**
 * What the video may use: the estimate less the audio, less more when packets are lost or the round trip is long.
 * @param {{availableKbps: number|null, lossFraction: number, rttMs: number|null}} network
 */
export function budgetKbps({ availableKbps, lossFraction, rttMs }) {
  if (availableKbps == null) return null;
  let budget = availableKbps - AUDIO_KBPS;
  if (lossFraction > 0.1) budget *= 0.6;
  else if (lossFraction > 0.03) budget *= 0.85;
  if (rttMs != null && rttMs > 600) budget *= 0.8;
  return Math.max(0, Math.round(budget));
}

/**
 * The phone's side: keeps the video sender's encoding fitted to the network, the inspector's mode and the
 * fallback.
 * @param {object} options
 * @param {() => (import('./peer.js').Peer|null)} options.peer the current peer connection
 * @returns {{tick: () => Promise<object|null>, mode: (mode: 'smooth'|'sharp') => void,
 *   fallback: (state: 'engaged'|'probing'|'held'|'released') => void, state: () => object}} `tick` reads the
 *   stats and applies the rung (call it every reading); `mode` and `fallback` take the inspector's messages
 */
export function createVideoSender({ peer }) {
  let mode = 'smooth';
  /** 'off' (video adapts), 'engaged' (no video sent), 'probing' (the lowest rung, to see what arrives) */
  let fallback = 'off';
  let rung = null;
  let upVotes = 0;
  let upTo = 0;
  let lastSender = null;
  let applied = '';
  let last = null;
  let preferenceTaken = true;

  const videoSender = () => peer()?.pc.getSenders().find((s) => s.track?.kind === 'video') || null;

  const apply = async () => {
    const sender = videoSender();
    if (!sender) return;
    if (sender !== lastSender) {
      lastSender = sender;
      applied = '';
    }
    const ladder = LADDERS[mode];
    const step = ladder[fallback === 'probing' ? ladder.length - 1 : rung ?? ladder.length - 1];
    const trackHeight = sender.track.getSettings?.().height || step.height;
    const settings = {
      active: fallback !== 'engaged',
      scaleResolutionDownBy: Math.max(1, Math.round((trackHeight / step.height) * 100) / 100),
      maxFramerate: step.fps,
      maxBitrate: step.maxKbps * 1000,
    };
    // Left to itself the browser also gives up resolution when bandwidth is short; in sharp mode it must keep the
    // lines and drop frames instead ('detail' content, and the sender's degradation preference where supported).
    const preference = mode === 'sharp' ? 'maintain-resolution' : 'balanced';
    const key = JSON.stringify({ ...settings, preference });
    if (key === applied) return;
    sender.track.contentHint = mode === 'sharp' ? 'detail' : '';
    const set = (withPreference) => {
      const params = sender.getParameters(); // fresh each time: a set consumes the parameters' transaction
      if (!params.encodings?.length) return false; // not negotiated yet: the next reading applies it
      Object.assign(params.encodings[0], settings);
      return sender.setParameters(withPreference ? { ...params, degradationPreference: preference } : params)
        .then(() => true);
    };
    let done;
    try {
      done = await set(preferenceTaken);
    } catch (err) {
      if (!preferenceTaken) throw err;
      preferenceTaken = false; // this browser does not take the preference: the encoding still
      done = await set(false);
    }
    if (done) applied = key;
  };

  const read = async (pc) => {
    const network = { availableKbps: null, lossFraction: 0, rttMs: null };
    const sent = { width: 0, height: 0, fps: 0, limitation: 'none' };
    (await pc.getStats()).forEach((s) => {
      if (s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded'
        && typeof s.availableOutgoingBitrate === 'number') {
        network.availableKbps = s.availableOutgoingBitrate / 1000;
      } else if (s.type === 'remote-inbound-rtp' && s.kind === 'video') {
        network.lossFraction = s.fractionLost ?? 0;
        if (typeof s.roundTripTime === 'number') network.rttMs = s.roundTripTime * 1000;
      } else if (s.type === 'outbound-rtp' && s.kind === 'video') {
        Object.assign(sent, { width: s.frameWidth || 0, height: s.frameHeight || 0, fps: s.framesPerSecond || 0,
          limitation: s.qualityLimitationReason || 'none' });
      }
    });
    return { network, sent };
  };

  return {
    async tick() {
      const current = peer();
      if (!current || current.pc.connectionState === 'closed') return null;
      const { network, sent } = await read(current.pc);
      const budget = budgetKbps(network);
      if (budget != null) {
        const wanted = rungFor(mode, budget);
        if (rung === null || wanted > rung) {
          rung = wanted;
          upVotes = 0;
        } else if (wanted < rung) {
          // Up only when several readings in a row allow it, then to the lowest rung they all allowed.
          upTo = upVotes === 0 ? wanted : Math.max(upTo, wanted);
          upVotes++;
          if (upVotes >= UP_AFTER) {
            rung = upTo;
            upVotes = 0;
          }
        } else {
          upVotes = 0;
        }
      }
      await apply().catch(() => {}); // a connection being replaced: the next reading applies to the new one
      last = { mode, fallback, rung, budgetKbps: budget, ...network, sent };
      return last;
    },
    mode(next) {
      if (next === mode || !LADDERS[next]) return;
      mode = next;
      rung = null; // start the new ladder from the current estimate
      apply().catch(() => {});
    },
    fallback(state) {
      fallback = state === 'released' ? 'off' : state === 'probing' ? 'probing' : 'engaged';
      if (state === 'released') {
        rung = LADDERS[mode].length - 1; // climb back from the bottom
        upVotes = 0;
      }
      apply().catch(() => {});
    },
    state: () => last ?? { mode, fallback, rung },
  };
}

/**
 * @typedef {object} VideoReading what arrives at the inspector
 * @property {number} width
 * @property {number} height
 * @property {number} fps frames decoded per second since the last reading
 * @property {number} kbps video bitrate received
 * @property {'video'|'fallback'|'probing'} state
 * @property {'smooth'|'sharp'} mode
 */

/**
 * The desk's side: reads the arriving video and decides the fallback.
 * @param {object} options
 * @param {() => (import('./peer.js').Peer|null)} options.peer the current peer connection
 * @param {(message: object) => boolean} options.send sends a signaling message
 * @param {(reading: VideoReading) => void} [options.onReading] every reading
 * @param {(state: 'video'|'fallback'|'probing', fps: number) => void} [options.onFallback] the fallback changed
 * @returns {{tick: () => Promise<VideoReading|null>, setMode: (mode: 'smooth'|'sharp') => boolean,
 *   mode: () => string, state: () => string, peerJoined: () => void}} `tick` reads (every second or two);
 *   `peerJoined` tells a phone that (re)joined the mode and fallback in force
 */
export function createVideoWatch({ peer, send, onReading = () => {}, onFallback = () => {} }) {
  let mode = 'smooth';
  let state = 'video';
  /** Readings of the last 2 × {@link FLOOR_MS}: time, frames decoded, audio packets received, frames/s since the one before. */
  let history = [];
  let previous = null;
  let probeWait = FIRST_PROBE_MS;
  let probeAt = 0;
  let probeStart = 0;
  let lastPc = null;

  const floor = () => (mode === 'sharp' ? SHARP_FLOOR_FPS : FLOOR_FPS);
  const fpsSince = (from) => {
    const first = history.find((h) => h.at >= from);
    const end = history[history.length - 1];
    if (!first || !end || end.at - first.at < 1000) return null;
    return ((end.frames - first.frames) * 1000) / (end.at - first.at);
  };
  const change = (next, message, fps) => {
    state = next;
    send({ type: 'video-fallback', state: message, fps: Math.round(fps * 10) / 10 });
    onFallback(next, fps);
  };

  const judge = (now) => {
    const recent = history.filter((h) => h.at >= now - FLOOR_MS);
    if (state === 'video') {
      // Every reading of the last FLOOR_MS under the floor (not just their average), with audio arriving in each:
      // only a connection that carries audio can fall back to audio; no packets at all is a drop (network-recovery).
      const spans = recent.length > 1 && now - recent[0].at >= FLOOR_MS - 1500;
      const under = recent.every((h, i) => i === 0 || (h.audio > recent[i - 1].audio && h.fps < floor()));
      const fps = fpsSince(now - FLOOR_MS);
      if (spans && under && fps !== null) {
        probeWait = FIRST_PROBE_MS;
        probeAt = now + probeWait;
        change('fallback', 'engaged', fps);
      }
    } else if (state === 'fallback' && now >= probeAt) {
      probeStart = now;
      change('probing', 'probing', 0);
    } else if (state === 'probing' && now - probeStart >= PROBE_MS) {
      const fps = fpsSince(probeStart + PROBE_MS / 2) ?? 0;
      if (fps >= floor()) {
        change('video', 'released', fps);
        history = history.slice(-1);
      } else {
        probeWait = Math.min(probeWait * 2, MAX_PROBE_MS);
        probeAt = now + probeWait;
        change('fallback', 'held', fps);
      }
    }
  };

  return {
    async tick() {
      const current = peer();
      if (!current) return null;
      if (current.pc !== lastPc) {
        lastPc = current.pc;
        history = [];
        previous = null;
      }
      const now = Date.now();
      const sample = { at: now, frames: 0, audio: 0, bytes: 0, width: 0, height: 0, fps: 0 };
      (await current.pc.getStats()).forEach((s) => {
        if (s.type !== 'inbound-rtp') return;
        if (s.kind === 'video') {
          Object.assign(sample, { frames: s.framesDecoded || 0, bytes: s.bytesReceived || 0,
            width: s.frameWidth || 0, height: s.frameHeight || 0 });
        } else if (s.kind === 'audio') {
          sample.audio = s.packetsReceived || 0;
        }
      });
      const seconds = previous ? (now - previous.at) / 1000 : 0;
      const fps = seconds > 0 ? Math.max(0, (sample.frames - previous.frames) / seconds) : 0;
      const kbps = seconds > 0 ? Math.max(0, Math.round(((sample.bytes - previous.bytes) * 8) / 1000 / seconds)) : 0;
      sample.fps = fps;
      previous = sample;
      history.push(sample);
      history = history.filter((h) => h.at >= now - 2 * FLOOR_MS);
      judge(now);
      const reading = { width: sample.width, height: sample.height, fps: Math.round(fps * 10) / 10, kbps, state, mode };
      onReading(reading);
      return reading;
    },
    setMode(next) {
      if (!send({ type: 'video-mode', mode: next })) return false;
      mode = next;
      history = history.slice(-1); // judge the new mode on its own frames
      return true;
    },
    mode: () => mode,
    state: () => state,
    peerJoined() {
      if (mode !== 'smooth') send({ type: 'video-mode', mode });
      // A phone that rejoins sends video: tell it the fallback holds (not a new fallback: no new trail event).
      if (state !== 'video') {
        probeAt = Date.now() + probeWait;
        state = 'fallback';
        send({ type: 'video-fallback', state: 'held' });
      }
    },
  };
}
