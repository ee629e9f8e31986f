// The inspector's day (API.md "The inspector's desk"): today's inspections in time order with their live status,
// kept current by the server's events (GET /api/desk/events, server-sent events) instead of polling, and the
// pre-call check's result for each.
import { api } from './api.js';
import { formatTime, h } from './ui.js';

/** The parts of a pre-call check result (precheck.done) that can fail, in the order the desk names them. */
const CHECK_PARTS = ['camera', 'microphone', 'location'];

/**
 * What failed in a pre-call check: the parts whose word is not "ok", and "network" when no ICE candidate was found.
 * @param {object} precheck the result as on the trail
 * @returns {string[]}
 */
export function failedParts(precheck) {
  const failed = CHECK_PARTS.filter((part) => precheck[part] !== 'ok');
  if (!precheck.candidates?.length) failed.push('network');
  return failed;
}

/**
 * @param {object} options
 * @param {object} options.i18n
 * @param {HTMLElement} options.list the <ul> the day is drawn in
 * @param {HTMLElement} options.empty shown when the day is empty
 * @param {() => string|null} options.selectedId the inspection the page shows
 * @param {(status: object) => void} options.onStatus a status changed (after the list is drawn again)
 * @param {() => void} options.onLoggedOut the login this stream was opened with ended
 */
export function createDeskDay({ i18n, list, empty, selectedId, onStatus, onLoggedOut }) {
  const { t } = i18n;
  let items = [];
  /** Inspection id → its latest desk status (the highest seq seen: an older one arriving late is ignored). */
  const statuses = new Map();
  let source = null;

  const keep = (status) => {
    const known = statuses.get(status.inspectionId);
    if (!known || known.seq <= status.seq) statuses.set(status.inspectionId, status);
  };

  const load = async () => {
    const day = await api('/api/desk/day');
    items = day.inspections;
    items.forEach((item) => keep(item.desk));
    render();
  };

  const precheckLine = (precheck) => {
    if (!precheck) return null;
    const failed = failedParts(precheck);
    const text = precheck.passed ? t('inspector.desk.precheck.passed') : t('inspector.desk.precheck.failed', {
      parts: failed.map((part) => t(`inspector.desk.precheck.part.${part}`)).join(t('admin.listSeparator')),
    });
    const value = (word) => t(`inspector.desk.precheck.value.${word || 'unknown'}`);
    const detail = t('inspector.desk.precheck.detail', {
      camera: value(precheck.camera),
      microphone: value(precheck.microphone),
      location: value(precheck.location),
      rtt: precheck.rttMs ?? '—',
      paths: (precheck.candidates || []).join(', ') || '—',
    });
    return h('span', { class: 'sub precheck-result', 'data-passed': String(Boolean(precheck.passed)), title: detail }, text);
  };

  const render = () => {
    list.replaceChildren(...items.map((item) => {
      const status = statuses.get(item.id) || item.desk;
      const when = status.bookedStart
        ? t('inspector.desk.bookedAt', { time: formatTime(status.bookedStart, i18n.lang, { timeOnly: true }) })
        : t('inspector.desk.unbooked');
      return h('li', {},
        h('button', { type: 'button', 'data-day-id': item.id, 'aria-current': String(item.id === selectedId()) },
          h('strong', {}, item.caseNumber),
          h('span', { class: 'badge', 'data-desk-status': status.status }, t(`inspector.desk.status.${status.status}`)),
          h('span', { class: 'sub' }, `${when} · ${item.applicantName}`),
          precheckLine(status.precheck)));
    }));
    empty.hidden = items.length > 0;
  };

  const start = () => {
    source = new EventSource('/api/desk/events');
    // Connected (again): read the day, so a change made while the stream was down is not missed.
    source.addEventListener('ready', () => load().catch(() => {}));
    source.addEventListener('status', (event) => {
      const status = JSON.parse(event.data);
      keep(status);
      if (items.some((item) => item.id === status.inspectionId)) render();
      else load().catch(() => {});
      onStatus(statuses.get(status.inspectionId));
    });
    source.addEventListener('ended', () => {
      source.close();
      onLoggedOut();
    });
  };

  return {
    start,
    load,
    render,
    /** The latest desk status of an inspection, or undefined. */
    status: (id) => statuses.get(id),
    stop: () => source?.close(),
  };
}
