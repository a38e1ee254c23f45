// Deterministic test graph for the render benchmark: 2,000 nodes, ~4,000 labelled edges, with
// precomputed positions. Same seed -> same graph for every library. Plain data only (no library).
(function () {
  'use strict';

  // Small seeded PRNG (xorshift32 with a fixed seed); returns floats in [0, 1).
  function prng(seed) {
    var s = seed >>> 0 || 1;
    return function () {
      s ^= s << 13; s >>>= 0;
      s ^= s >>> 17;
      s ^= s << 5; s >>>= 0;
      return s / 4294967296;
    };
  }

  var FIRST = ['Amina', 'Youssef', 'Fatima', 'Omar', 'Leila', 'Karim', 'Sara', 'Hassan', 'Nadia', 'Mehdi',
    'Ines', 'Rachid', 'Salma', 'Tariq', 'Hind', 'Jamal', 'Zineb', 'Adil', 'Meryem', 'Bilal',
    'Claire', 'Jonas', 'Marta', 'Pablo', 'Ingrid', 'Tomas', 'Elena', 'Viktor', 'Lucia', 'Henrik'];
  var LAST = ['El Idrissi', 'Benali', 'Chraibi', 'Tazi', 'Alaoui', 'Bennani', 'Fassi', 'Berrada', 'Lahlou',
    'Ziani', 'Haddad', 'Mansouri', 'Ouazzani', 'Sebti', 'Kettani', 'Lindqvist', 'Moreau', 'Garcia',
    'Novak', 'Okafor', 'Rossi', 'Schmidt', 'Tanaka', 'Vidal', 'Yilmaz'];
  var ORG_A = ['Atlas', 'Sahara', 'Coastal', 'Northern', 'United', 'Independent', 'Civic', 'Regional', 'Green', 'Open'];
  var ORG_B = ['Workers Union', 'Press Agency', 'Development Council', 'Rights League', 'Trade Federation',
    'Youth Movement', 'Water Authority', 'Party', 'Foundation', 'Observatory'];
  var PLACES = ['Rabat', 'Casablanca', 'Laayoune', 'Dakhla', 'Tangier', 'Fes', 'Agadir', 'Oujda', 'Tetouan',
    'Smara', 'Guelmim', 'Tan-Tan', 'Boujdour', 'Marrakesh', 'Meknes', 'Nador', 'Kenitra', 'Essaouira'];
  var EVENT_A = ['Congress', 'Hearing', 'Forum', 'Summit', 'Press conference', 'Assembly', 'Round table'];
  var DOC_A = ['Report', 'Statement', 'Interview', 'Communique', 'Article', 'Transcript'];

  // Kinds in the proportions a knowledge graph of people and organisations tends to have.
  var KINDS = [
    { kind: 'Person', share: 0.55 }, { kind: 'Organization', share: 0.15 }, { kind: 'Place', share: 0.05 },
    { kind: 'Event', share: 0.10 }, { kind: 'Document', share: 0.15 },
  ];
  // Which edge label goes from which kind to which.
  var RULES = {
    Person: [['POSITION', 'Organization', 0.5], ['SPOKE_AT', 'Event', 0.3], ['LOCATED_IN', 'Place', 0.2]],
    Organization: [['LOCATED_IN', 'Place', 0.6], ['POSITION', 'Organization', 0.4]],
    Place: [['LOCATED_IN', 'Place', 1]],
    Event: [['LOCATED_IN', 'Place', 0.5], ['ABOUT', 'Organization', 0.5]],
    Document: [['ABOUT', 'Person', 0.5], ['ABOUT', 'Event', 0.3], ['ABOUT', 'Organization', 0.2]],
  };

  function pick(r, arr) { return arr[Math.floor(r() * arr.length)]; }
  function gauss(r) { // Box-Muller
    var u = r() || 1e-9, v = r();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  // build(n, m, seed) -> { nodes: [{id, label, kind, x, y}], edges: [{id, source, target, label}] }
  // Positions: nodes sit in COMMUNITIES gaussian clusters spread over a SIZE x SIZE square; edges link
  // mostly within a community (as a force layout would leave them).
  function build(n, m, seed) {
    var r = prng(seed);
    var SIZE = 2000, COMMUNITIES = 40;
    var centers = [];
    for (var c = 0; c < COMMUNITIES; c++) centers.push([100 + r() * (SIZE - 200), 100 + r() * (SIZE - 200)]);
    var nodes = [], byKind = {}, byKindComm = {};
    var counts = {};
    for (var i = 0; i < n; i++) {
      var x = r(), acc = 0, kind = KINDS[KINDS.length - 1].kind;
      for (var k = 0; k < KINDS.length; k++) { acc += KINDS[k].share; if (x < acc) { kind = KINDS[k].kind; break; } }
      counts[kind] = (counts[kind] || 0) + 1;
      var label;
      if (kind === 'Person') label = pick(r, FIRST) + ' ' + pick(r, LAST);
      else if (kind === 'Organization') label = pick(r, ORG_A) + ' ' + pick(r, ORG_B);
      else if (kind === 'Place') label = pick(r, PLACES) + (counts[kind] > PLACES.length ? ' ' + counts[kind] : '');
      else if (kind === 'Event') label = pick(r, EVENT_A) + ' ' + pick(r, PLACES) + ' ' + (2010 + Math.floor(r() * 16));
      else label = pick(r, DOC_A) + ' #' + counts[kind];
      var comm = Math.floor(r() * COMMUNITIES);
      var node = {
        id: 'n' + i, label: label, kind: kind, comm: comm,
        x: Math.round((centers[comm][0] + gauss(r) * 70) * 10) / 10,
        y: Math.round((centers[comm][1] + gauss(r) * 70) * 10) / 10,
      };
      nodes.push(node);
      (byKind[kind] = byKind[kind] || []).push(node);
      var key = kind + '|' + comm;
      (byKindComm[key] = byKindComm[key] || []).push(node);
    }
    var edges = [], seen = {};
    var tries = 0;
    while (edges.length < m && tries < m * 20) {
      tries++;
      var a = nodes[Math.floor(r() * n)];
      var rules = RULES[a.kind], p = r(), rule = rules[rules.length - 1];
      acc = 0;
      for (var j = 0; j < rules.length; j++) { acc += rules[j][2]; if (p < acc) { rule = rules[j]; break; } }
      // 85% within the node's community when there is a candidate there, else anywhere.
      var pool = (r() < 0.85 && byKindComm[rule[1] + '|' + a.comm]) || byKind[rule[1]];
      if (!pool) continue;
      var b = pick(r, pool);
      if (b === a) continue;
      var key2 = a.id < b.id ? a.id + '|' + b.id : b.id + '|' + a.id;
      if (seen[key2]) continue; // a simple graph: at most one edge per pair
      seen[key2] = true;
      edges.push({ id: 'e' + edges.length, source: a.id, target: b.id, label: rule[0] });
    }
    return { nodes: nodes, edges: edges, size: SIZE };
  }

  var COLORS = { Person: '#4e79a7', Organization: '#f28e2b', Place: '#59a14f', Event: '#e15759', Document: '#76b7b2' };
  var EDGE_COLORS = { POSITION: '#8c6bb1', SPOKE_AT: '#e07b39', ABOUT: '#9aa5b1', LOCATED_IN: '#5a9e6f' };

  // The scripted camera path: STEPS steps, each {u, v, f}: the view's centre as a fraction of the
  // graph's square (u right, v down) and the zoom factor relative to "whole graph fits" (f = 1).
  // Zooms in to 6x and back out twice while the centre circles around the middle.
  function cameraPath(steps) {
    var out = [];
    for (var i = 0; i < steps; i++) {
      var t = i / steps;
      var f = Math.pow(6, (1 - Math.cos(4 * Math.PI * t)) / 2);
      var ang = 2 * Math.PI * t;
      out.push({ u: 0.5 + 0.25 * Math.cos(ang), v: 0.5 + 0.25 * Math.sin(ang), f: f });
    }
    return out;
  }

  window.benchGraph = { build: build, cameraPath: cameraPath, COLORS: COLORS, EDGE_COLORS: EDGE_COLORS };
})();
