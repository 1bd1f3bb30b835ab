// Shows the execution, completion and deviation rates while the clerk types. The server's
// rules engine computes them (GET, no data read); this file only asks and displays.
(function () {
  "use strict";
  var form = document.getElementById("return-form");
  if (!form) return;
  var timers = new WeakMap();

  function later(key, fn) {
    clearTimeout(timers.get(key));
    timers.set(key, setTimeout(fn, 250));
  }

  function fetchInto(url, params, cell, after) {
    fetch(url + "?" + new URLSearchParams(params), { credentials: "same-origin" })
      .then(function (r) { return r.text(); })
      .then(function (html) { cell.innerHTML = html; if (after) after(cell); })
      .catch(function () { cell.textContent = ""; });
  }

  function updateMoney(row) {
    var budget = row.querySelector(".money-budget"), spent = row.querySelector(".money-spent");
    fetchInto(form.dataset.executionUrl, { budget: budget.value, spent: spent.value }, row.querySelector(".execution-rate"));
    var forecast = row.querySelector(".money-forecast");  // mid-year: the year's forecast
    if (forecast) fetchInto(form.dataset.executionUrl, { budget: budget.value, spent: forecast.value }, row.querySelector(".forecast-rate"));
  }

  // Mid-year: the light of what is typed, judged by the rules engine with the fund's plan.
  function updateLight(row) {
    var params = {
      target: row.dataset.target, months: form.dataset.months, yellow: form.dataset.yellow,
      actual: row.querySelector(".monitoring-actual").value, forecast: row.querySelector(".monitoring-forecast").value
    };
    fetchInto(form.dataset.lightUrl, params, row.querySelector(".monitoring-light"), function (cell) {
      var flag = cell.querySelector("[data-explain]");
      var explain = flag && flag.dataset.explain === "1";
      var details = row.querySelector(".explain-row details");
      if (details && explain) details.open = true;
      row.querySelectorAll(".explain-row textarea, .explain-row select").forEach(function (box) {
        box.classList.toggle("border-danger", explain && !box.value.trim());
      });
    });
  }

  function updateIndicator(row) {
    var actual = row.querySelector(".indicator-actual"), denominator = row.querySelector(".indicator-denominator");
    var params = { target: row.dataset.target, actual: actual.value, previous: row.dataset.previous || "", denominator: denominator ? denominator.value : "" };
    fetchInto(form.dataset.rateUrl, params, row.querySelector(".indicator-rate"),
      function (cell) {
        var flag = cell.querySelector("[data-explain]");
        var explain = flag && flag.dataset.explain === "1";
        var label = row.querySelector(".reason-label");
        // ≥130% asks why the target was exceeded, not why it was missed.
        if (label) label.textContent = flag && flag.dataset.over === "1" ? "超额完成原因" : "未完成原因";
        row.querySelectorAll("textarea").forEach(function (area) {
          area.classList.toggle("border-danger", explain && !area.value.trim());
          area.placeholder = explain ? "必填：未完成或完成率≥130%" : "";
        });
      });
  }

  var total = form.querySelector("[data-money-total]");

  function updateTotal() {
    if (!total) return;
    var params = new URLSearchParams({ total: "1" });
    form.querySelectorAll(".money-budget").forEach(function (input) { params.append("budget", input.value); });
    form.querySelectorAll(".money-spent").forEach(function (input) { params.append("spent", input.value); });
    form.querySelectorAll(".money-forecast").forEach(function (input) { params.append("forecast", input.value); });
    fetch(form.dataset.executionUrl + "?" + params, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (sums) {
        var cells = { budget: ".total-budget", spent: ".total-spent", rate: ".total-rate",
          forecast: ".total-forecast", forecast_rate: ".total-forecast-rate" };
        Object.keys(cells).forEach(function (key) {
          if (!total.querySelector(cells[key]) || (!sums.error && !(key in sums))) return;
          total.querySelector(cells[key]).textContent = sums.error ? (key === "rate" ? sums.error : "") : sums[key];
        });
      })
      .catch(function () {});
  }

  form.querySelectorAll("[data-money-row]").forEach(function (row) {
    row.addEventListener("input", function () {
      later(row, function () { updateMoney(row); });
      later(total || row, updateTotal);
    });
  });
  // A save conflict: each differing line puts my value or the other person's into the form.
  document.querySelectorAll("[data-conflict-row]").forEach(function (row) {
    row.addEventListener("change", function (event) {
      var field = form.elements[row.dataset.field];
      if (!field || event.target.type !== "radio") return;
      field.value = event.target.value === "theirs" ? row.dataset.theirs : row.dataset.mine;
      field.dispatchEvent(new Event("input", { bubbles: true }));
    });
  });
  form.querySelectorAll("[data-monitoring-row]").forEach(function (row) {
    row.addEventListener("input", function () { later(row, function () { updateLight(row); }); });
  });
  form.querySelectorAll("[data-indicator-row]").forEach(function (row) {
    updateIndicator(row);
    row.addEventListener("input", function () { later(row, function () { updateIndicator(row); }); });
  });
})();
