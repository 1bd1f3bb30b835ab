// Forms marked data-busy="…" show that the server is working once submitted (imports and
// saves can take a few seconds) and cannot be sent twice.
(function () {
  "use strict";
  document.querySelectorAll("form[data-busy]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.sent) { event.preventDefault(); return; }
      form.dataset.sent = "1";
      var note = document.createElement("div");
      note.className = "busy-note small text-muted mt-2";
      note.setAttribute("role", "status");
      note.innerHTML = '<span class="spinner-border spinner-border-sm me-2" aria-hidden="true"></span>' + form.dataset.busy;
      (form.querySelector(".busy-slot") || form).appendChild(note);
    });
  });
})();
