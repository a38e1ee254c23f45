package graph_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/kgql/kgql/graph"
	"github.com/kgql/kgql/graph/auth"
	"github.com/kgql/kgql/store/importer"
	"github.com/kgql/kgql/store/seed"
	"github.com/kgql/kgql/store/storetest"
	"github.com/kgql/kgql/store/textindex"
)

// metScrape GETs /metrics (with an Authorization header unless cred is "") and parses it.
func metScrape(t *testing.T, srv *httptest.Server, cred string) map[string]*dto.MetricFamily {
	t.Helper()
	var hdr []string
	if cred != "" {
		hdr = []string{"Authorization", cred}
	}
	r := httpDo(t, httpRequest(t, http.MethodGet, srv.URL+"/metrics", nil, hdr...))
	if r.Status != http.StatusOK {
		t.Fatalf("GET /metrics: %d %s", r.Status, r.Body)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(bytes.NewReader(r.Body))
	if err != nil {
		t.Fatalf("parsing /metrics: %v\n%s", err, r.Body)
	}
	return fams
}

// metValue sums the values of family name's series whose labels include want (0: no family; a
// vector has none before its first series).
func metValue(t *testing.T, fams map[string]*dto.MetricFamily, name string, want map[string]string) float64 {
	t.Helper()
	f := fams[name]
	var sum float64
series:
	for _, m := range f.GetMetric() {
		for k, v := range want {
			found := false
			for _, lp := range m.GetLabel() {
				if lp.GetName() == k && lp.GetValue() == v {
					found = true
				}
			}
			if !found {
				continue series
			}
		}
		switch {
		case m.Counter != nil:
			sum += m.Counter.GetValue()
		case m.Gauge != nil:
			sum += m.Gauge.GetValue()
		case m.Histogram != nil:
			sum += float64(m.Histogram.GetSampleCount())
		}
	}
	return sum
}

func TestMetricsEndpoint(t *testing.T) {
	s := storetest.Open(t)
	if _, err := importer.ImportBytes(s, seed.NDJSON, "seed"); err != nil {
		t.Fatal(err)
	}
	m := graph.NewMetrics(s, nil)
	var seen int
	srv := httpServer(t, graph.Options{Store: s, Metrics: m, MaxBodyBytes: 4096, Limits: graph.Limits{MaxDepth: 4},
		OnRequest: func(graph.Served) { seen++ }})

	before := metScrape(t, srv, "")

	for i := 0; i < 2; i++ {
		r := httpPostQuery(t, srv, `query MetricsASMEX { organization(key: "asmex") { name events { nodes { name } } } }`)
		if r.Status != http.StatusOK || len(httpDecode(t, r).Errors) > 0 {
			t.Fatalf("named query: %d %s", r.Status, r.Body)
		}
	}
	if r := httpPostQuery(t, srv, `{ organization(key: "asmex") { name } }`); r.Status != http.StatusOK {
		t.Fatalf("anonymous query: %d %s", r.Status, r.Body)
	}
	if r := httpPostQuery(t, srv, `mutation MetricsUpsert { upsertSource(input: {key: "met-a", title: "A"}) { id } }`); r.Status != http.StatusOK || len(httpDecode(t, r).Errors) > 0 {
		t.Fatalf("mutation: %d %s", r.Status, r.Body)
	}
	// Refusals: a body over the limit (413) and a query over the depth limit.
	big := `{"query": "{ __typename }", "x": "` + strings.Repeat("a", 5000) + `"}`
	if r := httpDo(t, httpRequest(t, http.MethodPost, srv.URL+"/graphql", strings.NewReader(big), "Content-Type", "application/json")); r.Status != http.StatusRequestEntityTooLarge {
		t.Fatalf("big body: %d", r.Status)
	}
	deep := `{ organization(key: "asmex") { events { nodes { statements { nodes { speaker { name } } } } } } }`
	if g := httpDecode(t, httpPostQuery(t, srv, deep)); len(g.Errors) == 0 || g.Errors[0].Extensions["limit"] != "depth" {
		t.Fatalf("deep query not refused by depth: %+v", g)
	}

	// A batch over the cap, and a batch of two operations (each counted).
	over := "[" + strings.TrimSuffix(strings.Repeat(`{"query":"{ __typename }"},`, graph.DefaultMaxBatch+1), ",") + "]"
	if r := httpDo(t, httpRequest(t, http.MethodPost, srv.URL+"/graphql", strings.NewReader(over), "Content-Type", "application/json")); r.Status != http.StatusBadRequest {
		t.Fatalf("batch over the cap: %d %s", r.Status, r.Body)
	}
	two := `[{"query":"query MetricsBatch { __typename }"},{"query":"query MetricsBatch { __typename }"}]`
	if r := httpDo(t, httpRequest(t, http.MethodPost, srv.URL+"/graphql", strings.NewReader(two), "Content-Type", "application/json")); r.Status != http.StatusOK {
		t.Fatalf("batch of two: %d %s", r.Status, r.Body)
	}

	after := metScrape(t, srv, "")
	for _, f := range []string{"kgql_http_requests_total", "kgql_http_requests_in_flight", "kgql_http_request_size_bytes",
		"kgql_http_response_size_bytes", "kgql_graphql_operations_total", "kgql_graphql_operation_duration_seconds",
		"kgql_graphql_operation_cost", "kgql_limit_refusals_total", "kgql_websocket_connections",
		"kgql_websocket_upgrades_total", "kgql_store_read_calls_total", "kgql_store_cache_hits_total",
		"kgql_store_cache_misses_total", "kgql_store_writes_total", "kgql_store_commits_total",
		"kgql_store_conflicts_retried_total", "kgql_badger_lsm_bytes", "kgql_badger_vlog_bytes",
		"kgql_subscriptions_active", "go_goroutines", "process_cpu_seconds_total"} {
		if _, ok := after[f]; !ok {
			t.Errorf("no family %s", f)
		}
	}
	if _, ok := after["kgql_text_index_ready"]; ok {
		t.Error("kgql_text_index_ready without a text index")
	}
	gql := map[string]string{"route": "/graphql", "code": "200"}
	if a, b := metValue(t, after, "kgql_http_requests_total", gql), metValue(t, before, "kgql_http_requests_total", gql); a < b+4 {
		t.Errorf("requests to /graphql 200: %v after, %v before", a, b)
	}
	if a := metValue(t, after, "kgql_http_requests_total", map[string]string{"route": "GET /metrics"}); a < 1 {
		t.Errorf("GET /metrics not counted: %v", a)
	}
	checks := []struct {
		family string
		labels map[string]string
		min    float64
	}{
		{"kgql_graphql_operations_total", map[string]string{"type": "query", "name": "MetricsASMEX", "code": "ok"}, 2},
		{"kgql_graphql_operations_total", map[string]string{"type": "query", "name": "(anonymous)"}, 1},
		{"kgql_graphql_operations_total", map[string]string{"type": "mutation", "name": "MetricsUpsert", "code": "ok"}, 1},
		{"kgql_graphql_operations_total", map[string]string{"type": "query", "name": "MetricsBatch", "code": "ok"}, 2},
		{"kgql_graphql_operations_total", map[string]string{"code": graph.CodeQueryTooComplex}, 1},
		{"kgql_graphql_operation_duration_seconds", map[string]string{"type": "query"}, 3},
		{"kgql_graphql_operation_cost", nil, 3},
		{"kgql_limit_refusals_total", map[string]string{"kind": "body_size"}, 1},
		{"kgql_limit_refusals_total", map[string]string{"kind": "depth"}, 1},
		{"kgql_limit_refusals_total", map[string]string{"kind": "batch"}, 1},
		{"kgql_http_request_size_bytes", nil, 5},
		{"kgql_http_response_size_bytes", nil, 5},
	}
	for _, c := range checks {
		if a, b := metValue(t, after, c.family, c.labels), metValue(t, before, c.family, c.labels); a-b < c.min {
			t.Errorf("%s%v: %v after, %v before; want at least +%v", c.family, c.labels, a, b, c.min)
		}
	}
	for _, f := range []string{"kgql_store_read_calls_total", "kgql_store_cache_hits_total", "kgql_store_cache_misses_total",
		"kgql_store_writes_total", "kgql_store_commits_total"} {
		if a, b := metValue(t, after, f, nil), metValue(t, before, f, nil); a <= b {
			t.Errorf("%s did not move: %v after, %v before", f, a, b)
		}
	}
	if seen == 0 {
		t.Error("Options.OnRequest not called alongside Metrics")
	}
	if g := metValue(t, after, "kgql_http_requests_in_flight", nil); g != 1 { // the scrape itself
		t.Errorf("in flight during a scrape: %v, want 1", g)
	}
}

func TestMetricsRateRefusal(t *testing.T) {
	m := graph.NewMetrics(nil, nil)
	srv := httpServer(t, graph.Options{Metrics: m, Rate: 0.5, Burst: 1})
	httpPostQuery(t, srv, `{ __typename }`)
	if r := httpPostQuery(t, srv, `{ __typename }`); r.Status != http.StatusTooManyRequests {
		t.Fatalf("second request: %d, want 429", r.Status)
	}
	// The scrape goes through the same rate limit: read the handler of the separate listener.
	h := httptest.NewServer(m.Handler())
	defer h.Close()
	r := httpDo(t, httpRequest(t, http.MethodGet, h.URL, nil))
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(bytes.NewReader(r.Body))
	if err != nil {
		t.Fatal(err)
	}
	if v := metValue(t, fams, "kgql_limit_refusals_total", map[string]string{"kind": "rate"}); v != 1 {
		t.Errorf("rate refusals: %v, want 1", v)
	}
	if v := metValue(t, fams, "kgql_http_requests_total", map[string]string{"route": "/graphql", "code": "429"}); v != 1 {
		t.Errorf("429s: %v, want 1", v)
	}
	if _, ok := fams["kgql_store_read_calls_total"]; ok {
		t.Error("store families without a store")
	}
}

func TestMetricsNeedAdminWithCredentials(t *testing.T) {
	creds := polNewCreds(t)
	s := storetest.Open(t)
	srv := httpServer(t, graph.Options{Store: s, Policy: graph.Policy{Auth: creds.authn}, Metrics: graph.NewMetrics(s, nil)})
	get := func(cred string) httpResponse {
		var hdr []string
		if cred != "" {
			hdr = []string{"Authorization", cred}
		}
		return httpDo(t, httpRequest(t, http.MethodGet, srv.URL+"/metrics", nil, hdr...))
	}
	if r := get(""); r.Status != http.StatusUnauthorized || !strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "Bearer") {
		t.Errorf("anonymous: %d %q", r.Status, r.Header.Get("WWW-Authenticate"))
	}
	for _, role := range []auth.Role{auth.Reader, auth.Writer} {
		if r := get("Bearer " + creds.tokens[role]); r.Status != http.StatusForbidden {
			t.Errorf("%s: %d, want 403", role, r.Status)
		}
	}
	if r := get("Bearer " + creds.jwts[auth.Reader]); r.Status != http.StatusForbidden {
		t.Errorf("reader JWT: %d, want 403", r.Status)
	}
	fams := metScrape(t, srv, "Bearer "+creds.tokens[auth.Admin])
	if v := metValue(t, fams, "kgql_limit_refusals_total", map[string]string{"kind": "auth"}); v < 4 {
		t.Errorf("auth refusals: %v, want 4", v)
	}
	if r := get("Bearer " + creds.jwts[auth.Admin]); r.Status != http.StatusOK {
		t.Errorf("admin JWT: %d", r.Status)
	}
}

// Operation names are bounded: 100 distinct names get series of their own, more are "other".
func TestMetricsOperationNamesBounded(t *testing.T) {
	m := graph.NewMetrics(nil, nil)
	srv := httpServer(t, graph.Options{Metrics: m})
	for i := 0; i < 105; i++ {
		if r := httpPostQuery(t, srv, fmt.Sprintf("query Op%d { __typename }", i)); r.Status != http.StatusOK {
			t.Fatalf("Op%d: %d %s", i, r.Status, r.Body)
		}
	}
	httpPostQuery(t, srv, "query Op0 { __typename }") // a name already seen keeps its series
	fams := metScrape(t, srv, "")
	names := map[string]bool{}
	for _, s := range fams["kgql_graphql_operations_total"].GetMetric() {
		for _, lp := range s.GetLabel() {
			if lp.GetName() == "name" {
				names[lp.GetValue()] = true
			}
		}
	}
	if len(names) != 101 || !names["other"] || !names["Op99"] || names["Op100"] {
		t.Errorf("%d names (other: %v, Op99: %v, Op100: %v), want Op0…Op99 and other", len(names), names["other"], names["Op99"], names["Op100"])
	}
	if v := metValue(t, fams, "kgql_graphql_operations_total", map[string]string{"name": "other"}); v != 5 {
		t.Errorf("other: %v, want 5", v)
	}
	if v := metValue(t, fams, "kgql_graphql_operations_total", map[string]string{"name": "Op0"}); v != 2 {
		t.Errorf("Op0: %v, want 2", v)
	}
}

// With a text index, its gauges are exported.
func TestMetricsTextIndex(t *testing.T) {
	s := storetest.Open(t)
	ix, err := textindex.Open("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ix.Close() })
	if err := textindex.Attach(s, ix, nil); err != nil {
		t.Fatal(err)
	}
	if err := ix.WaitReady(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	srv := httpServer(t, graph.Options{Store: s, Text: ix, Metrics: graph.NewMetrics(s, ix)})
	fams := metScrape(t, srv, "")
	if v := metValue(t, fams, "kgql_text_index_ready", nil); v != 1 {
		t.Errorf("text_index_ready: %v, want 1", v)
	}
	if _, ok := fams["kgql_text_index_behind"]; !ok {
		t.Error("no kgql_text_index_behind")
	}
	if n := len(fams["kgql_text_index_state"].GetMetric()); n != 5 {
		t.Errorf("text_index_state has %d series, want one per state (5)", n)
	}
	for st, want := range map[string]float64{"ready": 1, "starting": 0, "catching up": 0, "rebuilding": 0, "closed": 0} {
		if v := metValue(t, fams, "kgql_text_index_state", map[string]string{"state": st}); v != want {
			t.Errorf("text_index_state{state=%q}: %v, want %v", st, v, want)
		}
	}
}

// A websocket counts in kgql_websocket_connections while it is open, and in
// kgql_websocket_upgrades_total once closed.
func TestMetricsWebsocket(t *testing.T) {
	m := graph.NewMetrics(nil, nil)
	srv := httpServer(t, graph.Options{Metrics: m})
	c, _, err := httpWSDial(t, srv, "")
	if err != nil {
		t.Fatal(err)
	}
	httpWSWrite(t, c, `{"type":"connection_init"}`)
	if msg := httpWSRead(t, c); msg.Type != "connection_ack" {
		t.Fatalf("after connection_init: %+v", msg)
	}
	if v := metValue(t, metScrape(t, srv, ""), "kgql_websocket_connections", nil); v != 1 {
		t.Errorf("websocket_connections while open: %v, want 1", v)
	}
	_ = c.Close(websocket.StatusNormalClosure, "")
	deadline := time.Now().Add(5 * time.Second)
	for {
		fams := metScrape(t, srv, "")
		if metValue(t, fams, "kgql_websocket_connections", nil) == 0 && metValue(t, fams, "kgql_websocket_upgrades_total", nil) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after close: connections %v, upgrades %v", metValue(t, fams, "kgql_websocket_connections", nil),
				metValue(t, fams, "kgql_websocket_upgrades_total", nil))
		}
		time.Sleep(10 * time.Millisecond)
	}
}
