/**
 * The applicant's appointment before the call (signaling/API.md "Appointments", `/api/invite/booking`): the booked
 * time, or the free times of the inspection's inspector to pick from; moving and cancelling until the cutoff
 * before the start, after which the page says to contact the inspector.
 * @module applicant-booking
 */
import { api } from './api.js';
import { errorText, formatTime, h, translatedMessage } from './ui.js';

/**
 * @param {{i18n: import('./i18n.js').I18n, token: string, container: HTMLElement}} options
 * @returns {{start: () => Promise<void>, hide: () => void}}
 */
export function createApplicantBooking({ i18n, token, container }) {
  const { t } = i18n;
  const headers = { 'X-Invite-Token': token };
  let view = null;
  const summary = h('p', { id: 'booking-at', class: 'booking-at' });
  const note = h('p', { id: 'booking-note', class: 'muted' });
  const pick = h('p', { id: 'booking-pick' });
  const list = h('ul', { id: 'booking-slots', class: 'slot-choices' });
  const cancel = h('button', { id: 'booking-cancel', type: 'button', 'data-i18n': 'applicant.booking.cancel' });
  const message = h('p', { id: 'booking-message', class: 'message', role: 'status', 'aria-live': 'polite', hidden: true });
  container.append(h('h2', { 'data-i18n': 'applicant.booking.heading' }), summary, note, pick, list, cancel, message);
  const status = translatedMessage(message, i18n);

  const slotText = (s) => `${formatTime(s.start, i18n.lang)} – ${formatTime(s.end, i18n.lang, { timeOnly: true })}`;

  const render = () => {
    if (!view) return;
    const { booking } = view;
    const changeable = !booking || view.changeable;
    summary.hidden = !booking;
    summary.textContent = booking ? t('applicant.booking.at', { time: slotText(booking) }) : '';
    note.hidden = !booking;
    note.textContent = !booking ? ''
      : changeable ? t('applicant.booking.changeUntil', { time: formatTime(booking.changeableUntil, i18n.lang) })
        : t('applicant.booking.locked');
    const choices = changeable ? view.slots : [];
    pick.textContent = !changeable ? ''
      : choices.length === 0 ? (booking ? '' : t('applicant.booking.none'))
        : t(booking ? 'applicant.booking.movePick' : 'applicant.booking.pick');
    pick.hidden = !pick.textContent;
    list.replaceChildren(...choices.map((s) => h('li', {},
      h('button', { type: 'button', class: booking ? null : 'primary', 'data-slot-id': s.id }, slotText(s)))));
    cancel.hidden = !booking || !changeable;
    i18n.apply(container);
  };

  const load = async () => {
    view = await api('/api/invite/booking', { headers });
    render();
  };

  const change = async (method, slotId, done) => {
    container.querySelectorAll('button').forEach((b) => { b.disabled = true; });
    try {
      await api('/api/invite/booking', { method, headers, json: slotId ? { slotId } : undefined });
      status.show(() => t(done), 'ok');
    } catch (err) {
      status.show(() => errorText(i18n, err));
    }
    try {
      await load();
    } finally {
      container.querySelectorAll('button').forEach((b) => { b.disabled = false; });
    }
  };

  list.addEventListener('click', (event) => {
    const button = event.target.closest('button[data-slot-id]');
    if (!button) return;
    if (view.booking) change('PUT', button.dataset.slotId, 'applicant.booking.moved');
    else change('POST', button.dataset.slotId, 'applicant.booking.booked');
  });
  cancel.addEventListener('click', () => change('DELETE', null, 'applicant.booking.cancelled'));
  i18n.onChange(render);

  return {
    async start() {
      try {
        await load();
        container.hidden = false;
      } catch {
        // The appointment is a help before the call; the invite itself already said what is wrong, if anything.
      }
    },
    hide() {
      container.hidden = true;
    },
  };
}
