/**
 * The admin page's catalogue section (API.md "Catalogue"): the matters with their checklist version, editing a
 * matter as JSON (different items make a new version; inspections keep the version they were bound to), and
 * export / import of the whole catalogue as JSON.
 * @module catalog-admin
 */
import { api } from './api.js';
import { byId, errorText, h, showMessage } from './ui.js';

/**
 * Wires the catalogue section.
 * @param {import('./i18n.js').I18n} i18n
 * @returns {{refresh: () => Promise<void>, render: () => void}}
 */
export function createCatalogAdmin(i18n) {
  const { t } = i18n;
  const message = byId('catalog-message');
  let matters = [];
  /** The last outcome, made again after a language switch. */
  let outcome = null;

  const say = (text, kind = 'info') => {
    outcome = { text, kind };
    showMessage(message, text(), kind);
  };

  const refresh = async () => {
    matters = await api('/api/catalog/matters');
    render();
  };

  const render = () => {
    byId('matters').replaceChildren(...matters.map((m) => h('tr', { 'data-code': m.code },
      h('td', {}, m.code),
      h('td', {}, m.name, m.example ? h('span', { class: 'badge' }, t('admin.catalog.example')) : null),
      h('td', {}, String(m.version)),
      h('td', {}, String(m.items.length)),
      h('td', {}, t(m.remoteAllowed ? 'admin.catalog.remoteYes' : 'admin.catalog.remoteNo')),
      h('td', {}, h('button', { type: 'button', 'data-edit': m.code }, t('admin.catalog.editButton'))))));
    if (outcome) showMessage(message, outcome.text(), outcome.kind);
  };

  byId('matters').addEventListener('click', (event) => {
    const button = event.target.closest('button[data-edit]');
    const matter = button && matters.find((m) => m.code === button.dataset.edit);
    if (!matter) return;
    const { version, ...editable } = matter;
    byId('matter-json').value = JSON.stringify(editable, null, 2);
    byId('matter-json').focus();
  });

  byId('matter-save').addEventListener('click', async () => {
    let matter;
    try {
      matter = JSON.parse(byId('matter-json').value);
    } catch (err) {
      say(() => t('admin.catalog.badJson', { error: err.message }), 'error');
      return;
    }
    if (!matter || typeof matter.code !== 'string') {
      say(() => t('admin.catalog.noCode'), 'error');
      return;
    }
    try {
      const saved = await api(`/api/catalog/matters/${encodeURIComponent(matter.code)}`, { method: 'PUT', json: matter });
      say(() => t('admin.catalog.saved', { code: saved.code, version: saved.version }));
      await refresh();
    } catch (err) {
      say(() => errorText(i18n, err), 'error');
    }
  });

  byId('catalog-export').addEventListener('click', async () => {
    try {
      const doc = await api('/api/catalog/export');
      const url = URL.createObjectURL(new Blob([JSON.stringify(doc, null, 2)], { type: 'application/json' }));
      const link = h('a', { href: url, download: 'kanyan-catalogue.json' });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (err) {
      say(() => errorText(i18n, err), 'error');
    }
  });

  byId('catalog-file').addEventListener('change', async (event) => {
    const file = event.target.files[0];
    if (!file) return;
    let doc;
    try {
      doc = JSON.parse(await file.text());
    } catch (err) {
      say(() => t('admin.catalog.badJson', { error: err.message }), 'error');
      return;
    } finally {
      event.target.value = '';
    }
    try {
      const { imported } = await api('/api/catalog/import', { json: doc });
      say(() => t('admin.catalog.imported', { count: imported.length }));
      await refresh();
    } catch (err) {
      say(() => errorText(i18n, err), 'error');
    }
  });

  return { refresh, render };
}
