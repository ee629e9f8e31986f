// Login page wiring: sign in, then go to the page for the user's role.
import { api, currentUser, isNetworkFailure } from './api.js';
import { initI18n } from './i18n.js';
import { loadFailed } from './page-load.js';
import { byId, homePage, showMessage } from './ui.js';

const errorBox = byId('login-error');

/** The page's catalogue, once loaded; a logged-in user is sent on to their page meanwhile. */
const ready = (async () => {
  const i18n = await initI18n();
  i18n.bindSwitch(byId('lang'));
  const user = await currentUser().catch(() => null);
  if (user) location.replace(homePage(user.role));
  return i18n;
})();

// Bound before anything is awaited: a quick "enter" must never fall through to the browser's own form
// submission (which would put the password into the address).
byId('login-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const i18n = await ready;
  const username = byId('username').value.trim();
  const password = byId('password').value;
  if (!username || !password) {
    showMessage(errorBox, i18n.t('login.missing'));
    return;
  }
  byId('login-submit').disabled = true;
  try {
    const me = await api('/api/login', { json: { username, password } });
    location.assign(homePage(me.role));
  } catch (err) {
    const key = `login.error.${err.code}`;
    showMessage(errorBox, i18n.t(key) === key ? err.message : i18n.t(key));
    byId('login-submit').disabled = false;
  }
});

ready.catch((err) => (isNetworkFailure(err) ? loadFailed() : showMessage(errorBox, err.message)));
