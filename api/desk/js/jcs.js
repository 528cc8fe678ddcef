/* RFC 8785 JSON Canonicalization Scheme: the bytes every signature and event id is over.
 *
 * Members sorted by their names' UTF-16 code units (JavaScript's own string order), no
 * whitespace, numbers in ECMAScript form (JSON.stringify's), strings escaped as
 * JSON.stringify escapes them. The same bytes ledger/statements.py's canonical_json writes.
 * A lone surrogate, a non-finite number or a value JSON has not is refused, as rfc8785 does.
 */

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export class CanonicalError extends Error {}

function serialize(value, path) {
  if (value === null || typeof value === "boolean") { return JSON.stringify(value); }
  if (typeof value === "number") {
    if (!Number.isFinite(value)) { throw new CanonicalError(`${path}: a number must be finite`); }
    return JSON.stringify(value);
  }
  if (typeof value === "string") {
    if (LONE_SURROGATE.test(value)) { throw new CanonicalError(`${path}: text holds a broken character`); }
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) {
    return "[" + value.map((item, i) => serialize(item, `${path}[${i}]`)).join(",") + "]";
  }
  if (typeof value === "object") {
    const names = Object.keys(value).filter((name) => value[name] !== undefined).sort();
    return "{" + names.map((name) => JSON.stringify(name) + ":" + serialize(value[name], `${path}.${name}`)).join(",") + "}";
  }
  throw new CanonicalError(`${path}: ${typeof value} cannot be written in JSON`);
}

export function canonicalJson(value) {
  return serialize(value, "$");
}

export function canonicalBytes(value) {
  return new TextEncoder().encode(canonicalJson(value));
}
