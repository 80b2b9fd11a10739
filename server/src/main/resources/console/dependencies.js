// Dependencies page: the graph of hosts and their edges, drawn with cytoscape.js (served from its
// webjar). The page hands the graph over in data-model; hosts are coloured by move group, edges
// labelled by port; clicking a host shows its sizing and the ports it serves.
"use strict";

(function () {
  var box = document.getElementById("graph");
  var details = document.getElementById("graph-details");
  if (!box) {
    return;
  }
  var model = JSON.parse(box.getAttribute("data-model"));
  // for the browser test and for anyone curious in the developer tools
  window.pmDependencies = { model: model, cy: null };
  if (typeof cytoscape === "undefined") {
    box.textContent = "The graph library did not load; the tables below list the same edges.";
    return;
  }
  var palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
    "#7f7f7f", "#bcbd22", "#17becf"];
  var colours = {};
  var next = 0;
  function colour(group) {
    if (!group) {
      return "#bbbbbb";
    }
    if (!(group in colours)) {
      colours[group] = palette[next % palette.length];
      next++;
    }
    return colours[group];
  }
  model.nodes.forEach(function (n) {
    n.data.colour = n.data.kind === "host" ? colour(n.data.group) : "#ffffff";
  });
  var cy = cytoscape({
    container: box,
    elements: { nodes: model.nodes, edges: model.edges },
    style: [
      { selector: "node", style: { "label": "data(label)", "background-color": "data(colour)",
        "border-width": 1, "border-color": "#555555", "font-size": 11, "text-valign": "bottom",
        "text-margin-y": 4 } },
      { selector: "node[kind != 'host']", style: { "shape": "round-rectangle", "border-style": "dashed" } },
      { selector: "edge", style: { "label": "data(label)", "curve-style": "bezier",
        "target-arrow-shape": "triangle", "width": 2, "line-color": "#666666",
        "target-arrow-color": "#666666", "font-size": 10, "text-background-color": "#ffffff",
        "text-background-opacity": 1 } },
      { selector: "edge[?infrastructure]", style: { "line-style": "dashed", "line-color": "#aaaaaa",
        "target-arrow-color": "#aaaaaa" } },
      { selector: "edge[?excluded]", style: { "line-style": "dotted", "line-color": "#d62728" } },
      { selector: ".faded", style: { "opacity": 0.15 } },
      { selector: "node:selected", style: { "border-width": 3, "border-color": "#000000" } }
    ],
    layout: { name: "cose", animate: false, randomize: false, nodeDimensionsIncludeLabels: true }
  });
  window.pmDependencies.cy = cy;

  function text(tag, value) {
    var e = document.createElement(tag);
    e.textContent = value;
    return e;
  }
  function link(href, value) {
    var a = text("a", value);
    a.setAttribute("href", href);
    return a;
  }
  function money(v) {
    return v === null || v === undefined ? "—" : "$" + Number(v).toFixed(2);
  }
  cy.on("tap", "node", function (ev) {
    var d = ev.target.data();
    details.textContent = "";
    details.appendChild(text("h3", d.label));
    if (d.kind !== "host") {
      details.appendChild(text("p", d.kind === "appliance" ? "The appliance itself."
        : "External network: no known host has these addresses."));
      return;
    }
    details.appendChild(text("p", "Group: " + (d.group || "—")));
    if (d.addresses && d.addresses.length) {
      details.appendChild(text("p", "Addresses: " + d.addresses.join(", ")));
    }
    var s = d.sizing || {};
    var dl = document.createElement("dl");
    [["Sizing", s.sizing_status || "—"], ["Runs as", s.current_type || "—"],
      ["Now / month", money(s.current_monthly)], ["Recommended", s.recommended_type || "—"],
      ["Recommended / month", money(s.recommended_monthly)]].forEach(function (p) {
      dl.appendChild(text("dt", p[0]));
      dl.appendChild(text("dd", p[1]));
    });
    details.appendChild(dl);
    var ports = {};
    ev.target.connectedEdges().forEach(function (e) {
      if (e.data("target") === d.id) {
        ports[e.data("label")] = (e.data("server_processes") || []).join(", ");
      }
    });
    var ul = document.createElement("ul");
    ul.id = "graph-details-ports";
    Object.keys(ports).sort().forEach(function (p) {
      ul.appendChild(text("li", p + (ports[p] ? " — " + ports[p] : "")));
    });
    details.appendChild(text("h4", "Serves"));
    details.appendChild(ul);
    var p = document.createElement("p");
    p.appendChild(link("/sizing/" + d.host_id, "Sizing"));
    p.appendChild(document.createTextNode(" · "));
    p.appendChild(link("/ports/" + d.host_id, "Ports"));
    p.appendChild(document.createTextNode(" · "));
    p.appendChild(link("/dependencies/host/" + d.host_id, "Dependencies"));
    details.appendChild(p);
  });

  // the group filter reloads the page with ?group=; the graph already shows only that group's
  // edges, and fades what lies outside the group
  var select = document.getElementById("group-filter");
  if (select) {
    select.addEventListener("change", function () {
      select.form.submit();
    });
  }
  if (model.selected_group) {
    cy.nodes().forEach(function (n) {
      if (n.data("kind") === "host" && n.data("group") !== model.selected_group) {
        n.addClass("faded");
      }
    });
  }
})();
