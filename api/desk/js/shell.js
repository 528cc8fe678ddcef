/* The desk's page shell: the header (title, pages, language switch) and the key panel.
 *
 * startDesk({ page, keyKind, allows, action }) draws both into #desk-header and #key-panel
 * and returns { onKey(listener), key(), holder() }. keyKind "signing" opens an Ed25519 key
 * (openKey), "sealing" an X25519 one (openSealKey). The key is held in this module's memory
 * only: never written to storage, never sent; closing or reloading the page forgets it. A key
 * the log does not know, a revoked key, or a key whose role `allows(holder)` refuses, is
 * refused in plain words and never handed to the page.
 */

import { el, clear } from "./dom.js";
import { addStrings, lang, onLangChange, setLang, t, translate } from "./i18n.js";
import { KeyError, openKey, openSealKey, whoHolds } from "./keys.js";

addStrings({
  en: {
    "keyerr.not_a_key": "this is not a private key file. It should start with -----BEGIN PRIVATE KEY----- or -----BEGIN ENCRYPTED PRIVATE KEY-----.",
    "keyerr.damaged": "the key file is damaged.",
    "keyerr.unsupported": "this key file is protected in a way the desk cannot open.",
    "keyerr.needs_passphrase": "this key file is protected by a passphrase. Type the passphrase.",
    "keyerr.no_passphrase_needed": "this key file has no passphrase. Leave the passphrase empty.",
    "keyerr.wrong_passphrase": "the passphrase is wrong (or the key file is damaged).",
    "keyerr.wrong_kind_signing": "this is not a signing key. Open the file named after your institution ending in .key, not .seal.key.",
    "keyerr.wrong_kind_sealing": "this is not a sealing key. Open the file ending in .seal.key.",
    "keyerr.server": "the ledger did not answer. Try again in a moment.",
    "keyerr.empty": "choose a key file or paste a key first.",
    "keyerr.other": "the browser could not read this key.",
  },
  ur: {
    "keyerr.not_a_key": "یہ نجی کلید کی فائل نہیں۔ اس کا آغاز -----BEGIN PRIVATE KEY----- یا -----BEGIN ENCRYPTED PRIVATE KEY----- سے ہونا چاہیے۔",
    "keyerr.damaged": "کلید کی فائل خراب ہے۔",
    "keyerr.unsupported": "اس کلید کی فائل کو ایسے طریقے سے محفوظ کیا گیا ہے جو ڈیسک نہیں کھول سکتا۔",
    "keyerr.needs_passphrase": "یہ کلید خفیہ جملے سے محفوظ ہے۔ خفیہ جملہ لکھیں۔",
    "keyerr.no_passphrase_needed": "اس کلید پر کوئی خفیہ جملہ نہیں۔ خفیہ جملے کا خانہ خالی چھوڑ دیں۔",
    "keyerr.wrong_passphrase": "خفیہ جملہ غلط ہے (یا کلید کی فائل خراب ہے)۔",
    "keyerr.wrong_kind_signing": "یہ دستخط کی کلید نہیں۔ اپنے ادارے کے نام والی وہ فائل کھولیں جو .key پر ختم ہوتی ہے، .seal.key والی نہیں۔",
    "keyerr.wrong_kind_sealing": "یہ مہر کی کلید نہیں۔ وہ فائل کھولیں جو .seal.key پر ختم ہوتی ہے۔",
    "keyerr.server": "کھاتے نے جواب نہیں دیا۔ تھوڑی دیر بعد دوبارہ کوشش کریں۔",
    "keyerr.empty": "پہلے کلید کی فائل چنیں یا کلید چسپاں کریں۔",
    "keyerr.other": "براؤزر یہ کلید نہیں پڑھ سکا۔",
  },
});

const PAGES = [
  ["home", "index.html", "nav.home"],
  ["committee", "committee.html", "nav.committee"],
  ["record", "record.html", "nav.record"],
  ["court", "court.html", "nav.court"],
];

function header(page) {
  const nav = el("nav", { "data-i18n-attr": "aria-label:nav.label" },
    el("ul", {}, PAGES.map(([id, href, label]) => el("li", {},
      el("a", { href, "data-i18n": label, "aria-current": id === page ? "page" : null })))));
  const switcher = el("div", { class: "lang-switch", role: "group", "data-i18n-attr": "aria-label:lang.label" },
    ["en", "ur"].map((code) => el("button", {
      type: "button", lang: code, "data-lang": code, "data-i18n": `lang.${code}`,
      onclick: () => setLang(code),
    })));
  return [
    el("div", { class: "brand" },
      el("p", { class: "title", "data-i18n": "desk.title" }),
      el("p", { class: "tagline", "data-i18n": "desk.tagline" })),
    switcher,
    nav,
  ];
}

function roleName(role) {
  const id = `role.${role}`;
  return t(id) === id ? role : t(id);
}

/* The plain-words line for a key's holder, or a refusal; `ok` says which. */
function describe(holder, allows, action) {
  if (holder.status === "unknown") { return { ok: false, text: t("key.unknown") }; }
  const values = { name: holder.name, institution: holder.institution, role: roleName(holder.role) };
  if (holder.status === "revoked") {
    return { ok: false, text: t("key.revoked", { ...values, reason: holder.revocationReason || t("key.no_reason") }) };
  }
  if (allows && !allows(holder)) { return { ok: false, text: t("key.not_allowed", { ...values, action: t(action) }) }; }
  return { ok: true, text: t("key.holds", values) };
}

/* Why a key file did not open, in plain words (a KeyError's code, or the browser's failure). */
export function keyErrorText(error, keyKind) {
  if (error instanceof KeyError) {
    const id = error.code === "wrong_kind" ? `keyerr.wrong_kind_${keyKind}` : `keyerr.${error.code}`;
    return t("key.error", { reason: t(id) });
  }
  return t("key.error", { reason: t("keyerr.other") });
}

export function startDesk({ page, keyKind = "signing", allows = null, action = "" }) {
  setLang(lang());
  const listeners = [];
  let key = null;
  let holder = null;
  let said = null; // what the status line says, kept to redraw it in the other language

  clear(document.getElementById("desk-header"), header(page));
  const panel = document.getElementById("key-panel");
  const file = el("input", { type: "file", id: "key-file", accept: ".key,.pem,text/plain" });
  const paste = el("textarea", { id: "key-text", rows: "3", spellcheck: "false", autocomplete: "off" });
  const passphrase = el("input", { type: "password", id: "key-passphrase", autocomplete: "off" });
  const status = el("p", { id: "key-status", role: "status", "aria-live": "polite", "data-i18n": "key.none" });
  const forget = el("button", { type: "button", id: "key-forget", "data-i18n": "key.forget", hidden: true });

  function show(kind, text) {
    said = { kind, text };
    delete status.dataset.i18n;
    status.className = kind;
    status.textContent = typeof text === "function" ? text() : text;
  }

  function announce() {
    for (const listener of listeners) { listener(key, holder); }
  }

  async function open(event) {
    event.preventDefault();
    key = null;
    holder = null;
    announce();
    let pem = paste.value.trim();
    if (!pem && file.files.length) { pem = await file.files[0].text(); }
    if (!pem) { show("refused", () => t("key.error", { reason: t("keyerr.empty") })); return; }
    show("working", () => t("key.opening"));
    try {
      const opened = keyKind === "sealing" ? await openSealKey(pem, passphrase.value) : await openKey(pem, passphrase.value);
      const found = await whoHolds(opened.keyId);
      const verdict = () => describe(found, allows, action);
      if (!verdict().ok) { show("refused", () => verdict().text); return; }
      key = opened;
      holder = found;
      show("accepted", () => verdict().text);
      forget.hidden = false;
      announce();
    } catch (error) {
      show("refused", () => keyErrorText(error, keyKind));
    } finally {
      passphrase.value = "";
      paste.value = "";
      file.value = "";
    }
  }

  forget.addEventListener("click", () => {
    key = null;
    holder = null;
    forget.hidden = true;
    said = null;
    status.className = "";
    status.dataset.i18n = "key.none";
    translate(panel);
    announce();
  });

  clear(panel,
    el("h2", { id: "key-heading", "data-i18n": "key.heading" }),
    el("p", { class: "hint", "data-i18n": "key.explain" }),
    el("form", { id: "key-form", onsubmit: open },
      el("div", { class: "field" }, el("label", { for: "key-file", "data-i18n": "key.file" }), file),
      el("div", { class: "field" }, el("label", { for: "key-text", "data-i18n": "key.paste" }), paste),
      el("div", { class: "field" }, el("label", { for: "key-passphrase", "data-i18n": "key.passphrase" }), passphrase),
      el("div", { class: "actions" },
        el("button", { type: "submit", id: "key-open", "data-i18n": "key.open" }), forget)),
    status);
  panel.setAttribute("aria-labelledby", "key-heading");
  translate();
  onLangChange(() => { if (said) { show(said.kind, said.text); } });

  return {
    onKey(listener) { listeners.push(listener); },
    key: () => key,
    holder: () => holder,
    roleName,
  };
}
