/* guanxi view: builds the vis-network drawing from the JSON in #gx-data.
 * Every text from the data reaches the page through textContent or the canvas,
 * never as HTML. Positions come either from the data (cascades and the overview,
 * laid out before the page opened) or from a force layout that runs for a bounded
 * time, after which physics is switched off. Sets of nodes listed in data.clusters
 * start collapsed into one node each (vis-network's clustering); a click opens one. */
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
    clusters: data.clusters.length,
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
  var fixed = data.nodes.length > 0 && data.nodes[0].x !== undefined;
  var home = {};  // where each node goes when its set opens (laid out before)
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
    if (n.x !== undefined) {
      node.x = n.x;
      node.y = n.y;
      home[n.id] = { x: n.x, y: n.y };
    }
    return node;
  });
  var fade = data.fadeUnhighlightedEdges;
  var edges = data.edges.map(function (e) {
    var st = data.edgeStyles[e.y] || data.edgeStyles.other;
    var color = e.h ? hl : st.color;
    var opacity = (fade && !e.h) ? 0.45 : (e.h ? 1 : data.edgeOpacity);
    var edge = {
      id: e.i,
      from: e.f,
      to: e.to,
      color: { color: color, highlight: color, hover: color, opacity: opacity },
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

  // ---------------------------------------------------------------- sets of nodes
  // data.clusters lists nested sets before the sets that hold them; a set's members
  // are node ids and the ids of the sets nested in it.
  var clusterOf = {};
  var collapsed = {};  // set id -> whether it is drawn as one node now
  data.clusters.forEach(function (c) {
    clusterOf[c.id] = c;
    collapsed[c.id] = false;
    if (c.x !== undefined) { home[c.id] = { x: c.x, y: c.y }; }
  });

  function collapse(c) {
    var members = {};
    c.m.forEach(function (id) { members[id] = true; });
    var st = data.nodeStyles[c.k] || data.nodeStyles.other;
    var props = {
      id: c.id,
      label: c.l,
      shape: st.shape,
      size: c.s,
      title: tip(c.t),
      borderWidth: c.h ? 4 : 2.5,
      shapeProperties: { borderDashes: [5, 3] },
      color: {
        background: st.color,
        border: c.h ? hl : "#333333",
        highlight: { background: st.color, border: "#111111" },
        hover: { background: st.color, border: "#111111" }
      },
      font: { size: 14 }
    };
    if (c.x !== undefined) { props.x = c.x; props.y = c.y; }
    network.cluster({
      joinCondition: function (n) { return members[n.id] === true; },
      clusterNodeProperties: props
    });
    collapsed[c.id] = true;
  }

  function sunflower(centre, ids) {
    // members of a set laid out by physics: a disc around where the set was
    var out = {};
    var step = 46;
    ids.forEach(function (id, i) {
      var r = step * Math.sqrt(i + 0.5);
      var a = i * 2.399963229728653;
      out[id] = { x: centre.x + r * Math.cos(a), y: centre.y + r * Math.sin(a) };
    });
    return out;
  }

  function open(id, focus) {
    if (collapsed[id] !== true) { return false; }
    network.openCluster(id, {
      releaseFunction: function (centre, positions) {
        var ids = Object.keys(positions);
        if (ids.every(function (k) { return home[k] !== undefined; })) {
          var out = {};
          ids.forEach(function (k) { out[k] = home[k]; });
          return out;
        }
        return sunflower(centre, ids);
      }
    });
    collapsed[id] = false;
    if (focus) { network.fit({ nodes: clusterOf[id].m, animation: false }); }
    return true;
  }

  function collapseAll() {  // nested sets first
    data.clusters.forEach(function (c) { if (!collapsed[c.id]) { collapse(c); } });
  }

  function openAll() {  // the sets that hold others first
    data.clusters.slice().reverse().forEach(function (c) { open(c.id, false); });
  }

  collapseAll();
  network.on("click", function (params) {
    if (params.nodes.length === 1 && collapsed[params.nodes[0]] === true) {
      open(params.nodes[0], true);
    }
  });
  var openAllButton = document.getElementById("gx-open-all");
  if (openAllButton) {
    openAllButton.addEventListener("click", function () {
      openAll();
      fitAll();
    });
    document.getElementById("gx-collapse").addEventListener("click", function () {
      openAll();
      collapseAll();
      fitAll();
    });
  }

  // ---------------------------------------------------------------- band captions
  if (data.bands.length) {
    network.on("beforeDrawing", function (ctx) {
      ctx.save();
      ctx.font = "600 22px " + data.font;
      ctx.fillStyle = "#5b5b5b";
      ctx.textAlign = "left";
      ctx.textBaseline = "bottom";
      data.bands.forEach(function (b) { ctx.fillText(b.text, b.x, b.y); });
      ctx.restore();
    });
  }

  // ---------------------------------------------------------------- fit
  function fitAll() {
    network.fit({ animation: false });
  }
  window.guanxiFit = fitAll;

  // ---------------------------------------------------------------- layout done
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
    fitAll();
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

  // ---------------------------------------------------------------- find
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
    ids.forEach(function (id) {  // a node inside collapsed sets: open them, outside in
      var path = network.findNode(id);
      for (var i = 0; i < path.length - 1; i++) { open(path[i], false); }
    });
    network.selectNodes(ids);
    network.focus(ids[0], { scale: 1.3, animation: false });
    found.textContent = hits.length === 1 ? "1 match" : hits.length.toLocaleString() + " matches";
  });
  document.getElementById("gx-fit").addEventListener("click", fitAll);

  // ---------------------------------------------------------------- PNG export
  // The drawing as it is on screen, on a white background, made here from the canvas
  // and offered as a download: nothing leaves the page.
  function pngName() {
    var base = (data.title || data.kind).replace(/[\\/:*?"<>|\u0000-\u001f]+/g, " ")
      .replace(/\s+/g, " ").trim().slice(0, 80);
    return (base || "guanxi-view") + ".png";
  }
  window.guanxiPng = function () {
    var canvas = container.querySelector("canvas");
    var out = document.createElement("canvas");
    out.width = canvas.width;
    out.height = canvas.height;
    var ctx = out.getContext("2d");
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, out.width, out.height);
    ctx.drawImage(canvas, 0, 0);
    return out.toDataURL("image/png");
  };
  document.getElementById("gx-png").addEventListener("click", function () {
    var link = document.getElementById("gx-png-link");
    link.download = pngName();
    link.href = window.guanxiPng();
    link.click();
  });
}());
