// Sizing host page: CPU and memory over the lookback window with the lines the recommendation
// rests on (the percentile used, the need with headroom, the recommended and current capacity).
// Data from GET /api/v1/sizing/{host} with the page's own parameters; Chart.js from its webjar.
"use strict";

(function () {
  var box = document.getElementById("sizing-charts");
  var status = document.getElementById("chart-status");
  if (!box) {
    return;
  }
  if (typeof Chart === "undefined") {
    status.textContent = "The chart library did not load.";
    return;
  }
  var id = box.getAttribute("data-host-id");
  var query = box.getAttribute("data-query");
  var url = "/api/v1/sizing/" + encodeURIComponent(id) + (query ? "?" + query : "");
  var GIB = 1024 * 1024 * 1024;

  function label(ts) {
    return new Date(ts * 1000).toISOString().substring(5, 16).replace("T", " ");
  }
  // a flat line across the chart, drawn as a two-point dataset (no plugin needed)
  function level(name, y, x0, x1, color, dash) {
    return { label: name, data: [{ x: x0, y: y }, { x: x1, y: y }], borderColor: color, borderDash: dash,
      borderWidth: 2, fill: false, pointRadius: 0 };
  }
  function series(name, points, fn, color, fill) {
    var data = [];
    points.forEach(function (p) {
      var v = fn(p);
      if (v != null) {
        data.push({ x: p.ts, y: v });
      }
    });
    return { label: name, data: data, borderColor: color, backgroundColor: color.replace("rgb", "rgba").replace(")", ",0.12)"),
      borderWidth: 1.5, fill: fill, pointRadius: 0, spanGaps: false };
  }
  function draw(canvas, datasets, unit) {
    var chart = new Chart(canvas, {
      type: "line",
      data: { datasets: datasets },
      options: {
        animation: false, parsing: false, normalized: true, responsive: true, maintainAspectRatio: false,
        scales: {
          x: { type: "linear", ticks: { callback: label, maxTicksLimit: 8 } },
          y: { beginAtZero: true, title: { display: true, text: unit } }
        },
        plugins: { legend: { position: "bottom", labels: { boxWidth: 14 } } }
      }
    });
    canvas.setAttribute("data-points", String(datasets[0].data.length));
    canvas.setAttribute("data-lines", datasets.map(function (d) { return d.label; }).join("|"));
    return chart;
  }

  fetch(url, { credentials: "same-origin" }).then(function (r) {
    if (!r.ok) {
      throw new Error("GET " + url + " answered " + r.status);
    }
    return r.json();
  }).then(function (h) {
    var pts = (h.series && h.series.points) || [];
    var d = h.demand || {};
    var rec = h.recommended;
    var cur = h.current;
    var p = "p" + (d.percentile != null ? d.percentile : "");
    var x0 = pts.length ? pts[0].ts : 0;
    var x1 = pts.length ? pts[pts.length - 1].ts : 1;

    // CPU in vCPUs when the core count is known (it is what a type provides), else in busy %
    var cpus = d.cpu_count;
    var cpu;
    if (cpus) {
      var toVcpu = function (v) { return v == null ? null : v * cpus / 100; };
      cpu = [
        series("hourly mean", pts, function (q) { return toVcpu(q.cpu_busy_pct_mean); }, "rgb(37,99,235)", true),
        series("hourly max", pts, function (q) { return toVcpu(q.cpu_busy_pct_max); }, "rgb(147,197,253)", false)
      ];
      if (d.vcpu_used != null) { cpu.push(level(p + " used", d.vcpu_used, x0, x1, "#f59e0b", [6, 4])); }
      if (d.vcpu_needed != null) { cpu.push(level("needed (× headroom)", d.vcpu_needed, x0, x1, "#dc2626", [2, 3])); }
      if (rec) { cpu.push(level("recommended " + rec.type + " capacity", rec.vcpu, x0, x1, "#16a34a", [])); }
      if (cur) { cpu.push(level("current " + cur.type + " capacity", cur.vcpu, x0, x1, "#6b7280", [10, 4])); }
      draw(document.getElementById("chart-sizing-cpu"), cpu, "vCPUs");
    } else {
      cpu = [
        series("hourly mean", pts, function (q) { return q.cpu_busy_pct_mean; }, "rgb(37,99,235)", true),
        series("hourly max", pts, function (q) { return q.cpu_busy_pct_max; }, "rgb(147,197,253)", false)
      ];
      if (d.cpu_busy_pct != null) { cpu.push(level(p + " busy", d.cpu_busy_pct, x0, x1, "#f59e0b", [6, 4])); }
      draw(document.getElementById("chart-sizing-cpu"), cpu, "% busy (core count unknown)");
    }

    var gib = function (v) { return v == null ? null : v / GIB; };
    var mem = [
      series("hourly mean", pts, function (q) { return gib(q.mem_used_bytes_mean); }, "rgb(124,58,237)", true),
      series("hourly max", pts, function (q) { return gib(q.mem_used_bytes_max); }, "rgb(196,181,253)", false)
    ];
    if (d.memory_used_gib != null) { mem.push(level(p + " used", d.memory_used_gib, x0, x1, "#f59e0b", [6, 4])); }
    if (d.memory_needed_gib != null) { mem.push(level("needed (× headroom)", d.memory_needed_gib, x0, x1, "#dc2626", [2, 3])); }
    if (rec) { mem.push(level("recommended " + rec.type + " capacity", rec.memory_gib, x0, x1, "#16a34a", [])); }
    if (cur) { mem.push(level("current " + cur.type + " capacity", cur.memory_gib, x0, x1, "#6b7280", [10, 4])); }
    draw(document.getElementById("chart-sizing-mem"), mem, "GiB");

    // disk I/O: the host's read and write (hourly means), what its disks need together with
    // headroom, and what the recommended and current types carry to their disks
    var mb = function (v) { return v == null ? null : v / 1e6; };
    var disk = [
      series("read (hourly mean)", pts, function (q) { return mb(q.disk_read_bytes_per_s_mean); }, "rgb(13,148,136)", true),
      series("write (hourly mean)", pts, function (q) { return mb(q.disk_write_bytes_per_s_mean); }, "rgb(234,88,12)", false)
    ];
    if (d.disk_mbps_needed != null) { disk.push(level("disks need (× headroom)", d.disk_mbps_needed, x0, x1, "#dc2626", [2, 3])); }
    if (rec && rec.disk_mbps != null) { disk.push(level("recommended " + rec.type + " disk limit", rec.disk_mbps, x0, x1, "#16a34a", [])); }
    if (cur && cur.disk_mbps != null) { disk.push(level("current " + cur.type + " disk limit", cur.disk_mbps, x0, x1, "#6b7280", [10, 4])); }
    draw(document.getElementById("chart-sizing-disk"), disk, "MB/s");

    var iops = [
      series("read (hourly mean)", pts, function (q) { return q.disk_read_ops_per_s_mean; }, "rgb(13,148,136)", true),
      series("write (hourly mean)", pts, function (q) { return q.disk_write_ops_per_s_mean; }, "rgb(234,88,12)", false)
    ];
    if (d.disk_iops_needed != null) { iops.push(level("disks need (× headroom)", d.disk_iops_needed, x0, x1, "#dc2626", [2, 3])); }
    if (rec && rec.disk_iops != null) { iops.push(level("recommended " + rec.type + " disk limit", rec.disk_iops, x0, x1, "#16a34a", [])); }
    if (cur && cur.disk_iops != null) { iops.push(level("current " + cur.type + " disk limit", cur.disk_iops, x0, x1, "#6b7280", [10, 4])); }
    draw(document.getElementById("chart-sizing-iops"), iops, "IOPS");

    status.textContent = pts.length === 0 ? "No rolled-up hours in the window yet." : "";
    box.setAttribute("data-loaded", "true");
  }).catch(function (err) {
    status.textContent = String(err.message || err);
    box.setAttribute("data-loaded", "error");
  });
})();
