// kgql explorer. Served by github.com/kgql/kgql/graph/explore from the binary,
// as a same-origin script: the page has no inline script at all.
//
// It reads its settings from <script type="application/json"
// id="kgql-explore-config"> (endpoint, playground, start), draws the graph with
// Cytoscape.js (the global `cytoscape`, loaded before this script) and talks to
// the GraphQL endpoint with fetch:
//
//   neighborhood  the start node's neighbourhood, and each node clicked
//   search        the search box; the first hit is dropped on the canvas
//   node          the side panel: fields, statements, citations
//   shortestPath  between two shift-clicked nodes, highlighted
//   nodeChanged   live updates over the endpoint's websocket (graphql-transport-ws)
//
// A click expands a node (after Cytoscape's double-click window, so that a
// double-click never expands); a double-click collapses an expanded node.
// Every node on the canvas remembers which expanded nodes' neighbourhoods hold
// it (broughtBy), so a collapse removes only the nodes no other expanded node
// holds (recursively), never a searched node or one on the shown path, and
// only the edges of the nodes it removes.
//
// "open in playground" links to the playground with the GraphQL request behind
// the current view (?query=…&variables=…): the shortest path while it is
// shown, else the neighbourhood of the node expanded or clicked last.
(function () {
  'use strict';

  var config = JSON.parse(document.getElementById('kgql-explore-config').textContent);
  var endpoint = new URL(config.endpoint, window.location.href).href;

  var $ = function (id) { return document.getElementById(id); };
  var statusEl = $('status');

  function setStatus(text, isError) {
    statusEl.textContent = text;
    statusEl.className = isError ? 'error' : '';
  }

  // --- GraphQL ---------------------------------------------------------------

  function gql(query, variables) {
    return fetch(endpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ query: query, variables: variables || {} }),
    })
      .then(function (r) { return r.json(); })
      .then(function (body) {
        if (body.errors && body.errors.length) {
          throw new Error(body.errors.map(function (e) { return e.message; }).join('; '));
        }
        return body.data;
      });
  }

  // What every node needs for its label and style.
  var NODE_FIELDS = 'id __typename ... on Entity { name } ... on Statement { text } ... on Source { title }';
  var EDGE_FIELDS = 'from { id } to { id } label via { id __typename' +
    ' ... on Position { title person { name } organization { name } region { name } }' +
    ' ... on Participation { role person { name } event { name } } }';
  var CITATION_FIELDS = 'excerpt source { id title publishedAt url publisher { name } }';
  var STATEMENT_FIELDS = 'id text date language event { id name } speaker { id name } citations { ' + CITATION_FIELDS + ' }';

  // The neighborhood field for `idArg`, a GraphQL value ("$id" or a string literal).
  function neighborhoodField(idArg) {
    return 'neighborhood(id: ' + idArg + ', depth: 1, first: 100) {\n' +
      '    truncated\n    nodes { ' + NODE_FIELDS + ' }\n    edges { ' + EDGE_FIELDS + ' }\n  }';
  }

  var NEIGHBORHOOD_QUERY = 'query ExploreNeighborhood($id: ID!) {\n  ' + neighborhoodField('$id') + '\n}';

  var DETAILS_QUERY = 'query ExploreNode($id: ID!) { node(id: $id) { id __typename' +
    ' ... on Entity { key name aliases description citations { ' + CITATION_FIELDS + ' } }' +
    ' ... on Organization { acronym kind parent { id name } seat { id name } }' +
    ' ... on Region { code regionKind: kind parent { id name } }' +
    ' ... on Event { startDate endDate location { id name } statements(first: 20) { totalCount nodes { ' + STATEMENT_FIELDS + ' } } }' +
    ' ... on Person { statements(first: 20) { totalCount nodes { ' + STATEMENT_FIELDS + ' } } }' +
    ' ... on Statement { statementKey: key text statementLanguage: language date speaker { id name } event { id name } about { id name } citations { ' + CITATION_FIELDS + ' } }' +
    ' ... on Source { sourceKey: key title author publishedAt url sourceLanguage: language publisher { id name } }' +
    ' } }';

  var SEARCH_QUERY = 'query ExploreSearch($text: String!) { search(text: $text, first: 10) { score match snippet node { ' + NODE_FIELDS + ' } } }';

  var PATH_QUERY = 'query ExplorePath($from: ID!, $to: ID!) {\n  shortestPath(from: $from, to: $to, maxDepth: 6) {\n' +
    '    length\n    nodes { ' + NODE_FIELDS + ' }\n    edges { ' + EDGE_FIELDS + ' }\n  }\n}';

  // --- labels ----------------------------------------------------------------

  function short(s, n) {
    s = String(s || '');
    return s.length > n ? s.slice(0, n - 1) + '…' : s;
  }

  function nodeLabel(n) {
    if (n.__typename === 'Statement') return '“' + short(n.text, 40) + '”';
    return n.name || n.title || n.id;
  }

  // A via record (Position, Participation) in words.
  function viaLabel(v) {
    if (!v) return '';
    if (v.__typename === 'Position') {
      return (v.person ? v.person.name + ', ' : '') + v.title +
        (v.organization ? ' of ' + v.organization.name : '') +
        (v.region ? ' (' + v.region.name + ')' : '') + ' [' + v.id + ']';
    }
    if (v.__typename === 'Participation') {
      return (v.person ? v.person.name + ', ' : '') + v.role +
        (v.event ? ' at ' + v.event.name : '') + ' [' + v.id + ']';
    }
    return v.__typename + ' ' + v.id;
  }

  // --- the canvas ------------------------------------------------------------

  var KINDS = {
    Person: { color: '#3b6fd8', shape: 'ellipse' },
    Organization: { color: '#e07b00', shape: 'round-rectangle' },
    Region: { color: '#2e9e5b', shape: 'hexagon' },
    Event: { color: '#8a4fc9', shape: 'diamond' },
    Statement: { color: '#7a8291', shape: 'round-tag' },
    Source: { color: '#a0522d', shape: 'rectangle' },
  };
  var EDGE_COLORS = {
    POSITION: '#3b6fd8', POSITION_REGION: '#2e9e5b', PARTICIPATION: '#8a4fc9', SAID: '#7a8291',
    AT_EVENT: '#8a4fc9', ABOUT: '#9aa5b8', ORGANIZED_BY: '#e07b00', HELD_IN: '#2e9e5b',
    UNIT_OF: '#e07b00', INSIDE: '#2e9e5b', SEAT: '#2e9e5b', PUBLISHED_BY: '#a0522d', CITES: '#a0522d',
  };

  var style = [
    {
      selector: 'node',
      style: {
        label: 'data(label)', 'font-size': 10, 'text-valign': 'bottom', 'text-margin-y': 3,
        'text-wrap': 'wrap', 'text-max-width': 140, width: 22, height: 22,
        'background-color': '#999', 'border-width': 1, 'border-color': '#fff',
      },
    },
    { selector: 'node.expanded', style: { 'border-width': 3, 'border-color': '#1d2330' } },
    { selector: 'node:selected', style: { 'overlay-color': '#ffd400', 'overlay-opacity': 0.35, 'overlay-padding': 6 } },
    { selector: 'node.picked', style: { 'border-width': 4, 'border-color': '#d11' } },
    {
      selector: 'edge',
      style: {
        label: 'data(label)', 'font-size': 8, color: '#4a5262', 'text-rotation': 'autorotate',
        'text-background-color': '#fff', 'text-background-opacity': 0.85, 'text-background-padding': 1,
        width: 1.5, 'line-color': '#b8bfcc', 'curve-style': 'bezier',
      },
    },
    { selector: 'edge[label = "ABOUT"], edge[label = "CITES"]', style: { 'line-style': 'dotted' } },
    { selector: 'edge[label = "SAID"], edge[label = "AT_EVENT"]', style: { 'line-style': 'dashed' } },
  ];
  Object.keys(KINDS).forEach(function (k) {
    style.push({ selector: 'node.' + k, style: { 'background-color': KINDS[k].color, shape: KINDS[k].shape } });
  });
  Object.keys(EDGE_COLORS).forEach(function (l) {
    style.push({ selector: 'edge[label = "' + l + '"]', style: { 'line-color': EDGE_COLORS[l] } });
  });
  // Last, so that they win over the styles by kind and label.
  style.push(
    { selector: 'node.path', style: { 'border-color': '#d11', 'border-width': 4, 'z-index': 10 } },
    { selector: 'edge.path', style: { 'line-color': '#d11', width: 4, 'z-index': 10 } },
    { selector: '.faded', style: { opacity: 0.25 } }
  );

  var cy = cytoscape({ container: $('canvas'), style: style, minZoom: 0.1, maxZoom: 4 });
  window.kgqlExplore = { cy: cy }; // for the browser check and the curious

  // Nodes the view was built from, for the "GraphQL of this view": each expanded node (a
  // neighborhood) and each node dropped by a search (a node lookup).
  var expanded = {}; // id -> true
  var dropped = {}; // id -> true
  // For collapsing: node id -> { id of each expanded node whose neighbourhood holds it: true }.
  var broughtBy = {};
  // The nodes of the shortest path on show (id -> true); a collapse keeps them.
  var pathNodes = {};

  // The requests behind the view, oldest first: { key, query, variables }, one per expanded node
  // (key "n:" + id, moved last when the node is clicked again) and one for the shown path (key
  // "path"). The "open in playground" link carries the last one.
  var viewRequests = [];

  // focusView makes a request the view's latest: a new one, or (without query) the one under key.
  function focusView(key, query, variables) {
    var req = query ? { key: key, query: query, variables: variables } :
      viewRequests.filter(function (r) { return r.key === key; })[0];
    if (!req) return;
    forgetView(key);
    viewRequests.push(req);
  }

  function forgetView(key) {
    viewRequests = viewRequests.filter(function (r) { return r.key !== key; });
  }

  // An undirected edge's id: the same edge found from either end is drawn once.
  function edgeId(e) {
    var a = e.from.id, b = e.to.id;
    return 'e:' + (a < b ? a + '|' + b : b + '|' + a) + '|' + e.label + '|' + (e.via ? e.via.id : '');
  }

  // addNodes puts nodes on the canvas near `around` (a position) and returns those that were new.
  function addNodes(nodes, around) {
    var added = [];
    nodes.forEach(function (n) {
      if (cy.getElementById(n.id).nonempty()) return;
      var pos = around ? { x: around.x + (Math.random() - 0.5) * 80, y: around.y + (Math.random() - 0.5) * 80 } : undefined;
      added.push(cy.add({
        group: 'nodes',
        data: { id: n.id, label: nodeLabel(n), kind: n.__typename },
        classes: n.__typename,
        position: pos,
      }));
    });
    return added;
  }

  function addEdges(edges) {
    edges.forEach(function (e) {
      var id = edgeId(e);
      if (cy.getElementById(id).nonempty()) return;
      if (cy.getElementById(e.from.id).empty() || cy.getElementById(e.to.id).empty()) return;
      cy.add({
        group: 'edges',
        data: { id: id, source: e.from.id, target: e.to.id, label: e.label, via: e.via ? viaLabel(e.via) : '', viaId: e.via ? e.via.id : '' },
      });
    });
  }

  function relayout() {
    cy.layout({ name: 'cose', animate: false, randomize: false, nodeRepulsion: function () { return 400000; }, idealEdgeLength: function () { return 120; }, nodeOverlap: 40, padding: 30 }).run();
  }

  function expand(id) {
    var node = cy.getElementById(id);
    setStatus('Loading the neighbourhood of ' + (node.nonempty() ? node.data('label') : id) + '…');
    var variables = { id: id };
    return gql(NEIGHBORHOOD_QUERY, variables).then(function (data) {
      var sub = data.neighborhood;
      if (!sub.nodes.length) {
        setStatus('Nothing found for ' + id, true);
        return;
      }
      var center = sub.nodes[0]; // the center first, even when asked by key
      var around = cy.getElementById(center.id).nonempty() ? cy.getElementById(center.id).position() : null;
      if (cy.getElementById(center.id).empty()) {
        addNodes([center], null);
        dropped[center.id] = true;
      }
      var added = addNodes(sub.nodes.slice(1), around);
      sub.nodes.slice(1).forEach(function (n) {
        (broughtBy[n.id] = broughtBy[n.id] || {})[center.id] = true;
      });
      addEdges(sub.edges);
      // A first expansion becomes the view's latest request (a live refresh of an expanded
      // node does not).
      if (!expanded[center.id]) focusView('n:' + center.id, NEIGHBORHOOD_QUERY, variables);
      expanded[center.id] = true;
      cy.getElementById(center.id).addClass('expanded');
      relayout();
      updateViewQuery();
      setStatus(cy.getElementById(center.id).data('label') + ': ' + added.length + ' new node(s), ' +
        sub.nodes.length + ' in its neighbourhood' + (sub.truncated ? ' (truncated at 100)' : '') + '.');
      return center.id;
    });
  }

  function unexpand(id) {
    delete expanded[id];
    cy.getElementById(id).removeClass('expanded');
    forgetView('n:' + id);
  }

  // A collapse never removes a node dropped by a search, one on the shown path or one picked for
  // a path.
  function pinned(id) {
    return dropped[id] || pathNodes[id] || picked.indexOf(id) >= 0;
  }

  // collapse un-expands `id` and removes the nodes that only its neighbourhood held (and, when
  // such a node was expanded too, what only its neighbourhood held, and so on). Removing a node
  // removes the edges incident to it, and only those: edges between nodes that stay, stay.
  function collapse(id) {
    var removed = 0;
    var queue = [id]; // expanded nodes whose neighbourhoods leave the canvas
    unexpand(id);
    while (queue.length) {
      var holder = queue.shift();
      cy.nodes().forEach(function (n) {
        var nid = n.id(), by = broughtBy[nid];
        if (!by || !by[holder]) return;
        delete by[holder];
        if (nid === id || Object.keys(by).length || pinned(nid)) return;
        if (expanded[nid]) {
          unexpand(nid);
          queue.push(nid);
        }
        delete broughtBy[nid];
        n.remove();
        removed++;
      });
    }
    updateViewQuery();
    setStatus('Collapsed ' + cy.getElementById(id).data('label') + ': ' + removed + ' node(s) removed.');
  }

  // --- the side panel --------------------------------------------------------

  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === 'text') e.textContent = attrs[k];
      else if (k === 'className') e.className = attrs[k];
      else e.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) e.appendChild(c); });
    return e;
  }

  function citationEl(c) {
    var s = c.source || {};
    var meta = [s.publisher ? s.publisher.name : null, s.publishedAt].filter(Boolean).join(' · ');
    return el('div', { className: 'citation' }, [
      el('div', { className: 'title', text: s.title || s.id }),
      meta ? el('div', { className: 'meta', text: meta }) : null,
      c.excerpt ? el('div', { className: 'excerpt', text: '“' + c.excerpt + '”' }) : el('div', { className: 'meta', text: '(no excerpt recorded)' }),
    ]);
  }

  function citationsEl(list, title) {
    var box = el('div', {}, [el('h3', { text: (title || 'Citations') + ' (' + list.length + ')' })]);
    list.forEach(function (c) { box.appendChild(citationEl(c)); });
    return box;
  }

  function fieldsEl(pairs) {
    var dl = el('dl', { className: 'fields' });
    pairs.forEach(function (p) {
      if (p[1] === null || p[1] === undefined || p[1] === '' || (Array.isArray(p[1]) && !p[1].length)) return;
      dl.appendChild(el('dt', { text: p[0] }));
      dl.appendChild(el('dd', { text: Array.isArray(p[1]) ? p[1].join(', ') : String(p[1]) }));
    });
    return dl;
  }

  var name = function (x) { return x ? x.name : null; };

  function showDetails(id) {
    var box = $('details');
    box.replaceChildren(el('p', { className: 'hint', text: 'Loading ' + id + '…' }));
    return gql(DETAILS_QUERY, { id: id }).then(function (data) {
      var n = data.node;
      if (!n) {
        box.replaceChildren(el('p', { text: 'No node ' + id + ' (deleted?).' }));
        return;
      }
      var parts = [el('h2', {}, [document.createTextNode(nodeLabel(n)), el('span', { className: 'kind', text: n.__typename })])];
      if (n.__typename === 'Statement') {
        parts.push(el('blockquote', { text: n.text }));
        parts.push(fieldsEl([['id', n.id], ['key', n.statementKey], ['speaker', name(n.speaker)], ['event', name(n.event)],
          ['date', n.date], ['language', n.statementLanguage], ['about', (n.about || []).map(name)]]));
      } else if (n.__typename === 'Source') {
        parts.push(fieldsEl([['id', n.id], ['key', n.sourceKey], ['title', n.title], ['publisher', name(n.publisher)],
          ['author', n.author], ['published', n.publishedAt], ['url', n.url], ['language', n.sourceLanguage]]));
      } else {
        parts.push(fieldsEl([['id', n.id], ['key', n.key], ['kind', n.kind || n.regionKind], ['acronym', n.acronym], ['code', n.code],
          ['aliases', n.aliases], ['description', n.description], ['parent', name(n.parent)], ['seat', name(n.seat)],
          ['start', n.startDate], ['end', n.endDate], ['location', name(n.location)]]));
      }
      if (n.statements) {
        var st = el('div', {}, [el('h3', { text: 'Statements (' + n.statements.totalCount + ')' })]);
        n.statements.nodes.forEach(function (s) {
          st.appendChild(el('blockquote', { text: s.text }));
          st.appendChild(el('div', { className: 'meta', text: [name(s.speaker), name(s.event), s.date].filter(Boolean).join(' · ') }));
          s.citations.forEach(function (c) { st.appendChild(citationEl(c)); });
        });
        if (n.statements.totalCount > n.statements.nodes.length) {
          st.appendChild(el('p', { className: 'hint', text: 'First ' + n.statements.nodes.length + ' shown.' }));
        }
        parts.push(st);
      }
      if (n.citations) parts.push(citationsEl(n.citations));
      box.replaceChildren.apply(box, parts);
    });
  }

  // --- search ----------------------------------------------------------------

  function drop(n) {
    var added = addNodes([n], cy.extent ? { x: (cy.extent().x1 + cy.extent().x2) / 2, y: (cy.extent().y1 + cy.extent().y2) / 2 } : null);
    dropped[n.id] = true;
    if (added.length) relayout();
    var node = cy.getElementById(n.id);
    cy.nodes().unselect();
    node.select();
    cy.animate({ center: { eles: node } }, { duration: 200 });
    updateViewQuery();
    return showDetails(n.id);
  }

  $('search').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var text = $('search-text').value.trim();
    if (!text) return;
    setStatus('Searching “' + text + '”…');
    gql(SEARCH_QUERY, { text: text }).then(function (data) {
      var hits = data.search;
      var ul = $('hits');
      ul.replaceChildren();
      ul.hidden = !hits.length;
      if (!hits.length) {
        setStatus('No match for “' + text + '”.');
        return;
      }
      hits.forEach(function (h) {
        var li = el('li', {}, [document.createTextNode(nodeLabel(h.node)), el('span', { className: 'kind', text: h.node.__typename })]);
        li.addEventListener('click', function () { drop(h.node).catch(fail); });
        ul.appendChild(li);
      });
      setStatus(hits.length + ' hit(s) for “' + text + '”; the first is on the canvas.');
      return drop(hits[0].node);
    }).catch(fail);
  });

  // --- shortest path -----------------------------------------------------------

  var picked = [];

  function clearPath() {
    cy.elements().removeClass('path faded');
    $('path').hidden = true;
    pathNodes = {};
    forgetView('path');
    updateViewQuery();
  }

  function pick(node) {
    if (picked.indexOf(node.id()) >= 0) return;
    picked.push(node.id());
    node.addClass('picked');
    if (picked.length < 2) {
      setStatus('Picked ' + node.data('label') + '; shift-click another node for the shortest path.');
      return;
    }
    var from = picked[0], to = picked[1];
    picked = [];
    cy.nodes().removeClass('picked');
    showPath(from, to).catch(fail);
  }

  function showPath(from, to) {
    setStatus('Looking for a path…');
    var variables = { from: from, to: to };
    return gql(PATH_QUERY, variables).then(function (data) {
      clearPath();
      focusView('path', PATH_QUERY, variables);
      updateViewQuery();
      var p = data.shortestPath;
      var box = $('path');
      box.hidden = false;
      if (!p) {
        box.replaceChildren(el('h2', { text: 'No path of at most 6 edges' }));
        setStatus('No path between them.');
        return;
      }
      addNodes(p.nodes, cy.getElementById(from).position());
      addEdges(p.edges);
      relayout();
      var ids = {};
      p.nodes.forEach(function (n) { ids[n.id] = true; pathNodes[n.id] = true; });
      p.edges.forEach(function (e) { ids[edgeId(e)] = true; });
      cy.elements().forEach(function (x) { x.addClass(ids[x.id()] ? 'path' : 'faded'); });
      var ol = el('ol');
      p.nodes.forEach(function (n, i) {
        ol.appendChild(el('li', { text: nodeLabel(n) + ' (' + n.__typename + ')' }));
        var e = p.edges[i];
        if (e) {
          ol.appendChild(el('li', { className: 'via', text: '— ' + e.label + (e.via ? ' via ' + viaLabel(e.via) : '') + ' —' }));
        }
      });
      var clear = el('button', { type: 'button', text: 'clear path' });
      clear.addEventListener('click', clearPath);
      box.replaceChildren(el('h2', { text: 'Shortest path: ' + p.length + ' edge(s)' }), ol, clear);
      setStatus('Path of ' + p.length + ' edge(s) highlighted.');
    });
  }

  // --- events ----------------------------------------------------------------

  function fail(err) {
    setStatus(String(err && err.message ? err.message : err), true);
  }

  function shifted(ev) { return !!(ev.originalEvent && ev.originalEvent.shiftKey); }

  // Shift-click picks at once. A plain click acts on Cytoscape's "onetap", which fires only once
  // its double-click window (multiClickDebounceTime, 250 ms) has passed without a second click, so
  // the two clicks of a double-click never expand the node.
  cy.on('tap', 'node', function (ev) {
    if (shifted(ev)) pick(ev.target);
  });
  cy.on('onetap', 'node', function (ev) {
    if (shifted(ev)) return;
    var id = ev.target.id();
    showDetails(id).catch(fail);
    if (!expanded[id]) {
      expand(id).catch(fail);
    } else {
      focusView('n:' + id); // the view's latest request is this node's neighbourhood again
      updateViewQuery();
    }
  });
  cy.on('dbltap', 'node', function (ev) {
    if (!shifted(ev) && expanded[ev.target.id()]) collapse(ev.target.id());
  });
  cy.on('tap', 'edge', function (ev) {
    var e = ev.target;
    setStatus(e.data('label') + (e.data('via') ? ' via ' + e.data('via') : '') + ': ' +
      cy.getElementById(e.data('source')).data('label') + ' — ' + cy.getElementById(e.data('target')).data('label'));
  });
  $('fit').addEventListener('click', function () { cy.fit(undefined, 30); });

  // --- the query behind the view ---------------------------------------------------

  function viewQuery() {
    var parts = [];
    Object.keys(expanded).forEach(function (id, i) {
      parts.push('  n' + i + ': ' + neighborhoodField(JSON.stringify(id)));
    });
    Object.keys(dropped).forEach(function (id, i) {
      if (!expanded[id]) parts.push('  d' + i + ': node(id: ' + JSON.stringify(id) + ') { ' + NODE_FIELDS + ' }');
    });
    return 'query ExploreView {\n' + (parts.length ? parts.join('\n') : '  __typename') + '\n}\n';
  }

  // The playground link: config.playground with ?query=…&variables=… of the view's latest request
  // (the playground fills its editor from them and runs nothing), or bare when there is none.
  function playgroundHref() {
    var last = viewRequests[viewRequests.length - 1];
    if (!last) return config.playground;
    var u = new URL(config.playground, window.location.href);
    u.searchParams.set('query', last.query);
    u.searchParams.set('variables', JSON.stringify(last.variables));
    return u.href;
  }

  function updateViewQuery() {
    document.querySelector('#view-query pre').textContent = viewQuery();
    $('playground-link').href = playgroundHref();
  }

  // "copy query" puts the GraphQL of the whole view (every expansion and search) on the clipboard.
  $('copy-query').addEventListener('click', function () {
    var q = viewQuery();
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(q).then(function () { setStatus('Query copied.'); }, function () {
        $('view-query').open = true;
        setStatus('Could not copy: the query is shown below.');
      });
    } else {
      $('view-query').open = true;
    }
  });

  // --- live updates ----------------------------------------------------------------
  //
  // One subscription, nodeChanged with no argument (every committed change), over the endpoint's
  // websocket with the graphql-transport-ws protocol: connection_init, then subscribe once
  // connection_ack arrives, then one `next` per change. On a change:
  //   DELETED            the node (or the edges going through the deleted position or
  //                      participation) leaves the canvas;
  //   CREATED, UPDATED   its label is refreshed if it is on the canvas, and every expanded node it
  //                      touches (a position's person and organization, a statement's speaker…)
  //                      is expanded again, which adds what is new around it.
  // After a disconnect it reconnects and resumes after the last cursor it saw (`after`), so that
  // nothing committed meanwhile is missed; a cursor past the server's change log starts afresh.

  var LIVE_QUERY = 'subscription ExploreLive($after: String) { nodeChanged(after: $after) { change id kind cursor node { ' + NODE_FIELDS +
    ' ... on Position { person { id } organization { id } region { id } }' +
    ' ... on Participation { person { id } event { id } } } } }';
  var liveEl = $('live');
  var lastCursor = null;
  var retryMs = 1000;
  var pending = {}; // expanded node ids to expand again
  var pendingTimer = null;

  function setLive(text, on) {
    liveEl.textContent = text;
    liveEl.className = on ? 'on' : '';
  }

  function refreshSoon(ids) {
    ids.forEach(function (id) { if (id && expanded[id]) pending[id] = true; });
    if (pendingTimer || !Object.keys(pending).length) return;
    pendingTimer = setTimeout(function () {
      var ids = Object.keys(pending);
      pending = {};
      pendingTimer = null;
      ids.reduce(function (p, id) { return p.then(function () { return expand(id); }); }, Promise.resolve())
        .then(function () { setStatus('Live: the graph changed around ' + ids.length + ' expanded node(s).'); })
        .catch(fail);
    }, 150);
  }

  function onChange(ev) {
    if (ev.change === 'DELETED') {
      var gone = cy.getElementById(ev.id).union(cy.edges().filter(function (e) { return e.data('viaId') === ev.id; }));
      if (gone.nonempty()) {
        delete expanded[ev.id];
        delete dropped[ev.id];
        delete broughtBy[ev.id];
        Object.keys(broughtBy).forEach(function (k) { delete broughtBy[k][ev.id]; });
        forgetView('n:' + ev.id);
        gone.remove();
        updateViewQuery();
        setStatus('Live: ' + ev.kind.toLowerCase() + ' ' + ev.id + ' deleted.');
      }
      return;
    }
    var n = ev.node;
    if (!n) return; // deleted since
    var onCanvas = cy.getElementById(n.id);
    if (onCanvas.nonempty()) onCanvas.data('label', nodeLabel(n));
    if (n.__typename === 'Position' || n.__typename === 'Participation') {
      refreshSoon([n.person, n.organization, n.region, n.event].map(function (x) { return x && x.id; }));
      return;
    }
    gql('query ExploreAround($id: ID!) { neighborhood(id: $id, depth: 1, first: 100) { nodes { id } } }', { id: n.id })
      .then(function (data) { refreshSoon(data.neighborhood.nodes.map(function (x) { return x.id; })); })
      .catch(fail);
  }

  function connectLive() {
    if (!window.WebSocket) return;
    var u = new URL(endpoint);
    u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
    var ws = new WebSocket(u.href, 'graphql-transport-ws');
    setLive('connecting…', false);
    ws.onopen = function () { ws.send(JSON.stringify({ type: 'connection_init', payload: {} })); };
    ws.onmessage = function (m) {
      var msg = JSON.parse(m.data);
      switch (msg.type) {
        case 'connection_ack':
          ws.send(JSON.stringify({ id: 'live', type: 'subscribe', payload: { query: LIVE_QUERY, variables: { after: lastCursor } } }));
          setLive('live', true);
          retryMs = 1000;
          break;
        case 'ping':
          ws.send(JSON.stringify({ type: 'pong' }));
          break;
        case 'next':
          if (msg.payload.errors) {
            setLive('live: ' + msg.payload.errors[0].message, false);
            break;
          }
          var ev = msg.payload.data && msg.payload.data.nodeChanged;
          if (ev) {
            lastCursor = ev.cursor;
            onChange(ev);
          }
          break;
        case 'error':
          // A cursor past the retained change log: start afresh (the canvas may miss changes).
          if (JSON.stringify(msg.payload).indexOf('CHANGE_LOG_TRIMMED') >= 0) lastCursor = null;
          setLive('live: ' + (msg.payload[0] ? msg.payload[0].message : 'error'), false);
          ws.close();
          break;
        case 'complete':
          ws.close();
          break;
      }
    };
    ws.onclose = function () {
      setLive('offline, retrying…', false);
      setTimeout(connectLive, retryMs);
      retryMs = Math.min(retryMs * 2, 30000);
    };
  }

  // --- start -------------------------------------------------------------------

  expand(config.start).then(function (id) {
    if (!id) return;
    cy.getElementById(id).select();
    cy.fit(undefined, 30);
    return showDetails(id);
  }).catch(fail).then(connectLive);
})();
