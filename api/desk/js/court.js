/* The court's page: a case's or a person's whole history, checked and unsealed in this browser,
 * and the court's orders, hearings and verdicts signed here.
 *
 * The history is checked by history.js (proof.js's checks with the log key the court types
 * in); what is shown is read from the checked bytes. Sealed details are opened with hpke.js
 * and the court's X25519 key, read by keys.js from a file the court picks (with its
 * passphrase, if it has one): neither the key nor what it opens is ever sent anywhere. The
 * court's signing key is opened in the desk's key panel (shell.js), which refuses a key the
 * log does not record as an active key of the court; sign.js signs and posts. */

import { clear, el } from "./dom.js";
import { checkHistory, verdict } from "./history.js";
import { open, sealingContext } from "./hpke.js";
import { addStrings, onLangChange, t } from "./i18n.js";
import { openSealKey } from "./keys.js";
import { keyErrorText, startDesk } from "./shell.js";
import { signAndPost } from "./sign.js";

addStrings({
  en: {
    "court.action": "record the court's orders, hearings and verdicts",
    "court.title": "Court desk",
    "court.lede": "Read every statement about a case or a person, from every institution, in the order the log holds them. Your browser checks each one against the signed checkpoint, and opens sealed personal details with your key. Your keys and what they open never leave this computer.",
    "court.what": "What to read",
    "court.kind_case": "A case",
    "court.kind_person": "A person",
    "court.subject": "Case number or person",
    "court.checks": "What your browser checks and opens with",
    "court.seal_key": "The court's sealing key file (court.seal.key), to open sealed details",
    "court.read": "Read and check",
    "court.history": "History",
    "court.reading": "Reading and checking…",
    "court.not_found": "The ledger has nothing under this name.",
    "court.server_said": "The server refused: {detail}",
    "court.no_checkpoint": "The ledger has no signed checkpoint yet, so nothing can be checked.",
    "court.all_verified": "All {n} statements are in the signed log.",
    "court.some_not": "{bad} of {n} statements could not be checked: do not rely on them.",
    "court.checkpoint_signed": "Checked against the checkpoint of {size} statements, signed by the log key.",
    "court.checkpoint_unsigned": "Checked against the checkpoint of {size} statements: its signature does NOT verify with this log key.",
    "court.by": "recorded by {recorder}",
    "court.sealed": "Sealed details",
    "court.opened": "Opened with your key:",
    "court.no_seal_key": "Sealed. Give the court's sealing key above to open it.",
    "court.cannot_open": "Could not open: {reason}",
    "court.record_heading": "Record an order, a hearing or a verdict",
    "court.record_lede": "The statement is signed here with the court's key opened above, then sent. The key stays on this computer.",
    "court.record_type": "What happened",
    "court.type_order": "An order was issued",
    "court.type_hearing": "A hearing was held",
    "court.type_bail_granted": "Bail was granted",
    "court.type_bail_denied": "Bail was denied",
    "court.type_verdict": "A verdict was delivered",
    "court.type_sentence": "A sentence was imposed",
    "court.occurred": "When (UTC, for example 2026-03-04T10:00:00Z)",
    "court.record_data": "What the statement says (JSON, as in docs/events.md)",
    "court.sign": "Sign and record",
    "court.bad_json": "What the statement says is not valid JSON: {detail}",
    "court.need_key": "Open the court's signing key (court.key) in the key panel above first.",
  },
  ur: {
    "court.action": "عدالت کے احکامات، سماعتیں اور فیصلے درج کرنا",
    "court.title": "عدالت کی میز",
    "court.lede": "کسی مقدمے یا کسی فرد کے بارے میں ہر ادارے کا ہر بیان اسی ترتیب سے پڑھیں جس میں وہ کھاتے میں درج ہے۔ آپ کا براؤزر ہر بیان کو دستخط شدہ چیک پوائنٹ سے جانچتا ہے، اور سربمہر ذاتی تفصیلات آپ کی کلید سے کھولتا ہے۔ آپ کی کلیدیں اور جو کچھ وہ کھولتی ہیں، اس کمپیوٹر سے باہر نہیں جاتا۔",
    "court.what": "کیا پڑھنا ہے",
    "court.kind_case": "مقدمہ",
    "court.kind_person": "فرد",
    "court.subject": "مقدمہ نمبر یا فرد",
    "court.checks": "آپ کا براؤزر کس چیز سے جانچتا اور کھولتا ہے",
    "court.seal_key": "عدالت کی مہر کی کلید کی فائل (court.seal.key)، سربمہر تفصیلات کھولنے کے لیے",
    "court.read": "پڑھیں اور جانچیں",
    "court.history": "تاریخچہ",
    "court.reading": "پڑھا اور جانچا جا رہا ہے…",
    "court.not_found": "کھاتے میں اس نام سے کچھ درج نہیں۔",
    "court.server_said": "سرور نے انکار کیا: {detail}",
    "court.no_checkpoint": "کھاتے کا ابھی کوئی دستخط شدہ چیک پوائنٹ نہیں، اس لیے کچھ جانچا نہیں جا سکتا۔",
    "court.all_verified": "تمام {n} بیانات دستخط شدہ کھاتے میں موجود ہیں۔",
    "court.some_not": "{n} میں سے {bad} بیانات جانچے نہ جا سکے: ان پر بھروسا نہ کریں۔",
    "court.checkpoint_signed": "{size} بیانات والے چیک پوائنٹ سے جانچا گیا، جس پر کھاتے کی کلید کے دستخط ہیں۔",
    "court.checkpoint_unsigned": "{size} بیانات والے چیک پوائنٹ سے جانچا گیا؛ اس کے دستخط اس کلید سے درست ثابت نہیں ہوتے۔",
    "court.by": "درج کنندہ: {recorder}",
    "court.sealed": "سربمہر تفصیلات",
    "court.opened": "آپ کی کلید سے کھولی گئیں:",
    "court.no_seal_key": "سربمہر۔ کھولنے کے لیے اوپر عدالت کی مہر کی کلید دیں۔",
    "court.cannot_open": "کھل نہ سکیں: {reason}",
    "court.record_heading": "حکم، سماعت یا فیصلہ درج کریں",
    "court.record_lede": "بیان پر یہیں اوپر کھولی گئی عدالت کی کلید سے دستخط ہوتے ہیں، پھر اسے بھیجا جاتا ہے۔ کلید اسی کمپیوٹر پر رہتی ہے۔",
    "court.record_type": "کیا ہوا",
    "court.type_order": "حکم جاری ہوا",
    "court.type_hearing": "سماعت ہوئی",
    "court.type_bail_granted": "ضمانت منظور ہوئی",
    "court.type_bail_denied": "ضمانت مسترد ہوئی",
    "court.type_verdict": "فیصلہ سنایا گیا",
    "court.type_sentence": "سزا سنائی گئی",
    "court.occurred": "کب (UTC، مثلاً 2026-03-04T10:00:00Z)",
    "court.record_data": "بیان میں کیا ہے (JSON، جیسا docs/events.md میں ہے)",
    "court.sign": "دستخط کریں اور درج کریں",
    "court.bad_json": "بیان کا متن درست JSON نہیں: {detail}",
    "court.need_key": "پہلے اوپر کلید کے خانے میں عدالت کی دستخطی کلید (court.key) کھولیں۔",
  },
});

const desk = startDesk({ page: "court", allows: (holder) => holder.role === "court", action: "court.action" });
const $ = (id) => document.getElementById(id);

/* What each status line says, kept as a function so that it is said again in the other language;
 * and the last history read (its checks and the sealing key), to draw it again likewise. */
const lines = new Map();
let shown = null;

function say(where, kind, text) {
  lines.set(where, { kind, text });
  $(where).className = kind;
  $(where).textContent = text();
}

async function problemText(response) {
  try {
    const problem = await response.json();
    return problem.detail || problem.title || String(response.status);
  } catch (e) { return String(response.status); }
}

async function readSealKey() {
  const file = $("seal-key").files[0];
  if (!file) { return null; }
  const passphrase = $("seal-passphrase").value;
  $("seal-passphrase").value = "";
  return openSealKey(await file.text(), passphrase);
}

function showData(data) {
  return el("dl", { class: "data" }, Object.entries(data || {}).map(([name, value]) => [
    el("dt", { lang: "en" }, name),
    el("dd", { dir: "auto" }, typeof value === "string" ? value : JSON.stringify(value)),
  ]));
}

async function sealedBox(statement, sealKey) {
  const box = el("div", { class: "sealed" }, el("p", { class: "sealed-title" }, t("court.sealed")));
  if (!sealKey) {
    box.append(el("p", {}, t("court.no_seal_key")));
    return box;
  }
  try {
    const details = await open(statement.sealed, sealKey, sealingContext(statement.type, statement.recorder));
    box.append(el("p", {}, t("court.opened")), showData(details));
    box.dataset.opened = "yes";
  } catch (e) {
    box.append(el("p", { class: "refused" }, t("court.cannot_open", { reason: e.message })));
  }
  return box;
}

async function showEvent({ entry, checked, statement }, sealKey) {
  return el("li", { class: "event", "data-event-id": entry.event_id, "data-verified": checked.ok ? "yes" : "no" },
    el("p", { class: "event-head" },
      el("time", { datetime: statement.occurred_at }, statement.occurred_at), " ",
      el("strong", { lang: "en" }, statement.type), " — ",
      t("court.by", { recorder: statement.recorder })),
    el("p", { class: checked.ok ? "verdict ok" : "verdict bad" }, verdict(checked)),
    showData(statement.data),
    statement.sealed ? await sealedBox(statement, sealKey) : null);
}

async function drawEvents() {
  const items = [];
  for (const item of shown.checked.events) { items.push(await showEvent(item, shown.sealKey)); }
  clear($("events"), items);
}

async function readHistory(event) {
  event.preventDefault();
  const kind = document.querySelector("input[name=kind]:checked").value;
  const subject = $("subject").value.trim();
  const vkey = $("log-key").value.trim();
  $("history").hidden = true;
  shown = null;
  clear($("events"));
  say("status", "working", () => t("court.reading"));
  let sealKey = null;
  try { sealKey = await readSealKey(); } catch (e) { say("status", "refused", () => keyErrorText(e, "sealing")); return; }
  const response = await fetch(`/v1/${kind}/${encodeURIComponent(subject)}/history`, { cache: "no-store" });
  if (response.status === 404) { say("status", "refused", () => t("court.not_found")); return; }
  if (!response.ok) {
    const detail = await problemText(response);
    say("status", "refused", () => t("court.server_said", { detail }));
    return;
  }
  const history = await response.json();
  if (!history.checkpoint) { say("status", "refused", () => t("court.no_checkpoint")); return; }
  const checked = await checkHistory(history, vkey);
  shown = { checked, sealKey };
  await drawEvents();
  const values = { size: checked.size, n: checked.events.length, bad: checked.bad };
  say("checkpoint-line", "hint", () => t(checked.signed ? "court.checkpoint_signed" : "court.checkpoint_unsigned", values));
  $("history").hidden = false;
  say("status", checked.bad ? "refused" : "accepted", () => t(checked.bad ? "court.some_not" : "court.all_verified", values));
}

async function record(event) {
  event.preventDefault();
  const key = desk.key();
  if (!key) { say("court-record-status", "refused", () => t("court.need_key")); return; }
  let data;
  try { data = JSON.parse($("record-data").value); } catch (e) {
    say("court-record-status", "refused", () => t("court.bad_json", { detail: e.message }));
    return;
  }
  say("court-record-status", "working", () => t("form.signing"));
  const draft = { type: $("record-type").value, occurred_at: $("record-occurred").value.trim(), data };
  try {
    const signed = await signAndPost(key, draft);
    $("court-record-status").dataset.event = signed.eventId;
    const values = { id: signed.eventId.slice(0, 16), index: signed.answer.leaf_index };
    say("court-record-status", "accepted", () => t("form.sent", values));
  } catch (e) {
    say("court-record-status", "refused", () => t("form.refused", { detail: e.message }));
  }
}

$("history-form").addEventListener("submit", (event) => {
  readHistory(event).catch((e) => say("status", "refused", () => t("court.server_said", { detail: e.message })));
});
$("court-record-form").addEventListener("submit", (event) => {
  record(event).catch((e) => say("court-record-status", "refused", () => t("form.refused", { detail: e.message })));
});
onLangChange(() => {
  for (const [where, line] of lines) { say(where, line.kind, line.text); }
  if (shown) { drawEvents(); }
});
document.body.dataset.ready = "true";
