package main

import (
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

var metricsURL = regexp.MustCompile(`msg="metrics listening" url=(http://\S+/metrics)`)

// `curl localhost:8080/metrics` on the open loopback server shows the families, and
// -metrics-addr serves the same on a listener of its own.
func TestServeMetrics(t *testing.T) {
	p := kgqlServe(t, kgqlEnv(), "-addr", "127.0.0.1:0", "-data", filepath.Join(t.TempDir(), "data"), "-metrics-addr", "127.0.0.1:0")
	defer p.stop(t)
	var d struct{ People struct{ TotalCount int } }
	p.query(t, `{ people { totalCount } }`, &d)
	get := func(url string) string {
		t.Helper()
		resp, err := (&http.Client{Timeout: 10 * time.Second}).Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d %s", url, resp.StatusCode, b)
		}
		return string(b)
	}
	m := metricsURL.FindStringSubmatch(p.stderr.String())
	if m == nil {
		t.Fatalf("no metrics listener in the log:\n%s", p.stderr)
	}
	for _, url := range []string{p.url + "metrics", m[1]} {
		body := get(url)
		for _, fam := range []string{"kgql_http_requests_total", "kgql_graphql_operations_total", "kgql_graphql_operation_duration_seconds",
			"kgql_limit_refusals_total", "kgql_store_read_calls_total", "kgql_badger_lsm_bytes", "kgql_text_index_ready",
			"go_goroutines", "process_resident_memory_bytes"} {
			if !strings.Contains(body, "# TYPE "+fam+" ") {
				t.Errorf("%s lacks %s", url, fam)
			}
		}
		if !strings.Contains(body, `kgql_graphql_operations_total{code="ok",name="(anonymous)",type="query"}`) {
			t.Errorf("%s does not count the query", url)
		}
	}
}
