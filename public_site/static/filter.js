/* Client-side filtering of the flag table. Without JavaScript the form stays
 * hidden and the whole table (with its summary by rule and status) is shown. */
(function () {
  "use strict";
  var form = document.getElementById("flag-filters");
  var table = document.getElementById("flag-table");
  if (!form || !table) { return; }
  var selects = form.querySelectorAll("select[data-filter]");
  var rows = table.tBodies[0].querySelectorAll("tr[data-rule]");
  var count = document.getElementById("flag-count");
  function apply() {
    var shown = 0;
    rows.forEach(function (row) {
      var ok = true;
      selects.forEach(function (select) {
        var want = select.value, key = select.dataset.filter;
        if (!want) { return; }
        var have = row.dataset[key] || "";
        if (key === "group" ? have.split(" ").indexOf(want) < 0 : have !== want) { ok = false; }
      });
      row.hidden = !ok;
      if (ok) { shown += 1; }
    });
    count.textContent = shown + " / " + rows.length;
  }
  selects.forEach(function (select) { select.addEventListener("change", apply); });
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  form.hidden = false;
  apply();
})();

/* A month of the promises or the cases: show the rows of the group or outcome the page was asked for
 * (?group=…, ?outcome=…, as the counting pages link to it). Without JavaScript the form stays hidden and
 * the whole month is shown. */
(function () {
  "use strict";
  var form = document.getElementById("row-filters");
  var table = document.getElementById("row-table");
  if (!form || !table) { return; }
  var selects = form.querySelectorAll("select[data-filter]");
  var rows = table.tBodies[0].querySelectorAll("tr[data-outcome]");
  var count = document.getElementById("rows-shown");
  var asked = new URLSearchParams(window.location.search);
  selects.forEach(function (select) {
    var want = asked.get(select.dataset.filter);
    if (want && select.querySelector("option[value='" + CSS.escape(want) + "']")) { select.value = want; }
  });
  function apply() {
    var shown = 0;
    rows.forEach(function (row) {
      var ok = true;
      selects.forEach(function (select) {
        var want = select.value, key = select.dataset.filter;
        if (!want) { return; }
        var have = row.dataset[key] || "";
        if (key === "group" ? have.split(" ").indexOf(want) < 0 : have !== want) { ok = false; }
      });
      row.hidden = !ok;
      if (ok) { shown += 1; }
    });
    count.textContent = String(shown).replace(/\B(?=(\d{3})+(?!\d))/g, count.dataset.separator || "");
  }
  selects.forEach(function (select) { select.addEventListener("change", apply); });
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  form.hidden = false;
  apply();
})();
