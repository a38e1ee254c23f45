#!/usr/bin/env node
// Browser check of kgql's explorer (graph/explore) in Debian's Chromium through playwright-core,
// in the style of ../shared/tools/lib/playground.mjs, run by .ci/e2e.sh. Copy it into a
// folder whose node_modules hold playwright-core (a copy of ../shared/tools after `npm ci`) and run:
//
//   node explore-check.mjs http://127.0.0.1:PORT/explore SHOTS_DIR [--chromium /usr/bin/chromium]
//        [--wait-ms 15000] [--width 1400] [--height 900] [--endpoint /graphql]
//
// Steps (one PASS or FAIL line each, then "N passed, N failed"; exit 0 when none failed):
//   1. the page loads with a Content-Security-Policy (script-src 'self');
//   2. ASMEX's neighbourhood renders: ASMEX and at least 10 nodes, labelled edges (01-asmex.png);
//   3. the side panel shows ASMEX with at least one citation;
//   4. a search for "laayoune" drops Laâyoune-Sakia El Hamra on the canvas (02-search.png);
//   5. a click on it expands its neighbourhood (03-expand.png);
//   6. shift-clicks on Hassan Yanja and Mohamed Fadlam highlight a shortest path whose via records
//      are named in the panel (04-path.png), and the "open in playground" link carries the
//      ExplorePath request the page sent (query and variables);
//   7. a double-click on the expanded node collapses what it added, and keeps every edge between
//      two nodes that stay (at least one of them incident to the collapsed node);
//   7b. a double-click on a node that is not expanded (Mohamed Fadlam) changes nothing: no node
//      added or removed, it stays unexpanded; a single click then expands it (so the double-click
//      had something to add), and the link then carries that ExploreNeighborhood request;
//   8. live: with the explorer's nodeChanged subscription on, a person and their position in ASMEX
//      created by a mutation sent meanwhile appear on the canvas (05-live.png), and deleting the
//      person removes them (the mutations go to ENDPOINT, default /graphql on the page's origin;
//      they write to the server's data: run it on a throwaway -data dir);
//   8b. following the "open in playground" link loads the playground with that query in GraphiQL's
//      query editor and those variables in its variables editor, and runs nothing: no request of
//      the page carries the query and the response pane stays empty (06-playground.png);
//   9. no uncaught page error, no console error (CSP violations are console errors), on the
//      explorer or the playground, and no request to a host other than loopback (every such
//      request is aborted and listed).
// Only loopback URLs are accepted; Chromium resolves no other host.

import { chromium } from 'playwright-core';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2);
const pos = [];
const opts = {};
for (let i = 0; i < args.length; i++) {
  if (args[i].startsWith('--')) opts[args[i].slice(2)] = args[++i];
  else pos.push(args[i]);
}
if (pos.length !== 2) {
  console.error('usage: node explore-check.mjs URL SHOTS_DIR [--chromium PATH] [--wait-ms N] [--width N] [--height N] [--endpoint PATH]');
  process.exit(2);
}
const [pageUrl, shots] = pos;
const isLoopback = (raw) => {
  const h = new URL(raw).hostname.replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
};
if (!isLoopback(pageUrl)) {
  console.error(`refusing ${pageUrl}: only loopback`);
  process.exit(2);
}
const executablePath = opts.chromium ?? '/usr/bin/chromium';
if (!existsSync(executablePath)) {
  console.error(`no Chromium at ${executablePath} (apt-get install -y chromium)`);
  process.exit(2);
}
const waitMs = Number(opts['wait-ms'] ?? 15000);
const width = Number(opts.width ?? 1400);
const height = Number(opts.height ?? 900);
mkdirSync(shots, { recursive: true });

const results = [];
const record = (ok, what, detail) => {
  results.push(ok);
  console.log(`${ok ? 'PASS' : 'FAIL'}  ${what}${detail ? ` -- ${detail}` : ''}`);
};
const info = (s) => console.log(`      ${s}`);

const browser = await chromium.launch({
  executablePath,
  headless: true,
  args: [
    '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync',
    '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1',
  ],
});
let exitCode = 1;
try {
  const context = await browser.newContext({ viewport: { width, height } });
  const page = await context.newPage();
  const blocked = [];
  const pageErrors = [];
  const consoleErrors = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('crash', () => info('the page crashed'));
  page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
  const sockets = [];
  page.on('websocket', (ws) => {
    const rec = { url: ws.url(), sent: 0, received: 0 };
    sockets.push(rec);
    ws.on('framesent', () => rec.sent++);
    ws.on('framereceived', () => rec.received++);
  });
  // The GraphQL requests a page sends over HTTP, as { query, variables }, in order.
  const gqlRequests = (pg) => {
    const list = [];
    pg.on('request', (r) => {
      if (r.method() !== 'POST' || !/\/graphql$/.test(new URL(r.url()).pathname)) return;
      try {
        const b = JSON.parse(r.postData() ?? 'null');
        if (b && typeof b.query === 'string') list.push({ query: b.query, variables: b.variables ?? {} });
      } catch { /* not JSON: not ours */ }
    });
    return list;
  };
  const sent = gqlRequests(page);
  const lastSent = (re, pred = () => true) => [...sent].reverse().find((r) => re.test(r.query) && pred(r));
  // The request the "open in playground" link carries: { href, query, variables } (variables parsed).
  const linkRequest = async () => {
    const href = await page.getAttribute('#playground-link', 'href');
    const u = new URL(href, page.url());
    let variables = null;
    try { variables = JSON.parse(u.searchParams.get('variables')); } catch { /* stays null */ }
    return { href: u.href, path: u.pathname, query: u.searchParams.get('query'), variables };
  };
  const sameJSON = (a, b) => JSON.stringify(a) === JSON.stringify(b);
  const carries = (link, req) => !!req && link.path === '/' && link.query === req.query && sameJSON(link.variables, req.variables);

  await context.route('**/*', (route) => {
    const u = route.request().url();
    if (!/^(https?|wss?):/.test(u) || isLoopback(u)) return route.continue();
    blocked.push(u);
    return route.abort('blockedbyclient');
  });

  const shot = async (name) => {
    const file = join(shots, name);
    await page.screenshot({ path: file });
    info(`screenshot ${file}`);
  };
  // In-page helpers over the explorer's Cytoscape instance (window.kgqlExplore.cy).
  const count = () => page.evaluate(() => window.kgqlExplore.cy.nodes().length);
  const nodeBy = (re) =>
    page.evaluate((src) => {
      const rx = new RegExp(src, 'i');
      const n = window.kgqlExplore.cy.nodes().filter((x) => rx.test(x.data('label')))[0];
      return n ? n.id() : null;
    }, re);
  // Page coordinates of a node, after centring the view on it.
  const whereIs = async (id) => {
    await page.evaluate((i) => { window.kgqlExplore.cy.center(window.kgqlExplore.cy.getElementById(i)); }, id); // (no return: cy is not serializable)
    await page.waitForTimeout(150);
    return page.evaluate((i) => {
      const cy = window.kgqlExplore.cy;
      const p = cy.getElementById(i).renderedPosition();
      const box = cy.container().getBoundingClientRect();
      return { x: box.left + p.x, y: box.top + p.y };
    }, id);
  };
  const waitFor = (fn, arg) => page.waitForFunction(fn, arg, { timeout: waitMs }).then(() => true, () => false);

  // 1. page
  const resp = await page.goto(pageUrl, { waitUntil: 'load', timeout: waitMs });
  const csp = resp.headers()['content-security-policy'] ?? '';
  record(resp.status() === 200 && /script-src 'self'(;|$)/.test(csp), 'page loads', `HTTP ${resp.status()}, CSP ${JSON.stringify(csp.slice(0, 60))}…`);

  // 2. ASMEX's neighbourhood
  const rendered = await waitFor(() => window.kgqlExplore && window.kgqlExplore.cy.nodes('.expanded').length > 0 && window.kgqlExplore.cy.nodes().length >= 10);
  const asmex = rendered ? await nodeBy('Association Marocaine des Exportateurs') : null;
  const edgeLabels = rendered ? await page.evaluate(() => [...new Set(window.kgqlExplore.cy.edges().map((e) => e.data('label')))]) : [];
  await page.waitForTimeout(300);
  await shot('01-asmex.png');
  record(rendered && asmex && edgeLabels.length > 0, 'ASMEX neighbourhood renders', `${await count()} nodes, edge labels ${edgeLabels.join(', ')}`);

  // 3. citations in the panel
  const cited = await waitFor(() => document.querySelectorAll('#details .citation').length > 0);
  const panelTitle = await page.locator('#details h2').first().textContent().catch(() => '');
  record(cited, 'side panel shows citations', `${JSON.stringify(panelTitle)}, ${await page.locator('#details .citation').count()} citation(s)`);

  // 4. search
  await page.fill('#search-text', 'laayoune');
  await page.click('#search button[type=submit]');
  const found = await waitFor(() => window.kgqlExplore.cy.nodes().some((n) => /La.youne/i.test(n.data('label'))));
  await page.waitForTimeout(400);
  const laayoune = found ? await nodeBy('La.youne') : null;
  const laLabel = laayoune ? await page.evaluate((i) => window.kgqlExplore.cy.getElementById(i).data('label'), laayoune) : '';
  await shot('02-search.png');
  record(found, 'search "laayoune" adds it to the canvas', JSON.stringify(laLabel));

  // 5. click expands
  let expandedOk = false;
  let before = await count();
  if (laayoune) {
    const p = await whereIs(laayoune);
    await page.mouse.click(p.x, p.y);
    expandedOk = await waitFor((i) => window.kgqlExplore.cy.getElementById(i).hasClass('expanded'), laayoune);
    await page.waitForTimeout(400);
  }
  const afterExpand = await count();
  await page.evaluate(() => { window.kgqlExplore.cy.fit(undefined, 30); });
  await shot('03-expand.png');
  record(expandedOk && afterExpand > before, 'click expands a node', `${before} -> ${afterExpand} nodes`);

  // 6. shortest path between Hassan Yanja and Mohamed Fadlam
  let pathOk = false;
  let pathText = '';
  const yanja = await nodeBy('Hassan Yanja');
  await page.fill('#search-text', 'Mohamed Fadlam');
  await page.click('#search button[type=submit]');
  await waitFor(() => window.kgqlExplore.cy.nodes().some((n) => /Fadlam/i.test(n.data('label'))));
  await page.waitForTimeout(400);
  const fadlam = await nodeBy('Fadlam');
  if (yanja && fadlam) {
    for (const id of [yanja, fadlam]) {
      const p = await whereIs(id);
      await page.keyboard.down('Shift');
      await page.mouse.click(p.x, p.y);
      await page.keyboard.up('Shift');
      await page.waitForTimeout(200);
    }
    pathOk = await waitFor(() => !document.getElementById('path').hidden && window.kgqlExplore.cy.$('.path').length > 0);
    pathText = pathOk ? (await page.locator('#path').textContent()).replace(/\s+/g, ' ') : '';
    await page.evaluate(() => { window.kgqlExplore.cy.fit(undefined, 30); });
    await page.waitForTimeout(300);
  }
  await shot('04-path.png');
  record(pathOk && /via /.test(pathText), 'path Hassan Yanja — Mohamed Fadlam highlighted, via named',
    yanja && fadlam ? pathText.slice(0, 300) : `on canvas: yanja=${yanja} fadlam=${fadlam}`);
  const pathReq = lastSent(/^query ExplorePath\b/, (r) => r.variables.from === yanja && r.variables.to === fadlam);
  const pathLink = await linkRequest();
  record(pathOk && carries(pathLink, pathReq), 'the playground link carries the path request',
    `variables ${JSON.stringify(pathLink.variables)}, query ${pathReq ? (pathLink.query === pathReq.query ? 'as sent' : 'differs') : 'not sent'}`);

  // 7. double-click collapses
  let collapsed = false;
  before = await count();
  const edgesNow = () => page.evaluate(() => window.kgqlExplore.cy.edges().map((e) => ({ id: e.id(), s: e.data('source'), t: e.data('target') })));
  const edgesBefore = await edgesNow();
  if (laayoune) {
    const p = await whereIs(laayoune);
    await page.mouse.dblclick(p.x, p.y);
    collapsed = await waitFor((i) => !window.kgqlExplore.cy.getElementById(i).hasClass('expanded'), laayoune);
    await page.waitForTimeout(600); // past the double-click window: nothing more may happen
  }
  record(collapsed && (await count()) < before, 'double-click collapses it', `${before} -> ${await count()} nodes`);
  // Every edge whose two ends are both still on the canvas must still be there.
  const nodesAfter = new Set(await page.evaluate(() => window.kgqlExplore.cy.nodes().map((n) => n.id())));
  const edgesAfter = new Set((await edgesNow()).map((e) => e.id));
  const shouldStay = edgesBefore.filter((e) => nodesAfter.has(e.s) && nodesAfter.has(e.t));
  const lost = shouldStay.filter((e) => !edgesAfter.has(e.id));
  const keptAtCollapsed = shouldStay.filter((e) => (e.s === laayoune || e.t === laayoune) && edgesAfter.has(e.id));
  record(collapsed && lost.length === 0 && keptAtCollapsed.length > 0, 'collapse keeps the edges between nodes that stay',
    `${shouldStay.length} edge(s) between remaining nodes, ${keptAtCollapsed.length} at the collapsed node` +
    (lost.length ? `; removed: ${lost.map((e) => e.id).join(', ')}` : ''));

  // 7b. a double-click on a node that is not expanded changes nothing; a click then expands it
  let dblOk = false;
  let dblDetail = `on canvas: fadlam=${fadlam}`;
  if (fadlam) {
    const wasExpanded = await page.evaluate((i) => window.kgqlExplore.cy.getElementById(i).hasClass('expanded'), fadlam);
    before = await count();
    let p = await whereIs(fadlam);
    await page.mouse.dblclick(p.x, p.y);
    await page.waitForTimeout(1500); // the double-click window (250 ms) and a neighbourhood request's time
    const afterDbl = await count();
    const expandedAfterDbl = await page.evaluate((i) => window.kgqlExplore.cy.getElementById(i).hasClass('expanded'), fadlam);
    p = await whereIs(fadlam);
    await page.mouse.click(p.x, p.y);
    const clickExpands = await waitFor((i) => window.kgqlExplore.cy.getElementById(i).hasClass('expanded'), fadlam);
    await page.waitForTimeout(400);
    const afterClick = await count();
    dblOk = !wasExpanded && afterDbl === before && !expandedAfterDbl && clickExpands && afterClick > afterDbl;
    dblDetail = `${before} -> ${afterDbl} nodes after the double-click (expanded: ${expandedAfterDbl}), ` +
      `${afterClick} after a single click (expanded: ${clickExpands})`;
  }
  record(dblOk, 'double-click on an unexpanded node changes nothing', dblDetail);
  const fadlamReq = lastSent(/^query ExploreNeighborhood\b/, (r) => r.variables.id === fadlam);
  const fadlamLink = await linkRequest();
  record(!!fadlam && carries(fadlamLink, fadlamReq), 'the playground link carries the last expansion\'s request',
    `variables ${JSON.stringify(fadlamLink.variables)}, query ${fadlamReq ? (fadlamLink.query === fadlamReq.query ? 'as sent' : 'differs') : 'not sent'}`);

  // 8. live: a mutation sent meanwhile appears on the canvas, and its deletion removes it
  const gqlURL = new URL(opts.endpoint ?? '/graphql', pageUrl).href;
  const post = (query, variables) =>
    fetch(gqlURL, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ query, variables }) })
      .then((r) => r.json());
  const liveOn = await waitFor(() => document.getElementById('live').className === 'on');
  const key = `explore-check-${Date.now()}`;
  const name = `Explore Check ${key.slice(14)}`;
  const m = await post(
    `mutation ($key: String!, $name: String!) { upsertPerson(input: { key: $key, name: $name, citations: [{ source: "src_1", excerpt: "(explore-check)" }] }) { id }
       addPosition(input: { person: $key, organization: "asmex", title: "observer", citations: [{ source: "src_1" }] }) { id } }`,
    { key, name },
  );
  const appeared = !m.errors && (await waitFor((n) => window.kgqlExplore.cy.nodes().some((x) => x.data('label') === n), name));
  await page.waitForTimeout(300);
  await page.evaluate(() => { window.kgqlExplore.cy.fit(undefined, 30); });
  await shot('05-live.png');
  record(liveOn && appeared, 'a mutation sent meanwhile appears on the canvas',
    m.errors ? JSON.stringify(m.errors) : `${name} ${appeared ? 'drawn' : 'not drawn'}; live indicator ${liveOn ? 'on' : 'off'}`);
  const d = await post('mutation ($key: ID!) { deleteNode(id: $key, cascade: true) { updatedIds } }', { key });
  const gone = !d.errors && (await waitFor((n) => !window.kgqlExplore.cy.nodes().some((x) => x.data('label') === n), name));
  record(appeared && gone, 'its deletion removes it from the canvas', d.errors ? JSON.stringify(d.errors) : '');
  info(`websockets: ${sockets.map((w) => `${w.url} (${w.sent} sent, ${w.received} received)`).join(', ') || 'none'}`);

  // 8b. the "open in playground" link, followed (in a second tab, so the explorer stays as it is)
  const link = await linkRequest();
  const viewReq = lastSent(/^query Explore(Neighborhood|Path)\b/, (r) => link.query === r.query && sameJSON(link.variables, r.variables));
  let pgOk = false;
  let pgDetail = `link ${link.href.slice(0, 120)}…`;
  if (viewReq) {
    const pg = await context.newPage();
    pg.on('pageerror', (e) => pageErrors.push(`playground: ${e.message}`));
    pg.on('console', (m) => m.type() === 'error' && consoleErrors.push(`playground: ${m.text()}`));
    const pgSent = gqlRequests(pg);
    const pgResp = await pg.goto(link.href, { waitUntil: 'load', timeout: waitMs });
    // GraphiQL 4 edits with CodeMirror 5: each editor's element holds its instance.
    const editorText = (sel) => {
      const el = document.querySelector(sel);
      return el && el.CodeMirror ? el.CodeMirror.getValue() : null;
    };
    const filled = await pg.waitForFunction(
      ([fn, q]) => new Function('sel', fn)('.graphiql-query-editor .CodeMirror') === q,
      [`return (${editorText})(sel);`, viewReq.query], { timeout: waitMs },
    ).then(() => true, () => false);
    await pg.waitForTimeout(1500); // time enough for an automatic run to show
    const read = (sel) => pg.evaluate(([fn, s]) => new Function('sel', fn)(s), [`return (${editorText})(sel);`, sel]);
    const queryText = await read('.graphiql-query-editor .CodeMirror');
    const varsText = await read('.graphiql-editor-tool .CodeMirror');
    const responseText = await read('.graphiql-response .CodeMirror');
    let varsParsed = null;
    try { varsParsed = JSON.parse(varsText); } catch { /* stays null */ }
    const ran = pgSent.filter((r) => r.query === viewReq.query);
    await pg.screenshot({ path: join(shots, '06-playground.png') });
    info(`screenshot ${join(shots, '06-playground.png')}`);
    pgOk = pgResp.status() === 200 && filled && queryText === viewReq.query && sameJSON(varsParsed, viewReq.variables) &&
      ran.length === 0 && responseText === '';
    pgDetail = `HTTP ${pgResp.status()}, query editor ${queryText === viewReq.query ? 'holds the query' : `holds ${JSON.stringify((queryText ?? 'nothing').slice(0, 80))}`}, ` +
      `variables ${JSON.stringify(varsText)}, ${ran.length} run(s) of it, response pane ${responseText === '' ? 'empty' : JSON.stringify((responseText ?? 'missing').slice(0, 80))}`;
    await pg.close();
  }
  record(pgOk, 'the link opens the playground with the query, not run', pgDetail);

  // 9. hygiene
  record(pageErrors.length === 0 && consoleErrors.length === 0, 'no page or console errors',
    [...pageErrors, ...consoleErrors].slice(0, 5).join(' | '));
  record(blocked.length === 0, 'no request off loopback', blocked.slice(0, 5).join(', '));

  exitCode = results.every(Boolean) ? 0 : 1;
} catch (e) {
  record(false, 'run', e.message);
} finally {
  await browser.close();
}
const passed = results.filter(Boolean).length;
console.log(`${passed} passed, ${results.length - passed} failed`);
process.exit(exitCode);
