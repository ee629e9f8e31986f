/**
 * Inspection by the book: the checklist of an inspection (API.md "Checklist").
 * - the desk: answers, corrections, the item checked now, snapshots taken for an item, the rectify fields of the
 *   end dialog (`createDeskChecklist`);
 * - the applicant's phone: the "what to prepare" list and the item checked now (`renderPrepareList`,
 *   `renderCurrentItem`);
 * - the auditor: results with a jump to the moment in the recording (`renderChecklistResults`).
 * Every name and text from the server goes in as text (ui.js `h`), never as HTML.
 * @module checklist
 */
import { api } from './api.js';
import { byId, errorText, formatTime, h } from './ui.js';
import { grabFrame, snapshotUrl, uploadSnapshot } from './snapshot.js';

/** The longest remark the server keeps (API.md). */
export const MAX_REMARK = 2000;

const RESULTS = {
  conformance: ['conforms', 'not_conforms', 'not_applicable'],
  measure: ['measured', 'not_applicable'],
};

/**
 * The words for an answer: its result, and the value with its unit for a measured item.
 * @param {(key: string, params?: object) => string} t
 * @param {{result: string, value?: string, unit?: string}} answer
 */
export function answerText(t, answer) {
  const result = t(`inspector.checklist.result.${answer.result}`);
  return answer.result === 'measured' ? `${answer.value} ${answer.unit || ''}`.trim() : result;
}

/**
 * The checklist panel of the desk during a call.
 * @param {object} options
 * @param {string} options.inspectionId
 * @param {import('./i18n.js').I18n} options.i18n
 * @param {{listen: Function, signal: AbortSignal, disposed: boolean, onDispose: Function}} options.scope the call's scope
 * @param {HTMLVideoElement} options.video the applicant's video, for snapshots taken for an item
 * @param {(snapshot: object) => void} [options.onSnapshot] a snapshot was taken for an item (the desk's gallery shows it too)
 * @returns {Promise<{bound: boolean, render: () => void, conclusionFields: (conclusion: string) => object}>}
 */
export async function createDeskChecklist({ inspectionId, i18n, scope, video, onSnapshot = () => {} }) {
  const { t } = i18n;
  const base = `/api/inspections/${encodeURIComponent(inspectionId)}/checklist`;
  let state = await api(base, { signal: scope.signal });
  const card = byId('checklist-card');
  card.hidden = !state.bound;
  scope.onDispose(() => {
    card.hidden = true;
    byId('checklist').replaceChildren();
    byId('rectify-fields').hidden = true;
    byId('rectify-items').replaceChildren();
  });
  if (!state.bound) return { bound: false, render: () => {}, conclusionFields: () => ({}), precheck: () => null };

  /** Per item: snapshots taken for it in this call (ids), what is typed but not saved, its last error. */
  const photos = new Map();
  const errors = new Map();
  for (const item of state.items) photos.set(item.id, [...(item.answer?.snapshots || [])].map((s) => s.replace(/^snapshot:/, '')));

  const itemView = (item, index) => {
    const answer = item.answer;
    const measured = item.answerType === 'measure';
    const taken = photos.get(item.id);
    const results = RESULTS[measured ? 'measure' : 'conformance'];
    const select = h('select', { class: 'item-result', 'aria-label': t('inspector.checklist.result') },
      h('option', { value: '' }, t('inspector.checklist.pick')),
      ...results.map((r) => h('option', { value: r, selected: answer?.result === r }, t(`inspector.checklist.result.${r}`))));
    const error = errors.get(item.id);
    return h('li', {
      class: 'check-item', 'data-item-id': item.id, 'data-state': answer ? answer.result : 'open',
      'aria-current': state.current === item.id ? 'step' : false,
    },
    h('div', { class: 'row' },
      h('strong', {}, `${index + 1}. ${item.title}`),
      h('span', { class: 'badge' }, t(item.required ? 'inspector.checklist.required' : 'inspector.checklist.optional')),
      item.photoRequired ? h('span', { class: 'badge', 'data-kind': 'photo' }, t('inspector.checklist.photoRequired')) : null),
    h('p', { class: 'muted guidance' }, item.guidance),
    h('div', { class: 'item-controls' },
      h('button', { type: 'button', class: 'mark-current', 'aria-pressed': String(state.current === item.id) },
        t('inspector.checklist.markCurrent')),
      h('button', { type: 'button', class: 'item-photo' }, t('inspector.checklist.photo')),
      h('span', { class: 'item-photos' }, t('inspector.checklist.photoCount', { count: taken.length }))),
    h('div', { class: 'item-controls' },
      select,
      measured ? h('input', {
        class: 'item-value', inputmode: 'decimal', value: answer?.value ?? '',
        'aria-label': t('inspector.checklist.value', { unit: item.unit }), placeholder: item.unit,
      }) : null,
      h('input', {
        class: 'item-remark', maxlength: String(MAX_REMARK), value: answer?.remark ?? '',
        placeholder: t('inspector.checklist.remark'), 'aria-label': t('inspector.checklist.remark'),
      }),
      h('button', { type: 'button', class: 'item-save primary' }, t(answer ? 'inspector.checklist.correct' : 'inspector.checklist.save'))),
    answer ? h('p', { class: 'item-status' }, t('inspector.checklist.saved', {
      result: answerText(t, answer), time: formatTime(answer.time, i18n.lang, { timeOnly: true }),
    })) : null,
    error ? h('p', { class: 'message', role: 'alert' }, error()) : null);
  };

  const render = () => {
    byId('checklist-matter').textContent = t('inspector.checklist.matter', {
      matter: state.matterName, version: state.checklistVersion,
    });
    byId('checklist').replaceChildren(...state.items.map(itemView));
    renderRectifyChoices();
  };

  const reload = async () => {
    const photosBefore = photos;
    state = await api(base, { signal: scope.signal });
    for (const item of state.items) {
      const saved = (item.answer?.snapshots || []).map((s) => s.replace(/^snapshot:/, ''));
      photos.set(item.id, [...new Set([...(photosBefore.get(item.id) || []), ...saved])]);
    }
    render();
  };

  const fail = (itemId, err) => {
    errors.set(itemId, () => errorText(i18n, err));
    render();
  };

  scope.listen(byId('checklist'), 'click', async (event) => {
    const li = event.target.closest('li[data-item-id]');
    if (!li) return;
    const itemId = li.dataset.itemId;
    const button = event.target.closest('button');
    if (!button) return;
    errors.delete(itemId);
    button.disabled = true;
    try {
      if (button.classList.contains('mark-current')) {
        await api(`${base}/current`, { json: { itemId }, signal: scope.signal });
        state.current = itemId;
        render();
      } else if (button.classList.contains('item-photo')) {
        const jpeg = await grabFrame(video);
        const snap = await uploadSnapshot(inspectionId, jpeg, { signal: scope.signal, itemId });
        photos.get(itemId).push(snap.id);
        onSnapshot(snap);
        render();
      } else if (button.classList.contains('item-save')) {
        const result = li.querySelector('.item-result').value;
        if (!result) {
          errors.set(itemId, () => t('inspector.checklist.pickResult'));
          render();
          return;
        }
        const body = { itemId, result, snapshots: photos.get(itemId) };
        const remark = li.querySelector('.item-remark').value.trim();
        if (remark) body.remark = remark;
        const value = li.querySelector('.item-value');
        if (value && result === 'measured') body.value = value.value.trim();
        await api(`${base}/answers`, { json: body, signal: scope.signal });
        await reload();
      }
    } catch (err) {
      if (scope.disposed) return;
      fail(itemId, err.message === 'no-video' ? { message: t('inspector.snapshots.noVideo') } : err);
    } finally {
      if (!scope.disposed) button.disabled = false;
    }
  });

  // The end dialog: "rectify" asks for the items (those that did not conform are ticked) and a deadline.
  const renderRectifyChoices = () => {
    const box = byId('rectify-items');
    const ticked = new Set([...box.querySelectorAll('input:checked')].map((i) => i.value));
    const fresh = box.children.length === 0;
    box.replaceChildren(...state.items.map((item) => h('label', {},
      h('input', {
        type: 'checkbox', name: 'rectifyItem', value: item.id,
        checked: fresh ? item.answer?.result === 'not_conforms' : ticked.has(item.id),
      }), ` ${item.title}`)));
  };
  const showRectify = () => {
    const chosen = byId('end-form').querySelector('input[name="conclusion"]:checked');
    byId('rectify-fields').hidden = chosen?.value !== 'rectify';
  };
  scope.listen(byId('end-form'), 'change', showRectify);
  scope.listen(byId('end-open'), 'click', () => {
    byId('rectify-items').replaceChildren();
    renderRectifyChoices();
    showRectify();
  });

  /** The server's conclusion checks (API.md), asked before the recording stops: a text when refused. */
  const precheck = (conclusion) => {
    if (conclusion === 'pass') {
      const open = state.items.filter((i) => i.required && (!i.answer || i.answer.result === 'not_conforms'));
      if (open.length) return () => t('inspector.end.passRefused', { items: open.map((i) => i.title).join(t('admin.listSeparator')) });
    }
    if (conclusion === 'rectify') {
      if (!byId('rectify-items').querySelector('input:checked')) return () => t('inspector.end.rectifyPick');
      if (!byId('rectify-deadline').value) return () => t('inspector.end.rectifyDeadlineMissing');
    }
    return null;
  };

  render();
  return {
    bound: true,
    render,
    precheck,
    /** A photo taken for an item elsewhere (the phone's, js/phone-photo.js) counts with the item's snapshots. */
    addPhoto: (itemId, snapshotId) => {
      if (!photos.has(itemId) || photos.get(itemId).includes(snapshotId)) return;
      photos.get(itemId).push(snapshotId);
      render();
    },
    conclusionFields: (conclusion) => (conclusion !== 'rectify' ? {} : {
      rectifyItems: [...byId('rectify-items').querySelectorAll('input:checked')].map((i) => i.value),
      rectifyDeadline: byId('rectify-deadline').value || undefined,
    }),
  };
}

/**
 * The applicant's "what to prepare" list (API.md `GET /api/invite/checklist`).
 * @param {HTMLElement} list an `<ol>`
 * @param {{items: Array<{id: string, title: string, guidance: string, required: boolean, photoRequired: boolean, unit?: string}>}} prepare
 * @param {(key: string, params?: object) => string} t
 */
export function renderPrepareList(list, prepare, t) {
  list.replaceChildren(...prepare.items.map((item) => h('li', { 'data-item-id': item.id },
    h('strong', {}, item.title),
    item.required ? null : h('span', { class: 'badge' }, t('applicant.prepare.optional')),
    item.photoRequired ? h('span', { class: 'badge', 'data-kind': 'photo' }, t('applicant.prepare.photo')) : null,
    h('p', {}, item.guidance))));
}

/**
 * The item the inspector is checking now, on the phone (PROTOCOL.md `checklist-current`).
 * @param {{itemId: string, title: string, guidance: string, index: number, total: number, photoRequired: boolean}} current
 * @param {(key: string, params?: object) => string} t
 */
export function renderCurrentItem(current, t) {
  const box = byId('current-item');
  box.hidden = !current;
  if (!current) return;
  box.dataset.itemId = current.itemId;
  byId('current-item-step').textContent = t('applicant.current.step', { index: current.index, total: current.total });
  byId('current-item-title').textContent = current.title;
  byId('current-item-guidance').textContent = current.guidance;
}

/**
 * The auditor's view of an inspection's checklist: each item with its answer, remark, linked snapshots and a
 * button that jumps the recording to the moment the answer was given.
 * @param {HTMLElement} container
 * @param {object} state `GET /api/inspections/{id}/checklist`
 * @param {{t: Function, lang: string, inspectionId: string, onJump: (time: string) => void, onOpen: (id: string) => void}} options
 */
export function renderChecklistResults(container, state, { t, lang, inspectionId, onJump, onOpen }) {
  if (!state.bound) {
    container.replaceChildren(h('p', { class: 'muted' }, t('auditor.checklist.none')));
    return;
  }
  const header = h('p', { class: 'muted' }, t('auditor.checklist.matter', {
    matter: state.matterName, version: state.checklistVersion,
  }));
  const chain = [];
  if (state.reinspectionOf) {
    chain.push(h('p', {}, t('auditor.checklist.reinspectionOf'), ' ',
      h('button', { type: 'button', class: 'link open-inspection', 'data-id': state.reinspectionOf }, state.reinspectionOf)));
  }
  if (state.reinspections?.length) {
    chain.push(h('p', {}, t('auditor.checklist.reinspections'), ' ', ...state.reinspections.map((id) =>
      h('button', { type: 'button', class: 'link open-inspection', 'data-id': id }, id))));
  }
  if (state.rectifyItems) {
    chain.push(h('p', {}, t('auditor.checklist.rectify', {
      items: state.rectifyItems.join(', '), deadline: state.rectifyDeadline,
    })));
  }
  const rows = state.items.map((item) => {
    const a = item.answer;
    return h('tr', { 'data-item-id': item.id, 'data-result': a ? a.result : 'open' },
      h('td', {}, item.id),
      h('td', {}, item.title),
      h('td', {}, a ? answerText(t, a) : t('auditor.checklist.unanswered')),
      h('td', {}, a?.remark ?? ''),
      h('td', {}, ...(a?.snapshots || []).map((s) => {
        const id = s.replace(/^snapshot:/, '');
        return h('a', { href: snapshotUrl(inspectionId, id), target: '_blank', rel: 'noopener' },
          h('img', { class: 'thumb', src: snapshotUrl(inspectionId, id), alt: t('auditor.checklist.photo', { item: item.title }) }));
      })),
      h('td', {}, a ? h('button', { type: 'button', class: 'jump', 'data-time': a.time },
        t('auditor.checklist.jump', { time: formatTime(a.time, lang, { timeOnly: true }) })) : '',
      a && item.corrections ? h('span', { class: 'muted' }, ` ${t('auditor.checklist.corrections', { count: item.corrections })}`) : null));
  });
  const table = h('table', { class: 'checklist-results' },
    h('thead', {}, h('tr', {}, ...['id', 'item', 'result', 'remark', 'photos', 'moment'].map((k) => h('th', {}, t(`auditor.checklist.col.${k}`))))),
    h('tbody', {}, ...rows));
  container.replaceChildren(header, ...chain, table);
  const wired = resultHandlers.has(container);
  resultHandlers.set(container, { onJump, onOpen });
  if (wired) return;
  container.addEventListener('click', (event) => {
    const handlers = resultHandlers.get(container);
    const jump = event.target.closest('button.jump');
    if (jump) handlers.onJump(jump.dataset.time);
    const open = event.target.closest('button.open-inspection');
    if (open) handlers.onOpen(open.dataset.id);
  });
}

/** The latest handlers of each results container (one click listener per container, whatever the re-renders). */
const resultHandlers = new WeakMap();
