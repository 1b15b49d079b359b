(function () {
  "use strict";
  var form = document.getElementById("row-filter");
  if (!form) return;
  var account = document.getElementById("filter-account");
  var ou = document.getElementById("filter-ou");
  var cluster = document.getElementById("filter-cluster"); // a Kubernetes cluster's rows carry data-account="k8s:<name>"
  var note = document.getElementById("filter-hidden");
  var rows = document.querySelectorAll("tr[data-account]");
  var KEY = "nhi-assurance-filter";
  function keep(row) {
    var a = account.value, o = ou ? ou.value : "", rowOu = row.getAttribute("data-ou") || "";
    var rowAccount = row.getAttribute("data-account");
    if (rowAccount === "*") return true; // no single account's row (a rule evaluated nowhere, a probe target)
    var c = cluster ? cluster.value : "";
    return (!a || rowAccount === a) && (!c || rowAccount === c) && (!o || rowOu === o || rowOu.indexOf(o + "/") === 0);
  }
  function apply() {
    var hidden = 0;
    rows.forEach(function (row) {
      row.hidden = !keep(row);
      if (row.hidden) hidden += 1;
    });
    document.querySelectorAll("tr.grp").forEach(function (head) {
      var next = head.nextElementSibling, shown = false;
      while (next && !next.classList.contains("grp") && !shown) {
        shown = next.hasAttribute("data-account") && !next.hidden;
        next = next.nextElementSibling;
      }
      head.hidden = !shown;
    });
    note.textContent = hidden ? hidden + " of " + rows.length + " rows on this page hidden by the filter" : "";
    try {
      sessionStorage.setItem(KEY, JSON.stringify([account.value, ou ? ou.value : "", cluster ? cluster.value : ""]));
    } catch (e) { /* storage may be off for file:// pages: the filter still works on this page */ }
  }
  function choose(select, value) {
    if (select && Array.prototype.some.call(select.options, function (o) { return o.value === value; })) {
      select.value = value;
    }
  }
  try {
    var saved = JSON.parse(sessionStorage.getItem(KEY) || "[]");
    choose(account, saved[0] || "");
    choose(ou, saved[1] || "");
    choose(cluster, saved[2] || "");
  } catch (e) { /* nothing saved */ }
  form.hidden = false;
  form.addEventListener("change", apply);
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  apply();
})();
