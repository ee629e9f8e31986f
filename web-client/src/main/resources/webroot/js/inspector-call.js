/**
 * The inspector's live call of one inspection: signaling, the peer connection (the inspector offers in p2p
 * mode), recording and upload, quality meters, mute, snapshots, notes, the case facts, the applicant's
 * location, and ending with a conclusion. Everything it starts (listeners, timers, requests, the call panel's
 * contents) belongs to this one call and is torn down when it ends, so the next call on the same page
 * starts clean.
 * @module inspector-call
 */
import { api } from './api.js';
import { openCamera, setMuted, MediaProblem } from './media.js';
import { createCallMedia } from './call-media.js';
import { createPeer } from './peer.js';
import { startCallRecording } from './recorder.js';
import { createScope } from './scope.js';
import { connectSignaling } from './signaling.js';
import { grabFrame, snapshotUrl, uploadSnapshot } from './snapshot.js';
import { createDeskChecklist } from './checklist.js';
import { createPhonePhotoDesk } from './phone-photo.js';
import { createIceRecovery } from './network-recovery.js';
import { createVideoWatch, FLOOR_FPS, SHARP_FLOOR_FPS } from './bandwidth.js';
import { mark, markFirstFrame } from './timings.js';
import { byId, distanceMetres, errorText, formatDistance, formatTime, h, showMessage, translatedMessage } from './ui.js';

const STATS_MS = 1000;
/** Kurento mode: how soon a re-offer that found no media server is tried again. */
const MEDIA_RETRY_MS = 3000;

/**
 * Empties the call panel: what one call showed never shows in the next.
 */
function clearCallPanel() {
  for (const list of ['notes', 'snapshots', 'call-facts']) byId(list).replaceChildren();
  for (const text of ['call-state', 'quality', 'video-quality', 'recording-status', 'location-status']) {
    const box = byId(text);
    box.textContent = '';
    Object.keys(box.dataset).forEach((key) => delete box.dataset[key]);
  }
  showMessage(byId('call-error'), '');
  showMessage(byId('end-error'), '');
  byId('note-text').value = '';
  byId('end-form').reset();
  byId('snapshot').disabled = true;
  byId('mute').setAttribute('aria-pressed', 'false');
  byId('video-mode').setAttribute('aria-pressed', 'false');
  showMessage(byId('video-fallback'), '');
  const remote = byId('remote-video');
  remote.srcObject = null;
  delete remote.dataset.framesDecoded;
  byId('local-video').srcObject = null;
}

/** The case facts beside the call: what the inspector needs while talking to the applicant. */
function renderFacts(inspection, t) {
  byId('call-facts').replaceChildren(...[
    ['field.caseNumber', inspection.caseNumber],
    ['field.applicantName', inspection.applicantName],
    ['field.applicantPhone', inspection.applicantPhone],
    ['field.siteAddress', inspection.siteAddress],
    ['field.matterType', inspection.matterType],
  ].flatMap(([key, value]) => [h('dt', {}, t(key)), h('dd', {}, value ?? '—')]));
}

/**
 * Opens the camera, joins the call of one inspection and wires the call controls.
 * @param {object} options
 * @param {object} options.inspection the inspection (API.md), with its case facts and site position
 * @param {import('./i18n.js').I18n} options.i18n
 * @param {(summary: () => string) => void} options.onEnded the call is over and torn down; `summary` makes
 *   the sentence for the page in the current language
 * @param {() => void} [options.onPeerJoined] the applicant is in the call (the inspection is under way)
 * @returns {Promise<{end: () => void, dispose: () => void}>} `dispose` tears the call down without ending
 *   the inspection (the seat is held for the grace period)
 */
export async function enterCall({ inspection, i18n, onEnded, onPeerJoined = () => {} }) {
  const { t } = i18n;
  const id = inspection.id;
  const scope = createScope();
  clearCallPanel();
  scope.onDispose(clearCallPanel);
  renderFacts(inspection, t);
  const errors = translatedMessage(byId('call-error'), i18n);
  scope.onDispose(errors.dispose);
  const endErrors = translatedMessage(byId('end-error'), i18n);
  scope.onDispose(endErrors.dispose);
  const remoteVideo = byId('remote-video');
  // The inspection's checklist (js/checklist.js); a failure to load it leaves the call usable with notes.
  const checklistReady = createDeskChecklist({
    inspectionId: id, i18n, scope, video: remoteVideo,
    onSnapshot: (snap) => {
      snapshots.unshift(snap);
      renderSnapshots();
    },
  }).catch((err) => {
    if (!scope.disposed) errors.show(() => errorText(i18n, err));
    return { bound: false, render: () => {}, conclusionFields: () => ({}), precheck: () => null };
  });
  // Created during the click so the browser lets it run; the recorder mixes audio with it.
  const audioContext = new AudioContext();
  scope.onDispose(() => audioContext.close());

  mark('tap');
  markFirstFrame(remoteVideo);
  // The camera and the signaling socket open at the same time (awaited below, once the socket is connecting);
  // every peer connection waits for the camera.
  const camera = openCamera({ facingMode: 'user', width: 640, height: 480 });
  camera.catch(() => {});
  // Stops the camera however the call ends, even if it opens only after the call was torn down.
  scope.onDispose(() => camera.then((stream) => stream.getTracks().forEach((track) => track.stop()), () => {}));
  /** @type {MediaStream} */
  let local = null;

  let peer = null;
  let recording = null;
  let recordingStream = null;
  let iceServers = [];
  let mode = 'p2p';
  let muted = false;
  let ending = false;
  let stateKey = 'call.state.connecting';
  let poorReadings = 0;
  let lastProgress = null;
  let lastFix = null;
  const notes = [];
  const snapshots = [];
  // Full-resolution photos from the applicant's phone (js/phone-photo.js) join the gallery and their item.
  const phonePhotos = createPhonePhotoDesk({
    inspectionId: id, i18n, scope, send: (message) => signaling.send(message),
    onPhoto: (snap) => {
      snapshots.unshift(snap);
      renderSnapshots();
      if (snap.itemId) checklistReady.then((c) => c.addPhoto?.(snap.itemId, snap.id));
    },
  });

  const setCallState = (key, params) => {
    stateKey = key;
    byId('call-state').textContent = t(key, params);
  };
  /** @param {() => string} text made again after a language switch */
  const showError = (text) => errors.show(text);
  // A media or signaling error in the banner is cleared once the media recovers (an answer, or video arriving).
  let mediaError = false;
  /** @param {() => string} text */
  const showMediaError = (text) => {
    mediaError = true;
    showError(text);
  };
  const clearMediaError = () => {
    if (mediaError) errors.clear();
    mediaError = false;
  };
  // The state line follows what the media does: words about (re)connecting give way once video arrives.
  const setWaitingState = (key) => setCallState(callMedia.flowing() ? 'call.state.connected' : key);

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
      const started = await startCallRecording({
        inspectionId: id,
        audioContext,
        remoteStream: stream,
        localStream: local,
        onProgress: scope.guard(showRecordingProgress),
      });
      // The call ended while the segment was being opened: this recording belongs to no call.
      if (ending || scope.disposed) {
        started.stop();
        return;
      }
      recording = started;
    } catch (err) {
      recordingStream = null;
      // Once the call is ending, a segment refused because the inspection closed is no failure to report.
      if (!scope.disposed && !ending) {
        showRecordingProgress({ state: 'failed', error: errorText(i18n, err), uploadedSlices: 0, pendingSlices: 0 });
      }
    }
  };

  const showRecordingProgress = (p) => {
    lastProgress = p;
    const box = byId('recording-status');
    let level = 'good';
    let text;
    if (p.state === 'failed') {
      level = 'poor';
      text = t('recording.failed', { error: p.error || t('recording.browserStopped') });
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
        if (state === 'connected') mark('iceConnected');
        callMedia.connection(state);
        if (mode === 'p2p') recovery.connection(state);
        if (state === 'disconnected' || state === 'failed') signaling.probe();
        // With a media server the connection is to it: only arriving video says the applicant is there.
        if (state === 'connected' && mode === 'p2p') setCallState('call.state.connected');
        else if (state === 'failed') setCallState('call.state.mediaFailed');
        else if (state === 'disconnected') setCallState('call.state.unstable');
      },
    });
    return peer;
  };

  // Peer-to-peer: ICE restarts on the same connection when the network drops or changes (js/network-recovery.js).
  const recovery = createIceRecovery({
    peer: () => peer,
    send: (message) => signaling.send(message),
    onRestart: (restarting) => { if (restarting) setCallState('call.state.restarting'); },
  });
  scope.onDispose(recovery.stop);

  // What arrives (resolution, frames/s, bitrate), "sharper, slower", and the fallback to audio and stills when the
  // video stays under its floor (js/bandwidth.js).
  let lastVideo = null;
  const renderVideo = () => {
    const box = byId('video-quality');
    const videoMode = videoWatch.mode();
    box.dataset.state = videoWatch.state();
    box.dataset.mode = videoMode;
    const button = byId('video-mode');
    button.setAttribute('aria-pressed', String(videoMode === 'sharp'));
    button.textContent = t(videoMode === 'sharp' ? 'inspector.video.smoother' : 'inspector.video.sharper');
    if (!lastVideo) return;
    box.dataset.fps = String(lastVideo.fps);
    box.dataset.height = String(lastVideo.height);
    if (videoWatch.state() !== 'video') box.textContent = t('inspector.video.audioOnly');
    else if (!lastVideo.height) box.textContent = t('inspector.video.none');
    else {
      box.textContent = t(videoMode === 'sharp' ? 'inspector.video.readingSharp' : 'inspector.video.reading', {
        width: lastVideo.width, height: lastVideo.height, fps: Math.round(lastVideo.fps), kbps: lastVideo.kbps,
      });
    }
  };
  const renderFallback = () => {
    const state = videoWatch.state();
    const floor = videoWatch.mode() === 'sharp' ? SHARP_FLOOR_FPS : FLOOR_FPS;
    if (state === 'video') showMessage(byId('video-fallback'), '');
    else showMessage(byId('video-fallback'), t(state === 'probing' ? 'inspector.video.probing' : 'inspector.video.fallback', { floor }), 'warn');
  };
  const videoWatch = createVideoWatch({
    peer: () => peer,
    send: (message) => signaling.send(message),
    onReading: (reading) => {
      lastVideo = reading;
      renderVideo();
    },
    onFallback: () => {
      renderFallback();
      renderVideo();
    },
  });
  scope.listen(byId('video-mode'), 'click', () => {
    if (!videoWatch.setMode(videoWatch.mode() === 'sharp' ? 'smooth' : 'sharp')) {
      showError(() => t('inspector.video.offline'));
      return;
    }
    renderVideo();
    renderFallback();
  });

  const negotiate = async () => {
    if (scope.disposed) return;
    try {
      await camera;
      const sdp = await newPeer().createOffer();
      if (signaling.send({ type: 'offer', sdp })) mark('offerSent');
    } catch (err) {
      showMediaError(() => t('call.error.negotiation', { error: err.message }));
    }
  };
  // Kurento mode: offers and re-offers to the media server (one at a time, retried until one answers).
  const callMedia = createCallMedia({
    makeOffer: async () => {
      await camera;
      return newPeer().createOffer();
    },
    send: (message) => signaling.send(message),
    onError: (err) => showMediaError(() => t('call.error.negotiation', { error: err.message })),
    onFlow: (flowing) => {
      if (!flowing) return;
      setCallState('call.state.connected');
      clearMediaError();
    },
    retryMs: MEDIA_RETRY_MS,
  });

  // While the applicant is not in the call, the trail tells whether they opened the link meanwhile.
  let peerPresent = false;
  const checkOpened = async () => {
    if (peerPresent || ending) return;
    try {
      const { events } = await api(`/api/inspections/${id}/trail`, { signal: scope.signal });
      const last = (pred) => events.filter(pred).map((e) => e.seq).pop() ?? 0;
      const opened = last((e) => e.type === 'invite.opened');
      const applicantSeen = last((e) => e.type.startsWith('participant.') && e.actor === 'applicant');
      if (!peerPresent && !scope.disposed && opened > applicantSeen) setCallState('inspector.call.applicantOpened');
    } catch {
      // A convenience only: the next check tries again.
    }
  };
  scope.every(checkOpened, 3000);

  const handlers = {
    joined: (m) => {
      iceServers = m.iceServers || [];
      mode = m.mode;
      peerPresent = m.peerPresent;
      setWaitingState(m.peerPresent ? 'call.state.connecting' : 'inspector.call.waiting');
      // p2p: the server follows `joined` with `peer-joined` when the applicant is there; offer once, then.
      callMedia.joined(mode);
      if (mode !== 'kurento' && !m.peerPresent) checkOpened();
    },
    'peer-joined': () => {
      peerPresent = true;
      onPeerJoined();
      videoWatch.peerJoined();
      setWaitingState('call.state.connecting');
      if (mode === 'p2p') negotiate();
    },
    'peer-reconnecting': () => {
      setCallState('inspector.call.applicantReconnecting');
      if (mode === 'p2p') recovery.peerLost();
    },
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
      callMedia.answered();
      clearMediaError();
      return peer?.acceptAnswer(m.sdp).catch((err) => showMediaError(() => t('call.error.negotiation', { error: err.message })));
    },
    offer: async (m) => {
      // Only a media server renegotiating sends the inspector an offer.
      await camera;
      const sdp = await newPeer().acceptOffer(m.sdp);
      signaling.send({ type: 'answer', sdp });
    },
    ice: (m) => peer?.addCandidate(m.candidate).catch(() => {}),
    'media-interrupted': () => {
      setCallState('call.state.mediaInterrupted');
      // Kurento mode: the next offer re-creates the call's media on a live media server (KURENTO.md).
      callMedia.interrupted();
    },
    location: (m) => {
      lastFix = m;
      renderLocation();
    },
    ended: (m) => finish(m.conclusion),
    error: (m) => {
      showMediaError(() => (t(`ws.error.${m.code}`) !== `ws.error.${m.code}` ? t(`ws.error.${m.code}`) : m.message));
      // E.g. no media server is reachable yet (restarting, or down when the call began): offer again until one answers.
      if (m.code === 'media_failed' && !ending) callMedia.failed();
    },
  };

  Object.assign(handlers, phonePhotos.handlers);
  /** @type {object[] | null} messages held until the call is wired; null once they flow straight through */
  let early = [];
  const signaling = connectSignaling({
    join: { inspectionId: id },
    seatStorageKey: `kanyan.seat.${id}`,
    // Messages that arrive while the camera is still opening wait until the whole call is wired (the handlers
    // use functions defined further down), then run in order.
    onMessage: scope.guard((m) => (early ? early.push(m) : handlers[m.type]?.(m))),
    onState: scope.guard((state, detail) => {
      if (state === 'reconnecting') setCallState('call.state.reconnecting');
      if (state === 'refused') showError(() => t(`ws.error.${detail.code}`));
    }),
  });
  scope.onDispose(() => {
    callMedia.stop();
    signaling.close();
    peer?.close();
  });
  try {
    local = await camera;
    mark('cameraOpen');
  } catch (err) {
    signaling.leave();
    scope.dispose();
    throw new Error(err instanceof MediaProblem ? t(`media.error.${err.reason}`) : err.message);
  }
  byId('local-video').srcObject = local;

  // Start a recording segment whenever a new applicant stream starts playing.
  scope.listen(remoteVideo, 'playing', () => {
    if (remoteVideo.srcObject && remoteVideo.srcObject.getVideoTracks().length) startRecording(remoteVideo.srcObject);
  });

  let lastQuality = null;
  const renderQuality = () => {
    if (!lastQuality) return;
    const box = byId('quality');
    box.dataset.level = lastQuality.level;
    box.textContent = t('call.quality', {
      level: t(`call.quality.${lastQuality.level}`), kbps: lastQuality.inKbps, loss: lastQuality.lossPct,
      rtt: lastQuality.rttMs ?? '—',
    });
  };

  const readStats = async () => {
    if (!peer) return;
    const q = await peer.quality().catch(() => null);
    if (!q || scope.disposed) return;
    remoteVideo.dataset.framesDecoded = String(q.framesDecoded);
    callMedia.frames(q.framesDecoded);
    // Video paused on purpose (audio and stills) is no interruption of the connection.
    if (mode === 'p2p' && videoWatch.state() === 'video') recovery.frames(q.framesDecoded);
    await videoWatch.tick().catch(() => null);
    if (scope.disposed) return;
    lastQuality = q;
    renderQuality();
    poorReadings = q.level === 'poor' ? poorReadings + 1 : 0;
    byId('snapshot').disabled = !(remoteVideo.videoWidth > 0);
  };
  scope.every(readStats, STATS_MS);

  const renderMute = () => {
    byId('mute').setAttribute('aria-pressed', String(muted));
    byId('mute').textContent = t(muted ? 'call.unmute' : 'call.mute');
  };
  scope.listen(byId('mute'), 'click', () => {
    muted = !muted;
    setMuted(local, muted);
    renderMute();
  });

  const renderSnapshots = () => {
    byId('snapshots').replaceChildren(...snapshots.map((snap) => {
      const time = formatTime(snap.takenAt, i18n.lang, { timeOnly: true });
      return h('a', { href: snapshotUrl(id, snap.id), target: '_blank', rel: 'noopener', title: time },
        h('img', { src: snapshotUrl(id, snap.id, snap.thumbnail ? 'thumbnail' : 'watermarked'), alt: t('inspector.snapshots.alt', { time }), 'data-snapshot-id': snap.id }));
    }));
  };

  scope.listen(byId('snapshot'), 'click', async () => {
    const button = byId('snapshot');
    button.disabled = true;
    try {
      const jpeg = await grabFrame(remoteVideo);
      const snap = await uploadSnapshot(id, jpeg, { signal: scope.signal });
      if (scope.disposed) return;
      snapshots.unshift(snap);
      renderSnapshots();
      errors.clear();
    } catch (err) {
      if (scope.disposed) return;
      showError(() => (err.message === 'no-video' ? t('inspector.snapshots.noVideo')
        : t('inspector.snapshots.failed', { error: errorText(i18n, err) })));
    } finally {
      if (!scope.disposed) button.disabled = false;
    }
  });

  const renderNotes = () => {
    byId('notes').replaceChildren(...notes.map((note) => h('li', {},
      h('span', { class: 'muted' }, `${formatTime(note.at, i18n.lang, { timeOnly: true })} `), note.text)));
  };

  scope.listen(byId('note-add'), 'click', () => {
    const input = byId('note-text');
    const text = input.value.trim();
    if (!text) return;
    // Notes travel over the signaling socket (PROTOCOL.md `note`) and go on the trail as NOTE_ADDED.
    if (!signaling.send({ type: 'note', text })) {
      showError(() => t('inspector.notes.offline'));
      return;
    }
    notes.unshift({ at: Date.now(), text });
    renderNotes();
    input.value = '';
  });

  /** The applicant's latest fix (PROTOCOL.md server `location`), and how far it is from the site. */
  const renderLocation = () => {
    const box = byId('location-status');
    if (!lastFix) {
      box.textContent = t('inspector.location.none');
      return;
    }
    const where = t(lastFix.accuracy == null ? 'inspector.location.fix' : 'inspector.location.fixAccuracy', {
      lat: lastFix.lat.toFixed(6), lng: lastFix.lng.toFixed(6), accuracy: Math.round(lastFix.accuracy ?? 0),
    });
    const hasSite = typeof inspection.siteLat === 'number' && typeof inspection.siteLng === 'number';
    const distance = hasSite ? distanceMetres(inspection.siteLat, inspection.siteLng, lastFix.lat, lastFix.lng) : null;
    box.dataset.distance = distance == null ? '' : String(Math.round(distance));
    box.textContent = `${where} · ${distance == null ? t('inspector.location.noSite')
      : t('inspector.location.distance', { distance: formatDistance(distance) })}`;
  };

  const dialog = byId('end-dialog');
  scope.listen(byId('end-open'), 'click', () => {
    endErrors.clear();
    dialog.showModal();
  });
  scope.listen(byId('end-cancel'), 'click', () => dialog.close());
  scope.onDispose(() => { if (dialog.open) dialog.close(); });
  scope.listen(byId('end-form'), 'submit', async (event) => {
    event.preventDefault();
    const conclusion = new FormData(event.target).get('conclusion');
    if (!conclusion) {
      endErrors.show(() => t('inspector.end.pickConclusion'));
      return;
    }
    const checklist = await checklistReady;
    // Checked here first, so a refused conclusion does not stop the recording; the server checks again.
    const refusal = checklist.precheck(conclusion);
    if (refusal) {
      endErrors.show(refusal);
      return;
    }
    byId('end-confirm').disabled = true;
    ending = true;
    endErrors.show(() => t('inspector.end.saving'), 'info');
    await stopRecording();
    try {
      await api(`/api/inspections/${id}/end`, {
        json: { conclusion, remark: byId('end-remark').value.trim(), ...checklist.conclusionFields(conclusion) },
        signal: scope.signal,
      });
      dialog.close();
      finish(conclusion);
    } catch (err) {
      if (scope.disposed) return;
      ending = false;
      endErrors.show(() => errorText(i18n, err));
    } finally {
      byId('end-confirm').disabled = false;
    }
  });

  let finished = false;
  const finish = async (conclusion) => {
    if (finished || scope.disposed) return;
    finished = true;
    ending = true;
    callMedia.stop();
    await stopRecording();
    scope.dispose();
    const { caseNumber, applicantName } = inspection;
    onEnded(() => (conclusion
      ? t('inspector.ended.summary', { caseNumber, applicantName, conclusion: t(`conclusion.${conclusion}`) })
      : t('inspector.ended.byServer', { caseNumber, applicantName })));
  };

  scope.onDispose(i18n.onChange(() => {
    setCallState(stateKey);
    renderMute();
    renderQuality();
    renderVideo();
    renderFallback();
    renderFacts(inspection, t);
    renderLocation();
    renderNotes();
    renderSnapshots();
    checklistReady.then((c) => c.render());
    if (lastProgress) showRecordingProgress(lastProgress);
  }));
  renderLocation();
  setCallState('call.state.connecting');
  const held = early;
  early = null;
  held.forEach((m) => handlers[m.type]?.(m));
  return { end: finish, dispose: () => scope.dispose() };
}
