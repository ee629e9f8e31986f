// The inspector's live call: signaling, the peer connection (the inspector offers in p2p mode),
// recording and upload, quality meters, mute, snapshots, notes, and ending with a conclusion.
import { api } from './api.js';
import { openCamera, setMuted, MediaProblem } from './media.js';
import { createPeer } from './peer.js';
import { startCallRecording } from './recorder.js';
import { connectSignaling } from './signaling.js';
import { grabFrame, snapshotUrl, uploadSnapshot } from './snapshot.js';
import { byId, errorText, formatTime, h, showMessage } from './ui.js';

const STATS_MS = 1000;
/** Kurento mode: how soon a re-offer that found no media server is tried again. */
const MEDIA_RETRY_MS = 3000;

/**
 * Opens the camera, joins the call and wires the call controls.
 * @returns {Promise<{end: () => void}>}
 */
export async function enterCall({ inspection, i18n, onEnded }) {
  const { t } = i18n;
  const id = inspection.id;
  const errorBox = byId('call-error');
  const remoteVideo = byId('remote-video');
  // Created during the click so the browser lets it run; the recorder mixes audio with it.
  const audioContext = new AudioContext();

  let local;
  try {
    local = await openCamera({ facingMode: 'user', width: 640, height: 480 });
  } catch (err) {
    throw new Error(err instanceof MediaProblem ? t(`media.error.${err.reason}`) : err.message);
  }
  byId('local-video').srcObject = local;

  let peer = null;
  let recording = null;
  let recordingStream = null;
  let iceServers = [];
  let mode = 'p2p';
  // Kurento mode: the media server was lost and no new answer came yet; a failed re-offer is retried.
  let mediaLost = false;
  let muted = false;
  let ending = false;
  let stateKey = 'call.state.connecting';
  let statsTimer = null;
  let poorReadings = 0;

  const setCallState = (key, params) => {
    stateKey = key;
    byId('call-state').textContent = t(key, params);
  };
  const showError = (text) => showMessage(errorBox, text);

  const stopRecording = async () => {
    const running = recording;
    recording = null;
    recordingStream = null;
    if (running) await running.stop();
  };

  const startRecording = async (stream) => {
    // With a media server (kurento mode) the server records; the browser records only peer-to-peer.
    if (mode !== 'p2p' || recordingStream === stream || ending) return;
    await stopRecording();
    recordingStream = stream;
    try {
      recording = await startCallRecording({
        inspectionId: id,
        audioContext,
        remoteStream: stream,
        localStream: local,
        onProgress: showRecordingProgress,
      });
    } catch (err) {
      recordingStream = null;
      showRecordingProgress({ state: 'failed', error: errorText(i18n, err), uploadedSlices: 0, pendingSlices: 0 });
    }
  };

  const showRecordingProgress = (p) => {
    const box = byId('recording-status');
    let level = 'good';
    let text;
    if (p.state === 'failed') {
      level = 'poor';
      text = t('recording.failed', { error: p.error || '' });
    } else if (p.pendingSlices > 2 || p.retrying) {
      level = 'behind';
      text = t('recording.behind', { pending: p.pendingSlices });
    } else {
      text = t(`recording.${p.state}`, { slices: p.uploadedSlices, mb: (p.uploadedBytes / 1e6).toFixed(1) });
    }
    box.dataset.level = level;
    box.dataset.uploadedSlices = String(p.uploadedSlices);
    box.dataset.segment = String(p.segment ?? '');
    box.textContent = text;
  };

  const newPeer = () => {
    peer?.close();
    peer = createPeer({
      iceServers,
      localStream: local,
      onRemoteStream: (stream) => {
        if (remoteVideo.srcObject !== stream) remoteVideo.srcObject = stream;
      },
      onIceCandidate: (candidate) => signaling.send({ type: 'ice', candidate }),
      onConnectionState: (state) => {
        if (state === 'connected') setCallState('call.state.connected');
        else if (state === 'failed') setCallState('call.state.mediaFailed');
        else if (state === 'disconnected') setCallState('call.state.unstable');
      },
    });
    return peer;
  };

  const negotiate = async () => {
    try {
      const sdp = await newPeer().createOffer();
      signaling.send({ type: 'offer', sdp });
    } catch (err) {
      showError(t('call.error.negotiation', { error: err.message }));
    }
  };

  // While the applicant is not in the call, the trail tells whether they opened the link meanwhile.
  let peerPresent = false;
  const checkOpened = async () => {
    if (peerPresent || ending) return;
    try {
      const { events } = await api(`/api/inspections/${id}/trail`);
      const last = (pred) => events.filter(pred).map((e) => e.seq).pop() ?? 0;
      const opened = last((e) => e.type === 'invite.opened');
      const applicantSeen = last((e) => e.type.startsWith('participant.') && e.actor === 'applicant');
      if (!peerPresent && opened > applicantSeen) setCallState('inspector.call.applicantOpened');
    } catch {
      // A convenience only: the next check tries again.
    }
  };
  const presenceTimer = setInterval(checkOpened, 3000);

  const handlers = {
    joined: (m) => {
      iceServers = m.iceServers || [];
      mode = m.mode;
      peerPresent = m.peerPresent;
      setCallState(m.peerPresent ? 'call.state.connecting' : 'inspector.call.waiting');
      // p2p: the server follows `joined` with `peer-joined` when the applicant is there; offer once, then.
      if (mode === 'kurento') negotiate();
      else if (!m.peerPresent) checkOpened();
    },
    'peer-joined': () => {
      peerPresent = true;
      setCallState('call.state.connecting');
      if (mode === 'p2p') negotiate();
    },
    'peer-reconnecting': () => setCallState('inspector.call.applicantReconnecting'),
    'peer-left': (m) => {
      peerPresent = false;
      const left = { timeout: 'inspector.call.applicantLost', invite_revoked: 'inspector.call.applicantLinkRevoked' };
      setCallState(left[m.reason] || 'inspector.call.applicantLeft');
      if (mode === 'p2p') {
        peer?.close();
        peer = null;
        stopRecording();
      }
    },
    answer: (m) => {
      mediaLost = false;
      return peer?.acceptAnswer(m.sdp).catch((err) => showError(t('call.error.negotiation', { error: err.message })));
    },
    offer: async (m) => {
      // Only a media server renegotiating sends the inspector an offer.
      const sdp = await newPeer().acceptOffer(m.sdp);
      signaling.send({ type: 'answer', sdp });
    },
    ice: (m) => peer?.addCandidate(m.candidate).catch(() => {}),
    'media-interrupted': () => {
      setCallState('call.state.mediaInterrupted');
      // Kurento mode: the next offer re-creates the call's media on a live media server (KURENTO.md).
      if (mode === 'kurento') {
        mediaLost = true;
        setTimeout(negotiate, 1000);
      }
    },
    ended: (m) => finish(m.conclusion),
    error: (m) => {
      showError(t(`ws.error.${m.code}`) !== `ws.error.${m.code}` ? t(`ws.error.${m.code}`) : m.message);
      // No media server is reachable yet (e.g. it is restarting): offer again until one answers.
      if (mediaLost && m.code === 'media_failed' && !ending) setTimeout(negotiate, MEDIA_RETRY_MS);
    },
  };

  const signaling = connectSignaling({
    join: { inspectionId: id },
    seatStorageKey: `kanyan.seat.${id}`,
    onMessage: (m) => handlers[m.type]?.(m),
    onState: (state, detail) => {
      if (state === 'reconnecting') setCallState('call.state.reconnecting');
      if (state === 'refused') showError(t(`ws.error.${detail.code}`));
    },
  });

  // Start a recording segment whenever a new applicant stream starts playing.
  remoteVideo.addEventListener('playing', () => {
    if (remoteVideo.srcObject && remoteVideo.srcObject.getVideoTracks().length) startRecording(remoteVideo.srcObject);
  });

  const readStats = async () => {
    if (!peer) return;
    const q = await peer.quality().catch(() => null);
    if (!q) return;
    remoteVideo.dataset.framesDecoded = String(q.framesDecoded);
    const box = byId('quality');
    box.dataset.level = q.level;
    box.textContent = t('call.quality', {
      level: t(`call.quality.${q.level}`), kbps: q.inKbps, loss: q.lossPct, rtt: q.rttMs ?? '—',
    });
    poorReadings = q.level === 'poor' ? poorReadings + 1 : 0;
    byId('snapshot').disabled = !(remoteVideo.videoWidth > 0);
  };
  statsTimer = setInterval(readStats, STATS_MS);

  byId('mute').addEventListener('click', () => {
    muted = !muted;
    setMuted(local, muted);
    byId('mute').setAttribute('aria-pressed', String(muted));
    byId('mute').textContent = t(muted ? 'call.unmute' : 'call.mute');
  });

  byId('snapshot').addEventListener('click', async () => {
    const button = byId('snapshot');
    button.disabled = true;
    try {
      const jpeg = await grabFrame(remoteVideo);
      const snap = await uploadSnapshot(id, jpeg);
      const time = formatTime(snap.takenAt, i18n.lang, { timeOnly: true });
      byId('snapshots').prepend(h('a', { href: snapshotUrl(id, snap.id), target: '_blank', rel: 'noopener', title: time },
        h('img', { src: snapshotUrl(id, snap.id), alt: t('inspector.snapshots.alt', { time }), 'data-snapshot-id': snap.id })));
      showMessage(errorBox, '');
    } catch (err) {
      showError(err.message === 'no-video' ? t('inspector.snapshots.noVideo') : t('inspector.snapshots.failed', { error: errorText(i18n, err) }));
    } finally {
      button.disabled = false;
    }
  });

  byId('note-add').addEventListener('click', () => {
    const input = byId('note-text');
    const text = input.value.trim();
    if (!text) return;
    // Notes travel over the signaling socket (PROTOCOL.md `note`) and go on the trail as NOTE_ADDED.
    if (!signaling.send({ type: 'note', text })) {
      showError(t('inspector.notes.offline'));
      return;
    }
    byId('notes').prepend(h('li', {}, h('span', { class: 'muted' }, `${formatTime(Date.now(), i18n.lang, { timeOnly: true })} `), text));
    input.value = '';
  });

  const dialog = byId('end-dialog');
  byId('end-open').addEventListener('click', () => {
    showMessage(byId('end-error'), '');
    dialog.showModal();
  });
  byId('end-cancel').addEventListener('click', () => dialog.close());
  byId('end-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const conclusion = new FormData(event.target).get('conclusion');
    if (!conclusion) {
      showMessage(byId('end-error'), t('inspector.end.pickConclusion'));
      return;
    }
    byId('end-confirm').disabled = true;
    ending = true;
    showMessage(byId('end-error'), t('inspector.end.saving'), 'info');
    await stopRecording();
    try {
      await api(`/api/inspections/${id}/end`, { json: { conclusion, remark: byId('end-remark').value.trim() } });
      dialog.close();
      finish(conclusion);
    } catch (err) {
      ending = false;
      showMessage(byId('end-error'), errorText(i18n, err));
    } finally {
      byId('end-confirm').disabled = false;
    }
  });

  let finished = false;
  const finish = async (conclusion) => {
    if (finished) return;
    finished = true;
    ending = true;
    clearInterval(statsTimer);
    clearInterval(presenceTimer);
    await stopRecording();
    signaling.close();
    peer?.close();
    local.getTracks().forEach((track) => track.stop());
    audioContext.close();
    onEnded(conclusion ? t('inspector.ended.summary', { conclusion: t(`conclusion.${conclusion}`) }) : t('inspector.ended.byServer'));
  };

  i18n.onChange(() => setCallState(stateKey));
  setCallState('call.state.connecting');
  return { end: finish };
}
