package graph

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/kgql/kgql/store"
	"github.com/kgql/kgql/store/textindex"
)

// Metrics are kgql's Prometheus metrics, in a registry of their own (with the Go runtime and
// process collectors). Give it to Options.Metrics: the handler then feeds it every request,
// operation and refusal and serves it at GET /metrics (admin only with credentials configured);
// Handler serves the same text on another listener.
//
// Families (prefix kgql_):
//
//	http_requests_total{route,code}            counter: requests by mux pattern and status
//	http_requests_in_flight                    gauge: requests being served
//	http_request_size_bytes                    histogram: request bodies (Content-Length; unknown: not observed)
//	http_response_size_bytes                   histogram: response bodies written
//	graphql_operations_total{type,name,code}   counter: operations by type, bounded name, first error code ("ok": none)
//	graphql_operation_duration_seconds{type}   histogram: 0.1 ms to 10 s
//	graphql_operation_cost                     histogram: the cost of graph/complexity.go
//	limit_refusals_total{kind}                 counter: auth, rate, in_flight, ws_operations, ws_slow,
//	                                           body_size, and the limits of graph/limits.go: variablesBytes,
//	                                           tokens, depth, selections, fragmentSpreads, rootFields,
//	                                           directives, complexity, time
//	websocket_connections                      gauge: websocket requests being served (a socket counts for its life)
//	websocket_upgrades_total                   counter: websockets closed after a successful upgrade
//	subscriptions_active                       gauge: subscriptions being served
//	subscription_operations                    gauge: the operations serving them (shared ones count once)
//	store_read_calls_total                     counter: store read transactions (store.Calls)
//	store_cache_hits_total, store_cache_misses_total  counters: read-cache record lookups
//	badger_lsm_bytes, badger_vlog_bytes        gauges: Badger's size estimate (refreshed each minute)
//	text_index_behind, text_index_ready        gauges: the full-text index (only with one)
//	text_index_state{state}                    gauge: 1 for the index's current state, 0 for the others
//
// Operation names are bounded: a name gets its own series while it is among the last 100
// distinct names seen within 10 minutes; others are counted as "other" (anonymous operations as
// "(anonymous)"). A name unseen for 10 minutes may be evicted to make room, and its series are
// then deleted (a counter reset, should it come back).
type Metrics struct {
	reg *prometheus.Registry

	requests   *prometheus.CounterVec
	inFlight   prometheus.Gauge
	reqSize    prometheus.Histogram
	respSize   prometheus.Histogram
	operations *prometheus.CounterVec
	opDuration *prometheus.HistogramVec
	opCost     prometheus.Histogram
	refusals   *prometheus.CounterVec
	wsConns    prometheus.Gauge
	wsUpgrades prometheus.Counter
	names      opNames
	limitKinds map[string]bool

	// The series a request touches, found once: looking a series up by its label values hashes
	// them each time (about a tenth of the metrics' cost per request).
	reqSeries sync.Map // reqSeriesKey → prometheus.Counter
	durSeries map[string]prometheus.Observer
	subsOnce  sync.Once
	opSeries  map[opSeriesKey]prometheus.Counter // under names.mu
}

type reqSeriesKey struct {
	route  string
	status int
}

type opSeriesKey struct{ typ, name, code string }

// Operation-name bounds of graphql_operations_total.
const (
	metricsMaxNames = 100
	metricsNameTTL  = 10 * time.Minute
)

// NewMetrics creates the metrics of a server over s and ix (either may be nil: their families are
// then left out).
func NewMetrics(s *store.Store, ix *textindex.Index) *Metrics {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	sizes := prometheus.ExponentialBuckets(64, 4, 10) // 64 B … 16 MiB
	m := &Metrics{
		reg: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "kgql_http_requests_total",
			Help: "HTTP requests answered, by route (mux pattern) and status code."}, []string{"route", "code"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{Name: "kgql_http_requests_in_flight",
			Help: "HTTP requests being served (websockets included, for their life)."}),
		reqSize: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "kgql_http_request_size_bytes",
			Help: "Request body sizes (Content-Length, when the request declares it).", Buckets: sizes}),
		respSize: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "kgql_http_response_size_bytes",
			Help: "Response body sizes written.", Buckets: sizes}),
		operations: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "kgql_graphql_operations_total",
			Help: `GraphQL operations answered, by type, name (bounded: the last 100 distinct names of 10 minutes, others "other") and first error code ("ok": none).`},
			[]string{"type", "name", "code"}),
		opDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "kgql_graphql_operation_duration_seconds",
			Help: "GraphQL operation durations, from the operation's start to its response.", Buckets: prometheus.ExponentialBucketsRange(0.0001, 10, 16)},
			[]string{"type"}),
		opCost: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "kgql_graphql_operation_cost",
			Help: "GraphQL operation costs (graph/complexity.go), of operations whose cost was computed.", Buckets: prometheus.ExponentialBuckets(1, 4, 12)}),
		refusals: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "kgql_limit_refusals_total",
			Help: "Requests and operations refused by a limit or the policy, by kind."}, []string{"kind"}),
		wsConns: prometheus.NewGauge(prometheus.GaugeOpts{Name: "kgql_websocket_connections",
			Help: "Websocket requests being served: handshakes and open sockets."}),
		wsUpgrades: prometheus.NewCounter(prometheus.CounterOpts{Name: "kgql_websocket_upgrades_total",
			Help: "Websockets closed after a successful upgrade."}),
		names: opNames{seen: map[string]time.Time{}},
		limitKinds: map[string]bool{"variablesBytes": true, "tokens": true, "depth": true, "selections": true,
			"fragmentSpreads": true, "rootFields": true, "directives": true, "complexity": true, "time": true,
			"batch": true, "batchComplexity": true},
	}
	reg.MustRegister(m.requests, m.inFlight, m.reqSize, m.respSize, m.operations, m.opDuration, m.opCost,
		m.refusals, m.wsConns, m.wsUpgrades)
	if s != nil {
		reg.MustRegister(
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "kgql_store_read_calls_total",
				Help: "Store read round trips (batches of reads; one the read cache answers whole opens no Badger transaction)."}, func() float64 { return float64(s.Calls()) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "kgql_store_cache_hits_total",
				Help: "Record lookups answered by the store's read cache."}, func() float64 { h, _ := s.CacheStats(); return float64(h) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "kgql_store_cache_misses_total",
				Help: "Record lookups the store's read cache sent to Badger."}, func() float64 { _, mi := s.CacheStats(); return float64(mi) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "kgql_store_writes_total",
				Help: "Store write transactions (mutations, imports, deletes)."}, func() float64 { w, _, _ := s.WriteStats(); return float64(w) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "kgql_store_commits_total",
				Help: "Store write transactions that committed."}, func() float64 { _, c, _ := s.WriteStats(); return float64(c) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "kgql_store_conflicts_retried_total",
				Help: "Write attempts retried after a conflict with a concurrent writer."}, func() float64 { _, _, r := s.WriteStats(); return float64(r) }),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "kgql_badger_lsm_bytes",
				Help: "Badger's estimate of its LSM tree size on disk (refreshed each minute)."}, func() float64 { l, _ := s.Sizes(); return float64(l) }),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "kgql_badger_vlog_bytes",
				Help: "Badger's estimate of its value log size on disk (refreshed each minute)."}, func() float64 { _, v := s.Sizes(); return float64(v) }),
		)
	}
	if ix != nil {
		reg.MustRegister(
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "kgql_text_index_behind",
				Help: "Store writes the full-text index has yet to apply."}, func() float64 { return float64(ix.Status().Behind) }),
			textIndexState{ix: ix, desc: prometheus.NewDesc("kgql_text_index_state",
				"1 for the full-text index's current state (starting, catching up, rebuilding, ready, closed), 0 for the others.",
				[]string{"state"}, nil)},
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "kgql_text_index_ready",
				Help: "1 when the full-text index sees the whole store (state ready), else 0."}, func() float64 {
				if ix.Status().Ready {
					return 1
				}
				return 0
			}),
		)
	}
	for _, k := range []string{"auth", "rate", "in_flight", "ws_operations", "ws_slow", "body_size"} {
		m.refusals.WithLabelValues(k) // every kind is exported from the start, at 0
	}
	m.durSeries = map[string]prometheus.Observer{}
	for _, typ := range []string{"query", "mutation", "subscription", "none"} {
		m.durSeries[typ] = m.opDuration.WithLabelValues(typ)
	}
	m.opSeries = map[opSeriesKey]prometheus.Counter{}
	for k := range m.limitKinds {
		m.refusals.WithLabelValues(k)
	}
	return m
}

// Registry is the metrics' registry (e.g. to add collectors of the caller's).
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the metrics in the Prometheus text format (for a listener of its own; the
// handler's GET /metrics checks the caller first).
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// OnRequest counts an answered HTTP request (for Options.OnRequest).
func (m *Metrics) OnRequest(s Served) {
	k := reqSeriesKey{s.Route, s.Status}
	c, ok := m.reqSeries.Load(k)
	if !ok {
		c, _ = m.reqSeries.LoadOrStore(k, m.requests.WithLabelValues(s.Route, strconv.Itoa(s.Status)))
	}
	c.(prometheus.Counter).Inc()
	if s.Request != nil && s.Request.ContentLength >= 0 {
		m.reqSize.Observe(float64(s.Request.ContentLength))
	}
	m.respSize.Observe(float64(s.Bytes))
	if s.Upgraded {
		m.wsUpgrades.Inc()
	}
	if s.Status == http.StatusRequestEntityTooLarge && s.Route == "/graphql" {
		m.OnRefuse("body_size")
	}
}

// OnOperation counts an answered GraphQL operation (for Options.OnOperation); a refusal by a
// shape, complexity or time limit is counted under that limit's kind.
func (m *Metrics) OnOperation(ctx context.Context, oi OperationInfo) {
	typ := oi.Type
	if typ == "" {
		typ = "none"
	}
	code := oi.Code
	if code == "" {
		code = "ok"
	}
	now := oi.Answered
	if now.IsZero() {
		now = time.Now()
	}
	m.operation(typ, oi.Name, code, now).Inc()
	if oi.Took > 0 {
		d, ok := m.durSeries[typ]
		if !ok {
			d = m.opDuration.WithLabelValues(typ)
		}
		d.Observe(oi.Took.Seconds())
	}
	if oi.Cost > 0 {
		m.opCost.Observe(float64(oi.Cost))
	}
	if oi.Code == CodeQueryTooComplex {
		if k := limitKind(ctx); m.limitKinds[k] {
			m.OnRefuse(k)
		}
	}
}

// OnRefuse counts a refusal (for Options.OnRefuse).
func (m *Metrics) OnRefuse(kind string) { m.refusals.WithLabelValues(kind).Inc() }

// InFlight counts the requests next serves while it serves them, and the websocket requests
// among them.
func (m *Metrics) InFlight(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.inFlight.Inc()
		defer m.inFlight.Dec()
		if strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
			m.wsConns.Inc()
			defer m.wsConns.Dec()
		}
		next.ServeHTTP(w, r)
	})
}

// limitKind is the limit that refused the operation of ctx's response: extensions.bound ("time")
// or extensions.limit of its first error, "" if none.
func limitKind(ctx context.Context) (kind string) {
	defer func() {
		if recover() != nil { // no response context: not called from a response middleware
			kind = ""
		}
	}()
	errs := graphql.GetErrors(ctx)
	if len(errs) == 0 {
		return ""
	}
	ext := errs[0].Extensions
	if b, ok := ext["bound"].(string); ok {
		return b
	}
	l, _ := ext["limit"].(string)
	return l
}

// operation is the graphql_operations_total series of an operation, its name bounded (see
// Metrics). Series of evicted names are deleted, from the registry and from opSeries.
func (m *Metrics) operation(typ, name, code string, now time.Time) prometheus.Counter {
	o := &m.names
	o.mu.Lock()
	defer o.mu.Unlock()
	label := "(anonymous)"
	if name != "" {
		var evicted []string
		evicted, label = o.labelLocked(name, now)
		for _, e := range evicted {
			m.operations.DeletePartialMatch(prometheus.Labels{"name": e})
			for k := range m.opSeries {
				if k.name == e {
					delete(m.opSeries, k)
				}
			}
		}
	}
	k := opSeriesKey{typ, label, code}
	c, ok := m.opSeries[k]
	if !ok {
		c = m.operations.WithLabelValues(typ, label, code)
		if len(m.opSeries) < 10*metricsMaxNames { // bounded: past it, looked up each time
			m.opSeries[k] = c
		}
	}
	return c
}

// opNames are the operation names that have series of their own, with when each was last seen.
type opNames struct {
	mu    sync.Mutex
	seen  map[string]time.Time
	swept time.Time // last look for names to evict: at most once a second
}

// labelLocked returns n when it has (or gets) a series of its own, else "other", and the names
// evicted to make room (unseen for metricsNameTTL). o.mu is held.
func (o *opNames) labelLocked(n string, now time.Time) (evicted []string, label string) {
	if _, ok := o.seen[n]; ok {
		o.seen[n] = now
		return nil, n
	}
	if len(o.seen) >= metricsMaxNames && now.Sub(o.swept) >= time.Second {
		o.swept = now
		for k, t := range o.seen {
			if now.Sub(t) > metricsNameTTL {
				delete(o.seen, k)
				evicted = append(evicted, k)
			}
		}
	}
	if len(o.seen) >= metricsMaxNames {
		return evicted, "other"
	}
	o.seen[n] = now
	return evicted, n
}

// textIndexState exports the full-text index's state as one series per state, the current one at
// 1 (the usual form of an enumeration in Prometheus).
type textIndexState struct {
	ix   *textindex.Index
	desc *prometheus.Desc
}

var textIndexStates = []string{textindex.StateStarting, textindex.StateCatchingUp, textindex.StateRebuilding,
	textindex.StateReady, textindex.StateClosed}

func (c textIndexState) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c textIndexState) Collect(ch chan<- prometheus.Metric) {
	cur := c.ix.Status().State
	for _, st := range textIndexStates {
		v := 0.0
		if st == cur {
			v = 1
		}
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, v, st)
	}
}

// watchSubscriptions exports the number of live subscriptions and of the operations that serve
// them (fewer: one shared operation serves every subscriber of the same subscription, see
// graph/fanout.go), once, for the first handler.
func (m *Metrics) watchSubscriptions(count func() (subscriptions, operations int)) {
	m.subsOnce.Do(func() {
		m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "kgql_subscriptions_active",
			Help: "Subscriptions being served (nodeChanged, statementAdded)."}, func() float64 { n, _ := count(); return float64(n) }))
		m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "kgql_subscription_operations",
			Help: "Operations serving the subscriptions: one per distinct shared subscription, one per subscription that resumes."},
			func() float64 { _, n := count(); return float64(n) }))
	})
}
