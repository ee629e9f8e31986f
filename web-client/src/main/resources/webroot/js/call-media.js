/**
 * The media half of a call page, shared by the inspector's and the applicant's pages: when to offer to the
 * media server (Kurento mode, see signaling/KURENTO.md) and whether the other side's media really arrives.
 *
 * Offers: at most one offer in flight and at most one offer waiting on a timer. A failed offer
 * (`error{code:"media_failed"}`, e.g. no media server is reachable yet, also for the very first offer) is tried
 * again after `retryMs`; a media loss (`media-interrupted`) or a failed ICE connection offers again after
 * `reofferMs`; an answer cancels whatever was waiting. A new `joined` (the socket reconnected) forgets an offer
 * sent on the old socket. Peer-to-peer mode offers nothing here (the inspector's page offers when the peer joins).
 *
 * Flow: fed the remote video's decoded-frame count from getStats; media flows while the count grows, and
 * `onFlow(false)` follows `stallReadings` readings without a new frame (or a media loss).
 * @module call-media
 */
import { mark } from './timings.js';

/**
 * @typedef {object} CallMedia
 * @property {(mode: string) => void} joined the server seated us (again); Kurento mode offers at once
 * @property {() => void} answered an answer came for our offer
 * @property {() => void} failed an `error{code:"media_failed"}` came
 * @property {() => void} interrupted `media-interrupted` came
 * @property {(state: RTCPeerConnectionState) => void} connection the peer connection's state changed
 * @property {(framesDecoded: number) => void} frames a stats reading of the remote video
 * @property {() => boolean} flowing whether the other side's video arrives now
 * @property {() => {inFlight: boolean, waiting: boolean, offers: number}} pending for tests and diagnostics
 * @property {() => void} stop
 */

/**
 * @param {object} options
 * @param {() => Promise<string>} options.makeOffer makes a fresh peer connection and returns its offer SDP
 * @param {(message: object) => boolean} options.send sends on the signaling socket; false when not connected
 * @param {(flowing: boolean) => void} [options.onFlow] the other side's media started or stopped arriving
 * @param {(err: Error) => void} [options.onError] making an offer failed in the browser
 * @param {number} [options.retryMs=3000]
 * @param {number} [options.reofferMs=1000]
 * @param {number} [options.stallReadings=2]
 * @returns {CallMedia}
 */
export function createCallMedia({
  makeOffer, send, onFlow = () => {}, onError = () => {}, retryMs = 3000, reofferMs = 1000, stallReadings = 2,
}) {
  let kurento = false;
  let inFlight = false;
  let timer = null;
  let stopped = false;
  let offers = 0;
  let flowing = false;
  let lastFrames = -1;
  let stillReadings = 0;

  const setFlowing = (next) => {
    if (next === flowing) return;
    flowing = next;
    onFlow(next);
  };

  const cancel = () => {
    clearTimeout(timer);
    timer = null;
  };

  const offerNow = async () => {
    timer = null;
    if (stopped || !kurento || inFlight) return;
    inFlight = true;
    offers += 1;
    try {
      const sdp = await makeOffer();
      if (stopped) return;
      if (send({ type: 'offer', sdp })) {
        mark('offerSent');
      } else {
        inFlight = false; // not connected: the next `joined` offers
      }
    } catch (err) {
      inFlight = false;
      if (!stopped) onError(err); // stopped: the page gave up (e.g. no camera) and says why itself
    }
  };

  /** Offers after `ms` unless an offer is in flight (its result decides) or one is already waiting. */
  const schedule = (ms) => {
    if (stopped || !kurento || inFlight || timer) return;
    timer = setTimeout(offerNow, ms);
  };

  return {
    joined(mode) {
      kurento = mode === 'kurento';
      inFlight = false;
      cancel();
      offerNow();
    },
    answered() {
      mark('answerReceived');
      inFlight = false;
      cancel();
    },
    failed() {
      if (!inFlight) return; // not about an offer (e.g. a candidate); nothing to retry
      inFlight = false;
      schedule(retryMs);
    },
    interrupted() {
      setFlowing(false);
      schedule(reofferMs);
    },
    connection(state) {
      if (state === 'failed') schedule(reofferMs);
    },
    frames(framesDecoded) {
      const n = Number(framesDecoded) || 0;
      if (lastFrames >= 0 && n > lastFrames) {
        stillReadings = 0;
        setFlowing(true);
      } else if (lastFrames >= 0 && n === lastFrames) {
        stillReadings += 1;
        if (stillReadings >= stallReadings) setFlowing(false);
      }
      // Fewer frames than before: a new peer connection counts from 0 again; judge from the next reading.
      lastFrames = n;
    },
    flowing: () => flowing,
    pending: () => ({ inFlight, waiting: timer !== null, offers }),
    stop() {
      stopped = true;
      cancel();
    },
  };
}
