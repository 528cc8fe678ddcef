/* The desk's two languages: English, and Urdu written right to left.
 *
 * Every piece of text a page shows has an id; t(id, values) gives it in the chosen
 * language, with {name} filled in. Elements marked data-i18n="id" are filled in when the
 * language changes; data-i18n-attr="placeholder:id aria-label:id" fills attributes. Another
 * page (the court's) adds its own strings with addStrings({ en: {...}, ur: {...} }). The
 * choice is remembered in this browser (localStorage "desk.lang"); nothing else is.
 */

const STORE = "desk.lang";
const LANGS = { en: "ltr", ur: "rtl" };
const strings = { en: {}, ur: {} };
const listeners = [];

export function addStrings(more) {
  for (const lang of Object.keys(LANGS)) { Object.assign(strings[lang], more[lang] || {}); }
}

/* Ids that have English text and no Urdu: a test holds this empty for every page. */
export function untranslated() {
  return Object.keys(strings.en).filter((id) => !strings.ur[id]);
}

export function lang() {
  const chosen = localStorage.getItem(STORE);
  return chosen in LANGS ? chosen : "en";
}

export function t(id, values = {}) {
  const text = strings[lang()][id] ?? strings.en[id] ?? id;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
}

export function translate(root = document) {
  for (const el of root.querySelectorAll("[data-i18n]")) { el.textContent = t(el.dataset.i18n); }
  for (const el of root.querySelectorAll("[data-i18n-attr]")) {
    for (const pair of el.dataset.i18nAttr.split(/\s+/)) {
      const [attr, id] = pair.split(":");
      el.setAttribute(attr, t(id));
    }
  }
}

export function setLang(chosen) {
  localStorage.setItem(STORE, chosen in LANGS ? chosen : "en");
  document.documentElement.lang = lang();
  document.documentElement.dir = LANGS[lang()];
  translate();
  for (const listener of listeners) { listener(lang()); }
}

export function onLangChange(listener) {
  listeners.push(listener);
}

/* A date and time for people: the reader's language, in Pakistan's time (the ledger keeps UTC). */
export function when(utc) {
  if (!utc) { return ""; }
  return new Intl.DateTimeFormat(lang() === "ur" ? "ur-PK" : "en-GB", {
    dateStyle: "medium", timeStyle: "short", timeZone: "Asia/Karachi",
  }).format(new Date(utc));
}

addStrings({
  en: {
    "desk.title": "Ceasefire Ledger desk",
    "skip": "Skip to the page",
    "desk.tagline": "Sign and send statements to the ledger. Your key never leaves this page.",
    "nav.label": "Desk pages",
    "nav.home": "Start",
    "nav.committee": "Committee: flagged releases",
    "nav.record": "Record an event",
    "nav.court": "Court: case histories",
    "lang.label": "Language",
    "lang.en": "English",
    "lang.ur": "اردو",
    "key.heading": "Your key",
    "key.explain": "Open your institution's key file, or paste it. The key stays in this page: it is never sent. Only its fingerprint goes to the ledger, to ask who holds it.",
    "key.file": "Key file",
    "key.paste": "Or paste the key",
    "key.passphrase": "Passphrase (only if your key has one)",
    "key.open": "Open key",
    "key.forget": "Forget key",
    "key.opening": "Opening the key…",
    "key.none": "No key is open.",
    "key.holds": "This key belongs to {name} ({institution}), recorded in the ledger as: {role}. The key is active.",
    "key.unknown": "The ledger does not know this key. It was never registered, so nothing signed with it would be accepted. Check that you opened your institution's key.",
    "key.revoked": "This key was revoked ({reason}). It belonged to {name}. Nothing signed with it is accepted any more. Ask the committee for a new key.",
    "key.not_allowed": "This key belongs to {name}, recorded as: {role}. That role may not do this: {action}.",
    "key.error": "The key could not be opened: {reason}",
    "key.no_reason": "no reason given",
    "role.committee": "citizens' committee",
    "role.police": "police",
    "role.prosecutor": "prosecutor",
    "role.court": "court",
    "role.interrupters": "violence interrupters",
    "home.heading": "What do you want to do?",
    "home.committee": "The committee audits flagged releases: asks for explanations, records findings.",
    "home.record": "Police, prosecutors and the court registry record what happened, one signed statement at a time.",
    "home.court": "The court reads a case's whole history and opens sealed personal details with its own key.",
    "form.sign": "Sign and send",
    "form.signing": "Signing and sending…",
    "form.sent": "Signed and recorded. Event {id}, position {index} in the log.",
    "form.refused": "The ledger refused this statement: {detail}",
    "form.fix_fields": "Please correct the marked fields.",
    "form.required": "This is needed.",
    "form.pattern": "This is not written the way the ledger expects.",
    "form.need_key": "Open your key first.",
    "form.occurred_at": "When it happened",
    "form.refs": "Earlier events this refers to (event ids, one a line)",
    "form.optional": "(optional)",
    "form.yes": "yes",
    "form.no": "no",
    "form.unknown": "not known",
    "form.list_hint": "One a line.",
    "form.sealed_heading": "Personal details (sealed: only the court, the committee and your institution can read them)",
    "draft.saved": "Draft kept in this browser.",
    "draft.restored": "Your unsent draft was restored.",
    "draft.discard": "Discard draft",
  },
  ur: {
    "desk.title": "جنگ بندی کھاتہ — ڈیسک",
    "skip": "صفحے کے مواد پر جائیں",
    "desk.tagline": "کھاتے میں دستخط شدہ بیانات درج کریں۔ آپ کی کلید اس صفحے سے باہر کبھی نہیں جاتی۔",
    "nav.label": "ڈیسک کے صفحات",
    "nav.home": "آغاز",
    "nav.committee": "کمیٹی: نشان زدہ رہائیاں",
    "nav.record": "واقعہ درج کریں",
    "nav.court": "عدالت: مقدمات کی تاریخ",
    "lang.label": "زبان",
    "lang.en": "English",
    "lang.ur": "اردو",
    "key.heading": "آپ کی کلید",
    "key.explain": "اپنے ادارے کی کلید کی فائل کھولیں، یا اسے یہاں چسپاں کریں۔ کلید اسی صفحے میں رہتی ہے، کہیں بھیجی نہیں جاتی۔ صرف اس کا شناختی نشان کھاتے کو بھیجا جاتا ہے تاکہ معلوم ہو کہ یہ کس کی ہے۔",
    "key.file": "کلید کی فائل",
    "key.paste": "یا کلید یہاں چسپاں کریں",
    "key.passphrase": "خفیہ جملہ (صرف اگر آپ کی کلید پر ہو)",
    "key.open": "کلید کھولیں",
    "key.forget": "کلید بند کریں",
    "key.opening": "کلید کھولی جا رہی ہے…",
    "key.none": "کوئی کلید کھلی نہیں۔",
    "key.holds": "یہ کلید {name} ({institution}) کی ہے، جو کھاتے میں اس حیثیت سے درج ہے: {role}۔ کلید فعال ہے۔",
    "key.unknown": "کھاتہ اس کلید کو نہیں پہچانتا۔ یہ کبھی درج نہیں ہوئی، اس لیے اس سے دستخط شدہ کوئی بیان قبول نہیں ہوگا۔ دیکھ لیں کہ آپ نے اپنے ادارے کی کلید کھولی ہے۔",
    "key.revoked": "یہ کلید منسوخ کی جا چکی ہے ({reason})۔ یہ {name} کی تھی۔ اس سے دستخط شدہ کوئی بیان اب قبول نہیں ہوتا۔ نئی کلید کے لیے کمیٹی سے رجوع کریں۔",
    "key.not_allowed": "یہ کلید {name} کی ہے، جو اس حیثیت سے درج ہے: {role}۔ اس حیثیت کو یہ کام کرنے کی اجازت نہیں: {action}۔",
    "key.error": "کلید نہیں کھل سکی: {reason}",
    "key.no_reason": "کوئی وجہ درج نہیں",
    "role.committee": "شہری کمیٹی",
    "role.police": "پولیس",
    "role.prosecutor": "استغاثہ",
    "role.court": "عدالت",
    "role.interrupters": "تشدد روکنے والے کارکن",
    "home.heading": "آپ کیا کرنا چاہتے ہیں؟",
    "home.committee": "کمیٹی نشان زدہ رہائیوں کی جانچ کرتی ہے: وضاحت طلب کرتی ہے اور اپنا فیصلہ درج کرتی ہے۔",
    "home.record": "پولیس، استغاثہ اور عدالت کا رجسٹرار جو ہوا اسے درج کرتے ہیں، ہر بار ایک دستخط شدہ بیان۔",
    "home.court": "عدالت کسی مقدمے کی پوری تاریخ پڑھتی ہے اور اپنی کلید سے سربمہر ذاتی تفصیلات کھولتی ہے۔",
    "form.sign": "دستخط کر کے بھیجیں",
    "form.signing": "دستخط کر کے بھیجا جا رہا ہے…",
    "form.sent": "دستخط ہو گئے اور درج ہو گیا۔ واقعہ {id}، کھاتے میں مقام {index}۔",
    "form.refused": "کھاتے نے یہ بیان قبول نہیں کیا: {detail}",
    "form.fix_fields": "براہ کرم نشان زدہ خانے درست کریں۔",
    "form.required": "یہ ضروری ہے۔",
    "form.pattern": "یہ اس طرح نہیں لکھا گیا جیسے کھاتہ چاہتا ہے۔",
    "form.need_key": "پہلے اپنی کلید کھولیں۔",
    "form.occurred_at": "یہ کب ہوا",
    "form.refs": "پہلے کے واقعات جن کا یہ حوالہ دیتا ہے (واقعے کی شناخت، ہر سطر میں ایک)",
    "form.optional": "(اختیاری)",
    "form.yes": "ہاں",
    "form.no": "نہیں",
    "form.unknown": "معلوم نہیں",
    "form.list_hint": "ہر سطر میں ایک۔",
    "form.sealed_heading": "ذاتی تفصیلات (سربمہر: صرف عدالت، کمیٹی اور آپ کا ادارہ پڑھ سکتے ہیں)",
    "draft.saved": "مسودہ اسی براؤزر میں محفوظ ہے۔",
    "draft.restored": "آپ کا نہ بھیجا گیا مسودہ واپس لایا گیا۔",
    "draft.discard": "مسودہ ختم کریں",
  },
});
