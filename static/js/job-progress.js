// Follows a running job on its page: polls ?format=json, moves the progress bar, and reloads the page
// when the job ends so the server draws the result (or the error and "Try again"). Without JavaScript
// the page refreshes itself (<noscript> meta refresh).
(function () {
  "use strict";
  var panel = document.querySelector("[data-job-poll]");
  if (!panel) { return; }
  var url = panel.getAttribute("data-job-poll");
  var every = Number(panel.getAttribute("data-poll-ms")) || 1000;
  var bar = panel.querySelector("progress");
  var count = panel.querySelector("[data-job-count]");
  var percent = panel.querySelector("[data-job-percent]");
  var badge = panel.querySelector("[data-job-status] .badge");
  var labels = { queued: "Queued", running: "Running", succeeded: "Succeeded", failed: "Failed" };
  var failures = 0;

  function number(n) { return Number(n).toLocaleString("en-US"); }

  function draw(job) {
    if (job.total) {
      var done = Math.min(job.done, job.total);
      bar.max = job.total;
      bar.value = done;
      var pct = Math.floor(done * 100 / job.total);
      bar.textContent = pct + " %";
      count.textContent = number(job.done) + " of " + number(job.total);
      percent.textContent = pct + " %";
    } else {
      bar.removeAttribute("value");  // indeterminate while the total is unknown
      count.textContent = number(job.done) + " done";
      percent.textContent = "";
    }
    if (badge && labels[job.status]) { badge.textContent = labels[job.status]; }
    panel.setAttribute("data-status", job.status);
  }

  function poll() {
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (job) {
        failures = 0;
        draw(job);
        if (job.status === "succeeded" || job.status === "failed") {
          window.location.reload();
        } else {
          window.setTimeout(poll, every);
        }
      })
      .catch(function () {
        failures += 1;  // a restart or a network blip: back off, keep following
        window.setTimeout(poll, Math.min(every * Math.pow(2, failures), 30000));
      });
  }

  window.setTimeout(poll, every);
}());
