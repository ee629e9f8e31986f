/**
 * The applicant's pre-call check: camera (rear preferred) and its frames, microphone, location, and the network
 * path to the server (round trip over `GET /health`, and the ICE candidates the call's STUN/TURN servers give).
 * Each check ends in a status word, shown through the catalogue keys `applicant.precheck.<check>.<status>`; where
 * a permission is denied the page says how to grant it on this browser (`applicant.precheck.grant.<platform>`).
 * The result goes to `POST /api/invite/precheck` (the trail's `precheck.done`).
 * @module precheck
 */
import { api } from './api.js';
import { openCamera, MediaProblem } from './media.js';
import { byId, showMessage } from './ui.js';

const FRAMES_MS = 5000;
const LOCATION_MS = 10000;
const ICE_MS = 8000;
const PINGS = 4;
const LEVEL_MS = 1200;
const CHECKS = ['camera', 'microphone', 'location', 'rtt', 'ice'];

/**
 * Which browser the page runs in, from its user agent: the in-app browser of a chat or payment app (their
 * camera support is patchy: the page offers "open in the system browser"), and the phone's system.
 * @param {string} ua
 * @returns {{inApp: string|null, os: 'ios'|'android'|'other'}}
 */
export function detectBrowser(ua) {
  const apps = [
    ['wechat', /MicroMessenger\//i], ['qq', /\sQQ\//], ['alipay', /AlipayClient|AliApp\(AP/i],
    ['weibo', /Weibo/i], ['dingtalk', /DingTalk/i], ['douyin', /aweme|BytedanceWebview|NewsArticle/i],
    ['other', /FBAN|FBAV|Instagram|\bLine\//],
  ];
  const found = apps.find(([, pattern]) => pattern.test(ua));
  const os = /iPhone|iPad|iPod/i.test(ua) ? 'ios' : /Android/i.test(ua) ? 'android' : 'other';
  return { inApp: found ? found[0] : null, os };
}

/**
 * Wires the check to the page's `#precheck` section and runs it.
 * @param {{i18n: object, token: string}} options
 * @returns {{run: () => Promise<object|null>, stop: () => void}} run: checks (again); stop: cancels a running check
 */
export function createPrecheck({ i18n, token }) {
  const { t } = i18n;
  const browser = detectBrowser(navigator.userAgent);
  const headers = { 'X-Invite-Token': token };
  /** Per check: {state: 'pending'|'ok'|'warn'|'fail', key, params}. */
  let shown = {};
  let summary = null;
  let level = null;
  let current = null;

  const render = () => {
    for (const check of CHECKS) {
      const row = byId(`precheck-${check}`);
      const s = shown[check] || { state: 'pending', key: 'applicant.precheck.checking' };
      row.dataset.state = s.state;
      row.querySelector('.precheck-text').textContent = t(s.key, s.params);
    }
    const meter = byId('precheck-level');
    meter.hidden = level === null;
    if (level !== null) meter.value = level;
    const box = byId('precheck-summary');
    if (summary) showMessage(box, t(summary.key, summary.params), summary.kind);
    else box.hidden = true;
    const grant = byId('precheck-grant');
    const denied = ['camera', 'microphone', 'location'].some((c) => shown[c]?.status === 'denied');
    const mediaDown = ['camera', 'microphone'].some((c) => shown[c] && shown[c].status !== 'ok');
    if (browser.inApp && mediaDown) {
      showMessage(grant, t('applicant.precheck.grant.inapp'), 'warn');
    } else if (denied) {
      showMessage(grant, t(`applicant.precheck.grant.${browser.os}`), 'warn');
    } else {
      grant.hidden = true;
    }
    grant.dataset.platform = browser.inApp ? 'inapp' : browser.os;
  };
  i18n.onChange(render);

  const set = (check, state, status, params) => {
    shown[check] = { state, status, key: `applicant.precheck.${check}.${status}`, params };
    render();
  };

  const run = async () => {
    current?.stop();
    const job = { stopped: false, cleanups: [] };
    job.stop = () => {
      job.stopped = true;
      job.cleanups.splice(0).forEach((cleanup) => cleanup());
    };
    current = job;
    shown = {};
    summary = null;
    level = null;
    byId('precheck-again').disabled = true;
    render();
    try {
      const [media, location, rtt, ice] = await Promise.all([
        checkMedia(job, set, (value) => { level = value; render(); }),
        checkLocation(job, set),
        checkRoundTrip(set),
        checkIce(job, set, headers),
      ]);
      if (job.stopped) return null;
      const result = {
        camera: media.camera, microphone: media.microphone, location: location.status,
        accuracy: location.accuracy ?? null, rttMs: rtt, candidates: ice, inApp: browser.inApp,
      };
      const passed = media.camera === 'ok' && media.microphone === 'ok' && location.status === 'ok'
        && ice.length > 0 && rtt !== null;
      const failures = CHECKS.filter((c) => shown[c]?.state === 'fail').length;
      summary = passed ? { key: 'applicant.precheck.passed', kind: 'ok' }
        : { key: 'applicant.precheck.failed', kind: 'warn', params: { count: failures || 1 } };
      render();
      byId('precheck').dataset.result = passed ? 'passed' : 'failed';
      // The trail keeps the first result of each outcome; a failure to record it does not stop the applicant.
      api('/api/invite/precheck', { method: 'POST', headers, json: result }).catch(() => {});
      return { ...result, passed };
    } finally {
      job.stop();
      if (current === job) byId('precheck-again').disabled = false;
    }
  };

  byId('precheck-again').addEventListener('click', () => { run(); });
  byId('precheck').hidden = false;
  render();
  return { run, stop: () => current?.stop() };
}

/** Camera and microphone with one permission prompt; the camera must deliver frames, the microphone a live track. */
async function checkMedia(run, set, onLevel) {
  let stream;
  try {
    stream = await openCamera({ facingMode: 'environment' });
  } catch (err) {
    const reason = err instanceof MediaProblem ? err.reason : 'media-failed';
    const status = reason === 'permission-denied' ? 'denied' : reason === 'no-camera' ? 'no-device' : 'failed';
    set('camera', 'fail', status);
    set('microphone', 'fail', status === 'denied' || status === 'no-device' ? status : 'failed');
    return { camera: status, microphone: status === 'no-device' || status === 'denied' ? status : 'failed' };
  }
  run.cleanups.push(() => stream.getTracks().forEach((track) => track.stop()));
  if (run.stopped) run.stop();
  const audio = stream.getAudioTracks()[0];
  const microphone = audio && audio.readyState === 'live' && audio.enabled ? 'ok' : 'no-device';
  set('microphone', microphone === 'ok' ? 'ok' : 'fail', microphone);
  const [frames] = await Promise.all([framesOf(run, stream), microphone === 'ok' ? levelOf(run, stream, onLevel) : null]);
  const video = stream.getVideoTracks()[0];
  const facing = video?.getSettings().facingMode;
  const camera = frames ? 'ok' : 'no-frames';
  if (frames) {
    set('camera', 'ok', facing === 'user' ? 'front' : 'ok', { width: frames.width, height: frames.height });
  } else {
    set('camera', 'fail', camera);
  }
  return { camera, microphone };
}

/** Resolves with the picture's size once the camera has delivered a frame, or null after FRAMES_MS. */
function framesOf(run, stream) {
  const video = byId('precheck-video');
  video.srcObject = stream;
  video.hidden = false;
  run.cleanups.push(() => {
    video.srcObject = null;
    video.hidden = true;
  });
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), FRAMES_MS);
    const done = () => {
      clearTimeout(timer);
      resolve({ width: video.videoWidth, height: video.videoHeight });
    };
    if (video.requestVideoFrameCallback) video.requestVideoFrameCallback(done);
    else video.addEventListener('timeupdate', () => { if (video.videoWidth > 0) done(); }, { once: true });
    video.play().catch(() => {});
  });
}

/** The loudest moment of the microphone over LEVEL_MS, 0..1 (a help only: nothing fails on it). */
async function levelOf(run, stream, onLevel) {
  const Context = window.AudioContext || window.webkitAudioContext;
  if (!Context) return;
  const context = new Context();
  run.cleanups.push(() => { context.close().catch(() => {}); });
  if (context.state !== 'running') return; // no user gesture yet on this browser: no meter
  const analyser = context.createAnalyser();
  context.createMediaStreamSource(stream).connect(analyser);
  const samples = new Float32Array(analyser.fftSize);
  let peak = 0;
  const until = performance.now() + LEVEL_MS;
  while (performance.now() < until && !run.stopped) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    analyser.getFloatTimeDomainData(samples);
    peak = Math.max(peak, ...samples.map(Math.abs));
    onLevel(Math.min(1, peak));
  }
}

/** One position fix, with its accuracy in metres. */
function checkLocation(run, set) {
  if (!navigator.geolocation) {
    set('location', 'fail', 'unsupported');
    return Promise.resolve({ status: 'unsupported' });
  }
  return new Promise((resolve) => {
    navigator.geolocation.getCurrentPosition((position) => {
      const accuracy = Math.round(position.coords.accuracy);
      set('location', 'ok', 'ok', { accuracy });
      resolve({ status: 'ok', accuracy });
    }, (error) => {
      const status = error.code === error.PERMISSION_DENIED ? 'denied' : 'unavailable';
      set('location', 'fail', status);
      resolve({ status });
    }, { enableHighAccuracy: true, timeout: LOCATION_MS, maximumAge: 0 });
  });
}

/** The median of a few round trips to the server (`GET /health`), in ms; null when it cannot be reached. */
async function checkRoundTrip(set) {
  const times = [];
  for (let i = 0; i < PINGS; i++) {
    const start = performance.now();
    try {
      await fetch('/health', { cache: 'no-store', credentials: 'omit' });
    } catch {
      continue;
    }
    times.push(performance.now() - start);
  }
  if (times.length === 0) {
    set('rtt', 'fail', 'offline');
    return null;
  }
  times.sort((a, b) => a - b);
  const ms = Math.round(times[Math.floor((times.length - 1) / 2)]);
  set('rtt', ms < 300 ? 'ok' : 'warn', ms < 300 ? 'good' : ms < 1000 ? 'fair' : 'slow', { ms });
  return ms;
}

/** The ICE candidate types (host, srflx, relay) gathered with the call's STUN/TURN servers. */
async function checkIce(run, set, headers) {
  let iceServers = [];
  try {
    ({ iceServers } = await api('/api/invite/ice', { headers }));
  } catch {
    // no servers known: the host candidates still say whether WebRTC works at all
  }
  if (!window.RTCPeerConnection) {
    set('ice', 'fail', 'unsupported');
    return [];
  }
  const pc = new RTCPeerConnection({ iceServers });
  run.cleanups.push(() => pc.close());
  const found = new Set();
  const gathered = new Promise((resolve) => {
    const timer = setTimeout(resolve, ICE_MS);
    pc.onicecandidate = (event) => {
      if (!event.candidate) {
        clearTimeout(timer);
        resolve();
        return;
      }
      const type = event.candidate.type || / typ (\w+)/.exec(event.candidate.candidate)?.[1];
      if (type === 'host' || type === 'srflx' || type === 'relay' || type === 'prflx') {
        found.add(type === 'prflx' ? 'srflx' : type);
      }
    };
  });
  try {
    pc.createDataChannel('precheck');
    await pc.setLocalDescription(await pc.createOffer());
    await gathered;
  } catch {
    // a browser that cannot even make an offer finds nothing below
  }
  const types = ['host', 'srflx', 'relay'].filter((type) => found.has(type));
  const params = { types: types.join(', ') };
  const turn = iceServers.some((s) => [].concat(s.urls).some((u) => /^turns?:/.test(u)));
  if (found.has('relay')) set('ice', 'ok', 'relay', params);
  else if (found.has('srflx')) set('ice', turn ? 'warn' : 'ok', turn ? 'noRelay' : 'srflx', params);
  else if (found.has('host')) set('ice', 'warn', 'hostOnly', params);
  else set('ice', 'fail', 'none');
  return types;
}
