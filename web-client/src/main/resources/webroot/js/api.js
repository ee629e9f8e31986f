/**
 * The HTTP API (signaling/API.md) as small async functions. Every failure is an {@link ApiError}
 * carrying the server's `{code, message}`, or `code: "network"` when the server could not be reached.
 * @module api
 */

/** A failed API call. */
export class ApiError extends Error {
  /**
   * @param {number} status HTTP status (0 when the network failed)
   * @param {string} code machine-readable reason from the server
   * @param {string} message a sentence a person can act on
   */
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/**
 * Calls the API with a JSON body (or a Blob), and returns the JSON answer (null for 204).
 * @param {string} path e.g. `/api/inspections`
 * @param {{method?: string, json?: object, body?: Blob|ArrayBuffer, headers?: Object<string,string>, signal?: AbortSignal}} [options]
 * @returns {Promise<any>}
 */
export async function api(path, options = {}) {
  const headers = { ...(options.headers || {}) };
  let body = options.body;
  if (options.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(options.json);
  }
  let response;
  try {
    response = await fetch(path, {
      method: options.method || (body ? 'POST' : 'GET'),
      headers,
      body,
      credentials: 'same-origin',
      signal: options.signal,
    });
  } catch (err) {
    if (err.name === 'AbortError') throw err;
    throw new ApiError(0, 'network', 'The server could not be reached. Check the network connection and try again.');
  }
  if (response.status === 204) return null;
  const text = await response.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = null; }
  if (!response.ok) {
    throw new ApiError(response.status, data?.code || `http_${response.status}`,
      data?.message || `The server answered HTTP ${response.status}.`);
  }
  return data;
}

/**
 * Lowercase hex SHA-256 of a blob (Web Crypto; needs a secure context).
 * @param {Blob|ArrayBuffer} data
 * @returns {Promise<string>}
 */
export async function sha256Hex(data) {
  const bytes = data instanceof Blob ? await data.arrayBuffer() : data;
  const digest = await crypto.subtle.digest('SHA-256', bytes);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** The pauses before the retries of a page's first requests: about 5 s in all, then the page says so. */
export const FIRST_LOAD_RETRIES_MS = [500, 1500, 3000];

/**
 * Whether a failure is the network's (the server was not reached: a network change, Wi-Fi lost), not an answer.
 * @param {any} err
 * @returns {boolean}
 */
export function isNetworkFailure(err) {
  return err?.code === 'network';
}

/**
 * Runs a request again after a network failure, with growing pauses; any other failure (an answer from the
 * server) and the last network failure are thrown. Only for requests that may safely run twice (reads).
 * @template T
 * @param {() => Promise<T>} call
 * @param {number[]} [delaysMs] the pause before each retry
 * @returns {Promise<T>}
 */
export async function retryOnNetwork(call, delaysMs = FIRST_LOAD_RETRIES_MS) {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (!isNetworkFailure(err) || attempt >= delaysMs.length) throw err;
      await new Promise((resolve) => setTimeout(resolve, delaysMs[attempt]));
    }
  }
}

/**
 * The logged-in staff member; asked again after a network failure (it is every staff page's first request).
 * @returns {Promise<{username: string, displayName: string, role: string}|null>} the staff member, or null
 */
export async function currentUser() {
  try {
    return await retryOnNetwork(() => api('/api/me'));
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return null;
    throw err;
  }
}

/** Ends the staff session. */
export async function logout() {
  await api('/api/logout', { method: 'POST' });
}
