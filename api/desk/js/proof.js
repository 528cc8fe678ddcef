/* Checking, in the browser, that a statement is in the log a signed checkpoint commits to.
 *
 * Trusts nothing the server says except what it can check:
 *  1. the checkpoint note (c2sp.org/signed-note) must carry a valid Ed25519
 *     signature from the log key the reader holds (the vkey
 *     "name+keyid+base64(0x01 || key)"; the key id is checked too);
 *  2. the statement must have the event id asked for (SHA-256 of the
 *     canonical statement without its signature);
 *  3. its RFC 6962 leaf hash, combined with the audit path (RFC 9162
 *     section 2.1.3.2), must give the root hash the checkpoint signs.
 * The one home of these checks in the browser: the court's desk imports this
 * module, and the public site's verify page imports the copy the site build
 * ships as static/proof.js. Uses only WebCrypto (SHA-256, Ed25519). */

const subtle = globalThis.crypto && globalThis.crypto.subtle;
const enc = new TextEncoder();
export const TILE = 256;

export function b64decode(text) {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

export function concat(parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

export function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export function equal(a, b) {
  if (a.length !== b.length) { return false; }
  for (let i = 0; i < a.length; i++) { if (a[i] !== b[i]) { return false; } }
  return true;
}

export function hasWebCrypto() { return !!(subtle && subtle.importKey); }

export async function sha256(bytes) { return new Uint8Array(await subtle.digest("SHA-256", bytes)); }
export function leafHash(bytes) { return sha256(concat([new Uint8Array([0]), bytes])); }
export function nodeHash(left, right) { return sha256(concat([new Uint8Array([1]), left, right])); }

/* RFC 9162 2.1.3.2: recompute the root from a leaf hash and its audit path. */
export async function rootFromProof(index, size, leaf, path) {
  if (index >= size) { throw new Error("index beyond tree size"); }
  let fn = index, sn = size - 1, r = leaf;
  for (const hash of path) {
    if (sn === 0) { throw new Error("proof too long"); }
    if (fn % 2 === 1 || fn === sn) {
      r = await nodeHash(hash, r);
      while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
    } else {
      r = await nodeHash(r, hash);
    }
    fn = Math.floor(fn / 2); sn = Math.floor(sn / 2);
  }
  if (sn !== 0) { throw new Error("proof too short"); }
  return r;
}

/* C2SP signed-note verifier key: name+hex(keyid)+base64(type || key). */
export async function parseVkey(vkey) {
  const first = vkey.indexOf("+"), second = vkey.indexOf("+", first + 1);
  if (first < 1 || second < 0) { throw new Error("malformed log key"); }
  /* the base64 key material may itself contain "+": split at the first two only */
  const name = vkey.slice(0, first), keyId = vkey.slice(first + 1, second);
  const material = b64decode(vkey.slice(second + 1));
  if (material[0] !== 1 || material.length !== 33) { throw new Error("not an Ed25519 note key"); }
  const key = material.slice(1);
  const id = (await sha256(concat([enc.encode(name + "\n"), new Uint8Array([1]), key]))).slice(0, 4);
  if (hex(id) !== keyId) { throw new Error("log key id does not match its name and key"); }
  return { name, id, key };
}

export function parseNote(note) {
  const split = note.lastIndexOf("\n\n");
  if (split < 0 || note.charAt(note.length - 1) !== "\n") { throw new Error("malformed signed note"); }
  const text = note.slice(0, split + 1);
  const sigs = note.slice(split + 2, -1).split("\n").map((line) => {
    if (line.indexOf("\u2014 ") !== 0) { throw new Error("malformed signature line"); }
    const rest = line.slice(2), space = rest.indexOf(" ");
    const raw = b64decode(rest.slice(space + 1));
    return { name: rest.slice(0, space), id: raw.slice(0, 4), sig: raw.slice(4) };
  });
  const body = text.slice(0, -1).split("\n");
  if (body.length < 3) { throw new Error("malformed checkpoint"); }
  return { text, sigs, origin: body[0], size: Number(body[1]), root: b64decode(body[2]) };
}

/* True only when every signature of the log key on the note verifies, and there is one. */
export async function verifyNote(note, vkey) {
  const k = await parseVkey(vkey);
  const key = await subtle.importKey("raw", k.key, { name: "Ed25519" }, false, ["verify"]);
  const mine = note.sigs.filter((s) => s.name === k.name && equal(s.id, k.id));
  if (!mine.length) { return false; }
  for (const s of mine) {
    if (s.sig.length !== 64) { return false; }
    if (!(await subtle.verify({ name: "Ed25519" }, key, s.sig, enc.encode(note.text)))) { return false; }
  }
  return true;
}

export async function eventIdOf(leafText) {
  const marker = ',"signature":"', cut = leafText.lastIndexOf(marker);
  if (cut < 0) { throw new Error("not a signed statement"); }
  const end = leafText.indexOf('"', cut + marker.length);
  return hex(await sha256(enc.encode(leafText.slice(0, cut) + leafText.slice(end + 1))));
}

/* c2sp.org/tlog-tiles: tile index 1234067 is x001/x234/067; the right edge is a partial tile .p/W. */
export function tilePath(level, index, width) {
  const groups = [];
  do { groups.unshift(String(index % 1000).padStart(3, "0")); index = Math.floor(index / 1000); } while (index > 0);
  const path = groups.map((g, i) => (i < groups.length - 1 ? "x" + g : g)).join("/");
  return level + "/" + path + (width < TILE ? ".p/" + width : "");
}

/* The leaf text at index from its entry bundle (each entry behind a big-endian uint16 length). */
export async function leafFromBundle(fetchTile, index, size) {
  const bundle = Math.floor(index / TILE), width = Math.min(TILE, size - bundle * TILE);
  const raw = await fetchTile("entries", bundle, width);
  let at = 0, n = 0;
  while (at + 2 <= raw.length) {
    const length = raw[at] * 256 + raw[at + 1];
    if (n === index - bundle * TILE) { return new TextDecoder().decode(raw.slice(at + 2, at + 2 + length)); }
    at += 2 + length; n += 1;
  }
  throw new Error("entry bundle too short");
}

/* Every check of one event against one checkpoint, each answered yes or no (never thrown):
 * { signed, idOk, sizeOk, rootOk, ok }. proof is {leaf_index, tree_size, hashes: [base64]}. */
export async function checkInclusion({ noteText, vkey, eventId, leafText, proof }) {
  const result = { signed: false, idOk: false, sizeOk: false, rootOk: false, ok: false };
  let note;
  try { note = parseNote(noteText); } catch (e) { return result; }
  try { result.signed = await verifyNote(note, vkey); } catch (e) { result.signed = false; }
  try { result.idOk = (await eventIdOf(leafText)) === eventId; } catch (e) { result.idOk = false; }
  result.sizeOk = !!proof && proof.tree_size === note.size && proof.leaf_index < note.size;
  if (result.sizeOk) {
    try {
      const path = proof.hashes.map(b64decode);
      const root = await rootFromProof(proof.leaf_index, note.size, await leafHash(enc.encode(leafText)), path);
      result.rootOk = equal(root, note.root);
    } catch (e) { result.rootOk = false; }
  }
  result.ok = result.signed && result.idOk && result.sizeOk && result.rootOk;
  return result;
}
