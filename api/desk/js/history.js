/* A case's or a person's history, as the server sends it, checked in this browser.
 *
 * The server's answer (GET /v1/cases/{case}/history, /v1/persons/{person}/history) gives each
 * event with an inclusion proof and the signed checkpoint. Nothing in it is shown as true
 * before proof.js has checked it with the log key the reader holds: each statement's exact
 * bytes are read from the log's entry bundles, then its event id, its proof and the
 * checkpoint's signature are checked. What a page shows is read from those checked bytes.
 * The court's page and the committee's page both check their histories here.
 */

import { addStrings, t } from "./i18n.js";
import { checkInclusion, leafFromBundle, parseNote, tilePath } from "./proof.js";

addStrings({
  en: {
    "proof.log_key": "The log's public key (the line in log.vkey, as the charter gives it)",
    "proof.verified": "In the signed log",
    "proof.not_verified": "NOT verified",
    "proof.why.key": "no log key was given to check it with",
    "proof.why.pending": "it is newer than the latest signed checkpoint: read it again in a moment",
    "proof.why.signed": "the checkpoint's signature does not verify with the log key",
    "proof.why.idOk": "the statement does not have this event id",
    "proof.why.sizeOk": "the proof is for another checkpoint",
    "proof.why.rootOk": "the proof does not lead to the signed root",
  },
  ur: {
    "proof.log_key": "کھاتے کی عوامی کلید (log.vkey کی سطر، جیسی منشور میں ہے)",
    "proof.verified": "دستخط شدہ کھاتے میں موجود",
    "proof.not_verified": "تصدیق نہیں ہوئی",
    "proof.why.key": "جانچنے کے لیے کھاتے کی کلید نہیں دی گئی",
    "proof.why.pending": "یہ تازہ ترین دستخط شدہ چیک پوائنٹ کے بعد کا ہے: تھوڑی دیر بعد دوبارہ پڑھیں",
    "proof.why.signed": "چیک پوائنٹ کے دستخط کھاتے کی کلید سے درست ثابت نہیں ہوتے",
    "proof.why.idOk": "بیان کی شناخت مختلف ہے",
    "proof.why.sizeOk": "ثبوت کسی اور چیک پوائنٹ کا ہے",
    "proof.why.rootOk": "ثبوت دستخط شدہ جڑ تک نہیں پہنچتا",
  },
});

const CHECKS = ["signed", "idOk", "sizeOk", "rootOk"];
const NOTHING_CHECKED = { signed: false, idOk: false, sizeOk: false, rootOk: false, ok: false };

/* Entry bundles of the log, each fetched once per reading. */
function bundleReader() {
  const bundles = new Map();
  return (level, index, width) => {
    const path = tilePath(level, index, width);
    if (!bundles.has(path)) {
      bundles.set(path, fetch(`/tile/${path}`, { cache: "no-store" }).then(async (response) => {
        if (!response.ok) { throw new Error(`missing entry bundle ${path}`); }
        return new Uint8Array(await response.arrayBuffer());
      }));
    }
    return bundles.get(path);
  };
}

/* Every event of `history` checked against its checkpoint with `vkey`:
 * { size, signed, bad, events: [{ entry, checked, statement }] }, where `statement` is read
 * from the checked leaf bytes when the event verifies, and is the server's unchecked entry
 * when it does not (to be shown as NOT verified). Without a log key nothing verifies, nor
 * does an event newer than the checkpoint (the server sends it with no proof). */
export async function checkHistory(history, vkey) {
  let size = 0;
  try { size = parseNote(history.checkpoint || "").size; } catch (e) { size = 0; }
  const fetchTile = bundleReader();
  const events = [];
  let bad = 0, signed = false;
  for (const entry of history.events) {
    let leafText = "";
    const proof = entry.proof;
    try {
      if (vkey && proof && proof.tree_size === size) { leafText = await leafFromBundle(fetchTile, proof.leaf_index, size); }
    } catch (e) { leafText = ""; }
    let checked;
    if (!vkey) {
      checked = { ...NOTHING_CHECKED, why: "key" };
    } else if (!proof) {
      checked = { ...NOTHING_CHECKED, why: "pending" };
    } else {
      checked = await checkInclusion({ noteText: history.checkpoint || "", vkey, eventId: entry.event_id, leafText, proof });
    }
    if (!checked.why) { signed = checked.signed; }
    if (!checked.ok) { bad += 1; }
    events.push({ entry, checked, statement: checked.ok ? JSON.parse(leafText) : entry });
  }
  return { size, signed, bad, events };
}

/* What a reader is told of one event's checks: "✓ In the signed log", or "✗ NOT verified:"
 * with every reason it failed. */
export function verdict(checked) {
  if (checked.ok) { return `✓ ${t("proof.verified")}`; }
  const why = checked.why ? [t(`proof.why.${checked.why}`)] : CHECKS.filter((k) => !checked[k]).map((k) => t(`proof.why.${k}`));
  return `✗ ${t("proof.not_verified")}: ${why.join("; ")}`;
}
