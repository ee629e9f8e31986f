/**
 * Keeps a peer-to-peer call's media through network trouble: a phone that moves from Wi-Fi to 4G (its address
 * changes) or loses the network for a while. The inspector's page offers in peer-to-peer mode, so it drives the
 * recovery: when the connection has been `disconnected` for {@link RESTART_AFTER_MS} or is `failed`, it sends an
 * offer with an ICE restart on the same RTCPeerConnection (the tracks, the DTLS session and the recording go on),
 * and again every {@link RETRY_MS} until the media is back. Each interruption (no video frame decoded for
 * {@link STALL_MS}) and recovery (frames again, with the freeze's length) is reported over the signaling socket
 * (PROTOCOL.md `connection`), so the trail records them with what the connection saw as the cause. The applicant's page answers a restart
 * on its existing connection ({@link isRenegotiation}). Kurento mode re-offers through js/call-media.js instead.
 * @module network-recovery
 */

/** How long `disconnected` may last before an ICE restart (the browser's consent checks take ~5 s to fail). */
const RESTART_AFTER_MS = 2500;
/** How soon a restart that did not bring the media back is tried again. */
const RETRY_MS = 8000;
/** No new video frame for this long is an interruption. */
const STALL_MS = 3000;

/**
 * @param {object} options
 * @param {() => (import('./peer.js').Peer|null)} options.peer the current peer connection
 * @param {(message: object) => boolean} options.send sends a signaling message
 * @param {(restarting: boolean) => void} [options.onRestart] a restart was sent (true) or the media is back (false)
 * @returns {{connection: (state: RTCPeerConnectionState) => void, frames: (count: number) => void, kick: () => void,
 *   peerLost: () => void, stop: () => void}} `connection` takes every connection state of the current peer;
 *   `frames` the video frames decoded so far (the stats reading); `kick` restarts now if the media is not
 *   connected (the socket came back, the network changed); `peerLost` names the cause the server saw (the other
 *   side's socket dropped); `stop` ends it all
 */
export function createIceRecovery({ peer, send, onRestart = () => {} }) {
  let timer = null;
  let downSince = null;
  let restarts = 0;
  let cause = null;
  let lastCount = 0;
  let lastFrameAt = 0;
  let stopped = false;
  let state = 'new';

  const clear = () => {
    clearTimeout(timer);
    timer = null;
  };
  const restart = async () => {
    clear();
    const current = peer();
    if (stopped || !current || state === 'connected') return;
    timer = setTimeout(restart, RETRY_MS);
    // An offer still waiting for its answer is left alone; the retry comes back to it.
    if (current.pc.signalingState !== 'stable') return;
    try {
      const sdp = await current.restartOffer();
      if (send({ type: 'offer', sdp })) {
        restarts++;
        onRestart(true);
      }
    } catch {
      // The connection was replaced or closed meanwhile: the retry (or the new connection) takes over.
    }
  };
  /** Reads the video decoded so far (every second): a freeze is an interruption, new frames end it. */
  const frames = (count) => {
    if (stopped) return;
    const now = Date.now();
    if (count < lastCount) lastCount = 0; // a new connection counts from zero
    if (count > lastCount) {
      if (downSince !== null) {
        send({ type: 'connection', state: 'recovered', downMs: now - downSince, restarts });
        downSince = null;
        restarts = 0;
        onRestart(false);
      }
      lastCount = count;
      lastFrameAt = now;
      cause = null;
    } else if (lastFrameAt && downSince === null && now - lastFrameAt >= STALL_MS) {
      downSince = lastFrameAt;
      send({ type: 'connection', state: 'interrupted', cause: cause || 'no-video' });
    }
  };

  const onNetworkChange = () => kick();
  const kick = () => {
    if (stopped || !peer() || state === 'connected' || state === 'new' || state === 'connecting') return;
    restart();
  };
  window.addEventListener('online', onNetworkChange);
  navigator.connection?.addEventListener?.('change', onNetworkChange);

  return {
    connection(next) {
      state = next;
      if (stopped) return;
      if (next === 'connected' || next === 'closed') {
        clear();
      } else if (next === 'disconnected') {
        cause = cause || 'ice-disconnected';
        if (!timer) timer = setTimeout(restart, RESTART_AFTER_MS);
      } else if (next === 'failed') {
        cause = 'ice-failed';
        restart();
      }
    },
    frames,
    kick,
    /** The other side's socket dropped (`peer-reconnecting`): the media is interrupted until a connection is back. */
    peerLost: () => { cause = 'peer-reconnecting'; },
    stop() {
      stopped = true;
      clear();
      window.removeEventListener('online', onNetworkChange);
      navigator.connection?.removeEventListener?.('change', onNetworkChange);
    },
  };
}

/**
 * True when an offer comes from the same remote connection as the current one (the same DTLS fingerprint): an
 * ICE restart or other renegotiation, to be answered on the existing connection rather than a new one.
 * @param {import('./peer.js').Peer|null} peer
 * @param {string} sdp the offer
 */
export function isRenegotiation(peer, sdp) {
  const current = peer?.pc.remoteDescription?.sdp;
  if (!current || peer.pc.connectionState === 'closed') return false;
  const fingerprints = (text) => text.split(/\r?\n/).filter((l) => l.startsWith('a=fingerprint:')).sort().join('\n');
  return fingerprints(current) !== '' && fingerprints(current) === fingerprints(sdp);
}
