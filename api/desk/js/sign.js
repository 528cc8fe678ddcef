/* Signing a statement in the browser and posting it: the same bytes ledger/statements.py signs.
 *
 * The body is { v, ledger, type, recorder, key_id, occurred_at, recorded_at, data, sealed?,
 * refs }; its RFC 8785 canonical JSON is signed with the key's Ed25519 private key (WebCrypto)
 * and its SHA-256 is the event id. Personal details given in draft.sealed are sealed here
 * by hpke.js, to the court, the committee and the recorder, under the statement's type and
 * recorder (the context ledger/sealing.py opens them under), before signing. Only the
 * signed statement is sent.
 */

import { b64encode, hex, sha256 } from "./bytes.js";
import { canonicalBytes } from "./jcs.js";
import { whoHolds } from "./keys.js";
import { seal, sealingContext } from "./hpke.js";

/* A refusal: the problem+json the server answered (or one made here), with the field at fault. */
export class Refusal extends Error {
  constructor(problem) {
    super(problem.detail || problem.title || "the statement was refused");
    this.problem = problem;
    this.field = problem.field || null;
    this.code = problem.code || null;
  }
}

export function utcNow() {
  return new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
}

/* The signed statement and its event id, without posting it. */
export async function signStatement(key, draft, holder) {
  const recorder = draft.recorder || holder.institution;
  const body = {
    v: 1,
    ledger: draft.ledger || holder.origin,
    type: draft.type,
    recorder,
    key_id: key.keyId,
    occurred_at: draft.occurred_at,
    recorded_at: draft.recorded_at || utcNow(),
    data: draft.data || {},
    refs: draft.refs || [],
  };
  if (draft.sealed && Object.keys(draft.sealed).length) {
    body.sealed = "alg" in draft.sealed
      ? draft.sealed
      : await seal(holder.sealTo.map((r) => r.public_key), draft.sealed, sealingContext(draft.type, recorder));
  }
  const signed = canonicalBytes(body);
  const signature = new Uint8Array(await crypto.subtle.sign({ name: "Ed25519" }, key.privateKey, signed));
  return { statement: { ...body, signature: b64encode(signature) }, eventId: hex(await sha256(signed)) };
}

/* Sign `draft` with `key` (from openKey) and POST it to /v1/events.
 * Returns { statement, eventId, answer } or throws a Refusal carrying the problem+json. */
export async function signAndPost(key, draft) {
  const holder = await whoHolds(key.keyId);
  if (holder.status !== "active") {
    throw new Refusal({ code: `key_${holder.status}`, field: "key", detail: holder.status });
  }
  const { statement, eventId } = await signStatement(key, draft, holder);
  const answer = await fetch("/v1/events", {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json, application/problem+json" },
    body: JSON.stringify(statement),
  });
  let payload;
  try {
    payload = await answer.json();
  } catch (e) {
    payload = { title: `the ledger answered HTTP ${answer.status} without an explanation` };
  }
  if (!answer.ok) { throw new Refusal(payload); }
  return { statement, eventId, answer: payload };
}
