package playground

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// get runs one request through h and returns the recorded response.
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

// pageRefs returns the src and href values in page, HTML-unescaped.
func pageRefs(page string) []string {
	var refs []string
	for _, m := range regexp.MustCompile(`\s(?:src|href)="([^"]*)"`).FindAllStringSubmatch(page, -1) {
		refs = append(refs, html.UnescapeString(m[1]))
	}
	return refs
}

// pageConfigOf extracts and decodes the page's JSON config block.
func pageConfigOf(t *testing.T, page string) pageConfig {
	t.Helper()
	m := regexp.MustCompile(`(?s)<script type="application/json" id="kgql-playground-config">(.*?)</script>`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("config block not found in page:\n%s", page)
	}
	var cfg pageConfig
	if err := json.Unmarshal([]byte(m[1]), &cfg); err != nil {
		t.Fatalf("config block is not JSON: %v\n%s", err, m[1])
	}
	return cfg
}

func TestPage(t *testing.T) {
	h := Handler(Options{Title: "kgql playground", Endpoint: "/graphql", DefaultQuery: "{ nodes { id name } }"})
	rec := get(t, h, http.MethodGet, "/", nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET / = %d, want 200", rec.Code)
	}
	hd := rec.Header()
	if ct := hd.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("Content-Type = %q", ct)
	}
	if cc := hd.Get("Cache-Control"); cc != "no-cache" {
		t.Errorf("Cache-Control = %q, want no-cache", cc)
	}
	page := rec.Body.String()
	if !strings.Contains(page, "<title>kgql playground</title>") {
		t.Errorf("title missing:\n%s", page)
	}

	// No absolute http(s) URL at all, so certainly none of another host.
	if m := regexp.MustCompile(`(?i)https?://[^\s"'<>]*`).FindAllString(page, -1); len(m) > 0 {
		t.Errorf("page names absolute URLs %q", m)
	}
	// Every src/href is a same-origin absolute path (or the data: favicon).
	refs := pageRefs(page)
	if len(refs) < 6 {
		t.Fatalf("found only %d src/href in page:\n%s", len(refs), page)
	}
	for _, ref := range refs {
		if ref == "data:," {
			continue
		}
		if !strings.HasPrefix(ref, AssetsPath) || strings.HasPrefix(ref, "//") {
			t.Errorf("reference %q is not under %s", ref, AssetsPath)
		}
	}
	for _, want := range []string{"react.production.min.js", "react-dom.production.min.js", "graphiql.min.js", "graphiql.min.css", "kgql-playground.js", "kgql-playground.css"} {
		if !strings.Contains(page, "/"+want+`"`) {
			t.Errorf("page does not load %s", want)
		}
	}

	cfg := pageConfigOf(t, page)
	if cfg.Endpoint != "/graphql" || cfg.DefaultQuery != "{ nodes { id name } }" {
		t.Errorf("config = %+v", cfg)
	}
}

func TestPageCSP(t *testing.T) {
	h := Handler(Options{})
	csp := get(t, h, http.MethodGet, "http://127.0.0.1:8080/", nil).Header().Get("Content-Security-Policy")
	directives := map[string]string{}
	for _, d := range strings.Split(csp, ";") {
		name, value, _ := strings.Cut(strings.TrimSpace(d), " ")
		directives[name] = value
	}
	want := map[string]string{
		"default-src": "'none'",
		"script-src":  "'self'",
		"style-src":   "'self' 'unsafe-inline'",
		"connect-src": "'self' ws://127.0.0.1:8080 wss://127.0.0.1:8080",
		"font-src":    "'self' data:",
		"img-src":     "'self' data:",
	}
	for k, v := range want {
		if directives[k] != v {
			t.Errorf("CSP %s = %q, want %q (full: %s)", k, directives[k], v, csp)
		}
	}

	// A Host that could smuggle in a directive is left out.
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.Host = "evil; script-src *"
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if csp := rec.Header().Get("Content-Security-Policy"); strings.Contains(csp, "evil") || strings.Contains(csp, "script-src *") {
		t.Errorf("CSP took a hostile Host: %s", csp)
	}

	// An absolute Endpoint's origin is allowed for connections.
	csp = get(t, Handler(Options{Endpoint: "https://api.example.test/graphql"}), http.MethodGet, "/", nil).Header().Get("Content-Security-Policy")
	if !strings.Contains(csp, "https://api.example.test wss://api.example.test") {
		t.Errorf("CSP lacks the absolute endpoint's origin: %s", csp)
	}
}

func TestPageDefaults(t *testing.T) {
	page := get(t, Handler(Options{}), http.MethodGet, "/", nil).Body.String()
	if !strings.Contains(page, "<title>"+DefaultTitle+"</title>") {
		t.Errorf("default title missing")
	}
	cfg := pageConfigOf(t, page)
	if cfg.Endpoint != DefaultEndpoint || cfg.DefaultQuery != "" || cfg.StorageNamespace != "kgql-playground:/graphql:" {
		t.Errorf("default config = %+v", cfg)
	}
}

func TestPageEscaping(t *testing.T) {
	query := "# </script><script>alert(\"x\")</script> <!-- it's -->\n{ node(id: \"a\\\"b\") { name } } \u2028&"
	title := `<b>"kgql" & co</b>`
	page := get(t, Handler(Options{Title: title, DefaultQuery: query}), http.MethodGet, "/", nil).Body.String()

	if strings.Contains(page, "alert(") && strings.Contains(page, "<script>alert") {
		t.Errorf("query broke out of the config block:\n%s", page)
	}
	if strings.Count(page, "</script>") != strings.Count(page, "<script") {
		t.Errorf("unbalanced </script> in page:\n%s", page)
	}
	if strings.Contains(page, "<!--") {
		t.Errorf("query opened an HTML comment:\n%s", page)
	}
	if !strings.Contains(page, `\u003c/script\u003e`) {
		t.Errorf("query is not JSON-escaped in the page:\n%s", page)
	}
	if cfg := pageConfigOf(t, page); cfg.DefaultQuery != query {
		t.Errorf("decoded DefaultQuery = %q, want %q", cfg.DefaultQuery, query)
	}
	if strings.Contains(page, title) || !strings.Contains(page, "<title>&lt;b&gt;&#34;kgql&#34; &amp; co&lt;/b&gt;</title>") {
		t.Errorf("title not HTML-escaped:\n%s", page)
	}
}

// TestPageIgnoresQueryParams: ?query=, ?variables= and ?operationName= are read by the page's
// script only (into GraphiQL's editors). The server sends the very page and headers it sends for
// a bare "/" (the same CSP, still no-cache), so nothing of the parameters is ever reflected into
// the HTML, however hostile.
func TestPageIgnoresQueryParams(t *testing.T) {
	h := Handler(Options{DefaultQuery: "{ __typename }"})
	bare := get(t, h, http.MethodGet, "http://127.0.0.1:8080/", nil)
	hostile := `</script><script>alert(1)</script><!--`
	target := "http://127.0.0.1:8080/?" + url.Values{
		"query":         {"query Q($id: ID!) { node(id: $id) { id } } # " + hostile},
		"variables":     {`{"id":"` + hostile + `"}`},
		"operationName": {"Q" + hostile},
	}.Encode()
	rec := get(t, h, http.MethodGet, target, nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET %s = %d, want 200", target, rec.Code)
	}
	if !bytes.Equal(rec.Body.Bytes(), bare.Body.Bytes()) {
		t.Errorf("the page with ?query= differs from the bare page:\n%s", rec.Body.String())
	}
	if strings.Contains(rec.Body.String(), "alert(1)") {
		t.Errorf("a URL parameter was reflected into the page")
	}
	for _, k := range []string{"Content-Security-Policy", "Cache-Control", "Content-Type", "X-Content-Type-Options", "Referrer-Policy"} {
		if got, want := rec.Header().Get(k), bare.Header().Get(k); got != want {
			t.Errorf("%s with ?query= = %q, without = %q", k, got, want)
		}
	}
}

func TestAssetsServed(t *testing.T) {
	h := Handler(Options{})
	page := get(t, h, http.MethodGet, "/", nil).Body.String()
	sri := regexp.MustCompile(`(?:src|href)="([^"]*)" integrity="([^"]*)"`)
	matches := sri.FindAllStringSubmatch(page, -1)
	if len(matches) != 6 {
		t.Fatalf("want 6 scripts/styles with integrity, got %d", len(matches))
	}
	for _, ref := range pageRefs(page) {
		if ref == "data:," {
			continue
		}
		rec := get(t, h, http.MethodGet, ref, nil)
		if rec.Code != http.StatusOK {
			t.Errorf("GET %s = %d", ref, rec.Code)
			continue
		}
		if rec.Body.Len() == 0 {
			t.Errorf("GET %s: empty body", ref)
		}
		wantCT := "text/plain; charset=utf-8"
		switch {
		case strings.HasSuffix(ref, ".js"):
			wantCT = "text/javascript; charset=utf-8"
		case strings.HasSuffix(ref, ".css"):
			wantCT = "text/css; charset=utf-8"
		}
		if ct := rec.Header().Get("Content-Type"); ct != wantCT {
			t.Errorf("GET %s: Content-Type %q, want %q", ref, ct, wantCT)
		}
		if cc := rec.Header().Get("Cache-Control"); cc != "public, max-age=31536000, immutable" {
			t.Errorf("GET %s: Cache-Control %q", ref, cc)
		}
		if rec.Header().Get("Content-Encoding") != "" {
			t.Errorf("GET %s: encoded without Accept-Encoding", ref)
		}
	}
	for _, m := range matches {
		ref, integrity := html.UnescapeString(m[1]), html.UnescapeString(m[2])
		body := get(t, h, http.MethodGet, ref, nil).Body.Bytes()
		sum := sha256.Sum256(body)
		if got := "sha256-" + base64.StdEncoding.EncodeToString(sum[:]); got != integrity {
			t.Errorf("%s: integrity %s, body hashes to %s", ref, integrity, got)
		}
	}
}

// TestPinnedFiles checks that the embedded third-party files are the
// published ones: these are the SRI hashes gqlgen v0.17.98 pins for the same
// files on cdn.jsdelivr.net.
func TestPinnedFiles(t *testing.T) {
	loadAssets()
	want := map[string]string{
		"react.production.min.js":     "sha256-S0lp+k7zWUMk2ixteM6HZvu8L9Eh//OVrt+ZfbCpmgY=",
		"react-dom.production.min.js": "sha256-IXWO0ITNDjfnNXIu5POVfqlgYoop36bDzhodR6LW5Pc=",
		"graphiql.min.js":             "sha256-hnImuor1znlJkD/FOTL3jayfS/xsyNoP04abi8bFJWs=",
		"graphiql.min.css":            "sha256-MEh+B2NdMSpj9kexQNN3QKc8UzMrCXW/Sx/phcpuyIU=",
	}
	for name, sri := range want {
		a := assetsByName[name]
		if a == nil {
			t.Errorf("%s not embedded", name)
			continue
		}
		if a.Integrity != sri {
			t.Errorf("%s: %s, want %s", name, a.Integrity, sri)
		}
	}
}

func TestLicencesEmbedded(t *testing.T) {
	loadAssets()
	h := Handler(Options{})
	page := get(t, h, http.MethodGet, "/", nil).Body.String()
	for _, name := range []string{"LICENSE.graphiql", "LICENSE.react", "LICENSE.react-dom"} {
		body, err := embedded.ReadFile("assets/" + name)
		if err != nil {
			t.Errorf("%s not embedded: %v", name, err)
			continue
		}
		if !bytes.HasPrefix(body, []byte("MIT License")) || !bytes.Contains(body, []byte("Permission is hereby granted")) {
			t.Errorf("%s is not the MIT licence text", name)
		}
		a := assetsByName[name]
		if !strings.Contains(page, `<link rel="license" href="`+a.URLPath+`">`) {
			t.Errorf("page does not link %s", name)
		}
		if rec := get(t, h, http.MethodGet, a.URLPath, nil); rec.Code != http.StatusOK || !bytes.Equal(rec.Body.Bytes(), body) {
			t.Errorf("GET %s = %d", a.URLPath, rec.Code)
		}
	}
	versions, err := embedded.ReadFile("assets/VERSIONS")
	if err != nil {
		t.Fatalf("VERSIONS not embedded: %v", err)
	}
	for _, want := range []string{
		"react@18.2.0", "react-dom@18.2.0", "graphiql@4.1.2",
		"sha512-/3IjMdb2L9QbBdWiW5e3P2/npwMBaU9mHCSCUzNln0ZCYbcfTsGbTJrU/kGemdH2IWmB2ioZ+zkxtmq6g09fGQ==",
		"sha512-6IMTriUmvsjHUjNtEDudZfuDQUoWXVxKHhlEGSk81n4YFS+r/Kl99wXiwlVXtPBtJenozv2P+hxDsw9eA7Xo6g==",
		"sha512-rNlzQIAzm6i2KBXmVQWBgLvt0TloxFVB2d18bukvdsvjEuFDHsKx5IVOomL1W1o5WW+tE54+ioHb2AEKzO2cUg==",
	} {
		if !bytes.Contains(versions, []byte(want)) {
			t.Errorf("VERSIONS lacks %s", want)
		}
	}
}

func TestNotFound(t *testing.T) {
	loadAssets()
	h := Handler(Options{})
	graphiql := assetsByName["graphiql.min.js"].URLPath
	for _, p := range []string{
		"/index.html", "/graphql", "/playground", "/playground/", "/playground/assets/",
		"/playground/assets/graphiql.min.js",
		"/playground/assets/0000000000000000/graphiql.min.js",
		graphiql + "/", graphiql + ".map",
		"/playground/assets/../assets/graphiql.min.js",
		"/favicon.ico",
	} {
		if rec := get(t, h, http.MethodGet, p, nil); rec.Code != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", p, rec.Code)
		}
	}
}

func TestMethods(t *testing.T) {
	loadAssets()
	h := Handler(Options{})
	rec := get(t, h, http.MethodPost, "/", nil)
	if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != "GET, HEAD" {
		t.Errorf("POST / = %d Allow=%q", rec.Code, rec.Header().Get("Allow"))
	}
	rec = get(t, h, http.MethodHead, "/", nil)
	if rec.Code != http.StatusOK || rec.Body.Len() != 0 {
		t.Errorf("HEAD / = %d with %d body bytes", rec.Code, rec.Body.Len())
	}
	a := assetsByName["graphiql.min.js"]
	rec = get(t, h, http.MethodHead, a.URLPath, nil)
	if rec.Code != http.StatusOK || rec.Body.Len() != 0 || rec.Header().Get("Content-Length") != "1066442" {
		t.Errorf("HEAD asset = %d, %d body bytes, Content-Length %q", rec.Code, rec.Body.Len(), rec.Header().Get("Content-Length"))
	}
}

func TestAssetGzipAndETag(t *testing.T) {
	loadAssets()
	h := Handler(Options{})
	a := assetsByName["graphiql.min.js"]

	rec := get(t, h, http.MethodGet, a.URLPath, map[string]string{"Accept-Encoding": "br, gzip;q=0.8"})
	if rec.Header().Get("Content-Encoding") != "gzip" {
		t.Fatalf("no gzip for Accept-Encoding gzip")
	}
	zr, err := gzip.NewReader(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := io.ReadAll(zr)
	if err != nil || !bytes.Equal(plain, a.Body) {
		t.Errorf("gzip body does not decode to the asset (err %v)", err)
	}

	rec = get(t, h, http.MethodGet, a.URLPath, map[string]string{"Accept-Encoding": "gzip;q=0, identity"})
	if rec.Header().Get("Content-Encoding") != "" || !bytes.Equal(rec.Body.Bytes(), a.Body) {
		t.Errorf("gzip;q=0 still got gzip")
	}

	etag := rec.Header().Get("ETag")
	rec = get(t, h, http.MethodGet, a.URLPath, map[string]string{"If-None-Match": etag})
	if rec.Code != http.StatusNotModified || rec.Body.Len() != 0 {
		t.Errorf("If-None-Match %s = %d", etag, rec.Code)
	}
}

// TestMounted checks the mounting the package documents, through a real
// HTTP server.
func TestMounted(t *testing.T) {
	h := Handler(Options{Endpoint: "/graphql"})
	mux := http.NewServeMux()
	mux.Handle("/", h)
	mux.Handle("/playground/", h)
	mux.HandleFunc("/graphql", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"data":{}}`)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	res, err := http.Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	_ = res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET / = %d", res.StatusCode)
	}
	for _, ref := range pageRefs(string(body)) {
		if ref == "data:," {
			continue
		}
		res, err := http.Get(srv.URL + ref) // the client asks for and undoes gzip itself
		if err != nil {
			t.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, res.Body)
		_ = res.Body.Close()
		if res.StatusCode != http.StatusOK || n == 0 {
			t.Errorf("GET %s = %d with %d bytes", ref, res.StatusCode, n)
		}
	}
	res, err = http.Get(srv.URL + "/nope")
	if err != nil {
		t.Fatal(err)
	}
	_ = res.Body.Close()
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("GET /nope = %d, want 404", res.StatusCode)
	}
}
