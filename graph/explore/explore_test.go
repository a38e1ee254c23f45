package explore

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/kgql/kgql/graph/playground"
)

func get(t *testing.T, h http.Handler, method, target string, header map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

var refRE = regexp.MustCompile(`\s(src|href|integrity)="([^"]*)"`)

// pageRefs returns the page's src and href values, HTML-unescaped, each with the integrity
// attribute that follows it on the same element ("" when none).
func pageRefs(page string) map[string]string {
	refs := map[string]string{}
	for _, tag := range regexp.MustCompile(`<(?:script|link|a|img)\s[^>]*>`).FindAllString(page, -1) {
		var ref, sri string
		for _, m := range refRE.FindAllStringSubmatch(tag, -1) {
			if m[1] == "integrity" {
				sri = html.UnescapeString(m[2])
			} else {
				ref = html.UnescapeString(m[2])
			}
		}
		if ref != "" {
			refs[ref] = sri
		}
	}
	return refs
}

func TestPage(t *testing.T) {
	h := Handler(Options{})
	for _, p := range []string{"/explore", "/explore/"} {
		rec := get(t, h, http.MethodGet, p, nil)
		if rec.Code != http.StatusOK {
			t.Fatalf("GET %s = %d, want 200", p, rec.Code)
		}
		hd := rec.Header()
		if ct := hd.Get("Content-Type"); ct != "text/html; charset=utf-8" {
			t.Errorf("GET %s: Content-Type = %q", p, ct)
		}
		if cc := hd.Get("Cache-Control"); cc != "no-cache" {
			t.Errorf("GET %s: Cache-Control = %q", p, cc)
		}
		want := "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
			"font-src 'self' data:; connect-src 'self' ws://example.com wss://example.com; base-uri 'none'; " +
			"form-action 'none'; frame-ancestors 'self'"
		if csp := hd.Get("Content-Security-Policy"); csp != want {
			t.Errorf("GET %s: CSP = %q\nwant %q", p, csp, want)
		}
		if hd.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s: no X-Content-Type-Options: nosniff", p)
		}
	}

	page := get(t, h, http.MethodGet, "/explore", nil).Body.String()
	if !strings.Contains(page, "<title>kgql explorer</title>") {
		t.Errorf("title missing:\n%s", page)
	}
	// No absolute URL at all, so none of another host.
	if m := regexp.MustCompile(`(?i)(?:https?:|wss?:)?//[a-z0-9]`).FindAllString(page, -1); len(m) > 0 {
		t.Errorf("page names absolute URLs %q", m)
	}
	// No inline script: only src= scripts and the JSON config block.
	for _, m := range regexp.MustCompile(`<script([^>]*)>`).FindAllStringSubmatch(page, -1) {
		if !strings.Contains(m[1], ` src="`) && !strings.Contains(m[1], `type="application/json"`) {
			t.Errorf("inline script <script%s>", m[1])
		}
	}
	refs := pageRefs(page)
	seen := map[string]bool{}
	for ref, sri := range refs {
		switch {
		case ref == "data:,": // the empty favicon
			continue
		case ref == DefaultPlayground: // "open in playground"
			continue
		case !strings.HasPrefix(ref, AssetsPath):
			t.Errorf("page refers to %q, not under %s", ref, AssetsPath)
			continue
		}
		rec := get(t, h, http.MethodGet, ref, nil)
		if rec.Code != http.StatusOK {
			t.Errorf("GET %s = %d", ref, rec.Code)
			continue
		}
		name := ref[strings.LastIndex(ref, "/")+1:]
		seen[name] = true
		if sri != "" {
			sum := sha256.Sum256(rec.Body.Bytes())
			if got := "sha256-" + base64.StdEncoding.EncodeToString(sum[:]); got != sri {
				t.Errorf("%s: integrity %s, body hashes to %s", ref, sri, got)
			}
		} else if !strings.HasPrefix(name, "LICENSE.") {
			t.Errorf("%s has no integrity attribute", ref)
		}
	}
	for _, name := range []string{"cytoscape.min.js", "kgql-explore.js", "kgql-explore.css", "LICENSE.cytoscape"} {
		if !seen[name] {
			t.Errorf("page does not load %s", name)
		}
	}

	m := regexp.MustCompile(`(?s)<script type="application/json" id="kgql-explore-config">(.*?)</script>`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no config block")
	}
	var cfg pageConfig
	if err := json.Unmarshal([]byte(m[1]), &cfg); err != nil {
		t.Fatalf("config block: %v", err)
	}
	if cfg != (pageConfig{Endpoint: "/graphql", Playground: "/", Start: "asmex"}) {
		t.Errorf("config = %+v", cfg)
	}
}

func TestAssets(t *testing.T) {
	h := Handler(Options{})
	loadAssets()
	cases := map[string]string{
		"cytoscape.min.js":  "text/javascript; charset=utf-8",
		"kgql-explore.js":   "text/javascript; charset=utf-8",
		"kgql-explore.css":  "text/css; charset=utf-8",
		"LICENSE.cytoscape": "text/plain; charset=utf-8",
		"VERSIONS":          "text/plain; charset=utf-8",
	}
	for name, ct := range cases {
		a := assetsByName[name]
		rec := get(t, h, http.MethodGet, a.URLPath, nil)
		if rec.Code != http.StatusOK {
			t.Errorf("GET %s = %d", a.URLPath, rec.Code)
			continue
		}
		if got := rec.Header().Get("Content-Type"); got != ct {
			t.Errorf("%s: Content-Type = %q, want %q", name, got, ct)
		}
		if got := rec.Header().Get("Cache-Control"); got != "public, max-age=31536000, immutable" {
			t.Errorf("%s: Cache-Control = %q", name, got)
		}
		if rec.Header().Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: no nosniff", name)
		}
		// Conditional GET.
		if rec := get(t, h, http.MethodGet, a.URLPath, map[string]string{"If-None-Match": rec.Header().Get("ETag")}); rec.Code != http.StatusNotModified {
			t.Errorf("%s: If-None-Match = %d, want 304", name, rec.Code)
		}
	}

	// gzip, decoding to the same bytes.
	a := assetsByName["cytoscape.min.js"]
	rec := get(t, h, http.MethodGet, a.URLPath, map[string]string{"Accept-Encoding": "gzip"})
	if rec.Header().Get("Content-Encoding") != "gzip" {
		t.Fatalf("cytoscape.min.js not gzipped")
	}
	zr, err := gzip.NewReader(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(zr)
	if err != nil || string(body) != string(a.Body) {
		t.Errorf("gzip body differs (err %v)", err)
	}

	// The vendored library is the one VERSIONS names.
	versions := string(assetsByName["VERSIONS"].Body)
	sum := sha256.Sum256(a.Body)
	if !strings.Contains(versions, "cytoscape@3.") || !strings.Contains(versions, hex.EncodeToString(sum[:])) {
		t.Errorf("VERSIONS does not name cytoscape@3.x with sha256 %s", hex.EncodeToString(sum[:]))
	}
	if !strings.Contains(string(assetsByName["LICENSE.cytoscape"].Body), "Permission is hereby granted") {
		t.Errorf("LICENSE.cytoscape is not the MIT licence text")
	}
}

func TestNotFoundAndMethods(t *testing.T) {
	h := Handler(Options{})
	for _, p := range []string{"/", "/explorer", "/explore/x", AssetsPath, AssetsPath + "0000000000000000/cytoscape.min.js", "/playground/"} {
		if rec := get(t, h, http.MethodGet, p, nil); rec.Code != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", p, rec.Code)
		}
	}
	rec := get(t, h, http.MethodPost, "/explore", nil)
	if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != "GET, HEAD" {
		t.Errorf("POST /explore = %d, Allow %q", rec.Code, rec.Header().Get("Allow"))
	}
	if rec := get(t, h, http.MethodHead, "/explore", nil); rec.Code != http.StatusOK || rec.Body.Len() != 0 {
		t.Errorf("HEAD /explore = %d with %d bytes", rec.Code, rec.Body.Len())
	}
}

func TestCSPHost(t *testing.T) {
	h := Handler(Options{})
	req := httptest.NewRequest(http.MethodGet, "/explore", nil)
	req.Host = "evil.example; script-src *"
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	csp := rec.Header().Get("Content-Security-Policy")
	if strings.Contains(csp, "evil") || !strings.Contains(csp, "connect-src 'self';") {
		t.Errorf("CSP with a bad Host = %q", csp)
	}
}

func TestOptions(t *testing.T) {
	h := Handler(Options{Title: "T <x>", Endpoint: "/api/graphql", Playground: "/pg/", Start: "hassan-yanja"})
	page := get(t, h, http.MethodGet, "/explore", nil).Body.String()
	if !strings.Contains(page, "<title>T &lt;x&gt;</title>") {
		t.Errorf("title not escaped:\n%s", page)
	}
	if !strings.Contains(page, `href="/pg/"`) {
		t.Errorf("playground link missing")
	}
	if !strings.Contains(page, `{"endpoint":"/api/graphql","playground":"/pg/","start":"hassan-yanja"}`) {
		t.Errorf("config not carried:\n%s", page)
	}
}

// TestOwnAssetsSameOrigin: the explorer's own script and styles name no other host: the script
// talks only to the configured endpoint (resolved against the page) and its websocket.
func TestOwnAssetsSameOrigin(t *testing.T) {
	loadAssets()
	abs := regexp.MustCompile(`(?i)\b(?:https?|wss?):/{2}`)
	for _, name := range []string{"kgql-explore.js", "kgql-explore.css"} {
		if m := abs.FindAllString(string(assetsByName[name].Body), -1); len(m) > 0 {
			t.Errorf("%s names absolute URLs %q", name, m)
		}
	}
	js := string(assetsByName["kgql-explore.js"].Body)
	for _, want := range []string{"config.endpoint", "'graphql-transport-ws'", "connection_init", "neighborhood(id:", "shortestPath(", "search(text:", "nodeChanged("} {
		if !strings.Contains(js, want) {
			t.Errorf("kgql-explore.js does not contain %q", want)
		}
	}
}

// TestPlaygroundLinkTarget: the page's script points "open in playground" at Options.Playground
// with ?query=…&variables=… of the current view. With the defaults, that target is the
// playground's page: its handler must answer it, query string and all, with the page it serves
// at "/" (the parameters are read by the playground's script, never by the server).
func TestPlaygroundLinkTarget(t *testing.T) {
	pg := playground.Handler(playground.Options{Endpoint: DefaultEndpoint})
	bare := get(t, pg, http.MethodGet, DefaultPlayground, nil)
	target := DefaultPlayground + "?" + url.Values{
		"query":     {"query ExploreNeighborhood($id: ID!) {\n  neighborhood(id: $id, depth: 1, first: 100) { truncated }\n}"},
		"variables": {`{"id":"asmex"}`},
	}.Encode()
	rec := get(t, pg, http.MethodGet, target, nil)
	if rec.Code != http.StatusOK || bare.Code != http.StatusOK {
		t.Fatalf("playground: GET %s = %d, GET %s = %d, want 200", target, rec.Code, DefaultPlayground, bare.Code)
	}
	if !bytes.Equal(rec.Body.Bytes(), bare.Body.Bytes()) {
		t.Errorf("the playground page for the link differs from its bare page")
	}
	if got, want := rec.Header().Get("Content-Security-Policy"), bare.Header().Get("Content-Security-Policy"); got != want {
		t.Errorf("playground CSP for the link = %q, bare = %q", got, want)
	}
}
