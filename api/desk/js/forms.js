/* What every desk form shares: a refusal shown beside the field it names, the result line,
 * and drafts kept in this browser (localStorage) until they are signed. */

import { clear, el } from "./dom.js";
import { t } from "./i18n.js";

/* The element showing problems of `field` ("data.case", "occurred_at" …) in `form`: the
 * field's own slot, else its parent's ("data.bail" for "data.bail.amount"), else the form's. */
function slotFor(form, field) {
  for (let name = field; name; name = name.includes(".") || name.includes("[") ? name.replace(/(\.[^.[]*|\[\d+\])$/, "") : "") {
    const slot = form.querySelector(`[data-error-for="${CSS.escape(name)}"]`);
    if (slot) { return slot; }
  }
  return null;
}

export function clearProblems(form) {
  for (const slot of form.querySelectorAll("[data-error-for]")) { slot.textContent = ""; }
  for (const input of form.querySelectorAll("[aria-invalid]")) { input.removeAttribute("aria-invalid"); }
}

/* Show `message` beside `field`; returns true when the field has a place in this form. */
export function showProblem(form, field, message) {
  const slot = field ? slotFor(form, field) : null;
  if (!slot) { return false; }
  slot.textContent = message;
  const input = form.querySelector(`[aria-describedby~="${CSS.escape(slot.id)}"]`);
  if (input) {
    input.setAttribute("aria-invalid", "true");
    input.focus();
  }
  return true;
}

/* A field's label, input and the slot for its problems, tied together for screen readers. */
export function field(name, labelText, input, hint = null) {
  const id = `f-${name.replace(/[^A-Za-z0-9_-]/g, "-")}`;
  input.id = id;
  const errorId = `${id}-error`;
  const hintId = hint ? `${id}-hint` : null;
  input.setAttribute("aria-describedby", [hintId, errorId].filter(Boolean).join(" "));
  input.dataset.field = name;
  return el("div", { class: "field" },
    el("label", { for: id }, labelText),
    hint ? el("p", { class: "hint", id: hintId }, hint) : null,
    input,
    el("p", { class: "problem", id: errorId, "data-error-for": name, role: "alert" }));
}

/* Say how a signing went in `line`: the recorded event, or the refusal (beside its field). */
export function report(form, line, outcome) {
  line.className = outcome.ok ? "accepted" : "refused";
  if (outcome.ok) {
    clear(line, t("form.sent", { id: outcome.eventId.slice(0, 16), index: outcome.answer.leaf_index }));
    return;
  }
  const problem = outcome.error.problem || { detail: outcome.error.message };
  const detail = problem.detail || problem.title || outcome.error.message;
  const placed = showProblem(form, problem.field, detail);
  clear(line, placed ? t("form.fix_fields") : t("form.refused", { detail }));
}

const DRAFTS = "desk.drafts";

function drafts() {
  try { return JSON.parse(localStorage.getItem(DRAFTS) || "{}"); } catch (e) { return {}; }
}

export function saveDraft(name, values) {
  const all = drafts();
  all[name] = values;
  localStorage.setItem(DRAFTS, JSON.stringify(all));
}

export function loadDraft(name) {
  return drafts()[name] || null;
}

export function dropDraft(name) {
  const all = drafts();
  delete all[name];
  localStorage.setItem(DRAFTS, JSON.stringify(all));
}
