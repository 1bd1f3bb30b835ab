// Small behaviours shared by the pages, kept out of the markup so that the
// Content-Security-Policy can forbid inline scripts and event handlers.
(function () {
  "use strict";
  // <input type="checkbox" data-select-all="ids">: ticks or clears every checkbox named ids.
  document.querySelectorAll("[data-select-all]").forEach(function (box) {
    box.addEventListener("change", function () {
      var name = box.dataset.selectAll;
      document.querySelectorAll('input[type="checkbox"][name="' + name + '"]').forEach(function (c) {
        c.checked = box.checked;
      });
    });
  });
  // <button data-history-back>: back to the page before (error pages).
  document.querySelectorAll("[data-history-back]").forEach(function (button) {
    button.addEventListener("click", function () { window.history.back(); });
  });
})();
