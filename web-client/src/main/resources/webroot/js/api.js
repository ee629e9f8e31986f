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

/** @returns {Promise<{username: string, displayName: string, role: string}|null>} the logged-in staff member, or null */
export async function currentUser() {
  try {
    return await api('/api/me');
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return null;
    throw err;
  }
}

/** Ends the staff session. */
export async function logout() {
  await api('/api/logout', { method: 'POST' });
}
