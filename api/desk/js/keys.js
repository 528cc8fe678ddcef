/* Opening a key file in the browser, and asking the log who holds it.
 *
 * A key file is PKCS#8 PEM, as `ledger init` writes keys/<institution>.key (Ed25519, for
 * signing) and keys/<institution>.seal.key (X25519, for opening sealed details). A file
 * protected by a passphrase is PKCS#8's EncryptedPrivateKeyInfo with PBES2: PBKDF2 with
 * HMAC-SHA256 (salt and iteration count are in the file) and AES-256-CBC, which is what the
 * `ledger` command writes (docs/desk.md): WebCrypto runs both, so the same file opens here
 * and in the CLI. The private key is imported non-extractable: the page can sign or derive
 * with it, and no script can read its bytes back out. Nothing of the key is sent anywhere;
 * only the key id (a hash of the public key) goes to the server, to ask who holds it.
 */

import { b64urlDecode, hex, sha256, utf8 } from "./bytes.js";

export class KeyError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

const OID = {
  pbes2: "1.2.840.113549.1.5.13",
  pbkdf2: "1.2.840.113549.1.5.12",
  hmacSha256: "1.2.840.113549.2.9",
  aes256cbc: "2.16.840.1.101.3.4.1.42",
  ed25519: "1.3.101.112",
  x25519: "1.3.101.110",
};

/* --- a DER reader: just what PKCS#8 and PBES2 need ------------------------------------- */

function readTlv(bytes, at) {
  if (at + 2 > bytes.length) { throw new KeyError("damaged", "the key file is damaged (cut short)"); }
  const tag = bytes[at];
  let length = bytes[at + 1];
  let start = at + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count < 1 || count > 3 || start + count > bytes.length) { throw new KeyError("damaged", "the key file is damaged (bad length)"); }
    length = 0;
    for (let i = 0; i < count; i++) { length = length * 256 + bytes[start + i]; }
    start += count;
  }
  if (start + length > bytes.length) { throw new KeyError("damaged", "the key file is damaged (cut short)"); }
  return { tag, start, end: start + length, value: bytes.subarray(start, start + length) };
}

function children(bytes) {
  const out = [];
  for (let at = 0; at < bytes.length;) {
    const tlv = readTlv(bytes, at);
    out.push(tlv);
    at = tlv.end;
  }
  return out;
}

function oid(value) {
  const parts = [Math.floor(value[0] / 40), value[0] % 40];
  let n = 0;
  for (const byte of value.subarray(1)) {
    n = n * 128 + (byte & 0x7f);
    if (!(byte & 0x80)) { parts.push(n); n = 0; }
  }
  return parts.join(".");
}

function integer(value) {
  let n = 0;
  for (const byte of value) { n = n * 256 + byte; }
  return n;
}

/* --- PEM ------------------------------------------------------------------------------ */

function pemBlock(text) {
  const found = /-----BEGIN (ENCRYPTED )?PRIVATE KEY-----([\s\S]*?)-----END \1?PRIVATE KEY-----/.exec(String(text));
  if (!found) {
    throw new KeyError("not_a_key", "this is not a private key file: it should start with -----BEGIN PRIVATE KEY----- or -----BEGIN ENCRYPTED PRIVATE KEY-----");
  }
  let der;
  try {
    der = Uint8Array.from(atob(found[2].replace(/\s+/g, "")), (c) => c.charCodeAt(0));
  } catch (e) {
    throw new KeyError("damaged", "the key file is damaged: its text is not base64");
  }
  return { encrypted: Boolean(found[1]), der };
}

/* PBES2 (RFC 8018) with PBKDF2-HMAC-SHA256 and AES-256-CBC: the one scheme the ledger writes. */
async function decryptPkcs8(der, passphrase) {
  const [algorithm, encrypted] = children(readTlv(der, 0).value);
  const [schemeOid, schemeParams] = children(algorithm.value);
  if (oid(schemeOid.value) !== OID.pbes2) {
    throw new KeyError("unsupported", "this key file is protected in a way the desk cannot open (not PBES2)");
  }
  const [kdf, cipher] = children(schemeParams.value);
  const [kdfOid, kdfParams] = children(kdf.value);
  const [cipherOid, iv] = children(cipher.value);
  const params = children(kdfParams.value);
  const salt = params[0].value;
  const iterations = integer(params[1].value);
  const prf = params.find((p) => p.tag === 0x30);
  const prfOid = prf ? oid(children(prf.value)[0].value) : "hmacWithSHA1";
  if (oid(kdfOid.value) !== OID.pbkdf2 || prfOid !== OID.hmacSha256 || oid(cipherOid.value) !== OID.aes256cbc) {
    throw new KeyError("unsupported", "this key file is protected in a way the desk cannot open (it needs PBKDF2-HMAC-SHA256 and AES-256-CBC)");
  }
  if (!passphrase) {
    throw new KeyError("needs_passphrase", "this key file is protected by a passphrase: type it in");
  }
  const base = await crypto.subtle.importKey("raw", utf8.encode(passphrase), "PBKDF2", false, ["deriveKey"]);
  const aes = await crypto.subtle.deriveKey(
    { name: "PBKDF2", hash: "SHA-256", salt, iterations },
    base,
    { name: "AES-CBC", length: 256 },
    false,
    ["decrypt"],
  );
  try {
    return new Uint8Array(await crypto.subtle.decrypt({ name: "AES-CBC", iv: iv.value }, aes, encrypted.value));
  } catch (e) {
    throw new KeyError("wrong_passphrase", "the passphrase is wrong (or the key file is damaged)");
  }
}

function keyAlgorithm(pkcs8) {
  try {
    const [, algorithm] = children(readTlv(pkcs8, 0).value);
    return oid(children(algorithm.value)[0].value);
  } catch (e) {
    throw new KeyError("wrong_passphrase", "the passphrase is wrong (or the key file is damaged)");
  }
}

async function importPkcs8(pemText, passphrase, algorithm, usages) {
  const { encrypted, der } = pemBlock(pemText);
  if (!encrypted && passphrase) {
    throw new KeyError("no_passphrase_needed", "this key file has no passphrase: leave the passphrase empty");
  }
  const pkcs8 = encrypted ? await decryptPkcs8(der, passphrase) : der;
  const found = keyAlgorithm(pkcs8);
  const wanted = algorithm === "Ed25519" ? OID.ed25519 : OID.x25519;
  if (found !== wanted) {
    throw new KeyError(
      found === OID.x25519 || found === OID.ed25519 ? "wrong_kind" : "not_a_key",
      algorithm === "Ed25519"
        ? "this is not a signing key: open the file named <institution>.key, not .seal.key"
        : "this is not a sealing key: open the file named <institution>.seal.key",
    );
  }
  // Imported once extractable only to read its public half, then again non-extractable:
  // the key the page keeps cannot be exported by any script.
  const readable = await crypto.subtle.importKey("pkcs8", pkcs8, { name: algorithm }, true, usages);
  const publicRaw = b64urlDecode((await crypto.subtle.exportKey("jwk", readable)).x);
  const privateKey = await crypto.subtle.importKey("pkcs8", pkcs8, { name: algorithm }, false, usages);
  pkcs8.fill(0);
  return { publicRaw, privateKey };
}

/* A signing key: { keyId, publicKeyB64, privateKey } (Ed25519, non-extractable, "sign"). */
export async function openKey(pemText, passphrase) {
  const { publicRaw, privateKey } = await importPkcs8(pemText, passphrase, "Ed25519", ["sign"]);
  return {
    keyId: hex((await sha256(publicRaw)).subarray(0, 8)),
    publicKeyB64: btoa(String.fromCharCode(...publicRaw)),
    privateKey,
  };
}

/* A sealing key: { keyId, privateKey (X25519, non-extractable, "deriveBits"), publicKeyRaw }. */
export async function openSealKey(pemText, passphrase) {
  const { publicRaw, privateKey } = await importPkcs8(pemText, passphrase, "X25519", ["deriveBits"]);
  return { keyId: hex((await sha256(publicRaw)).subarray(0, 16)), privateKey, publicKeyRaw: publicRaw };
}

/* Who holds a key, as the log records it: { keyId, status: "active" | "revoked" | "unknown",
 * institution, name, role, purpose, revocationReason, origin, sealTo }. */
export async function whoHolds(keyId) {
  const answer = await fetch(`/v1/keys/${encodeURIComponent(keyId)}`, { headers: { Accept: "application/json" } });
  if (answer.status === 404) {
    return { keyId, status: "unknown", institution: null, name: null, role: null };
  }
  if (!answer.ok) {
    throw new KeyError("server", `the ledger did not answer who holds this key (HTTP ${answer.status})`);
  }
  const holder = await answer.json();
  return {
    keyId,
    status: holder.status,
    institution: holder.institution,
    name: holder.name,
    role: holder.role,
    purpose: holder.purpose,
    revocationReason: holder.revocation_reason,
    origin: holder.origin,
    sealTo: holder.seal_to,
  };
}
