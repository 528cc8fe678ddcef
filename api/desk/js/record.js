/* The recorders' page: one form for each event type the key's role may record, made from
 * the vocabulary's JSON Schema (GET /v1/schema, what `ledger schema` prints), with the
 * fields, descriptions and rules of docs/events.md. Personal details are sealed in this page
 * before signing. Unsent drafts stay in this browser (localStorage) until they are signed. */

import { clear, el } from "./dom.js";
import { clearProblems, dropDraft, field, loadDraft, report, saveDraft } from "./forms.js";
import { addStrings, onLangChange, t } from "./i18n.js";
import { startDesk } from "./shell.js";
import { signAndPost } from "./sign.js";

addStrings({
  en: {
    "record.action": "record events (no event type is open to this role)",
    "record.heading": "Record an event",
    "record.type": "What happened (event type)",
    "record.choose": "Choose…",
    "record.need_key": "Open your institution's key above: the form shows the events your role may record.",
    "record.rules": "Rules the ledger checks",
    "record.occurred_at": "When it happened (Pakistan time)",
    "record.schema_unreadable": "The forms could not be loaded: {detail}",
  },
  ur: {
    "record.action": "واقعات درج کرنا (اس حیثیت کے لیے کوئی قسم کھلی نہیں)",
    "record.heading": "واقعہ درج کریں",
    "record.type": "کیا ہوا (واقعے کی قسم)",
    "record.choose": "چنیں…",
    "record.need_key": "اوپر اپنے ادارے کی کلید کھولیں: فارم میں وہی واقعات آئیں گے جو آپ کی حیثیت درج کر سکتی ہے۔",
    "record.rules": "وہ قواعد جو کھاتہ جانچتا ہے",
    "record.occurred_at": "یہ کب ہوا (پاکستان کا وقت)",
    "record.schema_unreadable": "فارم نہیں کھل سکے: {detail}",
  },
});

const LIST_SEALED = /(persons|witnesses|participants)$/;
const PAKISTAN = "+05:00";
let schema = null;

function typesFor(role) {
  return Object.entries(schema["x-event-types"]).filter(([, facts]) => facts.roles.includes(role)).map(([name]) => name).sort();
}

const desk = startDesk({
  page: "record",
  allows: (holder) => !schema || typesFor(holder.role).length > 0,
  action: "record.action",
});

/* A field's name as words: "id_number" → "Id number". */
function words(name) {
  const spaced = name.replace(/_/g, " ");
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}

function shapeOf(property) {
  const options = property.anyOf ? property.anyOf.filter((p) => p.type !== "null") : [property];
  const nullable = Boolean(property.anyOf && property.anyOf.some((p) => p.type === "null"));
  const shape = options.length === 1 ? options[0] : { type: "string" };
  return { ...shape, nullable };
}

function inputFor(shape) {
  if (shape.enum) { return el("select", {}, el("option", { value: "" }, "—"), shape.enum.map((v) => el("option", { value: v }, v))); }
  if (shape.type === "boolean") {
    return el("select", {}, el("option", { value: "" }, t("form.unknown")), el("option", { value: "true" }, t("form.yes")), el("option", { value: "false" }, t("form.no")));
  }
  if (shape.type === "integer" || shape.type === "number") { return el("input", { type: "number", step: shape.type === "integer" ? "1" : "any" }); }
  if (shape.type === "array" || (shape.type === "string" && (shape.maxLength || 0) > 200) || shape.type === "object" || shape.$ref) {
    return el("textarea", { rows: "3" });
  }
  return el("input", { type: "text" });
}

function valueOf(shape, raw) {
  const text = raw.trim();
  if (text === "") { return undefined; }
  if (shape.enum) { return text; }
  if (shape.type === "boolean") { return text === "true"; }
  if (shape.type === "integer" || shape.type === "number") { return Number(text); }
  if (shape.type === "array") { return text.split("\n").map((line) => line.trim()).filter(Boolean); }
  if (shape.type === "object" || shape.$ref) {
    try { return JSON.parse(text); } catch (e) { return text; }
  }
  return text;
}

function toUtc(local) {
  if (!local) { return ""; }
  const moment = new Date(`${local.length === 16 ? `${local}:00` : local}${PAKISTAN}`);
  return Number.isNaN(moment.getTime()) ? local : moment.toISOString().replace(/\.\d{3}Z$/, "Z");
}

function buildForm(type) {
  const facts = schema["x-event-types"][type];
  const model = schema.$defs[facts.data.$ref.split("/").pop()];
  const required = new Set(model.required || []);
  const inputs = [];
  const occurred = el("input", { type: "datetime-local", step: "1" });
  const refs = el("textarea", { rows: "2" });
  const line = el("p", { class: "result", role: "status", id: "record-result" });
  const publicFields = Object.entries(model.properties).map(([name, property]) => {
    const shape = shapeOf(property);
    const input = inputFor(shape);
    inputs.push({ name, shape, input, place: "data" });
    const label = `${property.title || words(name)}${required.has(name) ? "" : ` ${t("form.optional")}`}`;
    const hint = [property.description, shape.type === "array" ? t("form.list_hint") : null].filter(Boolean).join(" ");
    return field(`data.${name}`, label, input, hint || null);
  });
  const sealedFields = facts.sealed_fields.map((name) => {
    const input = el("textarea", { rows: "2" });
    inputs.push({ name, shape: { type: LIST_SEALED.test(name) ? "array" : "string" }, input, place: "sealed" });
    return field(`sealed.${name}`, words(name), input, LIST_SEALED.test(name) ? t("form.list_hint") : null);
  });
  const form = el("form", { id: "record-form", "data-type": type, novalidate: true },
    el("p", { class: "summary", lang: "en" }, facts.summary),
    facts.rules ? el("details", {}, el("summary", {}, t("record.rules")), el("p", { lang: "en" }, facts.rules)) : null,
    field("occurred_at", t("record.occurred_at"), occurred),
    el("div", { class: "fields", lang: "en" }, publicFields),
    sealedFields.length ? el("fieldset", { class: "sealed" }, el("legend", {}, t("form.sealed_heading")), el("div", { lang: "en" }, sealedFields)) : null,
    field("refs", t("form.refs"), refs),
    el("div", { class: "actions" },
      el("button", { type: "submit" }, t("form.sign")),
      el("button", { type: "button", class: "secondary", onclick: () => { dropDraft(type); showForm(type); } }, t("draft.discard"))),
    line);

  const all = [...inputs.map((i) => [`${i.place}.${i.name}`, i.input]), ["occurred_at", occurred], ["refs", refs]];
  const draft = loadDraft(type);
  if (draft) {
    for (const [name, input] of all) { if (name in draft) { input.value = draft[name]; } }
    line.textContent = t("draft.restored");
  }
  form.addEventListener("input", () => {
    saveDraft(type, Object.fromEntries(all.map(([name, input]) => [name, input.value])));
    line.className = "";
    line.textContent = t("draft.saved");
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearProblems(form);
    const key = desk.key();
    if (!key) { line.textContent = t("form.need_key"); return; }
    const statement = { type, occurred_at: toUtc(occurred.value), data: {}, sealed: {}, refs: refs.value.split("\n").map((r) => r.trim()).filter(Boolean) };
    for (const { name, shape, input, place } of inputs) {
      const value = valueOf(shape, input.value);
      if (value !== undefined) { statement[place][name] = value; }
    }
    line.className = "";
    line.textContent = t("form.signing");
    try {
      const signed = await signAndPost(key, statement);
      dropDraft(type);
      for (const [, input] of all) { input.value = ""; }
      report(form, line, { ok: true, ...signed });
      line.dataset.event = signed.eventId;
    } catch (error) {
      report(form, line, { ok: false, error });
    }
  });
  return form;
}

function showForm(type) {
  const place = document.getElementById("record-place");
  clear(place, type ? buildForm(type) : null);
}

function drawChooser() {
  const place = document.getElementById("record-chooser");
  const holder = desk.holder();
  if (!schema) { return; }
  if (!holder) {
    clear(place, el("p", { class: "hint" }, t("record.need_key")));
    clear(document.getElementById("record-place"));
    return;
  }
  const select = el("select", { id: "record-type" }, el("option", { value: "" }, t("record.choose")),
    typesFor(holder.role).map((type) => el("option", { value: type }, `${schema["x-event-types"][type].summary} (${type})`)));
  select.addEventListener("change", () => showForm(select.value));
  clear(place, el("div", { class: "field" }, el("label", { for: "record-type" }, t("record.type")), select));
  showForm("");
}

desk.onKey(drawChooser);
onLangChange(() => {
  const chosen = document.getElementById("record-type")?.value;
  drawChooser();
  if (chosen) {
    document.getElementById("record-type").value = chosen;
    showForm(chosen);
  }
});

fetch("/v1/schema", { headers: { Accept: "application/json" } }).then(async (answer) => {
  const body = await answer.json();
  if (!answer.ok) {
    clear(document.getElementById("record-chooser"), el("p", { class: "refused" }, t("record.schema_unreadable", { detail: body.detail || answer.status })));
    return;
  }
  schema = body;
  drawChooser();
  document.body.dataset.ready = "true";
});
