/*
 * The page-load guard: a classic (non-module) script every page loads first, before its ES module.
 *
 * When the network changes or fails while a page loads, a module script (or one it imports) may not arrive; the
 * browser then runs none of the page's modules and would leave the page without its forms and without a word.
 * This script catches that (the `error` event of a script element, caught on window in the capture phase), a
 * module that is still not there after SLOW_MS (the page's modules delay DOMContentLoaded), and a first data
 * request that failed for a network reason after its retries (the modules report it with the
 * `kanyan:load-failed` event on document, js/page-load.js). It then shows what happened and what to do, with a
 * button that reloads the page.
 *
 * Its texts are copies of the catalogues' `app.loadFailed.*` entries (MessageCatalogTest checks that they are
 * the same): when this message is needed, js/i18n.js or the catalogue itself may be what did not load. The
 * language is the one the page remembers (localStorage `kanyan.lang`), and follows the page's language switch.
 * No globals: a plain function scope.
 */
(function () {
  'use strict';

  var TEXTS = {
    'zh-CN': {
      'app.loadFailed.text': '网络中断，页面没有加载完整。请检查网络后点“重新加载”。',
      'app.loadFailed.slow': '网络很慢，页面还没有加载完整。可以再等一会儿，或检查网络后点“重新加载”。',
      'app.loadFailed.reload': '重新加载',
    },
    en: {
      'app.loadFailed.text': 'The network was interrupted and the page did not load completely. Check the network, then press “Reload”.',
      'app.loadFailed.slow': 'The network is slow and the page has not loaded completely yet. Wait a little longer, or check the network and press “Reload”.',
      'app.loadFailed.reload': 'Reload',
    },
  };
  var STORAGE_KEY = 'kanyan.lang';
  var SLOW_MS = 20000;
  /** 'failed' once something the page needs did not load; 'slow' while the modules are late; null otherwise. */
  var state = null;
  var lang = stored();
  var box = null;
  var text = null;
  var button = null;

  function stored() {
    var value = null;
    try { value = window.localStorage.getItem(STORAGE_KEY); } catch (e) { value = null; }
    return TEXTS[value] ? value : 'zh-CN';
  }

  function render() {
    var texts = TEXTS[lang];
    text.textContent = texts[state === 'slow' ? 'app.loadFailed.slow' : 'app.loadFailed.text'];
    button.textContent = texts['app.loadFailed.reload'];
    box.dataset.kind = state === 'slow' ? 'warn' : 'error';
  }

  function show(next) {
    if (state === 'failed' || !document.body) return;
    state = next;
    if (!box) {
      box = document.createElement('div');
      box.id = 'load-failure';
      box.className = 'message load-failure';
      box.setAttribute('role', 'alert');
      text = document.createElement('p');
      text.id = 'load-failure-text';
      button = document.createElement('button');
      button.id = 'load-failure-reload';
      button.type = 'button';
      button.className = 'primary';
      button.addEventListener('click', function () { window.location.reload(); });
      box.appendChild(text);
      box.appendChild(button);
      document.body.insertBefore(box, document.body.firstChild);
      // The page's modules may not be there to bind the language switch: follow it here.
      var select = document.getElementById('lang');
      if (select && TEXTS[lang]) select.value = lang;
    }
    box.hidden = false;
    render();
  }

  function whenBody(kind) {
    if (document.body) show(kind);
    else document.addEventListener('DOMContentLoaded', function () { show(kind); });
  }

  window.addEventListener('error', function (event) {
    var target = event.target;
    if (target && target.tagName === 'SCRIPT') whenBody('failed');
  }, true);

  document.addEventListener('kanyan:load-failed', function () { whenBody('failed'); });

  document.addEventListener('change', function (event) {
    var select = event.target;
    if (!select || select.id !== 'lang' || !TEXTS[select.value]) return;
    lang = select.value;
    // Remembered as js/i18n.js does, so that the reloaded page comes up in this language.
    try { window.localStorage.setItem(STORAGE_KEY, lang); } catch (e) { /* private mode: this page only */ }
    if (box) render();
  });

  var slow = window.setTimeout(function () { show('slow'); }, SLOW_MS);
  document.addEventListener('DOMContentLoaded', function () {
    window.clearTimeout(slow);
    if (state === 'slow') {
      state = null;
      box.hidden = true;
    }
  });
}());
