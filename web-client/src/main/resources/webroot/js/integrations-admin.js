/**
 * The admin page's hand-off section (API.md "Hand-off to the approval system"): integrations with their scoped
 * API keys (created here, shown once, revoked at once) and the webhook dead-letter list with "send again".
 * @module integrations-admin
 */
import { api } from './api.js';
import { byId, errorText, h, showMessage } from './ui.js';

/**
 * Wires the section.
 * @param {import('./i18n.js').I18n} i18n
 * @returns {{refresh: () => Promise<void>, render: () => void}}
 */
export function createIntegrationsAdmin(i18n) {
  const { t } = i18n;
  const message = byId('integrations-message');
  let integrations = [];
  let deadLetters = [];
  /** The last outcome, made again after a language switch. */
  let outcome = null;

  const say = (text, kind = 'info') => {
    outcome = { text, kind };
    showMessage(message, text(), kind);
  };

  const refresh = async () => {
    [integrations, deadLetters] = await Promise.all([api('/api/integrations'), api('/api/webhooks/dead-letters')]);
    render();
  };

  const render = () => {
    byId('integrations').replaceChildren(...integrations.map((i) => h('tr', { 'data-integration': i.id },
      h('td', {}, i.name),
      h('td', { class: 'mono' }, i.scopes.join(', ')),
      h('td', { class: 'mono' }, i.inspector),
      h('td', { class: 'mono' }, i.webhookUrl || '—'),
      h('td', {}, h('span', { class: 'badge', 'data-status': i.status }, t(`admin.integrations.status.${i.status}`))),
      h('td', {}, i.status === 'active'
        ? h('button', { type: 'button', class: 'danger', 'data-revoke': i.id }, t('admin.integrations.revoke'))
        : null))));
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

  byId('integration-form').addEventListener('submit', (event) => {
    event.preventDefault();
    create();
  });
  byId('integrations').addEventListener('click', (event) => {
    const id = event.target.closest('button[data-revoke]')?.dataset.revoke;
    if (id) act(`/api/integrations/${encodeURIComponent(id)}/revoke`, () => t('admin.integrations.revoked'));
  });
  byId('dead-letters').addEventListener('click', (event) => {
    const id = event.target.closest('button[data-replay]')?.dataset.replay;
    if (id) act(`/api/webhooks/dead-letters/${encodeURIComponent(id)}/replay`, () => t('admin.deadLetters.replayed'));
  });

  return { refresh, render };
}
