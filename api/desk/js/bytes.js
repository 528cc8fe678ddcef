/* Bytes and their spellings, shared by the desk's modules: standard base64 (as the ledger
 * writes it in statements), base64url (JSON Web Keys), hex, UTF-8 and SHA-256. */

export const utf8 = new TextEncoder();

export function b64encode(bytes) {
  let text = "";
  for (const byte of bytes) { text += String.fromCharCode(byte); }
  return btoa(text);
}

export function b64decode(text) {
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) { out[i] = binary.charCodeAt(i); }
  return out;
}

export function b64urlDecode(text) {
  const standard = text.replace(/-/g, "+").replace(/_/g, "/");
  return b64decode(standard + "=".repeat((4 - (standard.length % 4)) % 4));
}

export function hexToBytes(text) {
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) { out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16); }
  return out;
}

export function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export async function sha256(bytes) {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
}

export function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) { out.set(part, at); at += part.length; }
  return out;
}
