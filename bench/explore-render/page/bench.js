// Render benchmark driver. index.html?lib=cy|cy-culled|cy-webgl|sigma[&steps=60&warm=10&n=2000&m=4000]
// Loads one library, builds the same deterministic graph with precomputed positions (no layout),
// waits for its first frame, then drives a scripted pan/zoom path one step per frame and
// publishes window.__result (or window.__result = { error }).
(function () {
  'use strict';
  var q = new URLSearchParams(location.search);
  var LIB = q.get('lib') || 'cy';
  var N = Number(q.get('n') || 2000), M = Number(q.get('m') || 4000);
  var STEPS = Number(q.get('steps') || 60), WARM = Number(q.get('warm') || 10);
  var SEED = Number(q.get('seed') || 20261202);
  var SCRIPTS = {
    cy: ['/vendor/cytoscape.min.js'],
    'cy-webgl': ['/vendor/cytoscape.min.js'],
    'cy-culled': ['/vendor/cytoscape.min.js'],
    sigma: ['/node_modules/graphology/dist/graphology.umd.min.js', '/node_modules/sigma/dist/sigma.min.js'],
  };
  var G = window.benchGraph;
  var container = document.getElementById('canvas');

  function raf() { return new Promise(function (res) { requestAnimationFrame(res); }); }
  function gc() { if (typeof window.gc === 'function') window.gc(); }
  function heap() { return performance.memory ? performance.memory.usedJSHeapSize : null; }
  function loadScript(src) {
    return new Promise(function (res, rej) {
      var s = document.createElement('script');
      s.src = src; s.onload = res; s.onerror = function () { rej(new Error('cannot load ' + src)); };
      document.head.appendChild(s);
    });
  }
  function glInfo() {
    var c = document.createElement('canvas');
    var gl = c.getContext('webgl2') || c.getContext('webgl');
    if (!gl) return { webgl: false };
    var ext = gl.getExtension('WEBGL_debug_renderer_info');
    return {
      webgl: true,
      version: gl.getParameter(gl.VERSION),
      vendor: ext ? gl.getParameter(ext.UNMASKED_VENDOR_WEBGL) : gl.getParameter(gl.VENDOR),
      renderer: ext ? gl.getParameter(ext.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER),
    };
  }
  function stats(xs) {
    var s = xs.slice().sort(function (a, b) { return a - b; });
    var at = function (p) { return s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)]; };
    return { median: at(0.5), p95: at(0.95), max: s[s.length - 1], n: s.length };
  }

  // ---- Cytoscape.js (the vendored build), canvas 2D or its experimental WebGL renderer ----
  // culled: labels hidden while their on-screen font is under 8 px ('min-zoomed-font-size'), an
  // approximation of Sigma's default of drawing no label for a node rendered under 6 px.
  function cyDriver(webgl, culled) {
    var cy;
    var style = [
      { selector: 'node', style: {
        label: 'data(label)', 'font-size': 10, 'text-valign': 'bottom', 'text-margin-y': 3,
        'text-wrap': 'wrap', 'text-max-width': 140, width: 22, height: 22,
        'background-color': 'data(color)', 'border-width': 1, 'border-color': '#fff' } },
      { selector: 'edge', style: {
        label: 'data(label)', 'font-size': 8, color: '#4a5262', 'text-rotation': 'autorotate',
        'text-background-color': '#fff', 'text-background-opacity': 0.85, 'text-background-padding': 1,
        width: 1.5, 'line-color': 'data(color)', 'curve-style': 'bezier' } },
    ];
    if (culled) style.forEach(function (s) { s.style['min-zoomed-font-size'] = 8; });
    var base = null; // zoom and model bbox at "fit"
    return {
      build: function (g) {
        var els = [];
        g.nodes.forEach(function (n) {
          els.push({ group: 'nodes', data: { id: n.id, label: n.label, color: G.COLORS[n.kind] }, position: { x: n.x, y: n.y } });
        });
        g.edges.forEach(function (e) {
          els.push({ group: 'edges', data: { id: e.id, source: e.source, target: e.target, label: e.label, color: G.EDGE_COLORS[e.label] } });
        });
        var opts = { container: container, elements: els, style: style, layout: { name: 'preset', fit: true, padding: 30 },
          minZoom: 0.05, maxZoom: 20 };
        if (webgl) opts.renderer = { name: 'canvas', webgl: true };
        cy = cytoscape(opts);
        window.__cy = cy;
        // Resolve after the renderer's first draw. The WebGL path emits no 'render' event, so wrap
        // the renderer's draw function (called from its own requestAnimationFrame loop).
        return new Promise(function (res) {
          var rr = cy.renderer(), orig = rr.render, done = false;
          rr.render = function () {
            var out = orig.apply(this, arguments);
            if (!done) { done = true; res(); }
            return out;
          };
        });
      },
      afterFirst: function () {
        var bb = cy.elements().boundingBox({ includeLabels: false });
        base = { zoom: cy.zoom(), x1: bb.x1, y1: bb.y1, w: bb.w, h: bb.h };
      },
      setCamera: function (c) {
        var zoom = base.zoom * c.f;
        var gx = base.x1 + c.u * base.w, gy = base.y1 + c.v * base.h;
        cy.viewport({ zoom: zoom, pan: { x: container.clientWidth / 2 - gx * zoom, y: container.clientHeight / 2 - gy * zoom } });
      },
      info: function () {
        var r = cy.renderer();
        return { webglActive: !!(r && r.webgl), labels: culled ? 'only at >= 8 px on screen' : 'all (no culling)' };
      },
    };
  }

  // ---- Sigma.js + graphology (WebGL nodes/edges, canvas 2D labels) ----
  function sigmaDriver() {
    var renderer, graph, camera;
    return {
      build: function (g) {
        graph = new graphology.Graph({ type: 'undirected', multi: false });
        g.nodes.forEach(function (n) {
          // Sigma's y axis points up; negate so the picture matches Cytoscape's (y down).
          graph.addNode(n.id, { x: n.x, y: -n.y, size: 11, label: n.label, color: G.COLORS[n.kind] });
        });
        g.edges.forEach(function (e) {
          graph.addEdgeWithKey(e.id, e.source, e.target, { label: e.label, size: 1.5, color: G.EDGE_COLORS[e.label] });
        });
        renderer = new Sigma(graph, container, {
          renderEdgeLabels: true, labelSize: 10, edgeLabelSize: 8, stagePadding: 30,
          // Sizes in graph units that scale linearly with zoom, as Cytoscape's do.
          itemSizesReference: 'positions', zoomToSizeRatioFunction: function (r) { return r; },
          minCameraRatio: 0.01, maxCameraRatio: 20,
        });
        window.__sigma = renderer;
        camera = renderer.getCamera();
        return Promise.resolve(); // Sigma's constructor renders synchronously
      },
      afterFirst: function () {},
      setCamera: function (c) {
        // Camera state is in "framed graph" coordinates ([0, 1] over the node extent): map the
        // target point through Sigma's own normalization.
        var ext = renderer.nodeExtent || null;
        var gx, gy;
        if (ext) { gx = ext.x[0] + c.u * (ext.x[1] - ext.x[0]); gy = ext.y[1] - c.v * (ext.y[1] - ext.y[0]); }
        var p = renderer.normalizationFunction({ x: gx, y: gy });
        camera.setState({ x: p.x, y: p.y, ratio: 1 / c.f, angle: 0 });
      },
      info: function () {
        return { labels: renderer.getNodeDisplayedLabels().size + ' node / ' + renderer.getEdgeDisplayedLabels().size + ' edge labels at fit' };
      },
    };
  }

  // One camera step per frame. In frame k the library's own rAF callback (requested when the
  // camera changed in frame k-1, so queued before ours) draws, then tick runs: ts - prevTs is the
  // frame interval, now - ts the main-thread time spent in the frame before tick (the render).
  function drive(driver) {
    var path = G.cameraPath(STEPS);
    var seq = [];
    for (var w = 0; w < WARM; w++) seq.push(path[(path.length - WARM + w) % path.length]);
    seq = seq.concat(path);
    return new Promise(function (res) {
      var i = 0, prevTs = null, intervals = [], work = [];
      function tick(ts) {
        var now = performance.now();
        if (i > WARM) { intervals.push(ts - prevTs); work.push(now - ts); }
        prevTs = ts;
        if (i === seq.length) { res({ intervals: intervals, work: work }); return; }
        driver.setCamera(seq[i]);
        window.__step = i;
        i++;
        requestAnimationFrame(tick);
      }
      requestAnimationFrame(tick);
    });
  }

  async function main() {
    var r = { lib: LIB, n: N, m: M, steps: STEPS, warm: WARM, seed: SEED, userAgent: navigator.userAgent };
    r.gl = glInfo();
    var tLoad0 = performance.now();
    for (var s of SCRIPTS[LIB]) await loadScript(s);
    r.libLoadMs = performance.now() - tLoad0;
    var g = G.build(N, M, SEED);
    r.edgesBuilt = g.edges.length;
    await raf(); await raf();
    gc();
    r.heapBefore = heap();
    var driver = LIB === 'sigma' ? sigmaDriver() : cyDriver(LIB === 'cy-webgl', LIB === 'cy-culled');
    // "Script start": from here the library builds its model from plain arrays and draws.
    window.__stage = 'build';
    var t0 = performance.now();
    await driver.build(g);
    window.__stage = 'drawn';
    var tDrawn = performance.now();
    await raf();
    var tFirst = performance.now();
    r.firstFrameMs = tFirst - t0;
    r.buildAndDrawMs = tDrawn - t0;
    r.firstFrameSinceNavMs = tFirst;
    driver.afterFirst();
    r.info = driver.info();
    // Let any deferred first-frame work (texture caches) settle before the sequence.
    for (var k = 0; k < 10; k++) await raf();
    window.__stage = 'drive';
    var d = await drive(driver);
    window.__stage = 'done';
    r.frame = stats(d.intervals);
    r.work = stats(d.work);
    r.intervals = d.intervals.map(function (x) { return Math.round(x * 100) / 100; });
    for (k = 0; k < 5; k++) await raf();
    gc();
    r.heapAfter = heap();
    r.heapDelta = r.heapAfter != null && r.heapBefore != null ? r.heapAfter - r.heapBefore : null;
    window.__result = r;
  }
  main().catch(function (e) { window.__result = { lib: LIB, error: String(e && e.stack || e) }; });
})();
