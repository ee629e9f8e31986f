// Applicant page wiring: read the invite from the link, explain, ask for camera/microphone/location,
// join the call (the applicant answers the inspector's offer in p2p mode), share location fixes.
import { api, ApiError, retryOnNetwork } from './api.js';
import { initI18n } from './i18n.js';
import { startPage } from './page-load.js';
import { openCamera, openVideoTrack, setMuted, MediaProblem } from './media.js';
import { createCallMedia } from './call-media.js';
import { createPeer } from './peer.js';
import { connectSignaling } from './signaling.js';
import { createApplicantRecord } from './record.js';
import { mark, markFirstFrame } from './timings.js';
import { byId, formatTime, h, showMessage } from './ui.js';
import { renderCurrentItem, renderPrepareList } from './checklist.js';
import { createPhonePhotoTaker } from './phone-photo.js';
import { isRenegotiation } from './network-recovery.js';
import { createPrecheck } from './precheck.js';
import { createApplicantBooking } from './applicant-booking.js';
import { createVideoSender } from './bandwidth.js';

const STATS_MS = 2000;
const POOR_READINGS = 3;
const LOCATION_MIN_MS = 5000;
/** Kurento mode: how soon a re-offer that found no media server is tried again. */
const MEDIA_RETRY_MS = 3000;
/** A still phone reports no new position: repeat the last fix so the trail shows where it stayed. */
const LOCATION_REPEAT_MS = 15000;

async function main() {
  const i18n = await initI18n();
  i18n.bindSwitch(byId('lang'));
  const { t } = i18n;
  const fail = (text, retry) => {
    showMessage(byId('error'), text);
    byId('retry').hidden = !retry;
  };

  const token = new URLSearchParams(location.hash.slice(1)).get('invite');
  if (!token) {
    fail(t('applicant.error.noInvite'));
    return;
  }
  let invite;
  try {
    // The phone's first request, asked again after a network failure (a weak network while the page loads).
    invite = await retryOnNetwork(() => api('/api/invite', { headers: { 'X-Invite-Token': token } }));
  } catch (err) {
    // After the conclusion the link leads to the inspection record (read, sign, download).
    if (err.code === 'inspection_closed' && await createApplicantRecord({ i18n, token, container: byId('record') }).start()) return;
    fail(inviteError(t, err), err instanceof ApiError && err.code === 'network');
    byId('retry').onclick = () => location.reload();
    return;
  }
  if (invite.status === 'ended' || invite.status === 'cancelled') {
    fail(t('applicant.error.invite_closed'));
    return;
  }
  showIntro(i18n, invite);
  // The appointment (js/applicant-booking.js): the booked time, or the free times to pick; gone once the call starts.
  const booking = createApplicantBooking({ i18n, token, container: byId('booking') });
  booking.start();
  showPrepareList(i18n, token);
  const seatKey = `kanyan.seat.applicant.${invite.inspectionId}`;
  // The pre-call check (js/precheck.js) runs while the applicant reads; joining cancels it (one camera user at a time).
  const resuming = Boolean(sessionStorage.getItem(seatKey));
  const precheck = resuming ? null : createPrecheck({ i18n, token });
  precheck?.run();

  const begin = () => {
    mark('tap');
    showMessage(byId('error'), '');
    byId('retry').hidden = true;
    byId('start').disabled = true;
    precheck?.stop();
    byId('precheck').hidden = true;
    booking.hide();
    // The camera and the signaling socket open at the same time: joining needs no camera, only the peer does.
    const camera = openCamera({ facingMode: 'environment' });
    const call = joinCall({ i18n, token, camera, seatKey, fail, inspectionId: invite.inspectionId });
    camera.then(() => {
      mark('cameraOpen');
      byId('intro').hidden = true;
      byId('call').hidden = false;
    }, (err) => {
      call.abandon();
      byId('start').disabled = false;
      fail(err instanceof MediaProblem ? t(`media.error.${err.reason}`) : err.message, true);
      byId('retry').onclick = begin;
    });
  };
  byId('start').addEventListener('click', begin);
  // After a reload mid-call the permissions are usually remembered: go straight back in.
  if (resuming) begin();
}

function inviteError(t, err) {
  const key = `applicant.error.${err.code}`;
  const text = t(key);
  return text === key ? t('applicant.error.generic', { message: err.message }) : text;
}

function showIntro(i18n, invite) {
  const { t } = i18n;
  const render = () => {
    byId('facts').replaceChildren(...[
      ['field.caseNumber', invite.caseNumber],
      ['field.matterType', invite.matterType],
      ['field.siteAddress', invite.siteAddress],
      ['field.inspector', invite.inspectorName],
    ].flatMap(([key, value]) => [h('dt', {}, t(key)), h('dd', {}, value ?? '—')]));
  };
  render();
  i18n.onChange(render);
  byId('intro').hidden = false;
}

/**
 * The "what to prepare" list of the inspection's checklist (js/checklist.js), readable before and during the
 * call; the item the inspector checks now is shown above it during the call.
 */
async function showPrepareList(i18n, token) {
  const { t } = i18n;
  let prepare;
  try {
    prepare = await api('/api/invite/checklist', { headers: { 'X-Invite-Token': token } });
  } catch {
    return; // the list is a help; the invite itself already said what is wrong, if anything
  }
  if (!prepare.bound) return;
  const render = () => {
    byId('prepare-matter').textContent = t('applicant.prepare.matter', { matter: prepare.matterName });
    renderPrepareList(byId('prepare-list'), prepare, t);
    if (currentItem) renderCurrentItem(currentItem, t);
  };
  if (prepare.current && !currentItem) currentItem = prepare.current;
  render();
  i18n.onChange(render);
  byId('prepare').hidden = false;
}

/** The checklist item the inspector is checking now (PROTOCOL.md `checklist-current`), or null. */
let currentItem = null;

function joinCall({ i18n, token, camera, seatKey, fail, inspectionId }) {
  const { t } = i18n;
  const localVideo = byId('local-video');
  const remoteVideo = byId('remote-video');
  markFirstFrame(remoteVideo);
  /** @type {MediaStream|null} set once the camera is open; every peer connection waits for it. */
  let stream = null;
  camera.then((opened) => {
    stream = opened;
    localVideo.srcObject = opened;
  }, () => {});
  let peer = null;
  let iceServers = [];
  let mode = 'p2p';
  let muted = false;
  let facing = 'environment';
  let stateKey = 'applicant.state.connecting';
  let poorReadings = 0;
  let lastFix = null;
  let lastSent = 0;
  // The inspector's seat is held for their reconnect: a stalled video is theirs, not the applicant's network.
  let inspectorAway = false;

  const setState = (key) => {
    stateKey = key;
    byId('call-state').textContent = t(key);
  };
  // The waiting room: the place in the inspector's queue (PROTOCOL.md `queue`), shown until the inspector joins.
  let queue = null;
  const renderQueue = () => {
    const box = byId('queue-status');
    box.hidden = !queue;
    if (!queue) return;
    const place = queue.place === 1 ? t('applicant.queue.next') : t('applicant.queue.place', { place: queue.place });
    box.textContent = queue.bookedStart
      ? `${place} ${t('applicant.queue.booked', { time: formatTime(queue.bookedStart, i18n.lang, { timeOnly: true }) })}`
      : place;
  };
  const showQueue = (message) => {
    queue = message;
    renderQueue();
  };
  i18n.onChange(() => {
    setState(stateKey);
    renderQueue();
  });
  // The state line follows what the media does: words about (re)connecting give way once video arrives.
  const setWaitingState = (key) => setState(callMedia.flowing() ? 'applicant.state.connected' : key);
  // A media or signaling error shown in the banner is cleared once the media recovers.
  let mediaError = false;
  const showMediaError = (text) => {
    mediaError = true;
    showMessage(byId('error'), text);
  };
  const clearMediaError = () => {
    if (mediaError) showMessage(byId('error'), '');
    mediaError = false;
  };

  const newPeer = () => {
    peer?.close();
    peer = createPeer({
      iceServers,
      localStream: stream,
      onRemoteStream: (remote) => { if (remoteVideo.srcObject !== remote) remoteVideo.srcObject = remote; },
      onIceCandidate: (candidate) => signaling.send({ type: 'ice', candidate }),
      onConnectionState: (state) => {
        byId('call-state').dataset.connection = state;
        if (state === 'connected') mark('iceConnected');
        callMedia.connection(state);
        // With a media server the connection is to it: only arriving video says the inspector is there.
        if (state === 'connected' && mode === 'p2p') setState('applicant.state.connected');
        else if (state === 'disconnected' || state === 'failed') {
          signaling.probe(); // the network may have changed under the socket too: find out now
          setState(inspectorAway ? 'applicant.state.inspectorReconnecting' : 'applicant.state.unstable');
        }
      },
    });
    return peer;
  };

  /** Kurento mode: every browser offers to the media server, which answers (offers and retries: call-media.js). */
  const callMedia = createCallMedia({
    makeOffer: async () => {
      await camera;
      return newPeer().createOffer();
    },
    send: (message) => signaling.send(message),
    onError: (err) => showMediaError(t('call.error.negotiation', { error: err.message })),
    onFlow: (flowing) => {
      if (!flowing) return;
      setState('applicant.state.connected');
      clearMediaError();
    },
    retryMs: MEDIA_RETRY_MS,
  });

  const sendFix = (force) => {
    if (!lastFix || (!force && Date.now() - lastSent < LOCATION_MIN_MS)) return;
    if (signaling.send({ type: 'location', ...lastFix, timestamp: Math.round(lastFix.timestamp) })) lastSent = Date.now();
  };

  const handlers = {
    joined: (m) => {
      iceServers = m.iceServers || [];
      mode = m.mode;
      setWaitingState(m.peerPresent ? 'applicant.state.connecting' : 'applicant.state.waiting');
      sendFix(true);
      callMedia.joined(mode);
    },
    queue: (m) => showQueue(m),
    'peer-joined': () => {
      inspectorAway = false;
      showQueue(null);
      setWaitingState('applicant.state.connecting');
      sendFix(true);
    },
    'peer-reconnecting': () => {
      inspectorAway = true;
      setState('applicant.state.inspectorReconnecting');
    },
    'peer-left': () => {
      inspectorAway = false;
      setState('applicant.state.waiting');
    },
    offer: async (m) => {
      mark('offerReceived');
      try {
        await camera;
        // An ICE restart (the same inspector connection, new network paths) is answered on the existing connection.
        const sdp = await (isRenegotiation(peer, m.sdp) ? peer : newPeer()).acceptOffer(m.sdp);
        signaling.send({ type: 'answer', sdp });
      } catch (err) {
        showMediaError(t('call.error.negotiation', { error: err.message }));
      }
    },
    answer: (m) => {
      mark('answerReceived');
      callMedia.answered();
      clearMediaError();
      return peer?.acceptAnswer(m.sdp).catch((err) => showMediaError(t('call.error.negotiation', { error: err.message })));
    },
    ice: (m) => peer?.addCandidate(m.candidate).catch(() => {}),
    'media-interrupted': () => {
      setState('call.state.mediaInterrupted');
      // Kurento mode: the next offer re-creates the call's media on a live media server (KURENTO.md).
      callMedia.interrupted();
    },
    'checklist-current': (m) => {
      currentItem = m;
      renderCurrentItem(m, t);
    },
    ended: (m) => end(m.conclusion),
    error: (m) => {
      const key = `ws.error.${m.code}`;
      showMediaError(t(key) === key ? m.message : t(key));
      // E.g. no media server is reachable yet (restarting, or down when the call began): offer again until one answers.
      if (m.code === 'media_failed') callMedia.failed();
    },
  };

  // The video follows the network and the inspector's choices (js/bandwidth.js): "sharper, slower", and audio with
  // photos when the network cannot carry video.
  const video = createVideoSender({ peer: () => peer });
  let videoNotes = { mode: 'smooth', fallback: 'released' };
  const renderVideoNotes = () => {
    const fallbackBox = byId('video-fallback');
    if (videoNotes.fallback === 'released') fallbackBox.hidden = true;
    else showMessage(fallbackBox, t(videoNotes.fallback === 'probing' ? 'applicant.video.probing' : 'applicant.video.fallback'), 'warn');
    const modeBox = byId('video-mode-note');
    if (videoNotes.mode === 'sharp') showMessage(modeBox, t('applicant.video.sharp'), 'info');
    else modeBox.hidden = true;
    byId('call').dataset.videoFallback = videoNotes.fallback;
    byId('call').dataset.videoMode = videoNotes.mode;
  };
  i18n.onChange(renderVideoNotes);
  handlers['video-mode'] = (m) => {
    video.mode(m.mode);
    videoNotes = { ...videoNotes, mode: m.mode };
    renderVideoNotes();
  };
  handlers['video-fallback'] = (m) => {
    video.fallback(m.state);
    videoNotes = { ...videoNotes, fallback: m.state === 'held' ? 'engaged' : m.state };
    renderVideoNotes();
  };

  // The inspector's requests for a full-resolution photo (js/phone-photo.js).
  const photos = createPhonePhotoTaker({
    inspectionId, token, i18n, stream: () => stream, fix: () => lastFix, send: (message) => signaling.send(message),
  });
  Object.assign(handlers, photos.handlers);

  const signaling = connectSignaling({
    query: `invite=${encodeURIComponent(token)}`,
    join: {},
    seatStorageKey: seatKey,
    onMessage: (m) => handlers[m.type]?.(m),
    onState: (state, detail) => {
      if (state === 'reconnecting') setState('applicant.state.reconnecting');
      if (state === 'refused') {
        end();
        fail(t(`ws.error.${detail.code}`));
      }
    },
  });

  const watch = watchLocation({
    onFix: (fix) => {
      lastFix = fix;
      byId('location-warning').hidden = true;
      sendFix(false);
    },
    onProblem: (key) => showMessage(byId('location-warning'), t(key), 'warn'),
  });

  const repeatTimer = setInterval(() => sendFix(false), LOCATION_REPEAT_MS);

  const statsTimer = setInterval(async () => {
    if (!peer) return;
    const sending = await video.tick().catch(() => null);
    if (sending) {
      localVideo.dataset.sentHeight = String(sending.sent.height);
      localVideo.dataset.sentFps = String(Math.round(sending.sent.fps));
      localVideo.dataset.budgetKbps = String(sending.budgetKbps ?? '');
    }
    const q = await peer.quality().catch(() => null);
    if (!q) return;
    remoteVideo.dataset.framesDecoded = String(q.framesDecoded);
    callMedia.frames(q.framesDecoded);
    poorReadings = q.level === 'poor' ? poorReadings + 1 : 0;
    const warning = byId('network-warning');
    if (poorReadings >= POOR_READINGS) showMessage(warning, t('applicant.network.poor'), 'warn');
    else warning.hidden = true;
  }, STATS_MS);

  byId('mute').addEventListener('click', () => {
    muted = !muted;
    setMuted(stream, muted);
    byId('mute').setAttribute('aria-pressed', String(muted));
    byId('mute').textContent = t(muted ? 'call.unmute' : 'call.mute');
  });

  byId('switch-camera').addEventListener('click', async () => {
    const next = facing === 'environment' ? 'user' : 'environment';
    try {
      const track = await openVideoTrack(next);
      const old = stream.getVideoTracks()[0];
      await peer?.replaceTrack(track);
      stream.removeTrack(old);
      stream.addTrack(track);
      old.stop();
      facing = next;
      localVideo.srcObject = stream;
    } catch (err) {
      const reason = err instanceof MediaProblem && err.reason === 'no-camera' ? 'applicant.error.noOtherCamera' : `media.error.${err.reason || 'media-failed'}`;
      showMessage(byId('error'), t(reason));
    }
  });

  let ended = false;
  const end = (conclusion) => {
    if (ended) return;
    ended = true;
    clearInterval(statsTimer);
    clearInterval(repeatTimer);
    callMedia.stop();
    photos.stop();
    watch.stop();
    signaling.close();
    peer?.close();
    stream?.getTracks().forEach((track) => track.stop());
    byId('call').hidden = true;
    byId('ended').hidden = false;
    if (conclusion) createApplicantRecord({ i18n, token, container: byId('record'), waitForConclusion: true }).start();
  };

  return {
    /** The camera could not be opened: give the seat up (the page offers to try again). */
    abandon() {
      ended = true;
      clearInterval(statsTimer);
      clearInterval(repeatTimer);
      callMedia.stop();
      photos.stop();
      watch.stop();
      signaling.leave();
      peer?.close();
    },
  };
}

/** Starts watching the position; problems are reported as message keys. */
function watchLocation({ onFix, onProblem }) {
  if (!navigator.geolocation) {
    onProblem('applicant.location.unsupported');
    return { stop() {} };
  }
  const id = navigator.geolocation.watchPosition(
    (position) => onFix({
      lat: position.coords.latitude,
      lng: position.coords.longitude,
      accuracy: position.coords.accuracy,
      timestamp: position.timestamp,
    }),
    (error) => onProblem(error.code === error.PERMISSION_DENIED ? 'applicant.location.denied' : 'applicant.location.unavailable'),
    { enableHighAccuracy: true, maximumAge: 10000, timeout: 30000 },
  );
  return { stop: () => navigator.geolocation.clearWatch(id) };
}

startPage(main, 'error');
