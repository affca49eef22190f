/* guanxi view: builds the vis-network drawing from the JSON in #gx-data.
 * Every text from the data reaches the page through textContent or the canvas,
 * never as HTML. The layout runs for a bounded time, then physics is switched off. */
(function () {
  "use strict";
  var started = performance.now();
  var data = JSON.parse(document.getElementById("gx-data").textContent);
  var container = document.getElementById("gx-network");
  var status = document.getElementById("gx-status");
  var view = {
    kind: data.kind,
    nodes: data.counts.nodes,
    edges: data.counts.edges,
    notShown: data.counts.notShown,
    layoutMs: null
  };
  window.guanxiView = view;
  window.guanxiReady = false;

  function tip(text) {
    var el = document.createElement("div");
    el.className = "gx-tip";
    el.textContent = text;
    return el;
  }

  var hl = data.highlight;
  var nodes = data.nodes.map(function (n) {
    var st = data.nodeStyles[n.k] || data.nodeStyles.other;
    var node = {
      id: n.id,
      label: n.l,
      shape: st.shape,
      size: n.s,
      title: tip(n.t),
      color: {
        background: st.color,
        border: n.h ? hl : st.border,
        highlight: { background: st.color, border: "#111111" },
        hover: { background: st.color, border: "#111111" }
      },
      borderWidth: n.h ? 4 : 1.5
    };
    if (n.h) { node.font = { size: 15 }; }
    if (n.g !== undefined) { node.level = n.g; }
    return node;
  });
  var fade = data.fadeUnhighlightedEdges;
  var edges = data.edges.map(function (e) {
    var st = data.edgeStyles[e.y] || data.edgeStyles.other;
    var color = e.h ? hl : st.color;
    var edge = {
      id: e.i,
      from: e.f,
      to: e.to,
      color: { color: color, highlight: color, hover: color, opacity: (fade && !e.h) ? 0.45 : 1 },
      dashes: st.dashes,
      width: e.h ? Math.max(st.width, 3) : st.width,
      arrows: { to: { enabled: !!(e.d || st.arrows), scaleFactor: 0.7 } }
    };
    if (e.l) { edge.label = e.l; }
    if (e.t) { edge.title = tip(e.t); }
    return edge;
  });

  var nodeSet = new vis.DataSet(nodes);
  var network = new vis.Network(container, { nodes: nodeSet, edges: new vis.DataSet(edges) }, data.options);
  window.guanxiNetwork = network;

  var finished = false;
  function finish() {
    if (finished) { return; }
    finished = true;
    if (data.physicsMs > 0) {
      network.stopSimulation();
      network.setOptions({ physics: { enabled: false } });
    }
    network.once("afterDrawing", function () {
      view.layoutMs = Math.round(performance.now() - started);
      window.guanxiReady = true;
      document.documentElement.setAttribute("data-gx-ready", "true");
    });
    network.fit({ animation: false });
    network.redraw();
    status.textContent = "";
    status.hidden = true;
  }

  if (data.physicsMs > 0) {
    status.textContent = "Arranging " + view.nodes.toLocaleString() + " nodes\u2026";
    status.hidden = false;
    network.on("stabilizationProgress", function (p) {
      if (performance.now() - started > data.physicsMs) {
        network.stopSimulation();
        return;
      }
      status.textContent = "Arranging " + view.nodes.toLocaleString() + " nodes\u2026 " +
        Math.round(100 * p.iterations / p.total) + "%";
    });
    network.once("stabilizationIterationsDone", finish);
    // a last resort if stabilization never reports back
    window.setTimeout(finish, data.physicsMs + 4000);
  } else {
    finish();
  }

  // find a node by its label or id
  var form = document.getElementById("gx-find");
  var input = document.getElementById("gx-find-text");
  var found = document.getElementById("gx-find-result");
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var q = input.value.trim().toLowerCase();
    if (!q) { found.textContent = ""; network.unselectAll(); return; }
    var hits = data.nodes.filter(function (n) {
      return n.l.toLowerCase().indexOf(q) >= 0 || String(n.id).toLowerCase().indexOf(q) >= 0;
    });
    if (!hits.length) { found.textContent = "No match"; return; }
    var ids = hits.map(function (n) { return n.id; });
    network.selectNodes(ids);
    network.focus(ids[0], { scale: 1.3, animation: false });
    found.textContent = hits.length === 1 ? "1 match" : hits.length.toLocaleString() + " matches";
  });
  document.getElementById("gx-fit").addEventListener("click", function () {
    network.fit({ animation: false });
  });
}());
