/**
 * Message catalogs per language. Pages mark text with `data-i18n="key"` (text content),
 * `data-i18n-placeholder`, `data-i18n-title` or `data-i18n-aria-label`; scripts call `t(key, params)`.
 * Simplified Chinese is the default; the choice is kept in localStorage.
 * @module i18n
 */

import { retryOnNetwork } from './api.js';

/** Languages with a catalog under /i18n/. */
export const LANGUAGES = ['zh-CN', 'en'];
const STORAGE_KEY = 'kanyan.lang';
const ATTRIBUTES = ['placeholder', 'title', 'aria-label'];

/**
 * @typedef {object} I18n
 * @property {string} lang the active language
 * @property {(key: string, params?: Object<string, string|number>) => string} t translate a key;
 *   `{name}` placeholders are replaced by params; an unknown key returns the key itself
 * @property {(root?: ParentNode) => void} apply translate every marked element under root
 * @property {(select: HTMLSelectElement) => void} bindSwitch make a <select> switch the language (reloads texts)
 * @property {(listener: () => void) => (() => void)} onChange called after the language changed; returns a
 *   function that removes the listener again
 */

/**
 * Loads the catalog of the stored (or default) language and translates the document.
 * @returns {Promise<I18n>}
 */
export async function initI18n() {
  const listeners = [];
  let lang = preferredLanguage();
  // The page's first request: asked again after a network failure (js/page-load.js shows the last one).
  let catalog = await retryOnNetwork(() => loadCatalog(lang));

  const t = (key, params = {}) => {
    const text = catalog[key] ?? key;
    return text.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
  };

  const apply = (root = document) => {
    document.documentElement.lang = lang;
    root.querySelectorAll('[data-i18n]').forEach((el) => { el.textContent = t(el.dataset.i18n); });
    for (const attr of ATTRIBUTES) {
      const data = `data-i18n-${attr}`;
      root.querySelectorAll(`[${data}]`).forEach((el) => el.setAttribute(attr, t(el.getAttribute(data))));
    }
    const title = document.querySelector('title[data-i18n]');
    if (title) document.title = t(title.dataset.i18n);
  };

  const i18n = {
    get lang() { return lang; },
    t,
    apply,
    onChange(listener) {
      listeners.push(listener);
      return () => {
        const at = listeners.indexOf(listener);
        if (at >= 0) listeners.splice(at, 1);
      };
    },
    bindSwitch(select) {
      select.value = lang;
      select.addEventListener('change', async () => {
        const next = LANGUAGES.includes(select.value) ? select.value : LANGUAGES[0];
        catalog = await loadCatalog(next);
        lang = next;
        localStorage.setItem(STORAGE_KEY, lang);
        apply();
        listeners.forEach((listener) => listener());
      });
    },
  };
  apply();
  return i18n;
}

function preferredLanguage() {
  const stored = localStorage.getItem(STORAGE_KEY);
  return LANGUAGES.includes(stored) ? stored : LANGUAGES[0];
}

async function loadCatalog(lang) {
  let response;
  let catalog;
  try {
    response = await fetch(`/i18n/${lang}.json`, { cache: 'no-cache' });
    catalog = response.ok ? await response.json() : null;
  } catch (err) {
    if (err instanceof SyntaxError) throw new Error(`The ${lang} texts could not be loaded (not JSON). Reload the page.`);
    // The network, not the server: code 'network' as api.js gives it (retried, then js/boot.js's message).
    throw Object.assign(new Error(`The ${lang} texts could not be loaded (network). Reload the page.`), { code: 'network' });
  }
  if (!catalog) throw new Error(`The ${lang} texts could not be loaded (HTTP ${response.status}). Reload the page.`);
  return catalog;
}
