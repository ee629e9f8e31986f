// Admin page wiring: the staff accounts (list, create, disable / enable). Non-admins are sent to their own page.
import { api, currentUser, isNetworkFailure, retryOnNetwork } from './api.js';
import { initI18n } from './i18n.js';
import { startPage } from './page-load.js';
import { byId, errorText, formatTime, h, homePage, showMessage, wireStaffHeader } from './ui.js';
import { createCatalogAdmin } from './catalog-admin.js';
import { createIntegrationsAdmin } from './integrations-admin.js';
import { createSlots } from './slots.js';

/** The server's minimum password length, spaces at the ends not counted (signaling/API.md, weak_password). */
const MIN_PASSWORD = 10;
/** The server's longest display name (signaling/API.md, bad_field). */
const MAX_NAME = 64;

async function main() {
  const i18n = await initI18n();
  const user = await currentUser();
  if (!user) {
    location.replace('/login.html');
    return;
  }
  if (user.role !== 'admin') {
    location.replace(homePage(user.role));
    return;
  }
  wireStaffHeader(i18n, user);
  const admin = createAdmin(i18n, user);
  i18n.onChange(admin.render);
  byId('create-form').addEventListener('submit', (event) => {
    event.preventDefault();
    admin.create();
  });
  byId('users').addEventListener('click', (event) => {
    const button = event.target.closest('button[data-username]');
    if (button?.dataset.action === 'unlock') admin.unlock(button.dataset.username);
    else if (button) admin.toggle(button.dataset.username, button.dataset.action === 'disable');
  });
  const catalog = createCatalogAdmin(i18n);
  i18n.onChange(catalog.render);
  const integrations = createIntegrationsAdmin(i18n);
  i18n.onChange(integrations.render);
  // The remote-inspection desk publishes inspectors' availability (js/slots.js).
  createSlots({ i18n, container: byId('desk-slots'), prefix: 'desk-slots', pickInspector: true });
  await Promise.all([admin.refresh({ first: true }), retryOnNetwork(catalog.refresh), retryOnNetwork(integrations.refresh)]);
}

function createAdmin(i18n, me) {
  const { t } = i18n;
  const pageError = byId('page-error');
  const usersMessage = byId('users-message');
  const createError = byId('create-error');
  let users = [];

  /** @param {{first?: boolean}} [options] the page's first load: retried, and a network failure thrown */
  const refresh = async ({ first = false } = {}) => {
    try {
      users = await (first ? retryOnNetwork(() => api('/api/users')) : api('/api/users'));
      showMessage(pageError, '');
    } catch (err) {
      if (first && isNetworkFailure(err)) throw err;
      showMessage(pageError, errorText(i18n, err));
      return;
    }
    render();
  };

  const render = () => {
    const sorted = [...users].sort((a, b) => a.username.localeCompare(b.username));
    byId('users').replaceChildren(...sorted.map((u) => {
      const self = u.username === me.username;
      const action = u.disabled ? 'enable' : 'disable';
      return h('tr', { 'data-username': u.username, 'data-disabled': String(Boolean(u.disabled)) },
        h('td', { class: 'mono' }, u.username),
        h('td', {}, u.displayName),
        h('td', {}, t(`role.${u.role}`)),
        h('td', {}, h('span', { class: 'badge', 'data-status': u.disabled ? 'disabled' : 'active' },
          u.disabled ? t('admin.status.disabled') : t('admin.status.active'))),
        h('td', {}, formatTime(u.createdAt, i18n.lang)),
        h('td', {}, ...(self
          ? [h('span', { class: 'muted' }, t('admin.users.you'))]
          : [h('button', { type: 'button', class: u.disabled ? null : 'danger', 'data-username': u.username, 'data-action': action },
            u.disabled ? t('admin.users.enable') : t('admin.users.disable')),
          ' ',
          h('button', { type: 'button', 'data-username': u.username, 'data-action': 'unlock' }, t('admin.users.unlock'))])));
    }));
    byId('users-empty').hidden = users.length > 0;
  };

  const create = async () => {
    const form = byId('create-form');
    const input = Object.fromEntries(new FormData(form).entries());
    const username = String(input.username || '').trim().toLowerCase();
    const displayName = String(input.displayName || '').trim();
    const password = String(input.password || '');
    const missing = [[username, 'admin.field.username'], [displayName, 'admin.field.displayName'], [password, 'admin.field.password']]
      .filter(([value]) => !value).map(([, key]) => t(key));
    if (missing.length) {
      showMessage(createError, t('admin.create.missing', { fields: missing.join(t('admin.listSeparator')) }));
      return;
    }
    if (displayName.length > MAX_NAME) {
      showMessage(createError, t('admin.create.nameTooLong', { max: MAX_NAME }));
      return;
    }
    if (password.trim().length < MIN_PASSWORD) {
      showMessage(createError, t('error.weak_password'));
      return;
    }
    byId('create-submit').disabled = true;
    try {
      const created = await api('/api/users', { json: { username, displayName, role: input.role, password } });
      showMessage(createError, '');
      form.reset();
      await refresh();
      showMessage(usersMessage, t('admin.create.done', { name: created.displayName, username: created.username }), 'ok');
    } catch (err) {
      showMessage(createError, errorText(i18n, err));
    } finally {
      byId('create-submit').disabled = false;
    }
  };

  const toggle = async (username, disable) => {
    const user = users.find((u) => u.username === username);
    try {
      await api(`/api/users/${encodeURIComponent(username)}/${disable ? 'disable' : 'enable'}`, { method: 'POST' });
      await refresh();
      showMessage(usersMessage, t(disable ? 'admin.users.disabled' : 'admin.users.enabled',
        { name: user?.displayName || username }), 'ok');
    } catch (err) {
      showMessage(usersMessage, errorText(i18n, err));
    }
  };

  /** Clears the waits after failed logins of a user, at every address. */
  const unlock = async (username) => {
    const user = users.find((u) => u.username === username);
    try {
      await api(`/api/users/${encodeURIComponent(username)}/unlock`, { method: 'POST' });
      showMessage(usersMessage, t('admin.users.unlocked', { name: user?.displayName || username }), 'ok');
    } catch (err) {
      showMessage(usersMessage, errorText(i18n, err));
    }
  };

  return { refresh, render, create, toggle, unlock };
}

startPage(main, 'page-error');
