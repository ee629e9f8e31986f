/**
 * The desk's appointment of one inspection (signaling/API.md "Appointments"): its booked time, booking it into a
 * free slot of the inspector, moving and cancelling; and the optional slot of the create form.
 * @module booking
 */
import { api } from './api.js';
import { errorText, formatTime, h, translatedMessage } from './ui.js';

/**
 * The inspector's own free slots still ahead, by start.
 * @returns {Promise<Array<{id: string, start: string, end: string}>>}
 */
async function freeSlots() {
  const from = new Date().toISOString().slice(0, 10);
  const now = Date.now();
  return (await api(`/api/slots?from=${from}`)).filter((s) => s.free && new Date(s.start).getTime() > now);
}

/**
 * @param {{i18n: import('./i18n.js').I18n, container: HTMLElement, createSelect: HTMLSelectElement}} options
 *   `container` holds the appointment of the selected inspection; `createSelect` is the create form's slot choice
 * @returns {{show: (inspection: object|null) => Promise<void>, refreshChoices: () => Promise<void>}}
 */
export function createDeskBooking({ i18n, container, createSelect }) {
  const { t } = i18n;
  let inspection = null;
  let booking = null;
  let slots = [];
  const summary = h('p', { id: 'booking-summary' });
  const select = h('select', { id: 'booking-slot' });
  const book = h('button', { id: 'booking-book', type: 'button', class: 'primary' });
  const cancel = h('button', { id: 'booking-cancel', type: 'button', class: 'danger', 'data-i18n': 'inspector.booking.cancel' });
  const message = h('p', { id: 'booking-message', class: 'message', role: 'status', hidden: true });
  container.append(h('h3', { 'data-i18n': 'inspector.booking.heading' }), summary,
    h('div', { class: 'row' }, h('label', { for: 'booking-slot', 'data-i18n': 'inspector.booking.pick' }), select, book),
    h('div', { class: 'actions' }, cancel), message);
  const status = translatedMessage(message, i18n);

  const slotText = (s) => `${formatTime(s.start, i18n.lang)} – ${formatTime(s.end, i18n.lang, { timeOnly: true })}`;

  const render = () => {
    container.hidden = !inspection;
    if (!inspection) return;
    summary.textContent = booking ? t('inspector.booking.at', { time: slotText(booking) }) : t('inspector.booking.none');
    select.replaceChildren(...slots.map((s) => h('option', { value: s.id }, slotText(s))));
    select.disabled = slots.length === 0;
    book.disabled = slots.length === 0;
    book.textContent = t(booking ? 'inspector.booking.move' : 'inspector.booking.book');
    cancel.hidden = !booking;
    if (slots.length === 0 && !message.textContent) status.show(() => t('inspector.booking.noSlots'), 'info');
    i18n.apply(container);
  };

  const renderCreateSelect = () => {
    const current = createSelect.value;
    createSelect.replaceChildren(h('option', { value: '' }, t('inspector.booking.noneOption')),
      ...slots.map((s) => h('option', { value: s.id, selected: s.id === current }, slotText(s))));
  };

  const refreshChoices = async () => {
    slots = await freeSlots();
    renderCreateSelect();
    render();
  };

  const show = async (next) => {
    inspection = next;
    booking = null;
    status.clear();
    if (inspection) {
      ({ booking } = await api(`/api/inspections/${encodeURIComponent(inspection.id)}/booking`));
    }
    await refreshChoices();
  };

  const change = async (method, body, done) => {
    book.disabled = true;
    cancel.disabled = true;
    try {
      await api(`/api/inspections/${encodeURIComponent(inspection.id)}/booking`, { method, json: body });
      await show(inspection);
      status.show(() => t(done), 'ok');
    } catch (err) {
      status.show(() => errorText(i18n, err));
      await refreshChoices().catch(() => {});
    } finally {
      cancel.disabled = false;
      book.disabled = slots.length === 0;
    }
  };

  book.addEventListener('click', () => {
    if (!select.value) return;
    if (booking) change('PUT', { slotId: select.value }, 'inspector.booking.moved');
    else change('POST', { slotId: select.value }, 'inspector.booking.booked');
  });
  cancel.addEventListener('click', () => change('DELETE', undefined, 'inspector.booking.cancelled'));

  i18n.onChange(() => {
    renderCreateSelect();
    render();
  });
  container.hidden = true;
  return { show, refreshChoices };
}
