// Scan page: follow GET /api/v1/scans/{id} and its hosts every second while the scan runs. Values
// from the network (banners, names) go into the page with textContent only.
"use strict";

(function () {
  var scan = document.getElementById("scan");
  if (!scan) {
    return;
  }
  var id = scan.getAttribute("data-scan-id");
  var shown = scan.getAttribute("data-hosts-shown") || "1000";
  var base = "/api/v1/scans/" + encodeURIComponent(id);

  function get(url) {
    return fetch(url, { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) {
        throw new Error("GET " + url + " answered " + r.status);
      }
      return r.json();
    });
  }
  function text(elementId, value) {
    var e = document.getElementById(elementId);
    if (e) {
      e.textContent = value;
    }
  }
  function cell(value, cls) {
    var td = document.createElement("td");
    td.textContent = value == null || value === "" ? "—" : value;
    if (cls) {
      td.className = cls;
    }
    return td;
  }
  // the server's "yyyy-MM-dd HH:mm:ss UTC"
  function fmt(t) {
    return t ? t.replace("T", " ").replace(/\.\d+Z$/, "Z").replace("Z", " UTC") : "—";
  }
  function hintText(h) {
    return h.source + ": " + h.detail + " (" + h.family + ", " + Math.round(h.confidence * 100) + "%)";
  }
  function renderScan(s) {
    scan.setAttribute("data-status", s.status);
    var badge = document.getElementById("scan-status");
    badge.textContent = s.status;
    badge.className = "badge state-" + s.status;
    text("scan-progress", s.done + " of " + s.total + " addresses done, " + s.operations + " network operations");
    var bar = document.getElementById("scan-bar");
    bar.max = Math.max(1, s.total);
    bar.value = s.done;
    text("scan-found", String(s.found));
    text("scan-alive", String(s.alive));
    text("scan-silent", String(s.silent));
    text("scan-failures", String(s.failures));
    text("scan-cancelled", String(s.cancelled));
    text("scan-elapsed", s.elapsed_seconds.toFixed(1) + " s");
    text("scan-bound", s.pacing_bound_seconds.toFixed(1) + " s (the least time the pacing allows)");
    text("scan-finished", fmt(s.finished_at));
    text("scan-summary", s.summary);
  }
  function renderHosts(hosts) {
    var rows = document.createDocumentFragment();
    hosts.forEach(function (h) {
      var tr = document.createElement("tr");
      tr.setAttribute("data-address", h.address);
      tr.appendChild(cell(h.address));
      tr.appendChild(cell(h.name));
      tr.appendChild(cell(h.state, "host-state state-" + h.state));
      tr.appendChild(cell(h.hostname));
      tr.appendChild(cell(h.os_family));
      tr.appendChild(cell((h.open_ports || []).join(", ")));
      var hints = document.createElement("td");
      hints.className = "detail";
      (h.hints || []).forEach(function (x) {
        var d = document.createElement("div");
        d.textContent = hintText(x);
        hints.appendChild(d);
      });
      tr.appendChild(hints);
      tr.appendChild(cell(h.detail, "detail"));
      rows.appendChild(tr);
    });
    document.querySelector("#scan-hosts tbody").replaceChildren(rows);
  }
  function poll() {
    Promise.all([get(base), get(base + "/hosts?limit=" + encodeURIComponent(shown))])
      .then(function (r) {
        renderHosts(r[1].hosts);
        renderScan(r[0]);
        if (r[0].status === "running") {
          setTimeout(poll, 1000);
        } else {
          var cancel = document.getElementById("scan-cancel");
          if (cancel) {
            cancel.remove();
          }
        }
      })
      .catch(function (err) {
        text("scan-progress", String(err.message || err) + "; retrying");
        setTimeout(poll, 3000);
      });
  }
  if (scan.getAttribute("data-status") === "running") {
    setTimeout(poll, 1000);
  }
})();
