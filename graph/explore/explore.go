// Package explore serves kgql's graph explorer: one small page that draws the
// knowledge graph with Cytoscape.js and lets a reader click through it, from
// the binary, offline.
//
// The page opens on ASMEX's neighbourhood (Options.Start). It has a search
// box (the `search` field), expands a node's neighbourhood on click
// (`neighborhood`), collapses it on double-click (removing the nodes that only
// its neighbourhood brought, not searched nodes, nodes another expanded node's
// neighbourhood holds or nodes of the shown path, and only the edges of the
// removed nodes; a double-click never expands), shows the selected node's
// fields, statements and citations in a side panel (`node`), highlights the
// shortest path between two shift-clicked nodes (`shortestPath`, with the
// `via` records named), follows committed changes live (the `nodeChanged`
// subscription over the endpoint's websocket, graphql-transport-ws) and links
// to the playground (Options.Playground) with the request behind the current
// view in ?query= and ?variables=. Everything it loads is
// embedded: Cytoscape.js (see assets/VERSIONS for the pinned version and its
// tarball's integrity hash, and assets/LICENSE.cytoscape) and the explorer's
// own kgql-explore.js and kgql-explore.css.
//
// # Mounting
//
// The handler answers on absolute paths:
//
//	/explore, /explore/       the page
//	/explore/assets/...       its script, styles, licence and VERSIONS
//
// Anything else gets 404. Mount it without http.StripPrefix:
//
//	ex := explore.Handler(explore.Options{Endpoint: "/graphql"})
//	mux.Handle("/explore", ex)
//	mux.Handle("/explore/", ex)
//
// # Security headers
//
// The page is sent with Cache-Control: no-cache and the same
// Content-Security-Policy as the playground's:
//
//	default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline';
//	img-src 'self' data:; font-src 'self' data:;
//	connect-src 'self' ws://HOST wss://HOST; base-uri 'none';
//	form-action 'none'; frame-ancestors 'self'
//
// where HOST is the request's Host. The page has no inline script (its
// settings travel in a <script type="application/json"> block, which browsers
// never execute). 'unsafe-inline' is allowed for styles only, because
// Cytoscape.js inserts a <style> element for its container. Assets are served
// under a path holding a hash of their content, with long-lived immutable
// caching, an ETag, and gzip when the client accepts it.
package explore

import (
	"bytes"
	"embed"
	"encoding/json"
	"html/template"
	"net/http"
	"sync"

	"github.com/kgql/kgql/graph/webassets"
)

// Paths the handler answers on.
const (
	// PagePath is the explorer page (PagePath + "/" serves it too).
	PagePath = "/explore"
	// AssetsPath is the prefix of the page's assets.
	AssetsPath = "/explore/assets/"
)

// Defaults applied by Handler to empty Options fields.
const (
	DefaultTitle      = "kgql explorer"
	DefaultEndpoint   = "/graphql"
	DefaultPlayground = "/"
	DefaultStart      = "asmex"
)

// Options configures the explorer page.
type Options struct {
	Title      string // page title; DefaultTitle when empty
	Endpoint   string // GraphQL endpoint path on the same server; DefaultEndpoint when empty
	Playground string // where "open in playground" points; DefaultPlayground when empty
	Start      string // id or key of the node the page opens on; DefaultStart when empty
}

//go:embed assets
var embedded embed.FS

// asset is one embedded file.
type asset = webassets.Asset

var (
	assetsOnce   sync.Once
	assetsByURL  map[string]*asset
	assetsByName map[string]*asset
)

// requiredAssets are the files the page loads.
var requiredAssets = []string{"cytoscape.min.js", "kgql-explore.js", "kgql-explore.css", "LICENSE.cytoscape", "VERSIONS"}

func loadAssets() { assetsOnce.Do(indexAssets) }

func indexAssets() {
	assetsByName, assetsByURL = webassets.Load(embedded, "assets", AssetsPath, "explore", requiredAssets...)
}

var pageTemplate = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{{.CSS.URL}}" integrity="{{.CSS.Integrity}}">
<link rel="license" href="{{.Licence}}">
</head>
<body>
<header>
  <h1>{{.Title}}</h1>
  <form id="search" role="search" autocomplete="off">
    <input id="search-text" type="search" placeholder="Search people, organizations, regions…" aria-label="Search">
    <button type="submit">Search</button>
  </form>
  <nav>
    <a id="playground-link" href="{{.Playground}}">open in playground</a>
    <button id="copy-query" type="button" title="Copy the GraphQL query behind the current view">copy query</button>
    <button id="fit" type="button">fit</button>
    <span id="live" role="status" title="Live updates (the nodeChanged subscription)"></span>
  </nav>
</header>
<main>
  <div id="canvas" aria-label="Graph"></div>
  <aside id="panel">
    <div id="status" role="status">Loading…</div>
    <ul id="hits" hidden></ul>
    <section id="path" hidden></section>
    <section id="details"><p class="hint">Click a node to expand it and see where its facts come from. Double-click collapses what it expanded. Shift-click two nodes for the shortest path between them.</p></section>
    <details id="view-query"><summary>GraphQL of this view</summary><pre></pre></details>
  </aside>
</main>
<noscript>The kgql explorer needs JavaScript.</noscript>
<script type="application/json" id="kgql-explore-config">{{.Config}}</script>
<script src="{{.Cytoscape.URL}}" integrity="{{.Cytoscape.Integrity}}"></script>
<script src="{{.JS.URL}}" integrity="{{.JS.Integrity}}"></script>
</body>
</html>
`))

func ref(name string) webassets.Ref { return webassets.RefTo(assetsByName, name) }

// pageConfig is the JSON read by kgql-explore.js.
type pageConfig struct {
	Endpoint   string `json:"endpoint"`
	Playground string `json:"playground"`
	Start      string `json:"start"`
}

type handler struct {
	opts Options
	once sync.Once
	page []byte
}

// Handler returns an http.Handler serving the explorer page at PagePath (and
// PagePath + "/") and its embedded assets under AssetsPath, 404 for any other
// path. It answers GET and HEAD only (405 otherwise). The page talks to
// opts.Endpoint, a path on the same server, with HTTP POST, and subscribes to
// nodeChanged over a websocket at the same path (ws: or wss: after the page's
// scheme).
func Handler(opts Options) http.Handler {
	if opts.Title == "" {
		opts.Title = DefaultTitle
	}
	if opts.Endpoint == "" {
		opts.Endpoint = DefaultEndpoint
	}
	if opts.Playground == "" {
		opts.Playground = DefaultPlayground
	}
	if opts.Start == "" {
		opts.Start = DefaultStart
	}
	return &handler{opts: opts}
}

func (h *handler) render() {
	loadAssets()
	// json.Marshal escapes <, > and &, so no value can close the script block.
	cfg, err := json.Marshal(pageConfig{Endpoint: h.opts.Endpoint, Playground: h.opts.Playground, Start: h.opts.Start})
	if err != nil {
		panic("explore: encoding page config: " + err.Error())
	}
	licences := webassets.Licences(assetsByName)
	var buf bytes.Buffer
	err = pageTemplate.Execute(&buf, struct {
		Title, Playground, Licence string
		CSS, Cytoscape, JS         webassets.Ref
		Config                     template.JS
	}{
		Title:      h.opts.Title,
		Playground: h.opts.Playground,
		Licence:    licences[0],
		CSS:        ref("kgql-explore.css"),
		Cytoscape:  ref("cytoscape.min.js"),
		JS:         ref("kgql-explore.js"),
		Config:     template.JS(cfg),
	})
	if err != nil {
		panic("explore: rendering page: " + err.Error())
	}
	h.page = buf.Bytes()
}

// ServeHTTP implements http.Handler.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.once.Do(h.render)
	p := r.URL.Path
	webassets.ServePage(w, r, p == PagePath || p == PagePath+"/", AssetsPath, assetsByURL, h.page)
}
