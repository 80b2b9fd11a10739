// perfmetrics console: the few things a page does after it has loaded. No inline scripts (the
// Content-Security-Policy forbids them), nothing loaded from anywhere but this appliance.
"use strict";

(function () {
  function csrf() {
    var m = document.querySelector('meta[name="csrf-token"]');
    return m ? m.getAttribute("content") : "";
  }
  window.perfmetrics = { csrf: csrf };

  // A confirmation before destructive buttons (undeploy, remove).
  document.addEventListener("submit", function (e) {
    var b = e.submitter;
    if (b && b.classList.contains("danger") && !window.perfmetricsNoConfirm) {
      if (!window.confirm(b.textContent.trim() + "?")) {
        e.preventDefault();
      }
    }
  });

  // Job page: follow GET /api/v1/deployments/{id} until the job ends.
  var job = document.getElementById("job");
  if (!job) {
    return;
  }
  var id = job.getAttribute("data-job-id");
  function cell(text, cls) {
    var td = document.createElement("td");
    td.textContent = text == null ? "—" : text;
    if (cls) {
      td.className = cls;
    }
    return td;
  }
  function fmt(t) {
    return t ? t.replace("T", " ").replace(/\.\d+Z$/, "Z").replace("Z", " UTC") : "—";
  }
  function render(j) {
    document.getElementById("job-state").textContent = j.state;
    document.getElementById("job-progress").textContent =
      j.done + " of " + j.total + " hosts done, " + j.failed + " failed";
    var bar = document.getElementById("job-bar");
    bar.max = Math.max(1, j.total);
    bar.value = j.done;
    job.setAttribute("data-state", j.state);
    var body = document.querySelector("#job-hosts tbody");
    var rows = document.createDocumentFragment();
    j.hosts.forEach(function (h) {
      var tr = document.createElement("tr");
      tr.setAttribute("data-target-id", h.target_id);
      tr.appendChild(cell(String(h.target_id)));
      tr.appendChild(cell(h.address));
      tr.appendChild(cell(h.state));
      tr.appendChild(cell(h.outcome, "outcome outcome-" + (h.outcome || "")));
      tr.appendChild(cell(h.detail, "detail"));
      tr.appendChild(cell(fmt(h.finished_at)));
      rows.appendChild(tr);
    });
    body.replaceChildren(rows);
  }
  function poll() {
    fetch("/api/v1/deployments/" + encodeURIComponent(id), { credentials: "same-origin" })
      .then(function (r) {
        if (!r.ok) {
          throw new Error("GET /api/v1/deployments/" + id + " answered " + r.status);
        }
        return r.json();
      })
      .then(function (j) {
        render(j);
        if (j.state === "running") {
          setTimeout(poll, 1000);
        } else {
          var cancel = job.querySelector("form");
          if (cancel) {
            cancel.remove();
          }
        }
      })
      .catch(function (err) {
        document.getElementById("job-progress").textContent = String(err.message || err) + "; retrying";
        setTimeout(poll, 3000);
      });
  }
  if (job.getAttribute("data-state") === "running") {
    poll();
  }
})();
