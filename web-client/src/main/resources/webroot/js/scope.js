/**
 * A scope for everything one part of a page starts, such as one inspection's call: event listeners,
 * timers, language-change listeners and fetches registered through it all stop together with
 * `dispose()`, so nothing of an ended call acts on the next one.
 * @module scope
 */

/**
 * @typedef {object} Scope
 * @property {AbortSignal} signal aborted by dispose(); pass it to fetch/api so requests in flight stop
 * @property {boolean} disposed
 * @property {(target: EventTarget, type: string, listener: (event: Event) => void) => void} listen
 *   adds an event listener that is removed by dispose()
 * @property {(fn: () => void, ms: number) => void} every runs fn every ms until dispose()
 * @property {(fn: () => void, ms: number) => void} after runs fn once after ms, unless disposed first
 * @property {<T extends Function>(fn: T) => T} guard wraps a callback so it does nothing once disposed
 * @property {(cleanup: () => void) => void} onDispose runs cleanup at dispose() (last added runs first)
 * @property {() => void} dispose
 */

/** @returns {Scope} */
export function createScope() {
  const controller = new AbortController();
  const timers = new Set();
  const cleanups = [];
  let disposed = false;

  const guard = (fn) => (...args) => (disposed ? undefined : fn(...args));

  return {
    get signal() { return controller.signal; },
    get disposed() { return disposed; },
    listen(target, type, listener) {
      target.addEventListener(type, guard(listener), { signal: controller.signal });
    },
    every(fn, ms) {
      if (!disposed) timers.add(setInterval(guard(fn), ms));
    },
    after(fn, ms) {
      if (!disposed) timers.add(setTimeout(guard(fn), ms));
    },
    guard,
    onDispose(cleanup) {
      cleanups.push(cleanup);
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      controller.abort();
      // clearInterval and clearTimeout accept each other's ids.
      timers.forEach((id) => clearInterval(id));
      timers.clear();
      for (const cleanup of cleanups.reverse()) {
        try { cleanup(); } catch (err) { console.warn('cleanup failed', err); }
      }
    },
  };
}
