// Package playground serves the GraphiQL playground for kgql entirely from
// the binary.
//
// gqlgen's stock playground.Handler loads React, ReactDOM and GraphiQL from
// cdn.jsdelivr.net, so on a closed network its page never gets past
// "Loading…". This package embeds the same published files (React 18.2.0,
// ReactDOM 18.2.0, GraphiQL 4.1.2; see assets/VERSIONS for their npm tarball
// integrity hashes and the licence files next to them) and serves them itself,
// so the page works in a browser that can reach nothing but the kgql server.
//
// # Mounting
//
// The handler answers on absolute paths:
//
//	/                         the playground page
//	/playground/assets/...    its scripts, styles, licences and VERSIONS
//
// Anything else gets 404. Mount it so that both reach it unchanged (no
// http.StripPrefix):
//
//	h := playground.Handler(playground.Options{Endpoint: "/graphql"})
//	mux.Handle("/", h)            // the page; other unmatched paths get 404 from h
//	mux.Handle("/playground/", h) // the assets
//
// (With Go 1.22 patterns, "GET /{$}" and "GET /playground/assets/" work too.)
//
// # URL parameters
//
// The page's script fills GraphiQL's editors from the page URL's query
// string when it has them: ?query= (the query editor, in place of
// DefaultQuery), ?variables= (the variables editor) and ?operationName= (the
// operation GraphiQL runs). They are plain text handed to the editors, never
// run automatically, and never read by the server: the page and its headers
// are the same with or without them. Without them the page behaves as before
// (DefaultQuery, or GraphiQL's own stored tabs and welcome text). The
// explorer's "open in playground" link uses them.
//
// # Security headers
//
// The page is sent with Cache-Control: no-cache and this
// Content-Security-Policy:
//
//	default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline';
//	img-src 'self' data:; font-src 'self' data:;
//	connect-src 'self' ws://HOST wss://HOST; base-uri 'none';
//	form-action 'none'; frame-ancestors 'self'
//
// where HOST is the request's Host. Scripts come only from the server itself:
// the page has no inline script (its settings travel in a
// <script type="application/json"> block, which browsers never execute) and
// the bootstrap code is the embedded kgql-playground.js. 'unsafe-inline' is
// allowed for styles only, because GraphiQL's UI libraries inject <style>
// elements at run time. data: is allowed for fonts and images because
// graphiql.min.css inlines its fonts and icons that way. Behind a proxy that
// rewrites Host, browsers still match the websocket through 'self' (CSP
// level 3).
//
// Assets are served under a path that contains a hash of their content, with
// Cache-Control: public, max-age=31536000, immutable, an ETag, and gzip when
// the client accepts it.
package playground

import (
	"bytes"
	"embed"
	"encoding/json"
	"html/template"
	"net/http"
	"net/url"
	"sync"

	"github.com/kgql/kgql/graph/webassets"
)

// AssetsPath is the path prefix under which Handler serves the page's assets
// (scripts, styles, licence files and VERSIONS). The server must route it to
// the handler without stripping the prefix.
const AssetsPath = "/playground/assets/"

// Defaults applied by Handler to empty Options fields.
const (
	// DefaultTitle is the page title used when Options.Title is empty.
	DefaultTitle = "kgql playground"
	// DefaultEndpoint is the GraphQL endpoint used when Options.Endpoint is
	// empty.
	DefaultEndpoint = "/graphql"
)

// Options configures the playground page.
type Options struct {
	Title        string // page title, e.g. "kgql playground"; DefaultTitle when empty
	Endpoint     string // GraphQL endpoint path, e.g. "/graphql"; DefaultEndpoint when empty
	DefaultQuery string // the query the editor opens with; GraphiQL's own welcome text when empty
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
var requiredAssets = []string{"react.production.min.js", "react-dom.production.min.js", "graphiql.min.js", "graphiql.min.css", "kgql-playground.js", "kgql-playground.css"}

// loadAssets indexes the embedded assets (hashing them), once, on first use rather than at
// program start: the hashes cost tens of milliseconds that a server's start need not wait for.
func loadAssets() { assetsOnce.Do(indexAssets) }

func indexAssets() {
	assetsByName, assetsByURL = webassets.Load(embedded, "assets", AssetsPath, "playground", requiredAssets...)
}

var pageTemplate = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{{.GraphiQLCSS.URL}}" integrity="{{.GraphiQLCSS.Integrity}}">
<link rel="stylesheet" href="{{.PageCSS.URL}}" integrity="{{.PageCSS.Integrity}}">
{{range .Licences}}<link rel="license" href="{{.}}">
{{end}}</head>
<body>
<div id="graphiql"><div class="kgql-loading">Loading…</div></div>
<noscript>The kgql playground needs JavaScript.</noscript>
<script type="application/json" id="kgql-playground-config">{{.Config}}</script>
<script src="{{.React.URL}}" integrity="{{.React.Integrity}}"></script>
<script src="{{.ReactDOM.URL}}" integrity="{{.ReactDOM.Integrity}}"></script>
<script src="{{.GraphiQLJS.URL}}" integrity="{{.GraphiQLJS.Integrity}}"></script>
<script src="{{.Bootstrap.URL}}" integrity="{{.Bootstrap.Integrity}}"></script>
</body>
</html>
`))

// ref is how the page template refers to an asset.
func ref(name string) webassets.Ref { return webassets.RefTo(assetsByName, name) }

// pageConfig is the JSON read by kgql-playground.js.
type pageConfig struct {
	Endpoint         string `json:"endpoint"`
	DefaultQuery     string `json:"defaultQuery"`
	StorageNamespace string `json:"storageNamespace"`
}

// handler serves the page and the assets.
type handler struct {
	opts          Options
	once          sync.Once // renders page on first use
	page          []byte
	connectExtras []string // origins of an absolute Endpoint, for connect-src
}

// Handler returns an http.Handler that serves the GraphiQL page at "/" and
// its embedded assets under AssetsPath ("/playground/assets/"), and 404 for
// every other path. It answers GET and HEAD only (405 otherwise).
//
// Mount it so that both "/" and "/playground/" reach it with the full path
// (see the package documentation). The page talks to opts.Endpoint over HTTP
// POST for queries and mutations, and over a websocket (graphql-transport-ws)
// at the same path, ws: or wss: after the page's own scheme, for
// subscriptions. The Endpoint should be a path on the same server: the
// page's Content-Security-Policy allows connections to the page's own origin
// (and, for an absolute Endpoint URL, to that URL's origin).
func Handler(opts Options) http.Handler {
	if opts.Title == "" {
		opts.Title = DefaultTitle
	}
	if opts.Endpoint == "" {
		opts.Endpoint = DefaultEndpoint
	}

	h := &handler{opts: opts}
	if u, err := url.Parse(opts.Endpoint); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
		ws := "ws"
		if u.Scheme == "https" {
			ws = "wss"
		}
		h.connectExtras = []string{u.Scheme + "://" + u.Host, ws + "://" + u.Host}
	}
	return h
}

// render builds the page (on first use: it needs the assets' hashes).
func (h *handler) render() {
	loadAssets()
	opts := h.opts
	// json.Marshal escapes <, > and & (and U+2028/U+2029), so no value can
	// close the <script type="application/json"> block or start a comment.
	cfg, err := json.Marshal(pageConfig{
		Endpoint:     opts.Endpoint,
		DefaultQuery: opts.DefaultQuery,
		// One namespace per endpoint, shared by no other GraphiQL.
		StorageNamespace: "kgql-playground:" + opts.Endpoint + ":",
	})
	if err != nil {
		panic("playground: encoding page config: " + err.Error())
	}

	// <link rel="license"> for each third-party licence (browsers do not
	// fetch these; they point readers and tools at the embedded texts).
	licences := webassets.Licences(assetsByName)

	var buf bytes.Buffer
	err = pageTemplate.Execute(&buf, struct {
		Title                                  string
		GraphiQLCSS, PageCSS                   webassets.Ref
		React, ReactDOM, GraphiQLJS, Bootstrap webassets.Ref
		Licences                               []string
		Config                                 template.JS
	}{
		Title:       opts.Title,
		GraphiQLCSS: ref("graphiql.min.css"),
		PageCSS:     ref("kgql-playground.css"),
		React:       ref("react.production.min.js"),
		ReactDOM:    ref("react-dom.production.min.js"),
		GraphiQLJS:  ref("graphiql.min.js"),
		Bootstrap:   ref("kgql-playground.js"),
		Licences:    licences,
		Config:      template.JS(cfg),
	})
	if err != nil {
		panic("playground: rendering page: " + err.Error())
	}
	h.page = buf.Bytes()
}

// ServeHTTP implements http.Handler.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.once.Do(h.render)
	p := r.URL.Path
	webassets.ServePage(w, r, p == "/", AssetsPath, assetsByURL, h.page, h.connectExtras...)
}
