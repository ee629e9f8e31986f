/**
 * The admin page's hand-off section (API.md "Hand-off to the approval system"): integrations with their scoped
 * API keys (created here, shown once, their scopes changed with the same key, revoked at once) and the webhook
 * dead-letter list with "send again".
 * @module integrations-admin
 */
import { api } from './api.js';
import { byId, errorText, h, showMessage } from './ui.js';

/**
 * Wires the section.
 * @param {import('./i18n.js').I18n} i18n
 * @returns {{refresh: () => Promise<void>, render: () => void}}
 */
/** The scopes an integration can hold, with their labels (as on the creation form). */
const SCOPES = [
  ['inspections:create', 'admin.integrations.scopeCreate'],
  ['inspections:read', 'admin.integrations.scopeRead'],
  ['inspections:book', 'admin.integrations.scopeBook'],
];

export function createIntegrationsAdmin(i18n) {
  const { t } = i18n;
  const message = byId('integrations-message');
  let integrations = [];
  let deadLetters = [];
  /** The last outcome, made again after a language switch. */
  let outcome = null;
  /** The id of the integration whose scopes are being changed, if any. */
  let editing = null;

  const say = (text, kind = 'info') => {
    outcome = { text, kind };
    showMessage(message, text(), kind);
  };

  const refresh = async () => {
    [integrations, deadLetters] = await Promise.all([api('/api/integrations'), api('/api/webhooks/dead-letters')]);
    render();
  };

  /** The row that changes an integration's scopes: one box per scope, as on the form below. */
  const scopesEditor = (i) => h('tr', { 'data-scopes-editor': i.id },
    h('td', { colspan: '6' }, h('fieldset', {},
      h('legend', {}, t('admin.integrations.editScopesOf', { name: i.name })),
      SCOPES.map(([scope, label]) => h('label', {},
        h('input', { type: 'checkbox', name: 'edit-scope', value: scope, checked: i.scopes.includes(scope) }),
        ' ', t(label))),
      h('p', { class: 'help muted' }, t('admin.integrations.editScopesHelp')),
      h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'primary', 'data-save-scopes': i.id }, t('admin.integrations.saveScopes')),
        h('button', { type: 'button', 'data-cancel-scopes': i.id }, t('app.cancel'))))));

  const render = () => {
    byId('integrations').replaceChildren(...integrations.flatMap((i) => [h('tr', { 'data-integration': i.id },
      h('td', {}, i.name),
      h('td', { class: 'mono' }, i.scopes.join(', ')),
      h('td', { class: 'mono' }, i.inspector),
      h('td', { class: 'mono' }, i.webhookUrl || '—'),
      h('td', {}, h('span', { class: 'badge', 'data-status': i.status }, t(`admin.integrations.status.${i.status}`))),
      h('td', {}, i.status === 'active' ? [
        h('button', { type: 'button', 'data-edit-scopes': i.id }, t('admin.integrations.editScopes')), ' ',
        h('button', { type: 'button', class: 'danger', 'data-revoke': i.id }, t('admin.integrations.revoke'))]
        : null)),
    editing === i.id && i.status === 'active' ? scopesEditor(i) : null].filter(Boolean)));
    byId('integrations-empty').hidden = integrations.length > 0;
    byId('dead-letters').replaceChildren(...deadLetters.map((d) => h('tr', { 'data-delivery': d.id },
      h('td', { class: 'mono' }, d.type),
      h('td', { class: 'mono' }, d.inspectionId || ''),
      h('td', {}, String(d.attempts)),
      h('td', {}, d.lastError || ''),
      h('td', {}, h('button', { type: 'button', 'data-replay': d.id }, t('admin.deadLetters.replay'))))));
    byId('dead-letters-empty').hidden = deadLetters.length > 0;
    if (outcome) showMessage(message, outcome.text(), outcome.kind);
  };

  const create = async () => {
    const form = byId('integration-form');
    const data = new FormData(form);
    const name = String(data.get('name') || '').trim();
    const inspector = String(data.get('inspector') || '').trim();
    const webhookUrl = String(data.get('webhookUrl') || '').trim();
    const scopes = data.getAll('scope').map(String);
    if (!name || !inspector || !scopes.length) {
      say(() => t('admin.integrations.missing'), 'error');
      return;
    }
    byId('integration-submit').disabled = true;
    try {
      const made = await api('/api/integrations', { json: { name, inspector, scopes, webhookUrl: webhookUrl || undefined } });
      byId('integration-key').textContent = made.apiKey;
      byId('integration-whsec').textContent = made.webhookSecret || '';
      byId('integration-secret-line').hidden = !made.webhookSecret;
      byId('integration-secret').hidden = false;
      form.reset();
      await refresh();
      say(() => t('admin.integrations.created', { name: made.integration.name }), 'ok');
    } catch (err) {
      say(() => errorText(i18n, err), 'error');
    } finally {
      byId('integration-submit').disabled = false;
    }
  };

  const act = async (path, done) => {
    try {
      await api(path, { method: 'POST' });
      await refresh();
      say(done, 'ok');
    } catch (err) {
      say(() => errorText(i18n, err), 'error');
    }
  };

  /** Saves the scopes ticked in the editor row; the key stays the same. */
  const saveScopes = async (id) => {
    const row = document.querySelector(`tr[data-scopes-editor="${CSS.escape(id)}"]`);
    const scopes = [...row.querySelectorAll('input[name="edit-scope"]:checked')].map((box) => box.value);
    if (!scopes.length) {
      say(() => t('admin.integrations.scopesMissing'), 'error');
      return;
    }
    try {
      const changed = await api(`/api/integrations/${encodeURIComponent(id)}/scopes`, { method: 'PUT', json: { scopes } });
      editing = null;
      await refresh();
      say(() => t('admin.integrations.scopesChanged', { name: changed.name }), 'ok');
    } catch (err) {
      say(() => errorText(i18n, err), 'error');
    }
  };

  byId('integration-form').addEventListener('submit', (event) => {
    event.preventDefault();
    create();
  });
  byId('integrations').addEventListener('click', (event) => {
    const button = event.target.closest('button');
    if (!button) return;
    const { revoke, editScopes, saveScopes: save, cancelScopes } = button.dataset;
    if (revoke) act(`/api/integrations/${encodeURIComponent(revoke)}/revoke`, () => t('admin.integrations.revoked'));
    if (editScopes || cancelScopes) {
      editing = editScopes || null;
      render();
    }
    if (save) saveScopes(save);
  });
  byId('dead-letters').addEventListener('click', (event) => {
    const id = event.target.closest('button[data-replay]')?.dataset.replay;
    if (id) act(`/api/webhooks/dead-letters/${encodeURIComponent(id)}/replay`, () => t('admin.deadLetters.replayed'));
  });

  return { refresh, render };
}
