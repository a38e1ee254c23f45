#!/usr/bin/env node
// Render benchmark runner: serves page/ (and the product's vendored Cytoscape build) on 127.0.0.1,
// opens it in Debian's headless Chromium through playwright-core, RUNS runs per library
// interleaved, and prints a markdown table (per-run figures and medians). Loopback only: every
// request to another host is aborted, and Chromium resolves no other host.
//
//   node run.mjs [--runs 5] [--libs cy,sigma,cy-webgl,cy-culled] [--timeout 420] [--chromium /usr/bin/chromium] [--out FILE]
//                [--steps 60] [--width 1400] [--height 900] [--shots DIR]

import { chromium } from 'playwright-core';
import { createServer } from 'node:http';
import { readFileSync, existsSync, writeFileSync, mkdirSync, statSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join, dirname, normalize, extname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const opt = {};
for (let i = 0; i < args.length; i += 2) opt[args[i].replace(/^--/, '')] = args[i + 1];
const RUNS = Number(opt.runs ?? 5);
const LIBS = (opt.libs ?? 'cy,sigma,cy-webgl,cy-culled').split(',');
const STEPS = Number(opt.steps ?? 60);
const WIDTH = Number(opt.width ?? 1400), HEIGHT = Number(opt.height ?? 900);
const executablePath = opt.chromium ?? '/usr/bin/chromium';
if (!existsSync(executablePath)) {
  console.error(`no Chromium at ${executablePath} (apt-get install -y chromium)`);
  process.exit(2);
}

// What each URL under the server maps to. Nothing else is served.
const VENDORED_CY = normalize(join(here, '../../graph/explore/assets/cytoscape.min.js'));
const ROUTES = {
  '/': join(here, 'page/index.html'),
  '/index.html': join(here, 'page/index.html'),
  '/graph.js': join(here, 'page/graph.js'),
  '/bench.js': join(here, 'page/bench.js'),
  '/vendor/cytoscape.min.js': VENDORED_CY,
  '/node_modules/graphology/dist/graphology.umd.min.js': join(here, 'node_modules/graphology/dist/graphology.umd.min.js'),
  '/node_modules/sigma/dist/sigma.min.js': join(here, 'node_modules/sigma/dist/sigma.min.js'),
};
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8' };
const server = createServer((req, res) => {
  const path = new URL(req.url, 'http://127.0.0.1').pathname;
  const file = ROUTES[path];
  if (!file || !existsSync(file)) { res.writeHead(404); res.end('not found'); return; }
  res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
  res.end(readFileSync(file));
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${server.address().port}`;

const isLoopback = (raw) => {
  let h;
  try { h = new URL(raw).hostname.replace(/^\[|\]$/g, ''); } catch { return false; }
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
};

const pkgVersion = (name) => JSON.parse(readFileSync(join(here, 'node_modules', name, 'package.json'), 'utf8')).version;
const sizeOf = (files) => {
  let raw = 0, gz = 0;
  for (const f of files) { const b = readFileSync(f); raw += b.length; gz += gzipSync(b, { level: 9 }).length; }
  return { raw, gz };
};
const cyVersion = (readFileSync(VENDORED_CY, 'utf8').match(/version:\s*"(\d+\.\d+\.\d+)"/) || readFileSync(VENDORED_CY, 'utf8').match(/"(3\.\d+\.\d+)"/) || [])[1] ?? '?';
const LIBINFO = {
  cy: { name: `Cytoscape.js ${cyVersion} (vendored), canvas 2D`, size: sizeOf([VENDORED_CY]) },
  'cy-culled': { name: `Cytoscape.js ${cyVersion} (vendored), canvas 2D, labels under 8 px hidden`, size: sizeOf([VENDORED_CY]) },
  'cy-webgl': { name: `Cytoscape.js ${cyVersion} (vendored), experimental WebGL renderer`, size: sizeOf([VENDORED_CY]) },
  sigma: {
    name: `Sigma.js ${pkgVersion('sigma')} + graphology ${pkgVersion('graphology')}`,
    size: sizeOf([ROUTES['/node_modules/sigma/dist/sigma.min.js'], ROUTES['/node_modules/graphology/dist/graphology.umd.min.js']]),
  },
};

const launchArgs = [
  '--no-sandbox', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-extensions',
  '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1',
  // WebGL without a GPU: ANGLE on SwiftShader (software), which Chromium no longer falls back to
  // on its own.
  '--use-angle=swiftshader', '--enable-unsafe-swiftshader',
  '--enable-precise-memory-info', '--js-flags=--expose-gc',
];

async function runOnce(lib, runNo) {
  const browser = await chromium.launch({ executablePath, headless: true, args: launchArgs });
  const blocked = [], errors = [];
  try {
    const context = await browser.newContext({ viewport: { width: WIDTH, height: HEIGHT }, deviceScaleFactor: 1 });
    await context.route('**/*', (route) => {
      const u = route.request().url();
      if (isLoopback(u)) return route.continue();
      blocked.push(u);
      return route.abort('blockedbyclient');
    });
    const page = await context.newPage();
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`); });
    await page.goto(`${base}/index.html?lib=${lib}&steps=${STEPS}`, { waitUntil: 'load' });
    await page.waitForFunction(() => window.__result, null, { timeout: Number(opt.timeout ?? 420) * 1000, polling: 250 });
    const r = await page.evaluate(() => window.__result);
    if (opt.shots) {
      mkdirSync(opt.shots, { recursive: true });
      await page.screenshot({ path: join(opt.shots, `${lib}-${runNo}.png`) });
    }
    r.browserVersion = browser.version();
    r.blocked = blocked;
    r.errors = errors;
    return r;
  } finally {
    await browser.close();
  }
}

const results = Object.fromEntries(LIBS.map((l) => [l, []]));
const started = new Date();
for (let run = 1; run <= RUNS; run++) {
  for (const lib of LIBS) {
    const t = Date.now();
    let r;
    try { r = await runOnce(lib, run); } catch (e) { r = { lib, error: String(e && e.message || e) }; }
    results[lib].push(r);
    const line = r.error ? `ERROR ${r.error.split('\n')[0]}` :
      `first ${r.firstFrameMs.toFixed(0)} ms, frame median ${r.frame.median.toFixed(1)} p95 ${r.frame.p95.toFixed(1)} ms, heap ${(r.heapAfter / 1048576).toFixed(1)} MiB`;
    console.error(`run ${run} ${lib}: ${line} (${((Date.now() - t) / 1000).toFixed(1)} s)`);
  }
}
server.close();

const med = (xs) => { const s = xs.filter((x) => x != null).sort((a, b) => a - b); if (!s.length) return null; const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const f0 = (x) => (x == null ? 'n/a' : x.toFixed(0));
const f1 = (x) => (x == null ? 'n/a' : x.toFixed(1));
const mib = (x) => (x == null ? 'n/a' : (x / 1048576).toFixed(1));
const any = Object.values(results).flat().find((r) => !r.error) ?? {};
const out = [];
out.push(`# kgql explorer render benchmark, ${started.toISOString().replace(/\.\d+Z$/, 'Z')}`);
out.push('');
out.push(`- Graph: ${any.n} nodes, ${any.edgesBuilt} labelled edges (seed ${any.seed}), precomputed positions, node and edge labels on; viewport ${WIDTH}x${HEIGHT} at DPR 1`);
out.push(`- Sequence: ${any.warm} warm-up + ${any.steps} measured pan/zoom steps, one camera change per frame (zoom 1x to 6x and back, twice, centre circling)`);
out.push(`- Browser: Chromium ${any.browserVersion} headless (playwright-core ${pkgVersion('playwright-core')}), ${executablePath}`);
out.push(`- WebGL: ${any.gl?.webgl ? `${any.gl.version}; vendor "${any.gl.vendor}"; renderer "${any.gl.renderer}"` : 'unavailable'}`);
out.push(`- Runs: ${RUNS} per library, interleaved (${LIBS.join(', ')}, ...), a fresh browser each run`);
out.push('');
out.push('| library | run | first frame (ms) | of which build+draw (ms) | since navigation (ms) | frame median (ms) | frame p95 (ms) | render work median (ms) | render work p95 (ms) | JS heap after (MiB) | heap growth (MiB) |');
out.push('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const lib of LIBS) {
  results[lib].forEach((r, i) => {
    if (r.error) { out.push(`| ${lib} | ${i + 1} | error: ${r.error.split('\n')[0].replace(/\|/g, '/')} | | | | | | | | |`); return; }
    out.push(`| ${lib} | ${i + 1} | ${f0(r.firstFrameMs)} | ${f0(r.buildAndDrawMs)} | ${f0(r.firstFrameSinceNavMs)} | ${f1(r.frame.median)} | ${f1(r.frame.p95)} | ${f1(r.work.median)} | ${f1(r.work.p95)} | ${mib(r.heapAfter)} | ${mib(r.heapDelta)} |`);
  });
}
out.push('');
out.push('Medians over the runs:');
out.push('');
out.push('| library | first frame (ms) | frame median (ms) | frame p95 (ms) | ≈ fps (1000 / frame median) | render work median (ms) | JS heap after (MiB) | heap growth (MiB) | minified size (bytes) | gzip -9 (bytes) | labels drawn | notes |');
out.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |');
for (const lib of LIBS) {
  const ok = results[lib].filter((r) => !r.error);
  const m = (fn) => med(ok.map(fn));
  const fm = m((r) => r.frame.median);
  const info = ok[0]?.info ?? {};
  const notes = [];
  if (lib === 'cy-webgl') notes.push(info.webglActive ? 'WebGL renderer active' : 'WebGL renderer NOT active');
  const errs = results[lib].flatMap((r) => r.errors ?? []);
  if (errs.length) notes.push(`${errs.length} console/page errors: ${errs[0].slice(0, 80).replace(/\|/g, '/')}`);
  const blocked = results[lib].flatMap((r) => r.blocked ?? []);
  if (blocked.length) notes.push(`${blocked.length} non-loopback requests blocked`);
  if (ok.length < results[lib].length) notes.push(`${results[lib].length - ok.length} runs failed`);
  out.push(`| ${LIBINFO[lib].name} | ${f0(m((r) => r.firstFrameMs))} | ${f1(fm)} | ${f1(m((r) => r.frame.p95))} | ${fm ? (1000 / fm).toFixed(0) : 'n/a'} | ${f1(m((r) => r.work.median))} | ${mib(m((r) => r.heapAfter))} | ${mib(m((r) => r.heapDelta))} | ${LIBINFO[lib].size.raw} | ${LIBINFO[lib].size.gz} | ${info.labels ?? ''} | ${notes.join('; ')} |`);
}
out.push('');
out.push('first frame: from just before the library builds its model from plain arrays to the first requestAnimationFrame after its first draw. frame: interval between consecutive frames while the camera changes every frame. render work: main-thread time in a frame before the benchmark\'s own rAF callback (the library\'s draw). heap: performance.memory.usedJSHeapSize after a forced GC, after the sequence; growth is against the same figure just before the library built its model.');
const text = out.join('\n') + '\n';
process.stdout.write(text);
if (opt.out) writeFileSync(opt.out, text);
if (opt.json) writeFileSync(opt.json, JSON.stringify(results, null, 1));
const failed = Object.values(results).flat().filter((r) => r.error).length;
process.exit(failed ? 1 : 0);
