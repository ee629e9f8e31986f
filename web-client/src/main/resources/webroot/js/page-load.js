/**
 * A page's start through network trouble: a first request that still failed for a network reason after its
 * retries (`retryOnNetwork` in js/api.js) is handed to js/boot.js, the classic script every page loads first,
 * which says in the page's language that the page did not load completely and offers to reload it. The same
 * message shows when a module script did not load at all (then this module never runs: js/boot.js sees that
 * by itself).
 * @module page-load
 */
import { isNetworkFailure } from './api.js';
import { showMessage } from './ui.js';

/** Tells js/boot.js that the page did not load completely (an event on document: no globals). */
export function loadFailed() {
  document.dispatchEvent(new CustomEvent('kanyan:load-failed'));
}

/**
 * Runs a page's start: a network failure that comes out of it shows the reload message; any other failure
 * is shown in the page's error box.
 * @param {() => Promise<void>} main the page's wiring
 * @param {string} [errorBoxId] the page's error box, if it has one
 */
export function startPage(main, errorBoxId) {
  main().catch((err) => {
    if (isNetworkFailure(err)) {
      loadFailed();
      return;
    }
    const box = errorBoxId && document.getElementById(errorBoxId);
    if (box) showMessage(box, err.message);
  });
}
