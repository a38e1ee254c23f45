package graph_test

// HTTP-level tests of graph.NewHandler: CORS, the websocket origin gate, the transports, /healthz,
// the playground page, the body limit and request ids. Helpers here are prefixed with "http" so
// that they never collide with the package's shared test helpers.

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/kgql/kgql/graph"
	"github.com/kgql/kgql/store/importer"
	"github.com/kgql/kgql/store/seed"
	"github.com/kgql/kgql/store/storetest"
)

// httpServer starts graph.NewHandler over a throwaway store holding the built-in dataset. A nil
// opts.Store is replaced by that store.
func httpServer(t *testing.T, opts graph.Options) *httptest.Server {
	t.Helper()
	if opts.Store == nil {
		s := storetest.Open(t)
		if _, err := importer.ImportBytes(s, seed.NDJSON, "seed"); err != nil {
			t.Fatalf("loading the built-in dataset: %v", err)
		}
		opts.Store = s
	}
	srv := httptest.NewServer(graph.NewHandler(opts))
	t.Cleanup(srv.Close)
	return srv
}

// httpResponse is a response read whole.
type httpResponse struct {
	Status int
	Header http.Header
	Body   []byte
}

// httpDo sends req and reads the response whole.
func httpDo(t *testing.T, req *http.Request) httpResponse {
	t.Helper()
	ctx, cancel := context.WithTimeout(req.Context(), 20*time.Second)
	defer cancel()
	resp, err := http.DefaultClient.Do(req.WithContext(ctx))
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the body: %v", req.Method, req.URL, err)
	}
	return httpResponse{Status: resp.StatusCode, Header: resp.Header, Body: body}
}

// httpRequest builds a request; hdr holds name/value pairs.
func httpRequest(t *testing.T, method, url string, body io.Reader, hdr ...string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	return req
}

// httpPostQuery POSTs {"query": query} as application/json, with extra headers.
func httpPostQuery(t *testing.T, srv *httptest.Server, query string, hdr ...string) httpResponse {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"query": query})
	hdr = append([]string{"Content-Type", "application/json"}, hdr...)
	return httpDo(t, httpRequest(t, http.MethodPost, srv.URL+"/graphql", bytes.NewReader(b), hdr...))
}

// httpPreflight sends a CORS preflight for a POST with Content-Type from origin.
func httpPreflight(t *testing.T, srv *httptest.Server, origin string) httpResponse {
	t.Helper()
	return httpDo(t, httpRequest(t, http.MethodOptions, srv.URL+"/graphql", nil,
		"Origin", origin,
		"Access-Control-Request-Method", "POST",
		"Access-Control-Request-Headers", "content-type"))
}

// httpGQL is a GraphQL response body.
type httpGQL struct {
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

func httpDecode(t *testing.T, r httpResponse) httpGQL {
	t.Helper()
	var g httpGQL
	if err := json.Unmarshal(r.Body, &g); err != nil {
		t.Fatalf("body is not a GraphQL JSON response (%v): %s", err, r.Body)
	}
	return g
}

const httpASMEXName = "Association Marocaine des Exportateurs"

// --- CORS -----------------------------------------------------------------------------------

func TestCORSAllowedOriginPreflightAndPost(t *testing.T) {
	const origin = "http://app.example:5173"
	srv := httpServer(t, graph.Options{CORSOrigins: []string{origin}})

	pre := httpPreflight(t, srv, origin)
	if pre.Status < 200 || pre.Status > 299 {
		t.Fatalf("preflight status %d, want 2xx; body %s", pre.Status, pre.Body)
	}
	if got := pre.Header.Get("Access-Control-Allow-Origin"); got != origin {
		t.Errorf("preflight Access-Control-Allow-Origin = %q, want %q", got, origin)
	}
	if got := strings.ToUpper(pre.Header.Get("Access-Control-Allow-Methods")); !strings.Contains(got, "POST") {
		t.Errorf("preflight Access-Control-Allow-Methods = %q, want it to allow POST", got)
	}
	if got := strings.ToLower(pre.Header.Get("Access-Control-Allow-Headers")); !strings.Contains(got, "content-type") {
		t.Errorf("preflight Access-Control-Allow-Headers = %q, want it to allow content-type", got)
	}
	if got := pre.Header.Get("Access-Control-Allow-Credentials"); got != "true" {
		t.Errorf("preflight Access-Control-Allow-Credentials = %q, want true for a listed origin", got)
	}

	post := httpPostQuery(t, srv, `{ organization(key: "asmex") { name } }`, "Origin", origin)
	if post.Status != http.StatusOK {
		t.Fatalf("POST status %d: %s", post.Status, post.Body)
	}
	if got := post.Header.Get("Access-Control-Allow-Origin"); got != origin {
		t.Errorf("POST Access-Control-Allow-Origin = %q, want %q", got, origin)
	}
	if got := post.Header.Get("Access-Control-Allow-Credentials"); got != "true" {
		t.Errorf("POST Access-Control-Allow-Credentials = %q, want true", got)
	}
	if !strings.Contains(post.Header.Get("Access-Control-Expose-Headers"), "X-Request-Id") {
		t.Errorf("POST Access-Control-Expose-Headers = %q, want X-Request-Id exposed", post.Header.Get("Access-Control-Expose-Headers"))
	}
	if !bytes.Contains(post.Body, []byte(httpASMEXName)) {
		t.Errorf("POST body lacks the ASMEX name: %s", post.Body)
	}
}

func TestCORSRefusedOrigin(t *testing.T) {
	srv := httpServer(t, graph.Options{CORSOrigins: []string{"http://app.example:5173"}})
	for _, origin := range []string{"http://evil.example", "http://app.example:5174", "https://app.example:5173", "http://localhost:5173"} {
		pre := httpPreflight(t, srv, origin)
		if got := pre.Header.Get("Access-Control-Allow-Origin"); got != "" {
			t.Errorf("preflight from %s: Access-Control-Allow-Origin = %q, want none", origin, got)
		}
		if got := pre.Header.Get("Access-Control-Allow-Credentials"); got != "" {
			t.Errorf("preflight from %s: Access-Control-Allow-Credentials = %q, want none", origin, got)
		}
		post := httpPostQuery(t, srv, `{ __typename }`, "Origin", origin)
		if got := post.Header.Get("Access-Control-Allow-Origin"); got != "" {
			t.Errorf("POST from %s: Access-Control-Allow-Origin = %q, want none", origin, got)
		}
		if post.Status >= 500 {
			t.Errorf("POST from %s: status %d", origin, post.Status)
		}
	}
}

func TestCORSDefaultOrigins(t *testing.T) {
	srv := httpServer(t, graph.Options{}) // CORSOrigins nil: graph.DefaultCORSOrigins
	for _, tc := range []struct {
		origin  string
		allowed bool
	}{
		{"http://localhost:5173", true},
		{"http://127.0.0.1:3000", true},
		{"http://[::1]:8081", true},
		{"http://evil.example", false},
		{"https://localhost.evil.example", false},
		{"http://localhost.evil.example:5173", false},
		{"http://127.0.0.1.evil.example:3000", false},
		{"https://localhost:5173", false},
		{"null", false},
	} {
		pre := httpPreflight(t, srv, tc.origin)
		post := httpPostQuery(t, srv, `{ __typename }`, "Origin", tc.origin)
		for what, r := range map[string]httpResponse{"preflight": pre, "POST": post} {
			got := r.Header.Get("Access-Control-Allow-Origin")
			if tc.allowed && got != tc.origin {
				t.Errorf("%s from %s: Access-Control-Allow-Origin = %q, want %q", what, tc.origin, got, tc.origin)
			}
			if !tc.allowed && got != "" {
				t.Errorf("%s from %s: Access-Control-Allow-Origin = %q, want none", what, tc.origin, got)
			}
			if got := r.Header.Get("Access-Control-Allow-Credentials"); tc.allowed != (got == "true") {
				t.Errorf("%s from %s: Access-Control-Allow-Credentials = %q (allowed=%v)", what, tc.origin, got, tc.allowed)
			}
		}
		if tc.allowed && (pre.Status < 200 || pre.Status > 299) {
			t.Errorf("preflight from %s: status %d, want 2xx", tc.origin, pre.Status)
		}
	}
}

func TestCORSWildcardHasNoCredentials(t *testing.T) {
	srv := httpServer(t, graph.Options{CORSOrigins: []string{"*"}})
	const origin = "http://anything.example:1234"
	pre := httpPreflight(t, srv, origin)
	post := httpPostQuery(t, srv, `{ __typename }`, "Origin", origin)
	if pre.Status < 200 || pre.Status > 299 {
		t.Errorf("preflight status %d, want 2xx", pre.Status)
	}
	for what, r := range map[string]httpResponse{"preflight": pre, "POST": post} {
		if got := r.Header.Get("Access-Control-Allow-Origin"); got != "*" && got != origin {
			t.Errorf("%s: Access-Control-Allow-Origin = %q, want * or %q", what, got, origin)
		}
		if got := r.Header.Get("Access-Control-Allow-Credentials"); got != "" {
			t.Errorf("%s: Access-Control-Allow-Credentials = %q with origin *, want none", what, got)
		}
	}
	if !bytes.Contains(post.Body, []byte(`"Query"`)) {
		t.Errorf("POST body: %s", post.Body)
	}
}

// --- websocket origin gate ------------------------------------------------------------------

// httpWSDial dials /graphql with graphql-transport-ws and origin ("" sends no Origin header).
func httpWSDial(t *testing.T, srv *httptest.Server, origin string) (*websocket.Conn, *http.Response, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	hdr := http.Header{}
	if origin != "" {
		hdr.Set("Origin", origin)
	}
	c, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"/graphql", &websocket.DialOptions{
		Subprotocols: []string{"graphql-transport-ws"},
		HTTPHeader:   hdr,
	})
	if c != nil {
		t.Cleanup(func() { _ = c.CloseNow() })
	}
	return c, resp, err
}

// httpWSAcked opens a graphql-transport-ws socket without a credential and waits for its
// connection_ack.
func httpWSAcked(t *testing.T, srv *httptest.Server) *websocket.Conn {
	t.Helper()
	c, _, err := httpWSDial(t, srv, "")
	if err != nil {
		t.Fatal(err)
	}
	httpWSWrite(t, c, `{"type":"connection_init"}`)
	if m := httpWSRead(t, c); m.Type != "connection_ack" {
		t.Fatalf("after connection_init got %+v, want connection_ack", m)
	}
	return c
}

// httpWSMessage is a graphql-transport-ws message.
type httpWSMessage struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

func httpWSRead(t *testing.T, c *websocket.Conn) httpWSMessage {
	t.Helper()
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_, b, err := c.Read(ctx)
		cancel()
		if err != nil {
			t.Fatalf("reading a websocket message: %v", err)
		}
		var m httpWSMessage
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("websocket message is not JSON: %q", b)
		}
		if m.Type == "ping" || m.Type == "pong" || m.Type == "ka" {
			continue
		}
		return m
	}
}

func httpWSWrite(t *testing.T, c *websocket.Conn, msg string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
		t.Fatalf("writing %s: %v", msg, err)
	}
}

// httpWSQueryASMEX runs the ASMEX query over an open socket: ack, next with the name, complete.
func httpWSQueryASMEX(t *testing.T, c *websocket.Conn) {
	t.Helper()
	if got := c.Subprotocol(); got != "graphql-transport-ws" {
		t.Errorf("subprotocol %q, want graphql-transport-ws", got)
	}
	httpWSWrite(t, c, `{"type":"connection_init"}`)
	if m := httpWSRead(t, c); m.Type != "connection_ack" {
		t.Fatalf("after connection_init got %+v, want connection_ack", m)
	}
	httpWSWrite(t, c, `{"id":"1","type":"subscribe","payload":{"query":"{ organization(key: \"asmex\") { name } }"}}`)
	m := httpWSRead(t, c)
	if m.Type != "next" || m.ID != "1" {
		t.Fatalf("after subscribe got %s %s %s, want next for id 1", m.Type, m.ID, m.Payload)
	}
	var p struct {
		Data struct {
			Organization struct{ Name string }
		}
		Errors []any
	}
	if err := json.Unmarshal(m.Payload, &p); err != nil || p.Data.Organization.Name != httpASMEXName || len(p.Errors) > 0 {
		t.Errorf("next payload %s, want the ASMEX name (%v)", m.Payload, err)
	}
	if m := httpWSRead(t, c); m.Type != "complete" || m.ID != "1" {
		t.Errorf("after next got %+v, want complete for id 1", m)
	}
	_ = c.Close(websocket.StatusNormalClosure, "")
}

func TestWebsocketAllowedOrigin(t *testing.T) {
	const origin = "http://app.example:5173"
	srv := httpServer(t, graph.Options{CORSOrigins: []string{origin}})
	c, resp, err := httpWSDial(t, srv, origin)
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		t.Fatalf("upgrade from allowed origin %s: %v (HTTP %d)", origin, err, status)
	}
	httpWSQueryASMEX(t, c)
}

func TestWebsocketRefusedOrigin(t *testing.T) {
	srv := httpServer(t, graph.Options{CORSOrigins: []string{"http://app.example:5173"}})
	for _, origin := range []string{"http://evil.example", "http://localhost:5173"} {
		c, resp, err := httpWSDial(t, srv, origin)
		if err == nil {
			t.Errorf("upgrade from %s succeeded, want HTTP 403", origin)
			_ = c.CloseNow()
			continue
		}
		if resp == nil {
			t.Fatalf("upgrade from %s: %v and no HTTP response", origin, err)
		}
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("upgrade from %s: HTTP %d, want 403", origin, resp.StatusCode)
		}
		if resp.Header.Get("X-Request-Id") == "" {
			t.Errorf("refused upgrade has no X-Request-Id")
		}
		body, _ := io.ReadAll(resp.Body)
		var g httpGQL
		if err := json.Unmarshal(body, &g); err != nil || len(g.Errors) == 0 || g.Errors[0].Extensions["code"] != "FORBIDDEN" {
			t.Errorf("refused upgrade body %q, want errors[0].extensions.code FORBIDDEN (%v)", body, err)
		}
	}
}

func TestWebsocketSameOrigin(t *testing.T) {
	srv := httpServer(t, graph.Options{CORSOrigins: []string{"http://app.example:5173"}})
	c, resp, err := httpWSDial(t, srv, srv.URL) // the playground's own origin, not in the list
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		t.Fatalf("same-origin upgrade (Origin %s): %v (HTTP %d)", srv.URL, err, status)
	}
	httpWSQueryASMEX(t, c)
}

func TestWebsocketNoOrigin(t *testing.T) {
	srv := httpServer(t, graph.Options{CORSOrigins: []string{"http://app.example:5173"}})
	c, resp, err := httpWSDial(t, srv, "")
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		t.Fatalf("upgrade without Origin: %v (HTTP %d)", err, status)
	}
	httpWSQueryASMEX(t, c)
}

// --- transports, healthz, playground, limits, request ids -----------------------------------

func TestTransportGET(t *testing.T) {
	srv := httpServer(t, graph.Options{})
	r := httpDo(t, httpRequest(t, http.MethodGet, srv.URL+"/graphql?query=%7B__typename%7D", nil))
	if r.Status != http.StatusOK {
		t.Fatalf("GET status %d: %s", r.Status, r.Body)
	}
	if g := httpDecode(t, r); string(g.Data) != `{"__typename":"Query"}` || len(g.Errors) > 0 {
		t.Errorf("GET body %s", r.Body)
	}
	// A connected query with variables over GET.
	r = httpDo(t, httpRequest(t, http.MethodGet, srv.URL+`/graphql?query=query($k:String)%7Borganization(key:$k)%7Bname%7D%7D&variables=%7B%22k%22:%22asmex%22%7D`, nil))
	if r.Status != http.StatusOK || !bytes.Contains(r.Body, []byte(httpASMEXName)) {
		t.Errorf("GET with variables: %d %s", r.Status, r.Body)
	}
}

func TestTransportGraphQLResponseJSON(t *testing.T) {
	srv := httpServer(t, graph.Options{})
	r := httpPostQuery(t, srv, `{ people { totalCount } }`, "Accept", "application/graphql-response+json")
	if r.Status != http.StatusOK {
		t.Fatalf("status %d: %s", r.Status, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/graphql-response+json") {
		t.Errorf("Content-Type %q, want application/graphql-response+json", ct)
	}
	if g := httpDecode(t, r); string(g.Data) != `{"people":{"totalCount":14}}` {
		t.Errorf("body %s", r.Body)
	}
	// Plain application/json still gets application/json.
	r = httpPostQuery(t, srv, `{ __typename }`, "Accept", "application/json")
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Accept application/json: Content-Type %q", ct)
	}
}

func TestHTTPHealthz(t *testing.T) {
	srv := httpServer(t, graph.Options{})
	r := httpDo(t, httpRequest(t, http.MethodGet, srv.URL+"/healthz", nil))
	if r.Status != http.StatusOK {
		t.Fatalf("status %d", r.Status)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q", ct)
	}
	var body map[string]any
	if err := json.Unmarshal(r.Body, &body); err != nil || body["status"] != "ok" {
		t.Errorf("body %s, want {\"status\":\"ok\"} (%v)", r.Body, err)
	}
}

// httpAbsoluteURL finds absolute URLs (protocol-relative ones are caught in src/href below).
var httpAbsoluteURL = regexp.MustCompile(`(?i)\b(?:https?|wss?|ftp)://[^\s"'<>]*`)

func TestHTTPPlayground(t *testing.T) {
	srv := httpServer(t, graph.Options{})
	r := httpDo(t, httpRequest(t, http.MethodGet, srv.URL+"/", nil, "Accept", "text/html"))
	if r.Status != http.StatusOK {
		t.Fatalf("status %d", r.Status)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("Content-Type %q, want text/html", ct)
	}
	page := string(r.Body)
	if !strings.Contains(page, "kgql playground") {
		t.Errorf("page lacks \"kgql playground\"")
	}
	if want := `organization(key: \"asmex\")`; !strings.Contains(page, want) {
		t.Errorf("page lacks the example query (%s, JSON-escaped)", want)
	}
	if !strings.Contains(page, `"endpoint":"/graphql"`) {
		t.Errorf("page config does not point at /graphql")
	}
	// Everything the page loads comes from the server itself.
	for _, m := range httpAbsoluteURL.FindAllString(page, -1) {
		t.Errorf("page refers to an absolute URL %q; it must load nothing from another host", m)
	}
	for _, m := range regexp.MustCompile(`(?:src|href)="([^"]+)"`).FindAllStringSubmatch(page, -1) {
		ref := m[1]
		if strings.HasPrefix(ref, "data:") {
			continue
		}
		if !strings.HasPrefix(ref, "/") || strings.HasPrefix(ref, "//") {
			t.Errorf("page loads %q, not a path on this server", ref)
			continue
		}
		a := httpDo(t, httpRequest(t, http.MethodGet, srv.URL+ref, nil))
		if a.Status != http.StatusOK || len(a.Body) == 0 {
			t.Errorf("asset %s: status %d, %d bytes", ref, a.Status, len(a.Body))
		}
	}
	if csp := r.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("Content-Security-Policy %q", csp)
	}
}

func TestHTTPBodyTooLarge(t *testing.T) {
	srv := httpServer(t, graph.Options{})
	pad := strings.Repeat("x", 1<<20)
	body := `{"query":"{ __typename }","variables":{"pad":"` + pad + `"}}`
	r := httpDo(t, httpRequest(t, http.MethodPost, srv.URL+"/graphql", strings.NewReader(body), "Content-Type", "application/json"))
	if r.Status < 400 || r.Status > 499 {
		t.Errorf("body of %d bytes: status %d, want 4xx (413)", len(body), r.Status)
	}
	g := httpDecode(t, r)
	if len(g.Errors) == 0 || g.Errors[0].Extensions["code"] != "BAD_USER_INPUT" {
		t.Errorf("body %s, want an error with code BAD_USER_INPUT", r.Body)
	}
	// Just under the limit is fine.
	small := `{"query":"{ __typename }","variables":{"pad":"` + strings.Repeat("x", 1<<19) + `"}}`
	r = httpDo(t, httpRequest(t, http.MethodPost, srv.URL+"/graphql", strings.NewReader(small), "Content-Type", "application/json"))
	if r.Status != http.StatusOK || !bytes.Contains(r.Body, []byte(`"Query"`)) {
		t.Errorf("body of %d bytes: status %d %s", len(small), r.Status, r.Body)
	}
}

func TestHTTPBodyLimitOption(t *testing.T) {
	srv := httpServer(t, graph.Options{MaxBodyBytes: 64})
	body := `{"query":"{ __typename }","variables":{"pad":"` + strings.Repeat("x", 100) + `"}}`
	r := httpDo(t, httpRequest(t, http.MethodPost, srv.URL+"/graphql", strings.NewReader(body), "Content-Type", "application/json"))
	if r.Status < 400 || r.Status > 499 {
		t.Errorf("MaxBodyBytes 64, body of %d bytes: status %d, want 4xx", len(body), r.Status)
	}
	if g := httpDecode(t, r); len(g.Errors) == 0 || g.Errors[0].Extensions["code"] != "BAD_USER_INPUT" {
		t.Errorf("body %s, want BAD_USER_INPUT", r.Body)
	}
}

func TestHTTPRequestID(t *testing.T) {
	srv := httpServer(t, graph.Options{})
	seen := map[string]string{}
	for name, req := range map[string]*http.Request{
		"POST /graphql":    httpRequest(t, http.MethodPost, srv.URL+"/graphql", strings.NewReader(`{"query":"{ __typename }"}`), "Content-Type", "application/json"),
		"bad POST":         httpRequest(t, http.MethodPost, srv.URL+"/graphql", strings.NewReader(`{`), "Content-Type", "application/json"),
		"GET /graphql":     httpRequest(t, http.MethodGet, srv.URL+"/graphql?query=%7B__typename%7D", nil),
		"OPTIONS /graphql": httpRequest(t, http.MethodOptions, srv.URL+"/graphql", nil, "Origin", "http://localhost:5173", "Access-Control-Request-Method", "POST"),
		"GET /healthz":     httpRequest(t, http.MethodGet, srv.URL+"/healthz", nil),
		"GET /":            httpRequest(t, http.MethodGet, srv.URL+"/", nil),
		"GET /nope":        httpRequest(t, http.MethodGet, srv.URL+"/nope", nil),
	} {
		r := httpDo(t, req)
		id := r.Header.Get("X-Request-Id")
		if id == "" {
			t.Errorf("%s (HTTP %d): no X-Request-Id", name, r.Status)
			continue
		}
		if other, dup := seen[id]; dup {
			t.Errorf("%s and %s share the request id %s", name, other, id)
		}
		seen[id] = name
	}
}

// The playground's welcome query fits the editor of a 1,400-pixel-wide window: no line is cut.
func TestExampleQueryFitsTheEditor(t *testing.T) {
	for i, line := range strings.Split(graph.ExampleQuery, "\n") {
		if n := len([]rune(line)); n > 56 {
			t.Errorf("line %d has %d characters (at most 56 fit): %q", i+1, n, line)
		}
	}
}
