// Live progress on the Jobs pages. Without JavaScript a reload shows the same
// (everything lives on the job row); with it, every unfinished run on the page is
// refreshed every 2 s from the status endpoint until it has finished. On a run's
// own page the page reloads once the run has finished, to show its result.
(function () {
  "use strict";
  var script = document.getElementById("jobs-script");
  if (!script || !window.fetch) return;
  var url = script.getAttribute("data-status-url");
  var reloadWhenDone = script.hasAttribute("data-reload-when-done");
  var INTERVAL = 2000;
  var note = document.getElementById("jobs-live-note");
  if (note) note.textContent = "Progress updates automatically.";

  function liveIds() {
    var boxes = document.querySelectorAll("[data-jobrun-live]");
    return Array.prototype.map.call(boxes, function (box) {
      return box.getAttribute("data-jobrun-id");
    });
  }

  function field(box, name) {
    return box.querySelector('[data-field="' + name + '"]');
  }

  function apply(job) {
    var box = document.querySelector('.jobrun-status[data-jobrun-id="' + job.id + '"]');
    if (!box) return;
    var badge = field(box, "status");
    badge.className = "badge " + job.badge;
    badge.textContent = job.status_label;
    var bar = field(box, "bar");
    bar.style.width = job.progress + "%";
    bar.className = "progress-bar" +
      (job.status === "running" ? " progress-bar-striped progress-bar-animated" : "") +
      (job.status === "failed" ? " bg-danger" : "") +
      (job.status === "succeeded" ? " bg-success" : "");
    bar.parentNode.setAttribute("aria-valuenow", job.progress);
    field(box, "message").textContent = job.message;
    var attempt = field(box, "attempt");
    if (attempt) {
      attempt.textContent = job.attempt;
      attempt.classList.toggle("d-none", !job.attempt);
    }
    var error = field(box, "error");
    error.textContent = job.error;
    error.classList.toggle("d-none", !job.error);
    document.querySelectorAll('[data-jobrun-duration="' + job.id + '"]').forEach(
      function (cell) { cell.textContent = job.duration; }
    );
    if (job.finished) {
      box.removeAttribute("data-jobrun-live");
      if (reloadWhenDone) window.location.reload();
    }
  }

  function poll() {
    var ids = liveIds();
    if (!ids.length) return;
    var query = ids.map(function (id) { return "id=" + encodeURIComponent(id); }).join("&");
    fetch(url + "?" + query, {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(function (data) { data.jobs.forEach(apply); })
      .catch(function () { /* keep the last state; try again next tick */ })
      .then(function () { window.setTimeout(poll, INTERVAL); });
  }

  window.setTimeout(poll, INTERVAL);
})();
