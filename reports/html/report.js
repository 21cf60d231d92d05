// paylab report: filters by verdict, label and text, and folds case rows.
// No framework, no network: the page works from a file.
(function () {
  "use strict";
  var cases = Array.prototype.slice.call(document.querySelectorAll("tbody.case"));
  var chips = Array.prototype.slice.call(document.querySelectorAll(".chip[data-verdict]"));
  var label = document.getElementById("label-filter");
  var search = document.getElementById("search");
  var shown = document.getElementById("shown");
  var empty = document.getElementById("empty");
  var verdicts = {};

  function apply() {
    var active = Object.keys(verdicts).filter(function (v) { return verdicts[v]; });
    var want = label.value;
    var text = search.value.trim().toLowerCase();
    var n = 0;
    cases.forEach(function (c) {
      var ok = (active.length === 0 || active.indexOf(c.dataset.verdict) >= 0) &&
        (want === "" || (" " + c.dataset.labels + " ").indexOf(" " + want + " ") >= 0) &&
        (text === "" || c.dataset.search.indexOf(text) >= 0);
      c.hidden = !ok;
      if (ok) { n++; }
    });
    shown.textContent = n + " of " + cases.length + " cases";
    empty.hidden = n !== 0;
  }

  function toggle(c, open) {
    var on = open === undefined ? !c.classList.contains("open") : open;
    c.classList.toggle("open", on);
    c.querySelector("tr.row").setAttribute("aria-expanded", on ? "true" : "false");
  }

  chips.forEach(function (b) {
    b.addEventListener("click", function () {
      var v = b.dataset.verdict;
      verdicts[v] = !verdicts[v];
      b.setAttribute("aria-pressed", verdicts[v] ? "true" : "false");
      apply();
    });
  });
  label.addEventListener("change", apply);
  search.addEventListener("input", apply);
  document.getElementById("reset").addEventListener("click", function () {
    verdicts = {};
    chips.forEach(function (b) { b.setAttribute("aria-pressed", "false"); });
    label.value = "";
    search.value = "";
    apply();
  });
  Array.prototype.forEach.call(document.querySelectorAll(".flow-link"), function (a) {
    a.addEventListener("click", function (e) {
      e.preventDefault();
      label.value = a.dataset.label;
      apply();
      document.getElementById("filters").scrollIntoView();
    });
  });
  cases.forEach(function (c) {
    var row = c.querySelector("tr.row");
    row.addEventListener("click", function () { toggle(c); });
    row.addEventListener("keydown", function (e) {
      if (e.key === "Enter" || e.key === " ") { e.preventDefault(); toggle(c); }
    });
  });

  function reveal() {
    var id = decodeURIComponent(location.hash.slice(1));
    var c = id ? document.getElementById(id) : null;
    if (c && c.classList.contains("case")) {
      if (c.hidden) { document.getElementById("reset").click(); }
      toggle(c, true);
      c.scrollIntoView({ block: "center" });
    }
  }
  window.addEventListener("hashchange", reveal);
  reveal();
  apply();
})();
