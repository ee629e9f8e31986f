/**
 * One RTCPeerConnection of a call, with the chores done: local tracks added, ICE candidates buffered
 * until the remote description is set, the remote tracks gathered into one stream, and a quality
 * reading from getStats (bitrate, packet loss, round-trip time, frames decoded).
 * A new connection is made for every negotiation from scratch (a peer reloading its page), so the
 * state stays simple: one peer = one offer/answer exchange.
 * @module peer
 */

/**
 * @typedef {object} Quality
 * @property {number} inKbps received bitrate (all media)
 * @property {number} outKbps sent bitrate (all media)
 * @property {number} lossPct received packets lost since the last reading, in percent
 * @property {number|null} rttMs round-trip time of the selected candidate pair
 * @property {number} framesDecoded video frames decoded so far
 * @property {string} level 'good' | 'fair' | 'poor'
 */

/**
 * @typedef {object} Peer
 * @property {RTCPeerConnection} pc
 * @property {() => Promise<string>} createOffer makes and sets a local offer, returns its SDP
 * @property {() => Promise<string>} restartOffer the same with an ICE restart (js/network-recovery.js)
 * @property {(sdp: string) => Promise<string>} acceptOffer sets a remote offer, returns the answer SDP
 * @property {(sdp: string) => Promise<void>} acceptAnswer
 * @property {(candidate: RTCIceCandidateInit) => Promise<void>} addCandidate buffered until ready
 * @property {(track: MediaStreamTrack) => Promise<void>} replaceTrack swaps the sent track of the same kind
 * @property {() => Promise<Quality>} quality
 * @property {() => void} close
 */

/**
 * @param {object} options
 * @param {RTCIceServer[]} options.iceServers
 * @param {MediaStream} options.localStream
 * @param {(stream: MediaStream) => void} options.onRemoteStream called when the remote stream has a new track
 * @param {(candidate: RTCIceCandidateInit) => void} options.onIceCandidate
 * @param {(state: RTCPeerConnectionState) => void} options.onConnectionState
 * @returns {Peer}
 */
export function createPeer({ iceServers, localStream, onRemoteStream, onIceCandidate, onConnectionState }) {
  const pc = new RTCPeerConnection({ iceServers: iceServers || [] });
  const remote = new MediaStream();
  const pending = [];
  let previous = null;

  localStream.getTracks().forEach((track) => pc.addTrack(track, localStream));
  pc.addEventListener('track', (event) => {
    remote.addTrack(event.track);
    onRemoteStream(remote);
  });
  pc.addEventListener('icecandidate', (event) => {
    if (event.candidate) onIceCandidate(event.candidate.toJSON());
  });
  pc.addEventListener('connectionstatechange', () => onConnectionState(pc.connectionState));

  const flush = async () => {
    while (pending.length) await pc.addIceCandidate(pending.shift());
  };

  return {
    pc,
    async createOffer() {
      const offer = await pc.createOffer();
      await pc.setLocalDescription(offer);
      return pc.localDescription.sdp;
    },
    /** Makes and sets an offer with new ICE credentials (an ICE restart), keeping the tracks and DTLS session. */
    async restartOffer() {
      const offer = await pc.createOffer({ iceRestart: true });
      await pc.setLocalDescription(offer);
      return pc.localDescription.sdp;
    },
    async acceptOffer(sdp) {
      await pc.setRemoteDescription({ type: 'offer', sdp });
      await flush();
      const answer = await pc.createAnswer();
      await pc.setLocalDescription(answer);
      return pc.localDescription.sdp;
    },
    async acceptAnswer(sdp) {
      // An answer to an offer this connection no longer waits for (a renegotiation overtook it): ignore it.
      if (pc.signalingState !== 'have-local-offer') return;
      await pc.setRemoteDescription({ type: 'answer', sdp });
      await flush();
    },
    async addCandidate(candidate) {
      if (pc.remoteDescription) await pc.addIceCandidate(candidate);
      else pending.push(candidate);
    },
    async replaceTrack(track) {
      const sender = pc.getSenders().find((s) => s.track && s.track.kind === track.kind);
      if (sender) await sender.replaceTrack(track);
    },
    async quality() {
      const reading = readStats(await pc.getStats());
      const result = summarise(reading, previous);
      previous = reading;
      return result;
    },
    close() {
      pc.close();
    },
  };
}

function readStats(report) {
  const reading = { at: performance.now(), inBytes: 0, outBytes: 0, received: 0, lost: 0, framesDecoded: 0, rttMs: null };
  report.forEach((s) => {
    if (s.type === 'inbound-rtp') {
      reading.inBytes += s.bytesReceived || 0;
      reading.received += s.packetsReceived || 0;
      reading.lost += s.packetsLost || 0;
      if (s.kind === 'video') reading.framesDecoded += s.framesDecoded || 0;
    } else if (s.type === 'outbound-rtp') {
      reading.outBytes += s.bytesSent || 0;
    } else if (s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded'
      && typeof s.currentRoundTripTime === 'number') {
      reading.rttMs = Math.round(s.currentRoundTripTime * 1000);
    }
  });
  return reading;
}

function summarise(now, before) {
  const seconds = before ? (now.at - before.at) / 1000 : 0;
  const rate = (a, b) => (seconds > 0 ? Math.max(0, Math.round(((a - b) * 8) / 1000 / seconds)) : 0);
  const received = before ? now.received - before.received : now.received;
  const lost = before ? now.lost - before.lost : now.lost;
  const lossPct = received + lost > 0 ? Math.max(0, (100 * lost) / (received + lost)) : 0;
  const inKbps = before ? rate(now.inBytes, before.inBytes) : 0;
  let level = 'good';
  if (lossPct > 10 || (now.rttMs ?? 0) > 800) level = 'poor';
  else if (lossPct > 3 || (now.rttMs ?? 0) > 300) level = 'fair';
  return {
    inKbps,
    outKbps: before ? rate(now.outBytes, before.outBytes) : 0,
    lossPct: Math.round(lossPct * 10) / 10,
    rttMs: now.rttMs,
    framesDecoded: now.framesDecoded,
    level,
  };
}
