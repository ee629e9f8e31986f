/**
 * The signaling WebSocket (signaling/PROTOCOL.md): joins on every (re)connect, resumes its seat with the
 * seat key kept in sessionStorage (so a page reload resumes too), reconnects with backoff after a drop,
 * and keeps the socket alive with `ping` every 15 s.
 * @module signaling
 */
import { mark } from './timings.js';

const PING_MS = 15000;
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
  let retryTimer = null;
  let finished = false;

  const setState = (next, detail) => {
    state = next;
    onState(next, detail);
  };

  const open = () => {
    socket = new WebSocket(url);
    socket.addEventListener('open', () => {
      mark('socketOpen');
      const resume = sessionStorage.getItem(seatStorageKey);
      socket.send(JSON.stringify({ type: 'join', ...join, ...(resume ? { resume } : {}) }));
      pingTimer = setInterval(() => sendRaw({ type: 'ping' }), PING_MS);
    });
    socket.addEventListener('message', (event) => handle(event.data));
    socket.addEventListener('close', (event) => closed(event.code, event.reason));
  };

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
    state: () => state,
  };
}
