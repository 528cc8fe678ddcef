/* Sealing and opening personal details in the browser, byte for byte as ledger/sealing.py.
 *
 * The court opens sealed parts here, with its own X25519 key, so neither the
 * key nor the names it reveals ever leave the browser; recorders can seal
 * here before they sign. The format is ledger/sealing.py's (read its
 * docstring): a fresh AES-256-GCM content key (DEK) encrypts the RFC 8785
 * canonical JSON of the sealed object, padded to a bucket (ISO/IEC 7816-4),
 * under the caller's context as associated data; the DEK is wrapped to each
 * recipient with single-shot HPKE (RFC 9180, mode_base, DHKEM(X25519,
 * HKDF-SHA256) / HKDF-SHA256 / AES-256-GCM), info "ceasefire-ledger/seal/v2"
 * (v1 for the older unpadded format) and the recipient's key id as aad.
 *
 * Only WebCrypto: X25519 deriveBits, HMAC-SHA-256 (HKDF extract and expand),
 * SHA-256 and AES-GCM. Every failure is an Error whose message names the
 * field at fault, as SealingError does. The one sealing of the desk: the
 * recorders' page seals here (through sign.js) and the court opens here. Its
 * canonical JSON is jcs.js's, the bytes every signature is over; a key file
 * is opened by keys.js (openSealKey), with or without a passphrase. */

import { b64encode, concat, hex, hexToBytes } from "./bytes.js";
import { CanonicalError, canonicalJson } from "./jcs.js";

export const ALG = "HPKE-X25519-SHA256-AES256GCM+A256GCM+PAD";
export const ALG_UNPADDED = "HPKE-X25519-SHA256-AES256GCM+A256GCM";
const INFO_FOR_ALG = { [ALG]: "ceasefire-ledger/seal/v2", [ALG_UNPADDED]: "ceasefire-ledger/seal/v1" };
export const PAD_BUCKETS = [256, 1024, 4096, 16384];

const subtle = globalThis.crypto.subtle;
const utf8 = new TextEncoder();
const KEM_ID = 0x0020, KDF_ID = 0x0001, AEAD_ID = 0x0002;
const NONCE_LEN = 12, TAG_LEN = 16, DEK_LEN = 32, X25519_LEN = 32;
const PKCS8_X25519 = hexToBytes("302e020100300506032b656e04220420");
const BASE_POINT = new Uint8Array(32);
BASE_POINT[0] = 9;

export class SealingError extends Error {
  constructor(message, field) {
    super(field ? `${field}: ${message}` : message);
    this.name = "SealingError";
    this.field = field;
  }
}

function i2osp(value, length) {
  const out = new Uint8Array(length);
  for (let i = length - 1; i >= 0; i--) { out[i] = value & 0xff; value = Math.floor(value / 256); }
  return out;
}

/* Strict standard base64, canonical spelling only (as _b64decode), naming the field at fault. */
function b64decode(value, field) {
  if (typeof value !== "string") { throw new SealingError("must be a base64 string", field); }
  let raw;
  try { raw = atob(value); } catch (e) { throw new SealingError("is not valid base64", field); }
  const out = Uint8Array.from(raw, (c) => c.charCodeAt(0));
  if (b64encode(out) !== value) { throw new SealingError("is not canonical base64", field); }
  return out;
}

/* --- RFC 9180 ------------------------------------------------------------------------------ */

const KEM_SUITE_ID = concat(utf8.encode("KEM"), i2osp(KEM_ID, 2));
function hpkeSuiteId(aeadId) {
  return concat(utf8.encode("HPKE"), i2osp(KEM_ID, 2), i2osp(KDF_ID, 2), i2osp(aeadId, 2));
}

async function hmac(key, data) {
  const k = await subtle.importKey("raw", key.length ? key : new Uint8Array(32), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return new Uint8Array(await subtle.sign("HMAC", k, data));
}

async function labeledExtract(suiteId, salt, label, ikm) {
  return hmac(salt, concat(utf8.encode("HPKE-v1"), suiteId, utf8.encode(label), ikm));
}

async function labeledExpand(suiteId, prk, label, info, length) {
  const labeledInfo = concat(i2osp(length, 2), utf8.encode("HPKE-v1"), suiteId, utf8.encode(label), info);
  let out = new Uint8Array(0), block = new Uint8Array(0);
  for (let i = 1; out.length < length; i++) {
    block = await hmac(prk, concat(block, labeledInfo, new Uint8Array([i])));
    out = concat(out, block);
  }
  return out.slice(0, length);
}

export async function importPrivateRaw(raw, extractable = false) {
  return subtle.importKey("pkcs8", concat(PKCS8_X25519, raw), { name: "X25519" }, extractable, ["deriveBits"]);
}

async function importPublicRaw(raw, field) {
  if (raw.length !== X25519_LEN) { throw new SealingError("the X25519 key has the wrong length", field); }
  return subtle.importKey("raw", raw, { name: "X25519" }, true, []);
}

/* X25519(sk, 9): the public key of a private CryptoKey, extractable or not. */
export async function publicOf(privateKey) {
  const base = await importPublicRaw(BASE_POINT);
  return new Uint8Array(await subtle.deriveBits({ name: "X25519", public: base }, privateKey, 256));
}

async function dh(privateKey, publicRaw) {
  let shared;
  try {
    shared = new Uint8Array(await subtle.deriveBits({ name: "X25519", public: await importPublicRaw(publicRaw, "enc") }, privateKey, 256));
  } catch (e) {
    if (e instanceof SealingError) { throw e; }
    throw new SealingError("the encapsulated key is not a usable X25519 key", "enc");
  }
  if (shared.every((b) => b === 0)) { throw new SealingError("the encapsulated key is not a usable X25519 key", "enc"); }
  return shared;
}

async function extractAndExpand(dhBytes, kemContext) {
  const prk = await labeledExtract(KEM_SUITE_ID, new Uint8Array(0), "eae_prk", dhBytes);
  return labeledExpand(KEM_SUITE_ID, prk, "shared_secret", kemContext, 32);
}

/* RFC 9180 7.1.3 DeriveKeyPair: only to reproduce the test vectors. */
export async function deriveKeyPair(ikm) {
  const prk = await labeledExtract(KEM_SUITE_ID, new Uint8Array(0), "dkp_prk", ikm);
  const sk = await labeledExpand(KEM_SUITE_ID, prk, "sk", new Uint8Array(0), 32);
  const privateKey = await importPrivateRaw(sk);
  return { sk, privateKey, publicKeyRaw: await publicOf(privateKey) };
}

async function encap(pkR, ephemeral) {
  let skE = ephemeral;
  if (!skE) { skE = (await subtle.generateKey({ name: "X25519" }, false, ["deriveBits"])).privateKey; }
  const enc = await publicOf(skE);
  const sharedSecret = await extractAndExpand(await dh(skE, pkR), concat(enc, pkR));
  return { sharedSecret, enc };
}

async function decap(enc, skR, pkR) {
  if (enc.length !== X25519_LEN) { throw new SealingError("the encapsulated key has the wrong length", "enc"); }
  return extractAndExpand(await dh(skR, enc), concat(enc, pkR));
}

/* RFC 9180 5.1 KeySchedule, mode_base; aeadId and nk are parameters for the AES-128 vector only. */
export async function keySchedule(sharedSecret, info, aeadId = AEAD_ID, nk = 32) {
  const suiteId = hpkeSuiteId(aeadId), none = new Uint8Array(0);
  const context = concat(new Uint8Array([0]),
    await labeledExtract(suiteId, none, "psk_id_hash", none),
    await labeledExtract(suiteId, none, "info_hash", info));
  const secret = await labeledExtract(suiteId, sharedSecret, "secret", none);
  return {
    key: await labeledExpand(suiteId, secret, "key", context, nk),
    baseNonce: await labeledExpand(suiteId, secret, "base_nonce", context, NONCE_LEN),
    exporterSecret: await labeledExpand(suiteId, secret, "exp", context, 32),
  };
}

async function aesGcm(direction, key, nonce, data, aad) {
  const k = await subtle.importKey("raw", key, { name: "AES-GCM" }, false, [direction]);
  const params = { name: "AES-GCM", iv: nonce, additionalData: aad, tagLength: 128 };
  return new Uint8Array(await (direction === "encrypt" ? subtle.encrypt(params, k, data) : subtle.decrypt(params, k, data)));
}

/* Single-shot SealBase (RFC 9180 6.1); ephemeral only to reproduce the test vector. */
export async function sealBase(pkR, info, aad, plaintext, ephemeral) {
  const { sharedSecret, enc } = await encap(pkR, ephemeral);
  const { key, baseNonce } = await keySchedule(sharedSecret, info);
  return { enc, ciphertext: await aesGcm("encrypt", key, baseNonce, plaintext, aad) };
}

/* Single-shot OpenBase (RFC 9180 6.1); pkR is the recipient's own raw public key. */
export async function openBase(enc, skR, pkR, info, aad, ciphertext) {
  const { key, baseNonce } = await keySchedule(await decap(enc, skR, pkR), info);
  try {
    return await aesGcm("decrypt", key, baseNonce, ciphertext, aad);
  } catch (e) {
    throw new SealingError("the wrapped key does not open: the envelope was altered or not sealed to this key", "wrapped_key");
  }
}

/* --- the ledger's envelope ----------------------------------------------------------------- */

/* The AAD binding a sealed part to its statement's type and recorder (ledger.keyring.sealing_context). */
export function sealingContext(eventType, recorder) {
  return utf8.encode(`ceasefire-ledger/sealed/v1\n${eventType}\n${recorder}`);
}

/* The key id of a raw X25519 public key: hex of the first 16 bytes of its SHA-256. */
export async function sealingKeyId(publicKeyRaw) {
  return hex(new Uint8Array(await subtle.digest("SHA-256", publicKeyRaw)).slice(0, 16));
}

export function paddedSize(contentLength) {
  const needed = contentLength + 1;
  for (const bucket of PAD_BUCKETS) { if (needed <= bucket) { return bucket; } }
  const largest = PAD_BUCKETS[PAD_BUCKETS.length - 1];
  return Math.ceil(needed / largest) * largest;
}

function isBucketSize(length) {
  const largest = PAD_BUCKETS[PAD_BUCKETS.length - 1];
  return PAD_BUCKETS.includes(length) || (length > 0 && length % largest === 0);
}

export function pad(content) {
  const out = new Uint8Array(paddedSize(content.length));
  out.set(content);
  out[content.length] = 0x80;
  return out;
}

export function unpad(padded) {
  if (!isBucketSize(padded.length)) {
    throw new SealingError("the sealed content's padding is malformed: not a padding size", "ciphertext");
  }
  let end = padded.length;
  while (end > 0 && padded[end - 1] === 0) { end--; }
  if (end === 0 || padded[end - 1] !== 0x80) {
    throw new SealingError("the sealed content's padding is malformed: no 0x80 mark before the zeros", "ciphertext");
  }
  const content = padded.slice(0, end - 1);
  if (paddedSize(content.length) !== padded.length) {
    throw new SealingError("the sealed content's padding is malformed: padded beyond the smallest size that holds it", "ciphertext");
  }
  return content;
}

function checkEnvelope(envelope) {
  if (!envelope || typeof envelope !== "object" || Array.isArray(envelope)) {
    throw new SealingError("a sealed envelope must be a JSON object", "sealed");
  }
  const keys = Object.keys(envelope).sort().join(",");
  if (keys !== "alg,ciphertext,nonce,recipients") {
    throw new SealingError("a sealed envelope has exactly the keys alg, ciphertext, nonce, recipients", "sealed");
  }
  if (!Object.prototype.hasOwnProperty.call(INFO_FOR_ALG, envelope.alg)) {
    throw new SealingError(`unsupported sealing algorithm; expected ${ALG}`, "alg");
  }
  if (!Array.isArray(envelope.recipients) || !envelope.recipients.length) {
    throw new SealingError("there must be a non-empty list of recipients", "recipients");
  }
}

/* Open a sealed part with a recipient's key: { privateKey, publicKeyRaw } (keys.js openSealKey).
 * aad is the context it was sealed under: sealingContext(statement.type, statement.recorder). */
export async function open(envelope, sealKey, aad) {
  checkEnvelope(envelope);
  if (!(aad instanceof Uint8Array)) { throw new SealingError("the sealing context (aad) must be bytes", "aad"); }
  const kid = await sealingKeyId(sealKey.publicKeyRaw);
  const index = envelope.recipients.findIndex((entry) => entry && entry.kid === kid);
  if (index < 0) { throw new SealingError("this key is not a recipient of the sealed data", "recipients"); }
  const where = `recipients[${index}]`, entry = envelope.recipients[index];
  const enc = b64decode(entry.enc, `${where}.enc`);
  const wrapped = b64decode(entry.wrapped_key, `${where}.wrapped_key`);
  if (wrapped.length !== DEK_LEN + TAG_LEN) { throw new SealingError("wrapped_key must be 48 bytes", `${where}.wrapped_key`); }
  let dek;
  try {
    dek = await openBase(enc, sealKey.privateKey, sealKey.publicKeyRaw, utf8.encode(INFO_FOR_ALG[envelope.alg]), utf8.encode(kid), wrapped);
  } catch (e) {
    throw new SealingError(e.message.replace(/^\w+: /, ""), `${where}.${e.field || "wrapped_key"}`);
  }
  const nonce = b64decode(envelope.nonce, "nonce");
  if (nonce.length !== NONCE_LEN) { throw new SealingError("the nonce must be 12 bytes", "nonce"); }
  let plaintext;
  try {
    plaintext = await aesGcm("decrypt", dek, nonce, b64decode(envelope.ciphertext, "ciphertext"), aad);
  } catch (e) {
    if (e instanceof SealingError) { throw e; }
    throw new SealingError("the sealed data does not open: it was altered or belongs to another context", "ciphertext");
  }
  if (envelope.alg === ALG) { plaintext = unpad(plaintext); }
  let data;
  try { data = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(plaintext)); } catch (e) {
    throw new SealingError("the sealed content is not valid JSON", "ciphertext");
  }
  if (!data || typeof data !== "object" || Array.isArray(data) || canonicalJson(data) !== new TextDecoder().decode(plaintext)) {
    throw new SealingError("the sealed content is not a canonical JSON object", "ciphertext");
  }
  return data;
}

/* Seal an object to recipients (raw X25519 public keys: Uint8Array or standard base64, as the
 * charter lists them) under the context aad; the envelope ledger/sealing.py unseals. */
export async function seal(recipients, sealedObject, aad) {
  if (!(aad instanceof Uint8Array)) { throw new SealingError("the sealing context (aad) must be bytes", "aad"); }
  if (!sealedObject || typeof sealedObject !== "object" || Array.isArray(sealedObject)) {
    throw new SealingError("only a JSON object can be sealed", "data");
  }
  if (!Array.isArray(recipients) || !recipients.length) { throw new SealingError("at least one recipient is needed", "recipients"); }
  const keys = recipients.map((r, i) => (typeof r === "string" ? b64decode(r, `recipients[${i}]`) : r));
  const kids = await Promise.all(keys.map(sealingKeyId));
  if (new Set(kids).size !== kids.length) { throw new SealingError("the same recipient key is given twice", "recipients"); }
  let plaintext;
  try {
    plaintext = utf8.encode(canonicalJson(sealedObject));
  } catch (e) {
    if (e instanceof CanonicalError) { throw new SealingError(e.message, "data"); }
    throw e;
  }
  const dek = crypto.getRandomValues(new Uint8Array(DEK_LEN));
  const nonce = crypto.getRandomValues(new Uint8Array(NONCE_LEN));
  const ciphertext = await aesGcm("encrypt", dek, nonce, pad(plaintext), aad);
  const entries = [];
  for (let i = 0; i < keys.length; i++) {
    let wrapped;
    try {
      wrapped = await sealBase(keys[i], utf8.encode(INFO_FOR_ALG[ALG]), utf8.encode(kids[i]), dek);
    } catch (e) {
      throw new SealingError("this recipient has an unusable public key", `recipients[${i}]`);
    }
    entries.push({ kid: kids[i], enc: b64encode(wrapped.enc), wrapped_key: b64encode(wrapped.ciphertext) });
  }
  return { alg: ALG, recipients: entries, nonce: b64encode(nonce), ciphertext: b64encode(ciphertext) };
}
