// The job page polls its job once a second until it has finished, then shows the download
// link or the error. The status line is an aria-live region: screen readers announce it.
(function () {
  "use strict";
  var card = document.getElementById("job");
  if (!card || card.dataset.finished === "1") return;
  var url = card.dataset.progressUrl;
  var bar = document.getElementById("job-bar");
  var meter = document.getElementById("job-meter");
  var lastAnnounced = -1;
  // 数据未全部审核…: the notice the document carries on its first page, then its details.
  function showWarnings(warnings) {
    if (!warnings.length) return;
    document.getElementById("job-warnings-head").textContent = warnings[0];
    var list = document.getElementById("job-warnings-list");
    list.textContent = "";
    warnings.slice(1).forEach(function (text) {
      var item = document.createElement("li");
      item.textContent = text;
      list.appendChild(item);
    });
    document.getElementById("job-warnings").classList.remove("d-none");
  }
  function poll() {
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (job) {
        bar.style.width = job.progress + "%";
        bar.textContent = job.progress + "%";
        meter.setAttribute("aria-valuenow", job.progress);
        // Announce each status change and each step, not every poll.
        if (job.progress !== lastAnnounced || job.finished) {
          document.getElementById("job-status").textContent = job.status_display + "（" + job.progress + "%）";
          lastAnnounced = job.progress;
        }
        if (!job.finished) { setTimeout(poll, 1000); return; }
        bar.classList.remove("progress-bar-striped", "progress-bar-animated");
        if (job.status === "done") {
          // The page as the server draws a finished job: the PDF link and the picture of page 1.
          if (job.has_pdf || job.pdf_error) { window.location.reload(); return; }
          bar.classList.add("bg-success");
          document.getElementById("job-done").classList.remove("d-none");
          showWarnings(job.warnings || []);
        } else {
          bar.classList.add("bg-danger");
          var error = document.getElementById("job-error");
          error.textContent = job.error;
          error.classList.remove("d-none");
          document.getElementById("job-retry").classList.remove("d-none");
        }
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 500);
})();
