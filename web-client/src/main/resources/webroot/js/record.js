/**
 * The inspection record (勘验笔录) after the conclusion: on the applicant's phone (read it, sign by hand or
 * refuse with a reason, then download the signed PDF) and on the inspector's desk (its state, the PDF, the
 * inspector's signature, a retry when rendering failed). Everything is built with DOM nodes (text is never
 * parsed as HTML).
 * @module record
 */
import { api, ApiError } from './api.js';
import { createSignaturePad } from './signature.js';
import { errorText, formatTime, h } from './ui.js';

/** How often the page asks again while the record is being made or waits for the other party. */
const POLL_MS = 2500;

/**
 * The applicant's record, reached with the invite token.
 * @param {{i18n: import('./i18n.js').I18n, token: string, container: HTMLElement, waitForConclusion?: boolean}} options
 *   `waitForConclusion`: the call just ended, and the server may not have stored the conclusion yet: ask again
 * @returns {{start: () => Promise<boolean>}} `start` resolves false when there is no record for this link
 */
export function createApplicantRecord({ i18n, token, container, waitForConclusion = false }) {
  const { t } = i18n;
  const headers = { 'X-Invite-Token': token };
  let view = null;
  let pad = null;
  let timer = null;
  let message = null;
  let download = null;
  let refusing = false;
  let padCanvas = null;

  const load = async () => {
    clearTimeout(timer);
    try {
      view = await api('/api/invite/record', { headers });
    } catch (err) {
      if (err instanceof ApiError && err.code !== 'network') throw err;
      message = { key: 'applicant.record.offline', kind: 'warn' };
    }
    if (view && view.finalised && (view.signatures.applicant || view.refusal) && !download) {
      await fetchPdf();
    }
    render();
    const waiting = !view || view.status === 'none' || (!view.finalised && applicantDone());
    if (waiting) timer = setTimeout(() => load().catch(() => {}), POLL_MS);
  };

  const applicantDone = () => Boolean(view?.signatures.applicant || view?.refusal);

  const fetchPdf = async () => {
    const response = await fetch('/api/invite/record/pdf', { headers });
    if (!response.ok) return;
    download = URL.createObjectURL(await response.blob());
  };

  const send = async (path, json) => {
    message = { key: 'applicant.record.sending', kind: 'info' };
    render();
    try {
      view = { ...view, ...(await api(path, { json, headers })) };
      message = null;
      pad?.dispose();
      pad = null;
      padCanvas = null;
      refusing = false;
    } catch (err) {
      message = { text: errorText(i18n, err), kind: 'error' };
    }
    await load();
  };

  const render = () => {
    const parts = [h('h1', {}, t('applicant.record.heading'))];
    if (message) {
      parts.push(h('p', { class: 'message', 'data-kind': message.kind, role: 'status' },
        message.text || t(message.key)));
    }
    if (!view || view.status === 'none') {
      parts.push(h('p', { role: 'status' }, t('applicant.record.rendering')));
    } else if (view.status === 'failed' && !view.sha256) {
      parts.push(h('p', { class: 'message', 'data-kind': 'warn' }, t('applicant.record.failed')));
    } else {
      parts.push(...content(view.record));
      parts.push(signatures());
      parts.push(...actions());
    }
    container.replaceChildren(...parts);
    container.hidden = false;
    // The pad's canvas is kept across renders (moved, not rebuilt), so its strokes survive a language switch.
    if (padCanvas && !pad) pad = createSignaturePad(padCanvas, { onChange: syncButtons });
    syncButtons();
  };

  const syncButtons = () => {
    const sign = container.querySelector('#record-sign');
    if (sign) sign.disabled = !pad || pad.isEmpty();
  };

  const content = (r) => {
    const facts = [
      ['field.caseNumber', r.caseNumber],
      ['field.matterType', r.checklistVersion ? t('applicant.record.matterVersion', { matter: r.matterName, version: r.checklistVersion }) : r.matterName],
      ['field.applicantName', r.applicantName],
      ['field.siteAddress', r.siteAddress],
      ['applicant.record.distance', r.distanceMeters == null ? '—' : t('applicant.record.meters', { n: Math.round(r.distanceMeters) })],
      ['applicant.record.inspector', r.inspectorName],
      ['applicant.record.start', formatTime(r.start, i18n.lang)],
      ['applicant.record.end', formatTime(r.end, i18n.lang)],
      ['field.conclusion', r.conclusion ? t(`conclusion.${r.conclusion}`) : '—'],
      ['field.remark', r.remark || '—'],
    ];
    if (r.rectifyItems.length || r.rectifyDeadline) {
      facts.push(['applicant.record.rectify', r.rectifyItems.join(t('admin.listSeparator'))]);
      facts.push(['applicant.record.deadline', r.rectifyDeadline || '—']);
    }
    const out = [h('dl', { class: 'facts', id: 'record-facts' }, ...facts.flatMap(([k, v]) => [h('dt', {}, t(k)), h('dd', {}, v ?? '—')]))];
    if (r.items.length) {
      out.push(h('h2', {}, t('applicant.record.items')));
      out.push(h('ol', { class: 'record-items', id: 'record-items' }, ...r.items.map((item) => h('li', {},
        h('strong', {}, item.title), ' ',
        h('span', { class: 'badge', 'data-result': item.result || 'none' }, resultText(item)),
        item.remark ? h('p', { class: 'sub' }, item.remark) : null,
        item.photos ? h('p', { class: 'sub' }, t('applicant.record.photos', { n: item.photos })) : null))));
    }
    if (r.notes.length) {
      out.push(h('h2', {}, t('applicant.record.notes')));
      out.push(h('ul', { class: 'notes' }, ...r.notes.map((n) => h('li', {}, `${formatTime(n.time, i18n.lang, { timeOnly: true })} ${n.text}`))));
    }
    return out;
  };

  const resultText = (item) => {
    if (!item.result) return t('inspector.record.result.none');
    const word = t(`inspector.record.result.${item.result}`);
    return item.value ? `${word} ${item.value}${item.unit ? ` ${item.unit}` : ''}` : word;
  };

  const signatures = () => signatureList(i18n, view);

  const actions = () => {
    if (view.finalised) {
      return applicantDone()
        ? [h('p', { class: 'message', 'data-kind': 'ok' }, t('applicant.record.final')),
          download
            ? h('a', { id: 'record-download', class: 'button primary big', href: download, download: 'kanyan-record.pdf' }, t('applicant.record.download'))
            : h('p', {}, t('applicant.record.preparingDownload'))]
        : [];
    }
    if (applicantDone()) return [h('p', { role: 'status' }, t('applicant.record.waitInspector'))];
    if (refusing) {
      const reason = h('textarea', { id: 'record-refuse-reason', rows: '3', maxlength: '500' });
      const confirm = h('button', { id: 'record-refuse-confirm', type: 'button', class: 'danger big' }, t('applicant.record.refuseConfirm'));
      const back = h('button', { id: 'record-refuse-back', type: 'button' }, t('app.cancel'));
      confirm.addEventListener('click', () => {
        if (!reason.value.trim()) {
          message = { key: 'applicant.record.reasonMissing', kind: 'error' };
          render();
          return;
        }
        send('/api/invite/record/refusal', { reason: reason.value.trim() });
      });
      back.addEventListener('click', () => { refusing = false; render(); });
      return [h('label', { for: 'record-refuse-reason' }, t('applicant.record.refuseReason')), reason, h('div', { class: 'actions' }, back, confirm)];
    }
    padCanvas = padCanvas || h('canvas', { id: 'record-pad', class: 'signature-pad', 'aria-label': t('applicant.record.padLabel') });
    const clear = h('button', { id: 'record-clear', type: 'button' }, t('applicant.record.clear'));
    const sign = h('button', { id: 'record-sign', type: 'button', class: 'primary big' }, t('applicant.record.sign'));
    const refuse = h('button', { id: 'record-refuse', type: 'button', class: 'link' }, t('applicant.record.refuse'));
    clear.addEventListener('click', () => pad?.clear());
    sign.addEventListener('click', () => pad && !pad.isEmpty() && send('/api/invite/record/signature', pad.toJSON()));
    refuse.addEventListener('click', () => { refusing = true; pad?.dispose(); pad = null; padCanvas = null; render(); });
    return [h('p', {}, t('applicant.record.signHint')), padCanvas, h('div', { class: 'actions' }, clear, sign), refuse];
  };

  i18n.onChange(() => view && render());

  return {
    async start() {
      for (let attempt = 0; ; attempt += 1) {
        try {
          await load();
          return true;
        } catch (err) {
          if (!(waitForConclusion && err.code === 'record_not_ready' && attempt < 20)) return failed(err);
        }
        await new Promise((resolve) => { setTimeout(resolve, POLL_MS); });
      }
    },
  };

  function failed(err) {
    if (err instanceof ApiError && (err.code === 'record_not_ready' || err.code === 'invite_unknown')) {
      container.hidden = true;
      return false;
    }
    container.replaceChildren(h('p', { class: 'message', 'data-kind': 'error' }, errorText(i18n, err)));
    container.hidden = false;
    return true;
  }
}

/** Who signed when, or who refused and why. */
function signatureList(i18n, view) {
  const { t } = i18n;
  const line = (party) => {
    const signed = view.signatures[party];
    if (signed) return t('inspector.record.signedAt', { name: signed.name, time: formatTime(signed.time, i18n.lang) });
    if (party === 'applicant' && view.refusal) {
      return t('inspector.record.refusedAt', { time: formatTime(view.refusal.time, i18n.lang), reason: view.refusal.reason });
    }
    return t('inspector.record.pending');
  };
  return h('dl', { class: 'facts', id: 'record-signatures' },
    h('dt', {}, t('inspector.record.applicantSignature')), h('dd', { 'data-party': 'applicant' }, line('applicant')),
    h('dt', {}, t('inspector.record.inspectorSignature')), h('dd', { 'data-party': 'inspector' }, line('inspector')));
}

/**
 * The record panel of the inspector's desk for one concluded inspection.
 * @param {{i18n: import('./i18n.js').I18n, container: HTMLElement}} options
 * @returns {{show: (inspectionId: string|null) => void}}
 */
export function createDeskRecord({ i18n, container }) {
  const { t } = i18n;
  let id = null;
  let state = null;
  let timer = null;
  let pad = null;
  let padCanvas = null;
  let message = null;
  let generation = 0;
  /** Polls while the record is still being made: after a while (a restart in between), offer to make it again. */
  let waits = 0;

  const load = async () => {
    clearTimeout(timer);
    const mine = generation;
    try {
      const next = await api(`/api/inspections/${encodeURIComponent(id)}/record`);
      if (mine !== generation) return;
      state = next;
      waits = state.status === 'none' ? waits + 1 : 0;
    } catch (err) {
      if (mine !== generation) return;
      message = { text: errorText(i18n, err), kind: 'error' };
    }
    render();
    if (state && state.concluded && !state.finalised && state.status !== 'failed') timer = setTimeout(() => load(), POLL_MS);
  };

  const post = async (path, json) => {
    message = { text: t('inspector.record.sending'), kind: 'info' };
    render();
    try {
      state = await api(`/api/inspections/${encodeURIComponent(id)}/record/${path}`, { json: json || {} });
      message = null;
      if (path === 'signature') {
        pad?.dispose();
        pad = null;
        padCanvas = null;
      }
    } catch (err) {
      message = { text: errorText(i18n, err), kind: 'error' };
    }
    await load();
  };

  const render = () => {
    if (!id) {
      container.hidden = true;
      container.replaceChildren();
      return;
    }
    const parts = [h('h2', {}, t('inspector.record.heading'))];
    if (message) parts.push(h('p', { class: 'message', 'data-kind': message.kind, role: 'status' }, message.text));
    if (state && !state.concluded) {
      parts.push(h('p', { role: 'status', id: 'record-status' }, t('inspector.record.none')));
    } else if (!state || state.status === 'none') {
      parts.push(h('p', { role: 'status', id: 'record-status' }, t('inspector.record.rendering')));
      if (state && waits > 4) parts.push(retryButton());
    } else {
      parts.push(h('p', { role: 'status', id: 'record-status', 'data-status': state.status },
        t(`inspector.record.status.${state.status}`, { error: state.error || '' })));
      if (state.status === 'failed') parts.push(retryButton());
      if (state.sha256) {
        parts.push(h('p', {}, h('a', { id: 'record-pdf', href: `/api/inspections/${encodeURIComponent(id)}/record/pdf`, target: '_blank', rel: 'noopener' },
          t(state.finalised ? 'inspector.record.openFinal' : 'inspector.record.open'))));
      }
      parts.push(signatureList(i18n, state));
      if (state.sha256 && !state.finalised && !state.signatures.inspector) {
        padCanvas = padCanvas || h('canvas', { id: 'record-pad', class: 'signature-pad', 'aria-label': t('inspector.record.padLabel') });
        const clear = h('button', { id: 'record-clear', type: 'button' }, t('inspector.record.clear'));
        const sign = h('button', { id: 'record-sign', type: 'button', class: 'primary' }, t('inspector.record.sign'));
        clear.addEventListener('click', () => pad?.clear());
        sign.addEventListener('click', () => pad && !pad.isEmpty() && post('signature', pad.toJSON()));
        parts.push(h('p', {}, t('inspector.record.signHint')), padCanvas, h('div', { class: 'actions' }, clear, sign));
      }
    }
    container.replaceChildren(...parts);
    container.hidden = false;
    if (padCanvas && !pad) pad = createSignaturePad(padCanvas, { onChange: sync });
    sync();
  };

  const retryButton = () => {
    const retry = h('button', { id: 'record-retry', type: 'button' }, t('inspector.record.retry'));
    retry.addEventListener('click', () => post('retry'));
    return retry;
  };

  const sync = () => {
    const sign = container.querySelector('#record-sign');
    if (sign) sign.disabled = !pad || pad.isEmpty();
  };

  i18n.onChange(() => render());

  return {
    show(inspectionId) {
      if (inspectionId === id) return;
      generation += 1;
      clearTimeout(timer);
      pad?.dispose();
      pad = null;
      padCanvas = null;
      state = null;
      message = null;
      waits = 0;
      id = inspectionId;
      render();
      if (id) load();
    },
  };
}
