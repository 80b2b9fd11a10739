// Collector page: CPU and memory over time, drawn with Chart.js (served from its webjar).
"use strict";

(function () {
  var box = document.getElementById("charts");
  if (!box || typeof Chart === "undefined") {
    var s = document.getElementById("chart-status");
    if (s) {
      s.textContent = "The chart library did not load.";
    }
    return;
  }
  var id = box.getAttribute("data-collector-id");
  var from = box.getAttribute("data-from");
  var status = document.getElementById("chart-status");
  function samples(metric) {
    var url = "/api/v1/collectors/" + encodeURIComponent(id) + "/samples?metric=" + encodeURIComponent(metric) +
      "&from=" + encodeURIComponent(from) + "&limit=100000";
    return fetch(url, { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) {
        throw new Error("GET " + url + " answered " + r.status);
      }
      return r.json();
    }).then(function (j) {
      return j.samples;
    });
  }
  // hh:mm, or hh:mm:ss when the samples span less than an hour
  function label(ts, seconds) {
    var d = new Date(ts * 1000);
    return d.toISOString().substring(11, seconds ? 19 : 16);
  }
  function draw(canvas, datasets) {
    var pts = datasets[0].data;
    var seconds = pts.length > 1 && pts[pts.length - 1].x - pts[0].x < 3600;
    return new Chart(canvas, {
      type: "line",
      data: { datasets: datasets },
      options: {
        animation: false,
        parsing: false,
        normalized: true,
        responsive: true,
        maintainAspectRatio: false,
        scales: {
          x: { type: "linear", ticks: { callback: function (v) { return label(v, seconds); }, maxTicksLimit: 8 } },
          y: { beginAtZero: true }
        },
        plugins: { legend: { display: datasets.length > 1 } },
        elements: { point: { radius: 0 } }
      }
    });
  }
  var loaded = 0;
  document.querySelectorAll("#charts canvas").forEach(function (canvas) {
    var metric = canvas.getAttribute("data-metric");
    var total = canvas.getAttribute("data-total-metric");
    var scale = Number(canvas.getAttribute("data-scale") || "1");
    var wanted = [samples(metric)];
    if (total) {
      wanted.push(samples(total));
    }
    Promise.all(wanted).then(function (sets) {
      var ds = [{ label: metric, borderColor: "#2563eb", backgroundColor: "rgba(37,99,235,0.15)", fill: true, borderWidth: 1.5,
        data: sets[0].map(function (s) { return { x: s.ts, y: s.value / scale }; }) }];
      if (sets[1]) {
        ds.push({ label: total, borderColor: "#9ca3af", borderDash: [4, 4], borderWidth: 1, fill: false,
          data: sets[1].map(function (s) { return { x: s.ts, y: s.value / scale }; }) });
      }
      draw(canvas, ds);
      canvas.setAttribute("data-points", String(sets[0].length));
      loaded++;
      status.textContent = sets[0].length === 0 ? "No samples yet." : "";
      if (loaded === 2) {
        box.setAttribute("data-loaded", "true");
      }
    }).catch(function (err) {
      status.textContent = String(err.message || err);
    });
  });
})();
