package graph_test

// The access log formats its lines itself (graph/accesslog.go); they must read exactly as
// log/slog's JSON and text handlers would write the same record, and LogWriter must neither lose
// nor hold back lines.

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kgql/kgql/graph"
)

func TestAccessLogLineMatchesSlog(t *testing.T) {
	for _, odd := range []string{
		"plain", "", "with space", `quo"te`, `back\slash`, "new\nline", "tab\there", "cr\rx", "ctl\x01\x1f\x7f",
		"a=b", "ünïcödé", "日本語", "bad\xff\xfeutf8", "emoji 🏃", "\u2028sep", "trailing ",
	} {
		req := httptest.NewRequest("POST", "/graphql", nil)
		req.RemoteAddr = "192.0.2.7:4242"
		req.Header.Set("Apollographql-Client-Name", odd)
		req.Header.Set("Apollographql-Client-Version", odd)
		req.URL.Path = "/graphql/" + odd
		s := graph.Served{Request: req, Route: "/graphql", Status: 400, Bytes: 1234, Duration: 1500 * time.Microsecond,
			Operation: graph.OperationInfo{Name: odd, Type: "query", Cost: 7}, Operations: 3}
		attrs := []slog.Attr{
			slog.String("method", "POST"), slog.String("route", "/graphql"), slog.String("path", req.URL.Path),
			slog.Int("status", 400), slog.Float64("duration_ms", 1.5), slog.Int64("bytes", 1234),
			slog.String("request_id", ""), slog.String("op_name", odd), slog.String("op_type", "query"),
			slog.Int("ops", 3), slog.Int("cost", 7), slog.String("client", odd), slog.String("client_version", odd),
			slog.String("remote", "192.0.2.7"), slog.Bool("upgraded", false),
		}
		// The operation's client is empty, so the header's is used (capped, here whole).
		s.Operation.Client, s.Operation.ClientVersion = "", ""

		var got, want bytes.Buffer
		graph.AccessLog(&got, true, slog.LevelInfo)(s)
		slog.New(slog.NewJSONHandler(&want, nil)).LogAttrs(context.Background(), slog.LevelInfo, "request", attrs...)
		var g, w map[string]any
		if err := json.Unmarshal(got.Bytes(), &g); err != nil {
			t.Fatalf("%q: the JSON line does not parse (%v): %s", odd, err, got.Bytes())
		}
		_ = json.Unmarshal(want.Bytes(), &w)
		if _, err := time.Parse(time.RFC3339Nano, g["time"].(string)); err != nil {
			t.Errorf("%q: time %v", odd, g["time"])
		}
		delete(g, "time")
		delete(w, "time")
		if !reflect.DeepEqual(g, w) {
			t.Errorf("%q: JSON line\n  %s\nslog writes\n  %s", odd, got.Bytes(), want.Bytes())
		}
		if strings.Count(got.String(), "\n") != 1 || !strings.HasSuffix(got.String(), "\n") {
			t.Errorf("%q: not one line: %q", odd, got.String())
		}

		got.Reset()
		want.Reset()
		graph.AccessLog(&got, false, slog.LevelInfo)(s)
		slog.New(slog.NewTextHandler(&want, nil)).LogAttrs(context.Background(), slog.LevelInfo, "request", attrs...)
		_, gt, _ := strings.Cut(got.String(), " ")
		_, wt, _ := strings.Cut(want.String(), " ")
		if gt != wt || !strings.HasPrefix(got.String(), "time=") {
			t.Errorf("%q: text line\n  %q\nslog writes\n  %q", odd, got.String(), want.String())
		}
	}
}

// A health check is logged at DEBUG only; a level above INFO writes no access line.
func TestAccessLogLevels(t *testing.T) {
	req := httptest.NewRequest("GET", "/healthz", nil)
	for _, tc := range []struct {
		route string
		level slog.Level
		want  bool
	}{
		{"GET /healthz", slog.LevelInfo, false},
		{"GET /healthz", slog.LevelDebug, true},
		{"/graphql", slog.LevelInfo, true},
		{"/graphql", slog.LevelWarn, false},
	} {
		var b bytes.Buffer
		graph.AccessLog(&b, true, tc.level)(graph.Served{Request: req, Route: tc.route, Status: 200})
		if (b.Len() > 0) != tc.want {
			t.Errorf("%s at %s: wrote %q, want a line %v", tc.route, tc.level, b.String(), tc.want)
		}
	}
}

// syncBuf is a bytes.Buffer safe for the LogWriter's timer goroutine.
type syncBuf struct {
	mu     sync.Mutex
	b      bytes.Buffer
	writes int
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writes++
	return s.b.Write(p)
}

func (s *syncBuf) get() (string, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String(), s.writes
}

func TestLogWriter(t *testing.T) {
	out := &syncBuf{}
	w := graph.NewLogWriter(out, 50*time.Millisecond)
	log := slog.New(graph.FlushAbove(slog.NewJSONHandler(w, nil), w, slog.LevelWarn))
	for range 10 {
		log.Info("line")
	}
	if s, _ := out.get(); s != "" {
		t.Fatalf("INFO lines written at once: %q", s)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		s, n := out.get()
		if strings.Count(s, "\n") == 10 {
			if n != 1 {
				t.Errorf("10 buffered lines took %d writes, want 1", n)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the buffered lines were not flushed within 5 s: %q", s)
		}
		time.Sleep(10 * time.Millisecond)
	}
	// WARN goes out at once, with what waited before it, in order.
	log.Info("before")
	log.Warn("urgent")
	if s, _ := out.get(); !strings.Contains(s, `"msg":"before"`) || !strings.HasSuffix(s, `"msg":"urgent"}`+"\n") {
		t.Errorf("WARN not written at once after what waited: %q", s)
	}
	// More than the buffer: written out, nothing lost.
	big := strings.Repeat("x", 40<<10)
	log.Info(big)
	log.Info(big)
	log.Info("last")
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	s, _ := out.get()
	if strings.Count(s, big) != 2 || !strings.Contains(s, `"msg":"last"`) {
		t.Errorf("lines lost around a full buffer or at Close (%d bytes)", len(s))
	}
	// After Close, lines go straight through.
	log.Info("after close")
	if s, _ := out.get(); !strings.Contains(s, "after close") {
		t.Errorf("a line after Close was held back")
	}
}

// BenchmarkAccessLine: the cost of one access line (BENCHMARKS.md, "Metrics and the access log").
func BenchmarkAccessLine(b *testing.B) {
	req := httptest.NewRequest("POST", "/graphql", nil)
	req.RemoteAddr = "127.0.0.1:4242"
	s := graph.Served{Request: req, Route: "/graphql", Status: 200, Bytes: 30, Duration: 150 * time.Microsecond,
		Operation: graph.OperationInfo{Name: "", Type: "query", Cost: 1}, Operations: 1}
	for _, mode := range []string{"discard", "logwriter"} {
		b.Run(mode, func(b *testing.B) {
			var w io.Writer = io.Discard
			if mode == "logwriter" {
				w = graph.NewLogWriter(io.Discard, time.Second)
			}
			f := graph.AccessLog(w, true, slog.LevelInfo)
			b.ReportAllocs()
			for b.Loop() {
				f(s)
			}
		})
	}
}
