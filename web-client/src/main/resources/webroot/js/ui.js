/**
 * Small DOM helpers shared by the pages: element lookup, messages shown on the page, dates, the page
 * header (language switch, who is logged in, logout).
 * @module ui
 */
import { logout } from './api.js';

/**
 * The element with this id; throws when the page lacks it (a wiring bug, not a user error).
 * @param {string} id
 * @returns {HTMLElement}
 */
export function byId(id) {
  const element = document.getElementById(id);
  if (!element) throw new Error(`missing element #${id}`);
  return element;
}

/**
 * Shows (or with an empty text hides) a message in a box with role=alert/status.
 * @param {HTMLElement} box
 * @param {string} text
 * @param {'error'|'info'|'ok'|'warn'} [kind='error']
 */
export function showMessage(box, text, kind = 'error') {
  box.textContent = text || '';
  box.dataset.kind = kind;
  box.hidden = !text;
}

/**
 * A message box whose text is made again in the new language when the language switches.
 * @param {HTMLElement} box
 * @param {import('./i18n.js').I18n} i18n
 * @returns {{show: (text: (() => string)|null, kind?: string) => void, clear: () => void, dispose: () => void}}
 *   `show` takes a function that makes the text (called again after a language switch)
 */
export function translatedMessage(box, i18n) {
  let current = null;
  const render = () => showMessage(box, current ? current.text() : '', current?.kind);
  const dispose = i18n.onChange(render);
  return {
    show(text, kind = 'error') {
      current = text ? { text, kind } : null;
      render();
    },
    clear() {
      current = null;
      render();
    },
    dispose,
  };
}

/**
 * The words for a failed call in the page's language: the catalog's `error.<code>` when it has one (the
 * server's codes are stable; its messages are English sentences), otherwise the server's own message.
 * @param {import('./i18n.js').I18n} i18n
 * @param {Error & {code?: string}} err
 * @returns {string}
 */
export function errorText(i18n, err) {
  const key = `error.${err?.code}`;
  const text = err?.code ? i18n.t(key) : key;
  if (text !== key) return text;
  // An answer that was not the API's JSON (a proxy's error page): say so in the page's language.
  if (/^http_\d+$/.test(err?.code || '')) return i18n.t('error.http', { status: err.code.slice(5) });
  return err?.message || String(err);
}

/**
 * Formats an ISO time for people in the active language.
 * @param {string|number|Date} time
 * @param {string} lang
 * @param {{dateOnly?: boolean, timeOnly?: boolean}} [options]
 */
export function formatTime(time, lang, { dateOnly = false, timeOnly = false } = {}) {
  if (!time) return '—';
  const date = time instanceof Date ? time : new Date(time);
  const style = dateOnly ? { dateStyle: 'medium' } : timeOnly ? { timeStyle: 'medium' } : { dateStyle: 'medium', timeStyle: 'medium' };
  return new Intl.DateTimeFormat(lang, style).format(date);
}

/**
 * Creates an element with attributes and children (strings become text nodes, never HTML).
 * @param {string} tag
 * @param {Object<string, string>} [attrs]
 * @param {...(Node|string)} children
 * @returns {HTMLElement}
 */
export function h(tag, attrs = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'class') element.className = value;
    // Through the CSSOM: a style attribute would be refused by the Content-Security-Policy (style-src 'self').
    else if (name === 'style') element.style.cssText = value;
    else if (name.startsWith('data-')) element.dataset[name.slice(5).replace(/-(\w)/g, (m, c) => c.toUpperCase())] = value;
    else element.setAttribute(name, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

/** Each role's own page: where login sends a staff member, and where a page not for them sends them back. */
const HOME = { inspector: '/inspector.html', auditor: '/auditor.html', admin: '/admin.html' };

/**
 * The page a staff member of this role starts on.
 * @param {string} role `inspector`, `auditor` or `admin`
 * @returns {string} an absolute path
 */
export function homePage(role) {
  return HOME[role] || '/auditor.html';
}

/**
 * Wires the staff page header: language switch, the user's name, logout.
 * @param {import('./i18n.js').I18n} i18n
 * @param {{displayName: string, role: string}} user
 */
export function wireStaffHeader(i18n, user) {
  i18n.bindSwitch(byId('lang'));
  const render = () => { byId('user-name').textContent = `${user.displayName} · ${i18n.t(`role.${user.role}`)}`; };
  render();
  i18n.onChange(render);
  byId('logout').addEventListener('click', async () => {
    try { await logout(); } finally { location.assign('/login.html'); }
  });
}

/**
 * Distance in metres between two WGS-84 points (haversine).
 * @returns {number}
 */
export function distanceMetres(lat1, lng1, lat2, lng2) {
  const rad = (deg) => (deg * Math.PI) / 180;
  const a = Math.sin(rad(lat2 - lat1) / 2) ** 2
    + Math.cos(rad(lat1)) * Math.cos(rad(lat2)) * Math.sin(rad(lng2 - lng1) / 2) ** 2;
  return 2 * 6371008.8 * Math.asin(Math.sqrt(a));
}

/**
 * A distance for people: metres below a kilometre, else kilometres.
 * @param {number} metres
 * @returns {string}
 */
export function formatDistance(metres) {
  return metres < 1000 ? `${Math.round(metres)} m` : `${(metres / 1000).toFixed(2)} km`;
}
