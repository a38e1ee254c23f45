// Package webassets serves the files that kgql's pages embed (the playground, graph/playground,
// and the explorer, graph/explore): content-addressed URLs with long-lived caching, ETags, gzip
// when it pays, Subresource Integrity values, and the pages' Content-Security-Policy.
package webassets

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Asset is one embedded file.
type Asset struct {
	Name        string // file name inside the directory
	Body        []byte
	ContentType string
	URLPath     string // prefix + hash + "/" + name
	ETag        string // quoted content hash
	Integrity   string // Subresource Integrity value, "sha256-<base64>"

	gzipOnce sync.Once
	gzipped  []byte // nil when gzip does not make it smaller
}

// Load indexes the files of dir in fsys (hashing them), by name and by URL path under prefix.
// It panics, naming owner, when a file cannot be read or one of required is missing: the files
// are embedded, so that is a build mistake.
func Load(fsys fs.FS, dir, prefix, owner string, required ...string) (byName, byURL map[string]*Asset) {
	byName, byURL = map[string]*Asset{}, map[string]*Asset{}
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		panic(owner + ": reading embedded assets: " + err.Error())
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		body, err := fs.ReadFile(fsys, dir+"/"+e.Name())
		if err != nil {
			panic(owner + ": reading embedded asset: " + err.Error())
		}
		sum := sha256.Sum256(body)
		a := &Asset{
			Name:        e.Name(),
			Body:        body,
			ContentType: ContentTypeFor(e.Name()),
			URLPath:     prefix + hex.EncodeToString(sum[:8]) + "/" + e.Name(),
			ETag:        `"` + hex.EncodeToString(sum[:]) + `"`,
			Integrity:   "sha256-" + base64.StdEncoding.EncodeToString(sum[:]),
		}
		byName[a.Name], byURL[a.URLPath] = a, a
	}
	for _, name := range required {
		if byName[name] == nil {
			panic(owner + ": embedded asset missing: " + name)
		}
	}
	return byName, byURL
}

// ContentTypeFor maps an asset file name to its Content-Type. It does not consult the system's
// MIME tables, so the answer is the same everywhere.
func ContentTypeFor(name string) string {
	switch path.Ext(name) {
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	default: // LICENSE.*, VERSIONS
		return "text/plain; charset=utf-8"
	}
}

// Gzip returns the gzip-compressed body, computed on first use, or nil when compression does not
// pay.
func (a *Asset) Gzip() []byte {
	a.gzipOnce.Do(func() {
		var buf bytes.Buffer
		zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		if err != nil {
			return
		}
		if _, err := zw.Write(a.Body); err != nil {
			return
		}
		if err := zw.Close(); err != nil {
			return
		}
		if buf.Len() < len(a.Body) {
			a.gzipped = buf.Bytes()
		}
	})
	return a.gzipped
}

// Ref is how a page template refers to an asset: its URL and its Subresource Integrity value.
type Ref struct{ URL, Integrity string }

// RefTo is the Ref of the asset called name in byName.
func RefTo(byName map[string]*Asset, name string) Ref {
	a := byName[name]
	return Ref{URL: a.URLPath, Integrity: a.Integrity}
}

// Licences returns the URL paths of the LICENSE.* files of byName, sorted.
func Licences(byName map[string]*Asset) []string {
	var out []string
	for name, a := range byName {
		if strings.HasPrefix(name, "LICENSE.") {
			out = append(out, a.URLPath)
		}
	}
	slices.Sort(out)
	return out
}

// ServePage answers a request to a page's handler: the page when isPage, an asset when the path
// is under prefix (404 for one that is not in byURL), 404 for anything else; GET and HEAD only
// (405 otherwise). The page goes out with no-cache, the CSP (CSP(r.Host, extraConnect...)),
// nosniff and no-referrer.
func ServePage(w http.ResponseWriter, r *http.Request, isPage bool, prefix string, byURL map[string]*Asset, page []byte, extraConnect ...string) {
	var a *Asset
	switch {
	case isPage:
	case strings.HasPrefix(r.URL.Path, prefix):
		if a = byURL[r.URL.Path]; a == nil {
			http.NotFound(w, r)
			return
		}
	default:
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		return
	}
	if a != nil {
		Serve(w, r, a)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Cache-Control", "no-cache")
	hd.Set("Content-Security-Policy", CSP(r.Host, extraConnect...))
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(page)
	}
}

// Serve writes one asset with long-lived caching headers (its URL changes with its content).
func Serve(w http.ResponseWriter, r *http.Request, a *Asset) {
	hd := w.Header()
	hd.Set("Content-Type", a.ContentType)
	hd.Set("Cache-Control", "public, max-age=31536000, immutable")
	hd.Set("ETag", a.ETag)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Vary", "Accept-Encoding")
	if etagMatches(r.Header.Get("If-None-Match"), a.ETag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := a.Body
	if acceptsGzip(r.Header.Get("Accept-Encoding")) {
		if gz := a.Gzip(); gz != nil {
			body = gz
			hd.Set("Content-Encoding", "gzip")
		}
	}
	hd.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

// etagMatches reports whether an If-None-Match header value names etag (weak comparison, as
// RFC 9110 prescribes for If-None-Match).
func etagMatches(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == etag {
			return true
		}
	}
	return false
}

// acceptsGzip reports whether an Accept-Encoding header value allows gzip (listed, or covered by
// "*", without q=0).
func acceptsGzip(header string) bool {
	for _, part := range strings.Split(header, ",") {
		fields := strings.Split(part, ";")
		coding := strings.ToLower(strings.TrimSpace(fields[0]))
		if coding != "gzip" && coding != "x-gzip" && coding != "*" {
			continue
		}
		refused := false
		for _, param := range fields[1:] {
			k, v, _ := strings.Cut(strings.TrimSpace(param), "=")
			if strings.EqualFold(strings.TrimSpace(k), "q") {
				v = strings.TrimRight(strings.TrimSpace(v), "0")
				refused = v == "" || v == "0" || v == "0."
			}
		}
		if !refused {
			return true
		}
	}
	return false
}

// CSP is a page's Content-Security-Policy for a request to host: its own scripts and styles
// only, connections to its own origin (the websocket too; 'self' covers same-origin websockets
// in CSP level 3 browsers, the explicit entries serve older ones) and to extraConnect.
func CSP(host string, extraConnect ...string) string {
	connect := []string{"'self'"}
	if ValidHost(host) {
		connect = append(connect, "ws://"+host, "wss://"+host)
	}
	connect = append(connect, extraConnect...)
	return strings.Join([]string{
		"default-src 'none'",
		"script-src 'self'",
		"style-src 'self' 'unsafe-inline'",
		"img-src 'self' data:",
		"font-src 'self' data:",
		"connect-src " + strings.Join(connect, " "),
		"base-uri 'none'",
		"form-action 'none'",
		"frame-ancestors 'self'",
	}, "; ")
}

// ValidHost reports whether host (a request's Host) is safe to write into the CSP header: a host
// name, IPv4 or bracketed IPv6 address, with an optional port, and nothing that could end a source
// expression.
func ValidHost(host string) bool {
	if host == "" || len(host) > 255 {
		return false
	}
	for _, c := range host {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '.', c == '-', c == ':', c == '[', c == ']', c == '_':
		default:
			return false
		}
	}
	return true
}
