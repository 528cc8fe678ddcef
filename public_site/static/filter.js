/* Client-side filtering of tables. Without JavaScript each form stays hidden and the whole table is shown.
 *
 * A month of the promises, the cases or a table of flags: the form starts with the values the page was asked
 * for (?group=…, ?outcome=…, ?rule=…, as the pages that count them link to it); without JavaScript
 * the whole month is shown, each row naming its groups and the rest. */
(function () {
  "use strict";
  /* Show the rows whose data attributes match every chosen value (a row's groups are a list); call
   * ``shown`` with how many are shown, now and whenever a choice changes. */
  function filter(form, rows, shown) {
    var selects = form.querySelectorAll("select[data-filter]");
    function apply() {
      var count = 0;
      rows.forEach(function (row) {
        var ok = true;
        selects.forEach(function (select) {
          var want = select.value, key = select.dataset.filter;
          if (!want) { return; }
          var have = row.dataset[key] || "";
          if (key === "group" ? have.split(" ").indexOf(want) < 0 : have !== want) { ok = false; }
        });
        row.hidden = !ok;
        if (ok) { count += 1; }
      });
      shown(count);
    }
    selects.forEach(function (select) { select.addEventListener("change", apply); });
    form.addEventListener("submit", function (event) { event.preventDefault(); });
    form.hidden = false;
    apply();
  }

  var month = document.getElementById("row-filters");
  var monthTable = document.getElementById("row-table");
  if (month && monthTable) {
    var asked = new URLSearchParams(window.location.search);
    month.querySelectorAll("select[data-filter]").forEach(function (select) {
      var want = asked.get(select.dataset.filter);
      if (want && select.querySelector("option[value='" + CSS.escape(want) + "']")) { select.value = want; }
    });
    var rowsShown = document.getElementById("rows-shown");
    filter(month, monthTable.tBodies[0].querySelectorAll("tr[data-group]"), function (count) {
      rowsShown.textContent = String(count).replace(/\B(?=(\d{3})+(?!\d))/g, rowsShown.dataset.separator || "");
    });
  }
})();
