// The Content-Security-Policy forbids inline event handlers; django-import-export's export
// page has one (the "select all" toggle). This binds the same function the handler names.
(function () {
  "use strict";
  document.querySelectorAll("input.select-toggle").forEach(function (box) {
    box.addEventListener("change", function (event) {
      if (typeof window.onSelectToggleChange === "function") window.onSelectToggleChange(event);
    });
  });
})();
