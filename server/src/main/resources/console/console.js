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

  // Sortable tables: a click on a heading sorts by that column (again: the other way). Cells may
  // carry data-sort (numbers, ranks); empty values go last either way.
  document.querySelectorAll("table.sortable").forEach(function (table) {
    var heads = table.querySelectorAll("thead th");
    heads.forEach(function (th, col) {
      th.classList.add("sort");
      th.setAttribute("tabindex", "0");
      function sort() {
        var numeric = th.getAttribute("data-type") === "num";
        var dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
        heads.forEach(function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        function key(row) {
          var td = row.cells[col];
          var v = td.hasAttribute("data-sort") ? td.getAttribute("data-sort") : td.textContent.trim();
          return numeric ? (v === "" ? null : Number(v)) : (v === "—" ? null : v.toLowerCase());
        }
        rows.sort(function (a, b) {
          var x = key(a);
          var y = key(b);
          if (x === y) { return 0; }
          if (x === null) { return 1; }
          if (y === null) { return -1; }
          return (x < y ? -1 : 1) * dir;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      }
      th.addEventListener("click", sort);
      th.addEventListener("keydown", function (e) {
        if (e.key === "Enter" || e.key === " ") {
          e.preventDefault();
          sort();
        }
      });
    });
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
