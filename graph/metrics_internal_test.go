package graph

import (
	"fmt"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

func counterValue(t *testing.T, c prometheus.Counter) float64 {
	t.Helper()
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetCounter().GetValue()
}

func seriesCount(t *testing.T, c prometheus.Collector) int {
	t.Helper()
	ch := make(chan prometheus.Metric, 1000)
	c.Collect(ch)
	close(ch)
	return len(ch)
}

// Operation names are bounded (Metrics): past 100 names the rest count as "other"; a name unseen
// for 10 minutes is evicted when room is needed, its series deleted from the registry and from
// the cache of series, and the newcomer gets its own.
func TestMetricsOperationNamesBounded(t *testing.T) {
	m := NewMetrics(nil, nil)
	for i := range metricsMaxNames {
		m.operation("query", fmt.Sprintf("Op%d", i), "ok", time.Now()).Inc()
	}
	m.operation("query", "Late", "ok", time.Now()).Inc()
	m.operation("query", "Late", "ok", time.Now()).Inc()
	if got := counterValue(t, m.operations.WithLabelValues("query", "other", "ok")); got != 2 {
		t.Errorf("the 101st name: other = %v, want 2", got)
	}
	if got := counterValue(t, m.operations.WithLabelValues("query", "Op7", "ok")); got != 1 {
		t.Errorf("Op7 = %v, want 1", got)
	}
	// Op0 goes stale; the next new name takes its place (the sweep runs at most once a second).
	m.names.mu.Lock()
	m.names.seen["Op0"] = time.Now().Add(-metricsNameTTL - time.Minute)
	m.names.swept = time.Time{}
	m.names.mu.Unlock()
	m.operation("query", "Newcomer", "ok", time.Now()).Inc()
	if got := counterValue(t, m.operations.WithLabelValues("query", "Newcomer", "ok")); got != 1 {
		t.Errorf("Newcomer = %v, want its own series at 1", got)
	}
	m.names.mu.Lock()
	for k := range m.opSeries {
		if k.name == "Op0" {
			t.Errorf("the evicted name is still cached: %v", k)
		}
	}
	m.names.mu.Unlock()
	if n := seriesCount(t, m.operations); n != metricsMaxNames+1 { // 99 OpN, Newcomer, other
		t.Errorf("%d series, want %d", n, metricsMaxNames+1)
	}
	// Op0 comes back: its counter starts again from zero (a reset, as documented).
	m.operation("query", "Op0", "ok", time.Now()).Inc()
	if got := counterValue(t, m.operations.WithLabelValues("query", "other", "ok")); got != 3 {
		t.Errorf("Op0 back with no room: other = %v, want 3", got)
	}
}
