/* The court's desk: a case's or a person's whole history, checked and unsealed in this browser.
 *
 * The server sends the history (api/routes/cases.py) with a proof per event
 * and the signed checkpoint. Nothing it says is shown as true before it is
 * checked here: each statement's exact bytes come from the log's entry
 * bundles, and proof.js checks its event id, its inclusion proof and the
 * checkpoint's signature with the log key the court typed in. What is shown
 * is read from those checked bytes. Sealed details are opened with hpke.js
 * and the court's X25519 key, read from a file the court picks: neither the
 * key nor what it opens is ever sent anywhere. Orders, hearings and verdicts
 * are signed here and sent by sign.js. */

import { checkInclusion, leafFromBundle, parseNote, tilePath } from "./proof.js";
import { importSealKey, open, sealingContext } from "./hpke.js";

const STRINGS = {
  en: {
    brand: "Ceasefire Ledger", title: "Court desk", language: "Language",
    lede: "Read every statement about a case or a person, from every institution, in the order the log holds them. Your browser checks each one against the signed checkpoint, and opens sealed personal details with your key. Your key and what it opens never leave this computer.",
    whatLegend: "What to read", kindCase: "A case", kindPerson: "A person", subject: "Case number or person",
    keysLegend: "Your keys", logKey: "The log's public key (the line in log.vkey, as the charter gives it)",
    sealKey: "The court's sealing key file (court.seal.key), to open sealed details",
    passphrase: "Its passphrase, if it has one", read: "Read and check", historyHeading: "History",
    recordHeading: "Record an order, a hearing or a verdict",
    recordLede: "The statement is signed here with the court's signing key and then sent. The key stays on this computer.",
    recordType: "What happened", typeOrder: "An order was issued", typeHearing: "A hearing was held",
    typeBailGranted: "Bail was granted", typeBailDenied: "Bail was denied", typeVerdict: "A verdict was delivered",
    typeSentence: "A sentence was imposed", occurred: "When (UTC, for example 2026-03-04T10:00:00Z)",
    recordData: "What the statement says (JSON, as in docs/events.md)", signKey: "The court's signing key file (court.key)",
    sign: "Sign and record", other: "اردو", otherLang: "ur",
    reading: "Reading and checking…", notFound: "The ledger has nothing under this name.",
    serverSaid: "The server refused: ", noCheckpoint: "The ledger has no signed checkpoint yet, so nothing can be checked.",
    allVerified: (n) => `All ${n} statements are in the signed log.`,
    someNot: (bad, n) => `${bad} of ${n} statements could not be checked: do not rely on them.`,
    checkpoint: (size, signed) => `Checked against the checkpoint of ${size} statements` + (signed ? ", signed by the log key." : ": its signature does NOT verify with this log key."),
    verified: "In the signed log", notVerified: "NOT verified",
    whyNot: { signed: "the checkpoint's signature does not verify with the log key", idOk: "the statement does not have this event id", sizeOk: "the proof is for another checkpoint", rootOk: "the proof does not lead to the signed root" },
    by: "recorded by", sealed: "Sealed details", opened: "Opened with your key:", noKey: "Sealed. Give the court's sealing key above to open it.",
    cannotOpen: "Could not open: ", badLogKey: "The log key is not a valid key line: ", badSealKey: "The sealing key could not be read: ",
    badJson: "What the statement says is not valid JSON: ", signing: "Signing…", recorded: (id) => `Recorded as event ${id}.`,
    needSignKey: "Pick the court's signing key file first.", refused: "Not recorded: ", noSigning: "Signing in the browser is not installed on this desk.",
    notCourtKey: "This key is not an active key of the court, as the log records it: nothing was sent.",
  },
  ur: {
    brand: "سیز فائر لیجر", title: "عدالت کی میز", language: "زبان",
    lede: "کسی مقدمے یا کسی فرد کے بارے میں ہر ادارے کا ہر بیان اسی ترتیب سے پڑھیں جس میں وہ لاگ میں درج ہے۔ آپ کا براؤزر ہر بیان کو دستخط شدہ چیک پوائنٹ سے جانچتا ہے، اور مہر بند ذاتی تفصیلات آپ کی کلید سے کھولتا ہے۔ آپ کی کلید اور جو کچھ وہ کھولتی ہے، اس کمپیوٹر سے باہر نہیں جاتا۔",
    whatLegend: "کیا پڑھنا ہے", kindCase: "مقدمہ", kindPerson: "فرد", subject: "مقدمہ نمبر یا فرد",
    keysLegend: "آپ کی کلیدیں", logKey: "لاگ کی عوامی کلید (log.vkey کی سطر، جیسی منشور میں ہے)",
    sealKey: "عدالت کی مہر کلید کی فائل (court.seal.key)، مہر بند تفصیلات کھولنے کے لیے",
    passphrase: "اس کا پاس فریز، اگر ہو", read: "پڑھیں اور جانچیں", historyHeading: "تاریخچہ",
    recordHeading: "حکم، سماعت یا فیصلہ درج کریں",
    recordLede: "بیان پر یہیں عدالت کی دستخطی کلید سے دستخط ہوتے ہیں، پھر اسے بھیجا جاتا ہے۔ کلید اسی کمپیوٹر پر رہتی ہے۔",
    recordType: "کیا ہوا", typeOrder: "حکم جاری ہوا", typeHearing: "سماعت ہوئی",
    typeBailGranted: "ضمانت منظور ہوئی", typeBailDenied: "ضمانت مسترد ہوئی", typeVerdict: "فیصلہ سنایا گیا",
    typeSentence: "سزا سنائی گئی", occurred: "کب (UTC، مثلاً 2026-03-04T10:00:00Z)",
    recordData: "بیان میں کیا ہے (JSON، جیسا docs/events.md میں ہے)", signKey: "عدالت کی دستخطی کلید کی فائل (court.key)",
    sign: "دستخط کریں اور درج کریں", other: "English", otherLang: "en",
    reading: "پڑھا اور جانچا جا رہا ہے…", notFound: "لیجر میں اس نام سے کچھ درج نہیں۔",
    serverSaid: "سرور نے انکار کیا: ", noCheckpoint: "لیجر کا ابھی کوئی دستخط شدہ چیک پوائنٹ نہیں، اس لیے کچھ جانچا نہیں جا سکتا۔",
    allVerified: (n) => `تمام ${n} بیانات دستخط شدہ لاگ میں موجود ہیں۔`,
    someNot: (bad, n) => `${n} میں سے ${bad} بیانات جانچے نہ جا سکے: ان پر بھروسا نہ کریں۔`,
    checkpoint: (size, signed) => `${size} بیانات والے چیک پوائنٹ سے جانچا گیا` + (signed ? "، جس پر لاگ کی کلید کے دستخط ہیں۔" : "؛ اس کے دستخط اس لاگ کلید سے درست ثابت نہیں ہوتے۔"),
    verified: "دستخط شدہ لاگ میں موجود", notVerified: "تصدیق نہیں ہوئی",
    whyNot: { signed: "چیک پوائنٹ کے دستخط لاگ کی کلید سے درست ثابت نہیں ہوتے", idOk: "بیان کی شناخت مختلف ہے", sizeOk: "ثبوت کسی اور چیک پوائنٹ کا ہے", rootOk: "ثبوت دستخط شدہ جڑ تک نہیں پہنچتا" },
    by: "درج کنندہ", sealed: "مہر بند تفصیلات", opened: "آپ کی کلید سے کھولی گئیں:", noKey: "مہر بند۔ کھولنے کے لیے اوپر عدالت کی مہر کلید دیں۔",
    cannotOpen: "کھل نہ سکیں: ", badLogKey: "لاگ کی کلید درست سطر نہیں: ", badSealKey: "مہر کلید پڑھی نہ جا سکی: ",
    badJson: "بیان کا متن درست JSON نہیں: ", signing: "دستخط ہو رہے ہیں…", recorded: (id) => `واقعہ ${id} کے طور پر درج ہو گیا۔`,
    needSignKey: "پہلے عدالت کی دستخطی کلید کی فائل چنیں۔", refused: "درج نہیں ہوا: ", noSigning: "اس میز پر براؤزر میں دستخط کی سہولت نصب نہیں۔",
    notCourtKey: "لاگ کے مطابق یہ کلید عدالت کی فعال کلید نہیں: کچھ نہیں بھیجا گیا۔",
  },
};

const params = new URLSearchParams(window.location.search);
const lang = params.get("lang") === "ur" ? "ur" : "en";
const t = STRINGS[lang];
const $ = (id) => document.getElementById(id);

function translatePage() {
  document.documentElement.lang = lang;
  document.documentElement.dir = lang === "ur" ? "rtl" : "ltr";
  document.title = `${t.title} — ${t.brand}`;
  for (const el of document.querySelectorAll("[data-text]")) { el.textContent = t[el.dataset.text]; }
  for (const el of document.querySelectorAll("[data-label]")) { el.setAttribute("aria-label", t[el.dataset.label]); }
  const other = $("other-language");
  other.textContent = t.other;
  other.lang = t.otherLang;
  other.hreflang = t.otherLang;
  other.href = `court.html?lang=${t.otherLang}`;
}

function say(where, text, state) {
  const el = $(where);
  el.textContent = text;
  el.dataset.state = state;
}

function element(tag, className, text) {
  const el = document.createElement(tag);
  if (className) { el.className = className; }
  if (text !== undefined) { el.textContent = text; }
  return el;
}

async function problemText(response) {
  try {
    const problem = await response.json();
    return problem.detail || problem.title || String(response.status);
  } catch (e) { return String(response.status); }
}

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

async function readSealKey() {
  const file = $("seal-key").files[0];
  if (!file) { return null; }
  const pem = await file.text(), passphrase = $("seal-passphrase").value;
  if (passphrase) {
    const keys = await import("./keys.js");
    return keys.openSealKey(pem, passphrase);
  }
  return importSealKey(pem);
}

function showData(data) {
  const list = element("dl", "data");
  for (const [name, value] of Object.entries(data || {})) {
    list.append(element("dt", "", name));
    const dd = element("dd", "", typeof value === "string" ? value : JSON.stringify(value));
    dd.dir = "auto";
    list.append(dd);
  }
  return list;
}

async function showEvent(entry, checked, leaf, sealKey) {
  const item = element("li", "event");
  item.dataset.eventId = entry.event_id;
  item.dataset.verified = checked.ok ? "yes" : "no";
  const statement = leaf || entry;
  const head = element("p", "event-head");
  const time = element("time", "", statement.occurred_at);
  time.dateTime = statement.occurred_at;
  head.append(time, " ", element("strong", "", statement.type), ` — ${t.by} `, element("span", "recorder", statement.recorder));
  const badge = element("p", checked.ok ? "badge ok" : "badge bad", checked.ok ? `✓ ${t.verified}` : `✗ ${t.notVerified}`);
  if (!checked.ok) {
    const why = Object.keys(t.whyNot).filter((k) => !checked[k]).map((k) => t.whyNot[k]);
    badge.textContent += ": " + why.join("; ");
  }
  item.append(head, badge, showData(statement.data));
  if (statement.sealed) {
    const box = element("div", "sealed");
    box.append(element("p", "sealed-title", t.sealed));
    if (!sealKey) {
      box.append(element("p", "", t.noKey));
    } else {
      try {
        const details = await open(statement.sealed, sealKey, sealingContext(statement.type, statement.recorder));
        box.append(element("p", "", t.opened), showData(details));
        box.dataset.opened = "yes";
      } catch (e) {
        box.append(element("p", "bad", t.cannotOpen + e.message));
      }
    }
    item.append(box);
  }
  return item;
}

async function readHistory(event) {
  event.preventDefault();
  const kind = document.querySelector("input[name=kind]:checked").value;
  const subject = $("subject").value.trim();
  const vkey = $("log-key").value.trim();
  $("history").hidden = true;
  $("events").textContent = "";
  say("status", t.reading, "working");
  let sealKey = null;
  try { sealKey = await readSealKey(); } catch (e) { say("status", t.badSealKey + e.message, "invalid"); return; }
  const response = await fetch(`/v1/${kind}/${encodeURIComponent(subject)}/history`, { cache: "no-store" });
  if (response.status === 404) { say("status", t.notFound, "invalid"); return; }
  if (!response.ok) { say("status", t.serverSaid + (await problemText(response)), "invalid"); return; }
  const history = await response.json();
  if (!history.checkpoint) { say("status", t.noCheckpoint, "invalid"); return; }
  const fetchTile = bundleReader();
  let bad = 0, signed = false, size = 0;
  try { size = parseNote(history.checkpoint).size; } catch (e) { size = 0; }
  for (const entry of history.events) {
    let leafText = "", leaf = null;
    const proof = entry.proof;
    try {
      if (proof && proof.tree_size === size) { leafText = await leafFromBundle(fetchTile, proof.leaf_index, size); }
    } catch (e) { leafText = ""; }
    const checked = await checkInclusion({ noteText: history.checkpoint, vkey, eventId: entry.event_id, leafText, proof });
    signed = checked.signed;
    if (checked.ok) { leaf = JSON.parse(leafText); } else { bad += 1; }
    $("events").append(await showEvent(entry, checked, leaf, sealKey));
  }
  $("checkpoint-line").textContent = t.checkpoint(size, signed);
  $("history").hidden = false;
  const n = history.events.length;
  if (bad) { say("status", t.someNot(bad, n), "invalid"); } else { say("status", t.allVerified(n), "valid"); }
}

async function record(event) {
  event.preventDefault();
  const file = $("sign-key").files[0];
  if (!file) { say("record-status", t.needSignKey, "invalid"); return; }
  let data;
  try { data = JSON.parse($("record-data").value); } catch (e) { say("record-status", t.badJson + e.message, "invalid"); return; }
  say("record-status", t.signing, "working");
  let keys, sign;
  try {
    keys = await import("./keys.js");
    sign = await import("./sign.js");
  } catch (e) { say("record-status", t.noSigning, "invalid"); return; }
  try {
    const key = await keys.openKey(await file.text(), $("sign-passphrase").value);
    const holder = await keys.whoHolds(key.keyId);
    if (!holder || holder.role !== "court" || holder.status !== "active") {
      say("record-status", t.notCourtKey, "invalid");
      return;
    }
    const draft = { type: $("record-type").value, recorder: holder.institution, occurred_at: $("record-occurred").value.trim(), data };
    const answer = await sign.signAndPost(key, draft);
    say("record-status", t.recorded(answer.event_id), "valid");
  } catch (e) {
    say("record-status", t.refused + (e.detail || e.message), "invalid");
  }
}

translatePage();
$("history-form").addEventListener("submit", (event) => {
  readHistory(event).catch((e) => say("status", t.serverSaid + e.message, "invalid"));
});
$("record-form").addEventListener("submit", (event) => {
  record(event).catch((e) => say("record-status", t.refused + e.message, "invalid"));
});
