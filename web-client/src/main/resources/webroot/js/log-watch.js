/**
 * The auditor's browser as a witness of the commitment log (recorder/TRAIL.md). It remembers the latest signed
 * tree head it saw (localStorage), asks the server for a consistency proof from it on every visit, and checks
 * that proof itself (RFC 9162 section 2.1.4.2, SHA-256 by WebCrypto) and the log's Ed25519 signature on the
 * tree head (WebCrypto Ed25519, where the browser has it). A key change is accepted only when the published key
 * history leads from the remembered key to the new one. A log that was rewritten, shrank or changed its key
 * without such an announcement since the last visit is reported, and the remembered tree head is kept so the warning stays until someone
 * looks into it.
 * @module log-watch
 */

const STORAGE_KEY = 'kanyan.log.treeHead';
const encoder = new TextEncoder();

/**
 * @typedef {object} LogCheck
 * @property {'ok'|'first'|'empty'|'rewritten'} status
 * @property {string} [reason] for 'rewritten': 'inconsistent', 'shrunk', 'key', 'signature' or 'malformed'
 * @property {number} [from] the size the browser remembered
 * @property {number} [size] the size the server shows now
 * @property {boolean} [signatureChecked] false when this browser cannot verify Ed25519
 */

/**
 * Checks the log against what this browser saw before, and remembers the new tree head when it is consistent.
 * @param {(path: string) => Promise<any>} getJson the page's API call
 * @param {Storage} [storage]
 * @returns {Promise<LogCheck>}
 */
export async function checkLog(getJson, storage = window.localStorage) {
  const seen = remembered(storage);
  const answer = await getJson(`/api/audit/log/consistency?from=${seen ? seen.size : 0}`);
  if (!answer.size) return { status: 'empty' };
  const rewritten = (reason) => ({ status: 'rewritten', reason, from: seen?.size, size: answer.size });
  let head;
  try {
    head = parseTreeHead(answer.treeHead);
  } catch (err) {
    return rewritten('malformed');
  }
  let verifierKey = seen ? seen.verifierKey : answer.verifierKey;
  let signature = seen && answer.verifierKey !== seen.verifierKey ? false : await verifySignature(head, verifierKey);
  if (signature === false) {
    // The key changed (or the tree head is still the retiring key's): accept only what the published key
    // history explains, each key announced by the one before it, from the key this browser trusted.
    const keys = await announcedKeys(getJson, seen ? seen.verifierKey : null, answer.verifierKey);
    if (!keys) return rewritten(seen && answer.verifierKey !== seen.verifierKey ? 'key' : 'signature');
    for (const key of keys.slice().reverse()) {
      signature = await verifySignature(head, key);
      if (signature !== false) break;
    }
    if (signature === false) return rewritten('signature');
    verifierKey = answer.verifierKey;
  }
  if (seen) {
    if (head.size < seen.size || !answer.proof) return rewritten('shrunk');
    const proof = answer.proof.map(fromBase64);
    if (!(await verifyConsistency(seen.size, head.size, fromBase64(seen.root), head.root, proof))) {
      return rewritten('inconsistent');
    }
  }
  storage.setItem(STORAGE_KEY, JSON.stringify({
    origin: head.origin, size: head.size, root: toBase64(head.root), verifierKey,
  }));
  return { status: seen ? 'ok' : 'first', from: seen?.size, size: head.size, signatureChecked: signature };
}

function remembered(storage) {
  try {
    const value = JSON.parse(storage.getItem(STORAGE_KEY) || 'null');
    return value && Number.isSafeInteger(value.size) && value.root && value.verifierKey ? value : null;
  } catch (err) {
    return null;
  }
}

/**
 * Splits a C2SP signed note into its text and signature lines.
 * @param {string} note
 */
function parseNote(note) {
  const split = note.indexOf('\n\n');
  if (split < 0) throw new Error('not a signed note');
  const text = note.slice(0, split + 1);
  const signatures = note.slice(split + 2).split('\n').filter((line) => line.startsWith('\u2014 ')).map((line) => {
    const [name, blob] = line.slice(2).split(' ');
    return { name, bytes: fromBase64(blob) };
  });
  return { text, signatures };
}

/**
 * Splits a C2SP signed note into its checkpoint fields and signature lines.
 * @param {string} note
 */
export function parseTreeHead(note) {
  const { text, signatures } = parseNote(note);
  const lines = text.split('\n');
  if (lines.length < 4 || !/^(0|[1-9][0-9]*)$/.test(lines[1])) throw new Error('not a checkpoint');
  return { text, origin: lines[0], size: Number(lines[1]), root: fromBase64(lines[2]), signatures };
}

/**
 * Follows the published key history (GET /api/audit/log/keys, recorder/TRAIL.md) from the key `from` to the key
 * `to` (the log's key now): every entry numbered in order, linked to the one before by its SHA-256, and signed by the key it announces
 * and the key before it. Resolves the verifier keys from `from` to `to`, or null when the history does not lead
 * there (an unexplained key change).
 * @param {(path: string) => Promise<any>} getJson
 * @param {string|null} from the key this browser trusted, or null to start from the first
 * @param {string} to
 * @returns {Promise<string[]|null>}
 */
export async function announcedKeys(getJson, from, to) {
  let history;
  try {
    history = await getJson('/api/audit/log/keys');
  } catch (err) {
    return null;
  }
  const entries = Array.isArray(history?.entries) ? history.entries : [];
  const keys = [];
  for (let i = 0; i < entries.length; i += 1) {
    let note;
    try {
      note = parseNote(entries[i]);
    } catch (err) {
      return null;
    }
    const lines = note.text.split('\n');
    const prev = i === 0 ? '-' : toBase64(new Uint8Array(await crypto.subtle.digest('SHA-256',
      encoder.encode(entries[i - 1]))));
    if (lines[0] !== 'kanyan.key-history/v1' || lines[2] !== String(i + 1) || lines[5] !== prev) return null;
    const key = lines[3];
    if (await verifySignature(note, key) === false) return null;
    if (i > 0 && await verifySignature(note, keys[i - 1]) === false) return null;
    keys.push(key);
  }
  const start = from === null ? 0 : keys.indexOf(from);
  const end = keys.lastIndexOf(to);
  return start >= 0 && end >= start ? keys.slice(start, end + 1) : null;
}

/**
 * Verifies the log's own signature (type 0x01, Ed25519) on the note text with the verifier key
 * `<name>+<hex key ID>+<base64(0x01 || key)>`. Resolves true or false, or null when the browser has no Ed25519.
 */
async function verifySignature(head, verifierKey) {
  // The base64 part may itself hold '+': split at the first two only.
  const first = verifierKey.indexOf('+');
  const second = verifierKey.indexOf('+', first + 1);
  if (first <= 0 || second < 0) return false;
  const name = verifierKey.slice(0, first);
  const hexId = verifierKey.slice(first + 1, second);
  const key = fromBase64(verifierKey.slice(second + 1));
  if (key.length !== 33 || key[0] !== 1) return false;
  const line = head.signatures.find((s) => s.name === name && s.bytes.length === 68
    && hex(s.bytes.slice(0, 4)) === hexId);
  if (!line) return false;
  let publicKey;
  try {
    publicKey = await crypto.subtle.importKey('raw', key.slice(1), { name: 'Ed25519' }, false, ['verify']);
  } catch (err) {
    return null; // this browser's WebCrypto lacks Ed25519: the proof is still checked
  }
  return crypto.subtle.verify({ name: 'Ed25519' }, publicKey, line.bytes.slice(4), encoder.encode(head.text));
}

async function nodeHash(left, right) {
  const data = new Uint8Array(1 + left.length + right.length);
  data[0] = 1;
  data.set(left, 1);
  data.set(right, 1 + left.length);
  return new Uint8Array(await crypto.subtle.digest('SHA-256', data));
}

/**
 * RFC 9162 section 2.1.4.2: is the tree of `second` leaves with root `secondRoot` an append-only extension of
 * the one of `first` leaves with root `firstRoot`?
 */
export async function verifyConsistency(first, second, firstRoot, secondRoot, proof) {
  if (first > second) return false;
  if (first === second) return proof.length === 0 && equal(firstRoot, secondRoot);
  if (first === 0) return proof.length === 0;
  if (proof.length === 0) return false;
  const path = [...proof];
  let fn = BigInt(first - 1);
  let sn = BigInt(second - 1);
  if ((BigInt(first) & (BigInt(first) - 1n)) === 0n) path.unshift(firstRoot);
  while ((fn & 1n) === 1n) {
    fn >>= 1n;
    sn >>= 1n;
  }
  let fr = path[0];
  let sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0n) return false;
    if ((fn & 1n) === 1n || fn === sn) {
      fr = await nodeHash(c, fr);
      sr = await nodeHash(c, sr);
      while ((fn & 1n) === 0n && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      sr = await nodeHash(sr, c);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return sn === 0n && equal(fr, firstRoot) && equal(sr, secondRoot);
}

function equal(a, b) {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

function fromBase64(text) {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

function toBase64(bytes) {
  return btoa(String.fromCharCode(...bytes));
}

function hex(bytes) {
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
}
