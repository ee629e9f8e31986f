// Inspector desk wiring: the day with each inspection's live status (js/desk-day.js), "next", the inspector's
// inspections, the create form, the invite (link + QR code), the applicant's presence, and entering the live call
// (js/inspector-call.js).
import { api, currentUser, retryOnNetwork } from './api.js';
import { initI18n } from './i18n.js';
import { startPage } from './page-load.js';
import { byId, errorText, formatTime, h, translatedMessage, wireStaffHeader } from './ui.js';
import { qrcode } from './vendor/qrcode-generator/qrcode.mjs';
import { enterCall } from './inspector-call.js';
import { createDeskRecord } from './record.js';
import { createDeskDay } from './desk-day.js';
import { createDeskBooking } from './booking.js';
import { createSlots } from './slots.js';

/** What the invite panel says of the applicant, for each desk status (API.md "Desk status"). */
const PRESENCE = {
  created: 'waiting', booked: 'waiting', opened: 'opened', checked: 'checked', check_failed: 'checkFailed',
  waiting: 'joined', in_call: 'inCall',
};

async function main() {
  const i18n = await initI18n();
  const user = await currentUser();
  if (!user) {
    location.replace('/login.html');
    return;
  }
  wireStaffHeader(i18n, user);
  const pageError = translatedMessage(byId('page-error'), i18n);
  if (user.role !== 'inspector') {
    pageError.show(() => i18n.t('inspector.error.role'));
    return;
  }
  const desk = createDesk(i18n, pageError);
  i18n.onChange(() => desk.render());
  // The desk's first requests, asked again after a network failure (a laptop switching Wi-Fi while the page loads).
  await Promise.all([retryOnNetwork(desk.refresh), retryOnNetwork(desk.loadMatters)]);
  desk.live();
  const fromHash = () => new URLSearchParams(location.hash.slice(1)).get('id');
  if (fromHash()) await desk.select(fromHash());
  window.addEventListener('hashchange', () => {
    if (fromHash() && fromHash() !== desk.selectedId()) desk.select(fromHash());
  });
}

function createDesk(i18n, pageError) {
  // The record panel (js/record.js): state, PDF and the inspector's signature of a concluded inspection.
  const deskRecord = createDeskRecord({ i18n, container: byId('record-panel') });
  // Appointments: the inspector's availability (js/slots.js) and the selected inspection's booking (js/booking.js).
  const deskBooking = createDeskBooking({ i18n, container: byId('booking-panel'), createSelect: byId('f-slot') });
  createSlots({ i18n, container: byId('slots'), prefix: 'slots', onChange: () => deskBooking.refreshChoices() });
  deskBooking.refreshChoices().catch((err) => pageError.show(() => errorText(i18n, err)));
  const { t } = i18n;
  const invites = new Map();
  let inspections = [];
  let selected = null;
  let presenceState = 'waiting';
  // The live call of this page (js/inspector-call.js), and the inspection it belongs to.
  let call = null;
  let callId = null;
  let endedSummary = null;

  const refresh = async () => {
    inspections = await api('/api/inspections');
    renderList();
  };

  // The matters of the catalogue (API.md "Catalogue"): a new inspection picks one, and binds its checklist.
  let matters = [];
  const loadMatters = async () => {
    matters = await api('/api/catalog/matters');
    renderMatters();
    byId('create-form').hidden = false;
  };
  const renderMatters = () => {
    const select = byId('f-matter');
    const chosen = select.value;
    select.replaceChildren(h('option', { value: '' }, t('inspector.create.pickMatter')),
      ...matters.filter((m) => m.remoteAllowed).map((m) => h('option', { value: m.code, selected: m.code === chosen },
        m.example ? t('inspector.create.matterExample', { name: m.name }) : m.name)));
  };

  const renderList = () => {
    const list = byId('inspection-list');
    // The inspection in this page's call is live, whatever the list last said.
    const statusOf = (item) => (item.id === callId ? 'live' : item.status);
    list.replaceChildren(...inspections.map((item) => h('li', {},
      h('button', { type: 'button', 'data-id': item.id, 'aria-current': String(item.id === selected?.id) },
        h('strong', {}, item.caseNumber),
        h('span', { class: 'badge', 'data-status': statusOf(item) }, t(`status.${statusOf(item)}`)),
        h('span', { class: 'sub' }, `${item.applicantName} · ${formatTime(item.createdAt, i18n.lang)}`)))));
    byId('list-empty').hidden = inspections.length > 0;
  };

  const renderDetail = () => {
    deskRecord.show(selected?.status === 'ended' && !call ? selected.id : null);
    byId('empty-state').hidden = Boolean(selected);
    byId('detail').hidden = !selected || Boolean(call);
    if (!selected) return;
    byId('detail-case').textContent = selected.caseNumber;
    const status = byId('detail-status');
    status.textContent = t(`status.${selected.status}`);
    status.dataset.status = selected.status;
    const facts = [
      ['field.matterType', selected.matterType],
      ['field.applicantName', selected.applicantName],
      ['field.applicantPhone', selected.applicantPhone],
      ['field.siteAddress', selected.siteAddress],
      ['field.createdAt', formatTime(selected.createdAt, i18n.lang)],
    ];
    if (selected.conclusion) facts.push(['field.conclusion', t(`conclusion.${selected.conclusion}`)]);
    byId('detail-facts').replaceChildren(...facts.flatMap(([key, value]) => [h('dt', {}, t(key)), h('dd', {}, value ?? '—')]));
    const open = selected.status === 'created' || selected.status === 'in_progress';
    byId('reinspect-form').hidden = !(selected.status === 'ended' && selected.conclusion === 'rectify');
    byId('invite-panel').hidden = !open;
    byId('enter-call').hidden = !open;
    renderInvite();
  };

  const renderInvite = () => {
    const invite = invites.get(selected.id);
    byId('invite-url').value = invite ? invite.url : '';
    byId('invite-url').placeholder = t('inspector.invite.none');
    byId('copy-invite').disabled = !invite;
    byId('invite-expiry').textContent = invite ? t('inspector.invite.expires', { time: formatTime(invite.expiresAt, i18n.lang) }) : '';
    const qr = byId('invite-qr');
    if (!invite) {
      qr.replaceChildren();
      return;
    }
    const code = qrcode(0, 'M');
    code.addData(invite.url);
    code.make();
    // The SVG is generated locally from our own URL by the vendored library, never from user HTML.
    qr.innerHTML = code.createSvgTag({ cellSize: 4, margin: 2, scalable: true });
  };

  const setPresence = (state) => {
    presenceState = state;
    const presence = byId('presence');
    presence.dataset.state = state;
    presence.textContent = t(`inspector.presence.${state}`);
  };

  // The day and its live status: pushed by the server (js/desk-day.js), no polling.
  const dayMessage = translatedMessage(byId('day-message'), i18n);
  const day = createDeskDay({
    i18n,
    list: byId('day-list'),
    empty: byId('day-empty'),
    selectedId: () => selected?.id ?? null,
    onStatus: (status) => {
      // Someone is waiting now: an earlier "nobody is waiting" no longer holds.
      if (status.status === 'waiting') dayMessage.clear();
      if (selected && status.inspectionId === selected.id && !call && PRESENCE[status.status]) {
        setPresence(PRESENCE[status.status]);
      }
    },
    onLoggedOut: () => location.replace('/login.html'),
  });

  const select = async (id) => {
    pageError.clear();
    try {
      selected = await api(`/api/inspections/${encodeURIComponent(id)}`);
    } catch (err) {
      pageError.show(() => errorText(i18n, err));
      return;
    }
    history.replaceState(null, '', `#id=${selected.id}`);
    endedSummary = null;
    byId('ended-panel').hidden = true;
    renderList();
    day.render();
    renderDetail();
    setPresence(PRESENCE[day.status(selected.id)?.status] || 'waiting');
    const open = selected.status === 'created' || selected.status === 'in_progress';
    deskBooking.show(open ? selected : null).catch((err) => pageError.show(() => errorText(i18n, err)));
    if (open) {
      // A reload mid-call: the seat is held for a while and the recording goes on in a new segment.
      if (sessionStorage.getItem(`kanyan.seat.${selected.id}`)) pageError.show(() => t('inspector.call.rejoin'), 'info');
    }
  };

  byId('inspection-list').addEventListener('click', (event) => {
    const button = event.target.closest('button[data-id]');
    if (button && !call) select(button.dataset.id);
  });
  byId('day-list').addEventListener('click', (event) => {
    const button = event.target.closest('button[data-day-id]');
    if (button && !call) select(button.dataset.dayId);
  });

  // "Next": the first of the waiting applicants (API.md "The queue"), called exactly as from the list.
  byId('desk-next').addEventListener('click', async () => {
    if (call) return;
    dayMessage.clear();
    byId('desk-next').disabled = true;
    try {
      const next = await api('/api/desk/next', { method: 'POST' });
      await select(next.inspectionId);
      if (selected?.id === next.inspectionId) await startCall();
    } catch (err) {
      if (err.code === 'nobody_waiting') dayMessage.show(() => t('inspector.day.nobodyWaiting'), 'info');
      else dayMessage.show(() => errorText(i18n, err));
    } finally {
      byId('desk-next').disabled = Boolean(call);
    }
  });

  const createError = translatedMessage(byId('create-error'), i18n);
  byId('create-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const form = event.target;
    const data = Object.fromEntries(new FormData(form).entries());
    const missing = ['caseNumber', 'matterCode', 'applicantName', 'applicantPhone', 'siteAddress'].filter((k) => !data[k].trim());
    if (missing.length) {
      createError.show(() => t('inspector.create.missing', {
        fields: missing.map((k) => t(`field.${k}`)).join(t('admin.listSeparator')),
      }));
      return;
    }
    const body = { ...data };
    if (!body.slotId) delete body.slotId;
    for (const key of ['siteLat', 'siteLng']) {
      if (body[key] === '') delete body[key];
      else body[key] = Number(body[key]);
    }
    byId('create-submit').disabled = true;
    try {
      const created = await api('/api/inspections', { json: body });
      invites.set(created.inspection.id, created.invite);
      createError.clear();
      form.reset();
      await refresh();
      day.load().catch(() => {});
      await select(created.inspection.id);
      if (created.bookingError) {
        pageError.show(() => t('inspector.booking.notBooked', { reason: errorText(i18n, created.bookingError) }));
      }
    } catch (err) {
      createError.show(() => errorText(i18n, err));
    } finally {
      byId('create-submit').disabled = false;
    }
  });

  // A re-inspection of an inspection concluded "rectify" (its items to rectify, a new invite).
  const reinspectError = translatedMessage(byId('reinspect-error'), i18n);
  byId('reinspect-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const phone = byId('r-phone').value.trim();
    if (!phone) {
      reinspectError.show(() => t('inspector.create.missing', { fields: t('field.applicantPhone') }));
      return;
    }
    byId('reinspect-submit').disabled = true;
    try {
      const created = await api(`/api/inspections/${selected.id}/reinspect`, { json: { applicantPhone: phone } });
      invites.set(created.inspection.id, created.invite);
      reinspectError.clear();
      event.target.reset();
      await refresh();
      day.load().catch(() => {});
      await select(created.inspection.id);
    } catch (err) {
      reinspectError.show(() => errorText(i18n, err));
    } finally {
      byId('reinspect-submit').disabled = false;
    }
  });

  byId('copy-invite').addEventListener('click', async () => {
    const input = byId('invite-url');
    try {
      await navigator.clipboard.writeText(input.value);
      byId('copy-invite').textContent = t('inspector.invite.copied');
    } catch {
      input.select();
      pageError.show(() => t('inspector.invite.copyManually'), 'info');
    }
  });

  byId('reissue-invite').addEventListener('click', async () => {
    try {
      const { invite } = await api(`/api/inspections/${selected.id}/invite`, { method: 'POST' });
      invites.set(selected.id, invite);
      renderInvite();
      pageError.show(() => t('inspector.invite.reissued'), 'info');
    } catch (err) {
      pageError.show(() => errorText(i18n, err));
    }
  });

  const renderEnded = () => {
    byId('ended-panel').hidden = !endedSummary;
    byId('ended-summary').textContent = endedSummary ? endedSummary() : '';
  };

  const startCall = async () => {
    if (call) return;
    pageError.clear();
    byId('desk-next').disabled = true;
    const inspection = selected;
    call = true;
    callId = inspection.id;
    renderList();
    renderDetail();
    byId('call').hidden = false;
    try {
      call = await enterCall({
        inspection,
        i18n,
        // The applicant is in: the server now says "in progress" for it too.
        onPeerJoined: () => refresh().catch(() => {}),
        onEnded: async (summary) => {
          call = null;
          callId = null;
          byId('call').hidden = true;
          byId('desk-next').disabled = false;
          endedSummary = summary;
          renderEnded();
          deskRecord.show(inspection.id);
          await refresh();
          selected = inspections.find((i) => i.id === inspection.id) || selected;
          renderList();
          day.load().catch(() => {});
        },
      });
    } catch (err) {
      call = null;
      callId = null;
      byId('call').hidden = true;
      byId('desk-next').disabled = false;
      renderList();
      renderDetail();
      pageError.show(() => errorText(i18n, err));
    }
  };
  byId('enter-call').addEventListener('click', startCall);

  return {
    refresh,
    loadMatters,
    live: () => day.start(),
    select,
    selectedId: () => selected?.id,
    render: () => {
      renderMatters();
      renderList();
      day.render();
      renderDetail();
      if (selected) setPresence(presenceState);
      if (endedSummary) renderEnded();
    },
  };
}

startPage(main, 'page-error');
