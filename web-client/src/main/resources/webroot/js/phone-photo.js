/**
 * Full-resolution evidence photos from the applicant's phone (PROTOCOL.md `photo-request`, API.md
 * `PUT /api/inspections/{id}/photos/{photoId}`).
 *
 * - The desk side ({@link createPhonePhotoDesk}): the inspector picks a checklist item (or none) and asks; the
 *   phone's progress and the arrived photo's thumbnail show beside the call.
 * - The phone side ({@link createPhonePhotoTaker}): a request takes a still from the rear camera at its full
 *   resolution (ImageCapture.takePhoto() where the browser has it, otherwise the largest frame the camera track
 *   gives) and uploads it with its SHA-256, the phone's time and its latest location fix. The photo id is chosen
 *   here, so a retry after a network drop sends the same photo under the same id and the server stores it once.
 * @module phone-photo
 */
import { api, ApiError, sha256Hex } from './api.js';
import { byId, errorText, h, translatedMessage } from './ui.js';

/** Retries of one upload, with doubling waits from {@link FIRST_RETRY_MS} up to {@link MAX_RETRY_MS}. */
const MAX_ATTEMPTS = 8;
const FIRST_RETRY_MS = 1000;
const MAX_RETRY_MS = 15000;
/** How long the track may take to deliver a frame at a new resolution before the current one is used. */
const RESIZE_WAIT_MS = 1500;
const JPEG_QUALITY = 0.92;

/**
 * The inspector's "photo from phone" control during a call.
 * @param {object} options
 * @param {string} options.inspectionId
 * @param {import('./i18n.js').I18n} options.i18n
 * @param {{listen: Function, signal: AbortSignal, disposed: boolean, onDispose: Function}} options.scope the call's scope
 * @param {(message: object) => boolean} options.send sends a signaling message; false when the socket is down
 * @param {(photo: object) => void} options.onPhoto a photo arrived: `{id, takenAt, thumbnail: true, itemId, ...}`
 * @returns {{handlers: Object<string, (m: object) => void>}} the signaling messages this control answers (the
 *   server answers a request while the applicant is away with the error `applicant_absent`)
 */
export function createPhonePhotoDesk({ inspectionId, i18n, scope, send, onPhoto }) {
  const { t } = i18n;
  const button = byId('phone-photo');
  const picker = byId('phone-photo-item');
  const status = byId('phone-photo-status');
  /** @type {Map<string, {itemId: string|null, state: string}>} requests of this call, by id */
  const requests = new Map();
  let items = [];
  const message = translatedMessage(status, i18n);
  const say = (key, params, kind) => message.show(() => t(key, params), kind);
  button.disabled = false;
  scope.onDispose(() => {
    message.clear();
    message.dispose();
    button.disabled = true;
    picker.replaceChildren();
    picker.hidden = true;
    delete status.dataset.state;
    delete status.dataset.requestId;
  });

  const renderPicker = () => {
    const chosen = picker.value;
    picker.replaceChildren(h('option', { value: '' }, t('inspector.phonePhoto.noItem')),
      ...items.map((item, i) => h('option', { value: item.id, selected: item.id === chosen }, `${i + 1}. ${item.title}`)));
    picker.hidden = items.length === 0;
  };
  api(`/api/inspections/${encodeURIComponent(inspectionId)}/checklist`, { signal: scope.signal }).then((state) => {
    items = state.bound ? state.items : [];
    if (!scope.disposed) renderPicker();
  }, () => {}); // without the list a photo is simply asked for no item
  scope.onDispose(i18n.onChange(renderPicker));

  scope.listen(button, 'click', () => {
    const itemId = picker.value || undefined;
    if (!send({ type: 'photo-request', itemId })) {
      say('inspector.phonePhoto.offline', {}, 'warn');
      return;
    }
    say('inspector.phonePhoto.asking', {}, 'info');
  });

  const title = (itemId) => items.find((i) => i.id === itemId)?.title;
  return {
    handlers: {
      'photo-requested': (m) => {
        requests.set(m.requestId, { itemId: m.itemId ?? null, state: 'requested' });
        status.dataset.requestId = m.requestId;
        say(m.itemId ? 'inspector.phonePhoto.requestedItem' : 'inspector.phonePhoto.requested', { item: title(m.itemId) }, 'info');
      },
      'photo-status': (m) => {
        const request = requests.get(m.requestId);
        if (!request) return;
        request.state = m.state;
        status.dataset.state = m.state;
        const kind = m.state === 'failed' || m.state === 'camera-off' ? 'warn' : 'info';
        say(`inspector.phonePhoto.state.${m.state}`, { code: m.code || '' }, kind);
      },
      'photo-arrived': (m) => {
        const request = requests.get(m.requestId);
        if (request) request.state = 'arrived';
        status.dataset.state = 'arrived';
        say(m.gpsCheck === 'mismatch' ? 'inspector.phonePhoto.arrivedGpsMismatch' : 'inspector.phonePhoto.arrived', {
          width: m.width, height: m.height, mb: (m.size / 1e6).toFixed(1),
        }, m.gpsCheck === 'mismatch' ? 'warn' : 'info');
        onPhoto({ id: m.photoId, takenAt: new Date().toISOString(), thumbnail: true, itemId: m.itemId, width: m.width, height: m.height });
      },
    },
  };
}

/**
 * The phone's side: answers the inspector's photo requests while the call lasts.
 * @param {object} options
 * @param {string} options.inspectionId
 * @param {string} options.token the invite (X-Invite-Token)
 * @param {import('./i18n.js').I18n} options.i18n
 * @param {() => MediaStream|null} options.stream the camera stream now in the call (null when none)
 * @param {() => ({lat: number, lng: number, accuracy?: number}|null)} options.fix the latest location fix
 * @param {(message: object) => boolean} options.send sends a signaling message
 * @returns {{handlers: Object<string, (m: object) => void>, stop: () => void}}
 */
export function createPhonePhotoTaker({ inspectionId, token, i18n, stream, fix, send }) {
  const { t } = i18n;
  const box = byId('photo-request');
  const text = byId('photo-request-text');
  let stopped = false;
  let last = null;
  const abort = new AbortController();
  /** Requests this page has taken up (answered, or being answered). */
  const answered = new Set();

  const show = (key, params, kind) => {
    last = { key, params, kind };
    box.hidden = false;
    box.dataset.kind = kind || 'info';
    text.textContent = t(key, params);
  };
  const stopLanguage = i18n.onChange(() => { if (last) show(last.key, last.params, last.kind); });
  const report = (requestId, state, code) => send({ type: 'photo-status', requestId, state, code });

  const answer = async (m) => {
    const requestId = m.requestId;
    const track = stream()?.getVideoTracks().find((tr) => tr.readyState === 'live' && tr.enabled);
    if (!track) {
      show('applicant.photo.cameraOff', {}, 'warn');
      report(requestId, 'camera-off', 'camera_off');
      return;
    }
    show(m.itemTitle ? 'applicant.photo.takingItem' : 'applicant.photo.taking', { item: m.itemTitle }, 'info');
    report(requestId, 'capturing');
    let photo;
    try {
      photo = await takeStill(track);
    } catch (err) {
      show('applicant.photo.captureFailed', { error: err.message }, 'warn');
      report(requestId, 'failed', 'capture_failed');
      return;
    }
    const upload = {
      requestId,
      photoId: crypto.randomUUID(),
      blob: photo.blob,
      sha256: await sha256Hex(photo.blob),
      deviceTime: new Date().toISOString(),
      location: fix(),
    };
    box.dataset.method = photo.method;
    box.dataset.width = String(photo.width);
    box.dataset.height = String(photo.height);
    await deliver(upload);
  };

  /** Sends the photo until the server has it, waiting longer after each network failure. */
  const deliver = async (upload) => {
    let wait = FIRST_RETRY_MS;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS && !stopped; attempt++) {
      show('applicant.photo.uploading', { mb: (upload.blob.size / 1e6).toFixed(1) }, 'info');
      report(upload.requestId, attempt === 1 ? 'uploading' : 'retrying');
      try {
        const stored = await putPhoto(inspectionId, token, upload, abort.signal);
        box.dataset.photoId = stored.id;
        show('applicant.photo.sent', {}, 'ok');
        return;
      } catch (err) {
        if (err.name === 'AbortError') return;
        if (!retryable(err)) {
          show('applicant.photo.refused', { error: errorText(i18n, err) }, 'warn');
          report(upload.requestId, 'failed', err.code);
          return;
        }
      }
      show('applicant.photo.waitingNetwork', {}, 'warn');
      await pause(wait, abort.signal);
      wait = Math.min(wait * 2, MAX_RETRY_MS);
    }
    if (!stopped) {
      show('applicant.photo.gaveUp', {}, 'warn');
      report(upload.requestId, 'failed', 'network');
    }
  };

  return {
    handlers: {
      'photo-request': (m) => {
        // Sent again after this page rejoined (the first may have gone into a dead connection): answer once.
        if (answered.has(m.requestId)) return;
        answered.add(m.requestId);
        answer(m).catch(() => {});
      },
    },
    stop: () => {
      stopped = true;
      abort.abort();
      stopLanguage();
      box.hidden = true;
    },
  };
}

/** A failure worth sending again: no network, a server busy or restarting, or the same photo still arriving. */
function retryable(err) {
  if (!(err instanceof ApiError)) return false;
  return err.code === 'network' || err.status >= 500 || err.status === 429 || err.code === 'upload_in_progress'
    || err.code === 'too_many_uploads';
}

/** Waits `ms`, or less when the browser says it is back online. */
function pause(ms, signal) {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      window.removeEventListener('online', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    window.addEventListener('online', done);
    signal.addEventListener('abort', done);
  });
}

/**
 * Uploads one photo (API.md). Sending the same photo id again returns the stored photo.
 * @returns {Promise<object>} the stored photo
 */
export function putPhoto(inspectionId, token, upload, signal) {
  const headers = {
    'Content-Type': 'image/jpeg',
    'X-Content-SHA256': upload.sha256,
    'X-Invite-Token': token,
    'X-Photo-Request': upload.requestId,
    'X-Device-Time': upload.deviceTime,
  };
  const where = upload.location;
  if (where && Number.isFinite(where.lat) && Number.isFinite(where.lng)) {
    headers['X-Device-Location'] = [where.lat, where.lng, where.accuracy].filter(Number.isFinite).join(',');
  }
  return api(`/api/inspections/${encodeURIComponent(inspectionId)}/photos/${encodeURIComponent(upload.photoId)}`, {
    method: 'PUT', body: upload.blob, headers, signal,
  });
}

/**
 * A still from the camera track at the largest size it gives: ImageCapture.takePhoto() when the browser has it and
 * its stills are at least as large as the track's largest video frame (a phone's 12 MP stills against 4K video),
 * otherwise that largest frame.
 * @param {MediaStreamTrack} track a live video track
 * @returns {Promise<{blob: Blob, width: number, height: number, method: 'takePhoto'|'frame'}>}
 */
export async function takeStill(track) {
  if (typeof ImageCapture === 'function') {
    try {
      const capture = new ImageCapture(track);
      const photo = await capture.getPhotoCapabilities();
      const video = track.getCapabilities ? track.getCapabilities() : {};
      const stillPixels = (photo.imageWidth?.max || 0) * (photo.imageHeight?.max || 0);
      const framePixels = (video.width?.max || 0) * (video.height?.max || 0);
      if (stillPixels >= framePixels) {
        const blob = await capture.takePhoto({ imageWidth: photo.imageWidth?.max, imageHeight: photo.imageHeight?.max });
        const bitmap = await createImageBitmap(blob);
        try {
          // A camera that answers in another format (PNG) is re-encoded at the same size: the server keeps JPEGs.
          const jpeg = blob.type === 'image/jpeg' ? blob : await encode(bitmap, bitmap.width, bitmap.height);
          return { blob: jpeg, width: bitmap.width, height: bitmap.height, method: 'takePhoto' };
        } finally {
          bitmap.close();
        }
      }
    } catch {
      // Many browsers (and cameras) have ImageCapture without takePhoto support: take the largest frame.
    }
  }
  return largestFrame(track);
}

/**
 * Raises the track to the largest size its camera reports, grabs one frame and puts the size back, so the call's
 * video goes on as it was.
 */
async function largestFrame(track) {
  const before = track.getSettings();
  const caps = track.getCapabilities ? track.getCapabilities() : {};
  const maxW = caps.width?.max;
  const maxH = caps.height?.max;
  const raise = maxW && maxH && (maxW > before.width || maxH > before.height);
  if (raise) {
    await track.applyConstraints({ width: { ideal: maxW }, height: { ideal: maxH } }).catch(() => {});
  }
  try {
    return await grab(track, raise ? RESIZE_WAIT_MS : 0);
  } finally {
    if (raise) {
      await track.applyConstraints({ width: { ideal: before.width }, height: { ideal: before.height } }).catch(() => {});
    }
  }
}

/** Draws the track's next frame (after up to `settleMs` for a new size to arrive) into a JPEG. */
async function grab(track, settleMs) {
  const video = document.createElement('video');
  video.muted = true;
  video.playsInline = true;
  video.srcObject = new MediaStream([track]);
  try {
    await video.play();
    const wanted = track.getSettings();
    const deadline = performance.now() + settleMs;
    while (performance.now() < deadline && (video.videoWidth < wanted.width || !video.videoWidth)) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    if (!video.videoWidth) throw new Error('no-video');
    const blob = await encode(video, video.videoWidth, video.videoHeight);
    return { blob, width: video.videoWidth, height: video.videoHeight, method: 'frame' };
  } finally {
    video.srcObject = null;
  }
}

/** A JPEG of an image source (a video frame, a bitmap) at `width` × `height`. */
function encode(source, width, height) {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  canvas.getContext('2d').drawImage(source, 0, 0, width, height);
  return new Promise((resolve, reject) => {
    canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('encode-failed'))), 'image/jpeg', JPEG_QUALITY);
  });
}

/**
 * What the auditor's gallery says about a photo from the phone (TRAIL.md `snapshot.taken` with `source: "phone"`):
 * its size, who asked for it, and a flag when its EXIF GPS position is far from the live location fix.
 * @param {object} data the `snapshot.taken` payload
 * @param {(key: string, params?: object) => string} t
 * @returns {HTMLElement[]} nothing for a frame grab
 */
export function phonePhotoBadges(data, t) {
  if (data.source !== 'phone') return [];
  const badges = [h('span', { class: 'badge', 'data-kind': 'phone' }, t('auditor.gallery.phone', {
    width: data.width, height: data.height, by: String(data.requestedBy || '').replace(/^user:/, ''),
  }))];
  if (data.exif?.gpsCheck === 'mismatch') {
    badges.push(h('span', { class: 'badge', 'data-gps-check': 'mismatch' }, t('auditor.gallery.gpsMismatch', {
      km: (data.exif.gpsDistanceMetres / 1000).toFixed(1),
    })));
  }
  return badges;
}
