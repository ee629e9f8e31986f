/**
 * Availability slots (signaling/API.md "Appointments"): publish a slot of one inspection, list the coming ones,
 * remove a free one. The inspector's page shows their own; the admin page (the bureau's remote-inspection desk)
 * first picks the inspector.
 * @module slots
 */
import { api } from './api.js';
import { errorText, formatTime, h, translatedMessage } from './ui.js';

const DURATIONS = [15, 20, 30, 45, 60, 90, 120];
const DEFAULT_DURATION = 30;

/**
 * Mounts the slots editor into `container`.
 * @param {{i18n: import('./i18n.js').I18n, container: HTMLElement, prefix: string, pickInspector?: boolean,
 *   onChange?: () => void}} options `prefix` makes the element ids unique on the page; `pickInspector` (the desk)
 *   adds a choice of inspector; `onChange` is called after a slot was published or removed
 * @returns {{refresh: () => Promise<void>}}
 */
export function createSlots({ i18n, container, prefix, pickInspector = false, onChange = () => {} }) {
  const { t } = i18n;
  let slots = [];
  const id = (name) => `${prefix}-${name}`;
  const inspectorSelect = pickInspector ? h('select', { id: id('inspector') }) : null;
  const start = h('input', { id: id('start'), type: 'datetime-local', step: '60' });
  const duration = h('select', { id: id('duration') });
  const publish = h('button', { id: id('publish'), type: 'submit', class: 'primary', 'data-i18n': 'inspector.slots.publish' });
  const message = h('p', { id: id('message'), class: 'message wide', role: 'status', hidden: true });
  const list = h('ul', { id: id('list'), class: 'slot-list' });
  const empty = h('p', { class: 'muted', 'data-i18n': 'inspector.slots.empty', hidden: true });
  const form = h('form', { class: 'form-grid', novalidate: true },
    inspectorSelect ? h('div', { class: 'wide' }, h('label', { for: id('inspector'), 'data-i18n': 'admin.slots.inspector' }),
      inspectorSelect) : null,
    h('div', { class: 'wide' }, h('label', { for: id('start'), 'data-i18n': 'inspector.slots.start' }), start),
    h('div', {}, h('label', { for: id('duration'), 'data-i18n': 'inspector.slots.duration' }), duration),
    message,
    h('div', { class: 'wide actions' }, publish));
  container.append(h('p', { class: 'muted', 'data-i18n': pickInspector ? 'admin.slots.help' : 'inspector.slots.help' }),
    form, list, empty);
  const status = translatedMessage(message, i18n);
  let inspectors = [];

  const chosen = () => (inspectorSelect ? inspectorSelect.value || null : null);

  const renderDurations = () => {
    const current = Number(duration.value) || DEFAULT_DURATION;
    duration.replaceChildren(...DURATIONS.map((n) => h('option', { value: String(n), selected: n === current },
      t('inspector.slots.minutes', { n }))));
  };

  const renderInspectors = () => {
    if (!inspectorSelect) return;
    const current = inspectorSelect.value;
    inspectorSelect.replaceChildren(h('option', { value: '' }, t('admin.slots.pickInspector')),
      ...inspectors.map((u) => h('option', { value: u.username, selected: u.username === current },
        `${u.displayName} (${u.username})`)));
  };

  const renderList = () => {
    list.replaceChildren(...slots.map((slot) => h('li', { 'data-slot-id': slot.id, 'data-free': String(slot.free) },
      h('span', {}, `${formatTime(slot.start, i18n.lang)} – ${formatTime(slot.end, i18n.lang, { timeOnly: true })}`),
      h('span', { class: 'badge', 'data-status': slot.free ? 'free' : 'booked' },
        t(slot.free ? 'inspector.slots.free' : 'inspector.slots.booked')),
      slot.free ? h('button', { type: 'button', 'data-remove': slot.id }, t('inspector.slots.remove')) : null)));
    empty.hidden = slots.length > 0 || (pickInspector && !chosen());
  };

  const render = () => {
    renderDurations();
    renderInspectors();
    renderList();
    i18n.apply(container);
  };

  const refresh = async () => {
    if (pickInspector && !chosen()) {
      slots = [];
    } else {
      const who = chosen() ? `&inspector=${encodeURIComponent(chosen())}` : '';
      const from = new Date().toISOString().slice(0, 10);
      slots = await api(`/api/slots?from=${from}${who}`);
      const now = Date.now();
      slots = slots.filter((s) => new Date(s.end).getTime() > now);
    }
    renderList();
  };

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!start.value || Number.isNaN(new Date(start.value).getTime())) {
      status.show(() => t('inspector.slots.missingStart'));
      return;
    }
    const begins = new Date(start.value);
    const ends = new Date(begins.getTime() + Number(duration.value) * 60000);
    const body = { start: begins.toISOString(), end: ends.toISOString() };
    if (pickInspector) body.inspector = chosen();
    publish.disabled = true;
    try {
      await api('/api/slots', { json: body });
      status.show(() => t('inspector.slots.published'), 'ok');
      // The next slot most likely follows this one.
      const next = new Date(ends.getTime() - ends.getTimezoneOffset() * 60000);
      start.value = next.toISOString().slice(0, 16);
      await refresh();
      onChange();
    } catch (err) {
      status.show(() => errorText(i18n, err));
    } finally {
      publish.disabled = false;
    }
  });

  list.addEventListener('click', async (event) => {
    const button = event.target.closest('button[data-remove]');
    if (!button) return;
    button.disabled = true;
    try {
      await api(`/api/slots/${encodeURIComponent(button.dataset.remove)}`, { method: 'DELETE' });
      status.show(() => t('inspector.slots.removed'), 'ok');
      await refresh();
      onChange();
    } catch (err) {
      status.show(() => errorText(i18n, err));
      button.disabled = false;
    }
  });

  inspectorSelect?.addEventListener('change', () => {
    status.clear();
    refresh().catch((err) => status.show(() => errorText(i18n, err)));
  });

  i18n.onChange(render);
  render();
  const ready = pickInspector
    ? api('/api/users').then((users) => {
      inspectors = users.filter((u) => u.role === 'inspector' && !u.disabled);
      renderInspectors();
    })
    : Promise.resolve();
  ready.then(refresh).catch((err) => status.show(() => errorText(i18n, err)));
  return { refresh };
}
