/**
 * Evidence snapshots: grabs the current frame of a video element at its full resolution and uploads it
 * as a JPEG with its SHA-256.
 * @module snapshot
 */
import { api, sha256Hex } from './api.js';

/**
 * Grabs the frame now showing in `video` at videoWidth × videoHeight.
 * @param {HTMLVideoElement} video
 * @returns {Promise<Blob>} a JPEG
 */
export async function grabFrame(video) {
  if (!video.videoWidth || !video.videoHeight) throw new Error('no-video');
  const canvas = document.createElement('canvas');
  canvas.width = video.videoWidth;
  canvas.height = video.videoHeight;
  canvas.getContext('2d').drawImage(video, 0, 0, canvas.width, canvas.height);
  return new Promise((resolve, reject) => {
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('encode-failed'))), 'image/jpeg', 0.92);
  });
}

/**
 * Uploads a JPEG snapshot of an inspection.
 * @param {string} inspectionId
 * @param {Blob} jpeg
 * @param {{signal?: AbortSignal, itemId?: string}} [options] `signal` aborts the upload (the call ended); `itemId`
 *   links the snapshot to a checklist item (recorded in `snapshot.taken`)
 * @returns {Promise<{id: string, takenAt: string, sha256: string, width: number, height: number, location: object|null}>}
 */
export async function uploadSnapshot(inspectionId, jpeg, { signal, itemId } = {}) {
  const sha = await sha256Hex(jpeg);
  const query = itemId ? `?itemId=${encodeURIComponent(itemId)}` : '';
  return api(`/api/inspections/${encodeURIComponent(inspectionId)}/snapshots${query}`, {
    method: 'POST',
    body: jpeg,
    headers: { 'Content-Type': 'image/jpeg', 'X-Content-SHA256': sha },
    signal,
  });
}

/**
 * The URL of a snapshot image.
 * @param {string} inspectionId
 * @param {string} snapshotId
 * @param {'watermarked'|'original'} [variant='watermarked']
 */
export function snapshotUrl(inspectionId, snapshotId, variant = 'watermarked') {
  return `/api/inspections/${encodeURIComponent(inspectionId)}/snapshots/${encodeURIComponent(snapshotId)}?variant=${variant}`;
}
