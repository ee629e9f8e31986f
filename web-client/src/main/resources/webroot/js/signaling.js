/**
 * The signaling WebSocket (signaling/PROTOCOL.md): joins on every (re)connect, resumes its seat with the
 * seat key kept in sessionStorage (so a page reload resumes too), reconnects with backoff after a drop,
 * and keeps the socket alive with `ping` every 10 s. A socket that hears nothing for 5 s after a ping is taken
 * for dead and replaced: after a phone's network change its old connection can hang for minutes without a close
 * event. `probe()` pings at once (the page saw the media connection drop, or the browser saw the network change).
 * @module signaling
 */
import { mark } from './timings.js';

const PING_MS = 10000;
/** A ping unanswered (nothing at all heard) for this long means the connection is dead. */
const PONG_TIMEOUT_MS = 5000;
const MAX_BACKOFF_MS = 8000;
/** Close codes after which reconnecting cannot help. */
const FINAL_CLOSE = { 4401: 'session_ended', 4403: 'forbidden', 4409: 'seat_taken', 4410: 'inspection_closed', 1000: 'closed' };
/** 4401 (the login or invite stopped working) names its reason in the close reason. */
const REVOKED_REASONS = ['session_ended', 'account_disabled', 'invite_revoked', 'invite_expired'];

/**
 * @typedef {'connecting'|'joined'|'reconnecting'|'ended'|'refused'|'closed'} SignalingState
 */

/**
 * @typedef {object} Signaling
 * @property {(message: object) => boolean} send sends a message when joined; false when not connected
 * @property {() => void} leave sends `leave` and closes for good
 * @property {() => void} close closes for good without leaving (the seat is held for the grace period)
 * @property {() => void} probe checks now that the connection is alive (replaced if it does not answer)
 * @property {() => SignalingState} state
 */

/**
 * Opens the signaling connection.
 * @param {object} options
 * @param {string} [options.query] query string for `/ws`, e.g. `invite=<token>` (applicant)
 * @param {object} options.join fields of the `join` message besides `type` and `resume`
 * @param {string} options.seatStorageKey sessionStorage key of this seat's resume key
 * @param {(message: object) => void} options.onMessage every message except pong
 * @param {(state: SignalingState, detail?: {code?: string, attempt?: number}) => void} options.onState
 * @returns {Signaling}
 */
export function connectSignaling({ query, join, seatStorageKey, onMessage, onState }) {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const url = `${scheme}//${location.host}/ws${query ? `?${query}` : ''}`;
  let socket = null;
  let state = 'connecting';
  let attempt = 0;
  let pingTimer = null;
  let pongTimer = null;
  let retryTimer = null;
  let finished = false;

  const setState = (next, detail) => {
    state = next;
    onState(next, detail);
  };

  const open = () => {
    const mine = new WebSocket(url);
    socket = mine;
    // Events of a socket given up for dead (replaced by a newer one) are ignored.
    mine.addEventListener('open', () => {
      if (socket !== mine) return;
      mark('socketOpen');
      const resume = sessionStorage.getItem(seatStorageKey);
      mine.send(JSON.stringify({ type: 'join', ...join, ...(resume ? { resume } : {}) }));
      pingTimer = setInterval(probe, PING_MS);
    });
    mine.addEventListener('message', (event) => {
      if (socket !== mine) return;
      clearTimeout(pongTimer);
      pongTimer = null;
      handle(event.data);
    });
    mine.addEventListener('close', (event) => { if (socket === mine) closed(event.code, event.reason); });
  };

  /** Pings now; no answer within PONG_TIMEOUT_MS and the socket is replaced. */
  const probe = () => {
    if (finished || pongTimer || !sendRaw({ type: 'ping' })) return;
    const mine = socket;
    pongTimer = setTimeout(() => {
      pongTimer = null;
      if (socket !== mine || finished) return;
      socket = null;
      try { mine.close(4000, 'no answer'); } catch { /* already closing */ }
      closed(1006, 'no answer');
    }, PONG_TIMEOUT_MS);
  };
  const onNetworkChange = () => probe();
  window.addEventListener('online', onNetworkChange);
  navigator.connection?.addEventListener?.('change', onNetworkChange);

  const handle = (data) => {
    let message;
    try { message = JSON.parse(data); } catch { return; }
    if (message.type === 'pong') return;
    if (message.type === 'joined') {
      mark('joined');
      attempt = 0;
      sessionStorage.setItem(seatStorageKey, message.seatKey);
      setState('joined');
    } else if (message.type === 'ended') {
      finished = true;
      sessionStorage.removeItem(seatStorageKey);
      setState('ended');
    }
    onMessage(message);
  };

  const closed = (code, reason) => {
    clearInterval(pingTimer);
    clearTimeout(pongTimer);
    pongTimer = null;
    if (finished) return;
    if (FINAL_CLOSE[code]) {
      finished = true;
      if (code !== 1000) sessionStorage.removeItem(seatStorageKey);
      const detail = code === 4401 && REVOKED_REASONS.includes(reason) ? reason : FINAL_CLOSE[code];
      setState(code === 1000 ? 'closed' : 'refused', { code: detail });
      return;
    }
    attempt += 1;
    setState('reconnecting', { attempt });
    const delay = Math.min(MAX_BACKOFF_MS, 500 * 2 ** Math.min(attempt - 1, 4));
    retryTimer = setTimeout(open, delay);
  };

  const sendRaw = (message) => {
    if (!socket || socket.readyState !== WebSocket.OPEN) return false;
    socket.send(JSON.stringify(message));
    return true;
  };

  const shutdown = () => {
    finished = true;
    clearTimeout(retryTimer);
    clearInterval(pingTimer);
    clearTimeout(pongTimer);
    window.removeEventListener('online', onNetworkChange);
    navigator.connection?.removeEventListener?.('change', onNetworkChange);
    socket?.close(1000);
  };

  onState('connecting');
  open();
  return {
    send: (message) => state === 'joined' && sendRaw(message),
    leave() {
      sendRaw({ type: 'leave' });
      sessionStorage.removeItem(seatStorageKey);
      shutdown();
    },
    close: shutdown,
    probe,
    state: () => state,
  };
}
