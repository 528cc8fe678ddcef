/* Sealing personal details in the browser before they are signed: the envelope
 * ledger/sealing.py opens (alg HPKE-X25519-SHA256-AES256GCM+A256GCM+PAD).
 *
 * A fresh 32-byte content key encrypts the padded RFC 8785 JSON of the details with
 * AES-256-GCM (associated data: the statement's type and recorder); the content key is
 * wrapped to each recipient with RFC 9180 HPKE mode_base, DHKEM(X25519, HKDF-SHA256),
 * HKDF-SHA256, AES-256-GCM, info "ceasefire-ledger/seal/v2", aad the recipient's key id.
 * Padding is ISO/IEC 7816-4 to 256, 1024, 4096 or 16384 bytes (then multiples of 16384).
 */

import { b64decode, b64encode, concat, hex, sha256, utf8 } from "./bytes.js";
import { canonicalBytes } from "./jcs.js";

export const ALG = "HPKE-X25519-SHA256-AES256GCM+A256GCM+PAD";
const INFO = utf8.encode("ceasefire-ledger/seal/v2");
const PAD_BUCKETS = [256, 1024, 4096, 16384];
const VERSION = utf8.encode("HPKE-v1");
const KEM_SUITE = concat(utf8.encode("KEM"), new Uint8Array([0x00, 0x20]));
const HPKE_SUITE = concat(utf8.encode("HPKE"), new Uint8Array([0x00, 0x20, 0x00, 0x01, 0x00, 0x02]));

export function sealingContext(eventType, recorder) {
  return utf8.encode(`ceasefire-ledger/sealed/v1\n${eventType}\n${recorder}`);
}

export function pad(content) {
  const needed = content.length + 1;
  const largest = PAD_BUCKETS[PAD_BUCKETS.length - 1];
  const size = PAD_BUCKETS.find((b) => b >= needed) ?? Math.ceil(needed / largest) * largest;
  const out = new Uint8Array(size);
  out.set(content);
  out[content.length] = 0x80;
  return out;
}

async function hmac(key, message) {
  const k = await crypto.subtle.importKey("raw", key.length ? key : new Uint8Array(32), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", k, message));
}

function labeledExtract(suite, salt, label, ikm) {
  return hmac(salt, concat(VERSION, suite, utf8.encode(label), ikm));
}

async function labeledExpand(suite, prk, label, info, length) {
  const labeledInfo = concat(new Uint8Array([length >> 8, length & 0xff]), VERSION, suite, utf8.encode(label), info);
  let block = new Uint8Array(0);
  let out = new Uint8Array(0);
  for (let i = 1; out.length < length; i++) {
    block = await hmac(prk, concat(block, labeledInfo, new Uint8Array([i])));
    out = concat(out, block);
  }
  return out.subarray(0, length);
}

async function aesGcmEncrypt(keyBytes, nonce, plaintext, aad) {
  const key = await crypto.subtle.importKey("raw", keyBytes, "AES-GCM", false, ["encrypt"]);
  return new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv: nonce, additionalData: aad }, key, plaintext));
}

/* RFC 9180 single-shot SealBase: { enc, ciphertext }. */
async function sealBase(recipientRaw, aad, plaintext) {
  const ephemeral = await crypto.subtle.generateKey({ name: "X25519" }, true, ["deriveBits"]);
  const recipient = await crypto.subtle.importKey("raw", recipientRaw, { name: "X25519" }, false, []);
  const dh = new Uint8Array(await crypto.subtle.deriveBits({ name: "X25519", public: recipient }, ephemeral.privateKey, 256));
  if (dh.every((b) => b === 0)) { throw new Error("a recipient's sealing key is unusable"); }
  const enc = new Uint8Array(await crypto.subtle.exportKey("raw", ephemeral.publicKey));
  const eaePrk = await labeledExtract(KEM_SUITE, new Uint8Array(0), "eae_prk", dh);
  const shared = await labeledExpand(KEM_SUITE, eaePrk, "shared_secret", concat(enc, recipientRaw), 32);
  const pskIdHash = await labeledExtract(HPKE_SUITE, new Uint8Array(0), "psk_id_hash", new Uint8Array(0));
  const infoHash = await labeledExtract(HPKE_SUITE, new Uint8Array(0), "info_hash", INFO);
  const context = concat(new Uint8Array([0]), pskIdHash, infoHash);
  const secret = await labeledExtract(HPKE_SUITE, shared, "secret", new Uint8Array(0));
  const key = await labeledExpand(HPKE_SUITE, secret, "key", context, 32);
  const nonce = await labeledExpand(HPKE_SUITE, secret, "base_nonce", context, 12);
  return { enc, ciphertext: await aesGcmEncrypt(key, nonce, plaintext, aad) };
}

/* Seal `sealedObject` to `recipients` (raw X25519 public keys, as Uint8Array or standard
 * base64) under the context `aad` (sealingContext(type, recorder)). */
export async function seal(recipients, sealedObject, aad) {
  const keys = recipients.map((r) => (typeof r === "string" ? b64decode(r) : r));
  if (!keys.length) { throw new Error("nobody to seal the details to: the log lists no sealing key of the court or the committee"); }
  const dek = crypto.getRandomValues(new Uint8Array(32));
  const nonce = crypto.getRandomValues(new Uint8Array(12));
  const ciphertext = await aesGcmEncrypt(dek, nonce, pad(canonicalBytes(sealedObject)), aad);
  const entries = [];
  for (const key of keys) {
    const kid = hex((await sha256(key)).subarray(0, 16));
    const wrapped = await sealBase(key, utf8.encode(kid), dek);
    entries.push({ kid, enc: b64encode(wrapped.enc), wrapped_key: b64encode(wrapped.ciphertext) });
  }
  dek.fill(0);
  return { alg: ALG, recipients: entries, nonce: b64encode(nonce), ciphertext: b64encode(ciphertext) };
}
