/* The committee's page: the queue of flagged releases, each flag's case history, the rule and
 * the law it cites and what is missing; and the committee's steps on it (ask for an
 * explanation by a due date, record a finding, which closes the flag; asking again reopens
 * it), each a statement signed in this page with the committee's key. Every statement of a
 * case history is checked in this page by history.js (as on the court's page) against the
 * signed checkpoint, with the log key the committee types in, and read from the checked
 * bytes; one that does not verify is shown as NOT verified, with the reason. */

import { clear, el } from "./dom.js";
import { clearProblems, field, report } from "./forms.js";
import { checkHistory, verdict } from "./history.js";
import { addStrings, lang, onLangChange, t, when } from "./i18n.js";
import { startDesk } from "./shell.js";
import { signAndPost, utcNow } from "./sign.js";

addStrings({
  en: {
    "committee.action": "act as the citizens' committee",
    "queue.heading": "Flagged releases",
    "queue.as_of": "As the ledger records it at position {size}, judged at {when}.",
    "queue.filters": "Show only",
    "queue.rule": "Rule",
    "queue.group": "Group",
    "queue.status": "Status",
    "queue.age": "Age",
    "queue.any": "All",
    "queue.age_7": "Older than a week",
    "queue.age_30": "Older than a month",
    "queue.age_90": "Older than three months",
    "queue.overdue_only": "Only overdue explanations",
    "queue.count": "Flags shown: {shown} of {total}.",
    "queue.overdue": "Explanations overdue: {count}.",
    "queue.none": "No flag matches.",
    "queue.loading": "Reading the queue…",
    "queue.unreadable": "The queue could not be read: {detail}",
    "status.open": "Open: no explanation asked yet",
    "status.explanation_requested": "Explanation requested",
    "status.explanation_given": "Explanation given",
    "status.finding_recorded": "Finding recorded: closed",
    "flag.overdue": "Overdue",
    "flag.person": "Person {person}, case {case}",
    "flag.released": "Flagged event on {when}",
    "flag.what": "What happened",
    "flag.law": "The law",
    "flag.missing": "What is missing",
    "flag.groups": "Groups",
    "flag.finding": "Finding",
    "flag.requests": "Explanations asked",
    "flag.request_line": "{to} was asked on {asked}, answer due {due}",
    "flag.history": "The case's whole history, across institutions",
    "flag.history_as_of": "Every event as the log holds it, each checked in this browser with its proof of inclusion against the signed checkpoint of size {size}.",
    "flag.history_bad": "{bad} of {n} events could not be checked: do not rely on them.",
    "flag.log_key_hint": "Each event of a flag's case history is checked in this browser against the signed checkpoint with this key. Without it nothing is shown as verified.",
    "flag.history_unreadable": "The history could not be read: {detail}",
    "flag.event_by": "recorded by {recorder}",
    "flag.sealed": "personal details sealed",
    "flag.close": "Back to the queue",
    "act.heading": "What the committee does",
    "act.need_key": "Open the committee's key above to act on this flag.",
    "request.heading": "Ask for an explanation",
    "request.reopen_heading": "Reopen: ask again for an explanation",
    "request.addressed_to": "Ask whom",
    "request.questions": "Questions",
    "request.due": "Answer due by (date)",
    "request.send": "Sign and send the request",
    "finding.heading": "Record the committee's finding (closes the flag)",
    "finding.finding": "Finding",
    "finding.explained": "Explained",
    "finding.unexplained": "Unexplained",
    "finding.unlawful": "Unlawful",
    "finding.referred": "Referred to another authority",
    "finding.summary": "Summary of the reasons",
    "finding.send": "Sign and record the finding",
  },
  ur: {
    "committee.action": "شہری کمیٹی کی حیثیت سے کام",
    "queue.heading": "نشان زدہ رہائیاں",
    "queue.as_of": "جیسا کہ کھاتے میں مقام {size} تک درج ہے، {when} کے وقت کے مطابق۔",
    "queue.filters": "صرف یہ دکھائیں",
    "queue.rule": "قاعدہ",
    "queue.group": "گروہ",
    "queue.status": "کیفیت",
    "queue.age": "مدت",
    "queue.any": "سب",
    "queue.age_7": "ایک ہفتے سے پرانی",
    "queue.age_30": "ایک مہینے سے پرانی",
    "queue.age_90": "تین مہینے سے پرانی",
    "queue.overdue_only": "صرف وہ وضاحتیں جن کی مدت گزر چکی",
    "queue.count": "{total} میں سے {shown} نشانات دکھائے گئے۔",
    "queue.overdue": "جن وضاحتوں کی مدت گزر چکی: {count}۔",
    "queue.none": "کوئی نشان ان شرائط پر پورا نہیں اترتا۔",
    "queue.loading": "فہرست پڑھی جا رہی ہے…",
    "queue.unreadable": "فہرست نہیں پڑھی جا سکی: {detail}",
    "status.open": "کھلا: ابھی وضاحت طلب نہیں کی گئی",
    "status.explanation_requested": "وضاحت طلب کی گئی",
    "status.explanation_given": "وضاحت دی گئی",
    "status.finding_recorded": "فیصلہ درج: بند",
    "flag.overdue": "مدت گزر گئی",
    "flag.person": "فرد {person}، مقدمہ {case}",
    "flag.released": "نشان زدہ واقعہ {when} کو",
    "flag.what": "کیا ہوا",
    "flag.law": "قانون",
    "flag.missing": "کیا کمی ہے",
    "flag.groups": "گروہ",
    "flag.finding": "فیصلہ",
    "flag.requests": "طلب کی گئی وضاحتیں",
    "flag.request_line": "{to} سے {asked} کو پوچھا گیا، جواب کی آخری تاریخ {due}",
    "flag.history": "تمام اداروں میں اس مقدمے کی پوری تاریخ",
    "flag.history_as_of": "ہر واقعہ جیسا کھاتے میں درج ہے، ہر ایک اسی براؤزر میں سائز {size} کے دستخط شدہ چیک پوائنٹ کے مقابل شمولیت کے ثبوت سے جانچا گیا۔",
    "flag.history_bad": "{n} میں سے {bad} واقعات جانچے نہ جا سکے: ان پر بھروسا نہ کریں۔",
    "flag.log_key_hint": "نشان کے مقدمے کی تاریخ کا ہر واقعہ اسی براؤزر میں اس کلید سے دستخط شدہ چیک پوائنٹ کے مقابل جانچا جاتا ہے۔ اس کے بغیر کچھ بھی تصدیق شدہ نہیں دکھایا جاتا۔",
    "flag.history_unreadable": "تاریخ نہیں پڑھی جا سکی: {detail}",
    "flag.event_by": "درج کنندہ: {recorder}",
    "flag.sealed": "ذاتی تفصیلات سربمہر",
    "flag.close": "فہرست پر واپس",
    "act.heading": "کمیٹی کیا کرتی ہے",
    "act.need_key": "اس نشان پر کارروائی کے لیے اوپر کمیٹی کی کلید کھولیں۔",
    "request.heading": "وضاحت طلب کریں",
    "request.reopen_heading": "دوبارہ کھولیں: پھر سے وضاحت طلب کریں",
    "request.addressed_to": "کس سے پوچھنا ہے",
    "request.questions": "سوالات",
    "request.due": "جواب کی آخری تاریخ",
    "request.send": "درخواست پر دستخط کر کے بھیجیں",
    "finding.heading": "کمیٹی کا فیصلہ درج کریں (اس سے نشان بند ہو جاتا ہے)",
    "finding.finding": "فیصلہ",
    "finding.explained": "وضاحت ہو گئی",
    "finding.unexplained": "وضاحت نہیں ہوئی",
    "finding.unlawful": "غیر قانونی",
    "finding.referred": "کسی اور ادارے کو بھیجا گیا",
    "finding.summary": "وجوہات کا خلاصہ",
    "finding.send": "فیصلے پر دستخط کر کے درج کریں",
  },
});

const STATUSES = ["open", "explanation_requested", "explanation_given", "finding_recorded"];
const FINDINGS = ["explained", "unexplained", "unlawful", "referred"];
const DAY = 86400000;

const desk = startDesk({ page: "committee", allows: (holder) => holder.role === "committee", action: "committee.action" });
const state = { queue: null, selected: null, history: null, checked: null, notice: null, lastEvent: null };
const logKey = document.getElementById("log-key");

const filters = {
  rule: document.getElementById("filter-rule"),
  group: document.getElementById("filter-group"),
  status: document.getElementById("filter-status"),
  age: document.getElementById("filter-age"),
  overdue: document.getElementById("filter-overdue"),
};

function options(select, values, label) {
  const chosen = select.value;
  clear(select, el("option", { value: "" }, t("queue.any")), values.map((v) => el("option", { value: v }, label(v))));
  select.value = values.includes(chosen) ? chosen : "";
}

function matches(flag, now) {
  if (filters.rule.value && flag.rule !== filters.rule.value) { return false; }
  if (filters.group.value && !flag.groups.includes(filters.group.value)) { return false; }
  if (filters.status.value && flag.status !== filters.status.value) { return false; }
  if (filters.age.value && now - Date.parse(flag.occurred_at) < Number(filters.age.value) * DAY) { return false; }
  if (filters.overdue.checked && !flag.overdue) { return false; }
  return true;
}

function drawQueue() {
  const queue = state.queue;
  const list = document.getElementById("flags");
  if (!queue) { return; }
  options(filters.rule, [...new Set(queue.flags.map((f) => f.rule))].sort(), (r) => r);
  options(filters.group, queue.groups, (g) => g);
  options(filters.status, STATUSES, (s) => t(`status.${s}`));
  for (const option of filters.age.options) { option.textContent = t(option.value ? `queue.age_${option.value}` : "queue.any"); }
  const now = Date.parse(queue.as_of);
  const shown = queue.flags.filter((f) => matches(f, now));
  clear(document.getElementById("queue-as-of"), t("queue.as_of", { size: queue.tree_size, when: when(queue.as_of) }));
  clear(document.getElementById("queue-count"), t("queue.count", { shown: shown.length, total: queue.flags.length }));
  clear(document.getElementById("queue-overdue"), t("queue.overdue", { count: new Set(queue.flags.filter((f) => f.overdue).map((f) => f.subject_event)).size }));
  clear(list, shown.length ? shown.map((flag) => el("li", { class: flag.overdue ? "flag overdue" : "flag" },
    el("button", { type: "button", class: "flag-open", "data-flag": flag.flag, onclick: () => select(flag.flag) },
      el("span", { class: "flag-what", lang: "en" }, flag.description),
      el("span", { class: "flag-who" }, t("flag.person", { person: flag.person || "—", case: flag.case || "—" })),
      el("span", { class: "flag-when" }, t("flag.released", { when: when(flag.occurred_at) })),
      el("span", { class: `status status-${flag.status}` }, t(`status.${flag.status}`)),
      flag.overdue ? el("span", { class: "badge" }, t("flag.overdue")) : null))) : el("li", {}, t("queue.none")));
}

async function loadQueue() {
  const line = document.getElementById("queue-count");
  clear(line, t("queue.loading"));
  const answer = await fetch("/v1/desk/queue", { headers: { Accept: "application/json" } });
  const body = await answer.json();
  if (!answer.ok) { clear(line, t("queue.unreadable", { detail: body.detail || answer.status })); return; }
  state.queue = body;
  drawQueue();
  if (state.selected) { await select(state.selected); }
}

function drawHistory(section) {
  const history = state.history;
  if (!history) { return; }
  if (history.error) { section.append(el("p", { class: "refused" }, t("flag.history_unreadable", { detail: history.error }))); return; }
  const checked = state.checked;
  section.append(el("p", { class: "hint" }, t("flag.history_as_of", { size: checked.size })));
  if (checked.bad) { section.append(el("p", { class: "refused", id: "history-bad" }, t("flag.history_bad", { bad: checked.bad, n: checked.events.length }))); }
  section.append(
    el("ol", { class: "history" }, checked.events.map(({ entry, checked: check, statement }) => el("li", {
      "data-event-id": entry.event_id, "data-verified": check.ok ? "yes" : "no",
    },
    el("span", { class: "event-type", lang: "en" }, statement.type),
    " ",
    el("time", { datetime: statement.occurred_at }, when(statement.occurred_at)),
    " — ",
    t("flag.event_by", { recorder: statement.recorder }),
    statement.sealed ? el("span", { class: "badge" }, t("flag.sealed")) : null,
    el("span", { class: check.ok ? "verdict ok" : "verdict bad" }, verdict(check)),
    el("code", { class: "event-id" }, entry.event_id.slice(0, 16))))));
}

/* The selected flag's history checked again with the log key as it now reads. */
async function checkSelected() {
  state.checked = state.history && !state.history.error ? await checkHistory(state.history, logKey.value.trim()) : null;
}

function requestForm(flag) {
  const reopening = flag.status === "finding_recorded";
  const institutions = state.queue.institutions.filter((i) => i !== desk.holder()?.institution);
  const addressed = el("select", {}, institutions.map((i) => el("option", { value: i }, i)));
  addressed.value = institutions.includes("police") ? "police" : institutions[0];
  const questions = el("textarea", { rows: "3", required: true });
  const due = el("input", { type: "date", required: true, value: new Date(Date.now() + 14 * DAY).toISOString().slice(0, 10) });
  const line = el("p", { class: "result", role: "status" });
  const form = el("form", { id: "request-form", class: "act" },
    el("h3", {}, t(reopening ? "request.reopen_heading" : "request.heading")),
    field("data.addressed_to", t("request.addressed_to"), addressed),
    field("data.questions", t("request.questions"), questions),
    field("data.due", t("request.due"), due),
    el("button", { type: "submit" }, t("request.send")),
    line);
  form.addEventListener("submit", (event) => act(event, form, line, {
    type: "explanation.requested",
    data: { subject: flag.subject_event, addressed_to: addressed.value, questions: questions.value.trim(), due: `${due.value}T23:59:59Z` },
  }));
  return form;
}

function findingForm(flag) {
  const finding = el("select", {}, FINDINGS.map((f) => el("option", { value: f }, t(`finding.${f}`))));
  const summary = el("textarea", { rows: "3", required: true });
  const line = el("p", { class: "result", role: "status" });
  const form = el("form", { id: "finding-form", class: "act" },
    el("h3", {}, t("finding.heading")),
    field("data.finding", t("finding.finding"), finding),
    field("data.summary", t("finding.summary"), summary),
    el("button", { type: "submit" }, t("finding.send")),
    line);
  form.addEventListener("submit", (event) => act(event, form, line, {
    type: "audit.finding_recorded",
    data: { subject: flag.subject_event, finding: finding.value, summary: summary.value.trim() },
  }));
  return form;
}

async function act(event, form, line, draft) {
  event.preventDefault();
  clearProblems(form);
  const key = desk.key();
  if (!key) { clear(line, t("form.need_key")); return; }
  clear(line, t("form.signing"));
  const now = utcNow();
  let signed;
  try {
    signed = await signAndPost(key, { ...draft, occurred_at: now, recorded_at: now });
  } catch (error) {
    report(form, line, { ok: false, error });
    return;
  }
  state.notice = t("form.sent", { id: signed.eventId.slice(0, 16), index: signed.answer.leaf_index });
  state.lastEvent = signed.eventId;
  await loadQueue();
}

async function select(flagId, fetchHistory = true) {
  const flag = state.queue.flags.find((f) => f.flag === flagId);
  state.selected = flagId;
  if (fetchHistory || !state.history) {
    state.history = null;
    if (flag.case) {
      const answer = await fetch(`/v1/cases/${encodeURIComponent(flag.case)}/history`, { headers: { Accept: "application/json" } });
      const body = await answer.json();
      state.history = answer.ok ? body : { error: body.detail || answer.status };
    }
    await checkSelected();
  }
  drawFlag(flag);
}

function drawFlag(flag) {
  const section = document.getElementById("flag-detail");
  section.hidden = false;
  const facts = [
    ["flag.what", flag.description],
    ["flag.law", flag.law],
    ["flag.missing", flag.evidence?.missing],
    ["flag.groups", flag.groups.join(", ")],
    ["queue.status", t(`status.${flag.status}`)],
    ["flag.finding", flag.finding ? t(`finding.${flag.finding}`) : null],
  ].filter(([, value]) => value);
  clear(section,
    el("h2", { id: "flag-heading", tabindex: "-1" }, t("flag.person", { person: flag.person || "—", case: flag.case || "—" })),
    el("p", {}, el("code", { lang: "en" }, flag.rule), flag.overdue ? el("span", { class: "badge" }, t("flag.overdue")) : null),
    el("dl", { class: "facts" }, facts.map(([label, value]) => [el("dt", {}, t(label)), el("dd", { lang: label === "queue.status" || label === "flag.finding" ? null : "en" }, value)])),
    flag.requests.length ? [el("h3", {}, t("flag.requests")), el("ul", {}, flag.requests.map((r) => el("li", { class: r === flag.requests[flag.requests.length - 1] && flag.overdue ? "overdue" : null },
      t("flag.request_line", { to: r.addressed_to, asked: when(r.occurred_at), due: when(r.due) }))))] : null,
    el("h3", {}, t("flag.history")));
  drawHistory(section);
  section.append(el("h3", {}, t("act.heading")));
  if (state.notice) {
    section.append(el("p", { id: "act-result", class: "accepted", role: "status", "data-event": state.lastEvent }, state.notice));
    state.notice = null;
  }
  if (!desk.key()) {
    section.append(el("p", { class: "hint" }, t("act.need_key")));
  } else {
    section.append(el("div", { class: "acts" }, requestForm(flag), flag.status === "finding_recorded" ? null : findingForm(flag)));
  }
  section.append(el("p", {}, el("a", { href: "#queue-heading", onclick: () => { section.hidden = true; state.selected = null; } }, t("flag.close"))));
  document.getElementById("flag-heading").focus();
}

for (const control of Object.values(filters)) { control.addEventListener("change", drawQueue); }
logKey.addEventListener("change", async () => {
  if (!state.selected) { return; }
  await checkSelected();
  drawFlag(state.queue.flags.find((f) => f.flag === state.selected));
});
desk.onKey(() => { if (state.selected) { drawFlag(state.queue.flags.find((f) => f.flag === state.selected)); } });
onLangChange(() => {
  drawQueue();
  if (state.selected) { drawFlag(state.queue.flags.find((f) => f.flag === state.selected)); }
});
document.documentElement.dataset.lang = lang();
loadQueue().then(() => { document.body.dataset.ready = "true"; });
