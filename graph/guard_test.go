package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/kgql/kgql/graph"
	"github.com/kgql/kgql/graph/auth"
)

// Tests of the rate limit, the cap on requests in flight and the websocket limits.

const guardQuery = `{ organization(key: "asmex") { name } }`

// guardRateLimited checks a 429: Retry-After of at least a second, RATE_LIMITED.
func guardRateLimited(t *testing.T, r httpResponse) {
	t.Helper()
	if r.Status != http.StatusTooManyRequests {
		t.Fatalf("status %d, want 429: %s", r.Status, r.Body)
	}
	if s, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || s < 1 {
		t.Errorf("Retry-After %q, want whole seconds >= 1", r.Header.Get("Retry-After"))
	}
	if g := httpDecode(t, r); len(g.Errors) != 1 || g.Errors[0].Extensions["code"] != "RATE_LIMITED" {
		t.Errorf("errors %+v, want one RATE_LIMITED", g.Errors)
	}
}

func TestRateLimitPerClient(t *testing.T) {
	creds := polNewCreds(t)
	srv := httpServer(t, graph.Options{Policy: graph.Policy{Auth: creds.authn}, Rate: 0.5, Burst: 2})
	// The anonymous client (this address) has a burst of 2, then waits 2 s for a token.
	for i := range 2 {
		if r := httpPostQuery(t, srv, guardQuery); r.Status != http.StatusOK {
			t.Fatalf("request %d within the burst: %d %s", i, r.Status, r.Body)
		}
	}
	guardRateLimited(t, httpPostQuery(t, srv, guardQuery))
	// A token's holder is another client, with a bucket of its own.
	reader := "Bearer " + creds.tokens[auth.Reader]
	for i := range 2 {
		if r := httpPostQuery(t, srv, guardQuery, "Authorization", reader); r.Status != http.StatusOK {
			t.Fatalf("reader's request %d: %d %s", i, r.Status, r.Body)
		}
	}
	guardRateLimited(t, httpPostQuery(t, srv, guardQuery, "Authorization", reader))
	// The admin route counts too; health checks and the playground do not.
	guardRateLimited(t, httpDo(t, httpRequest(t, http.MethodGet, srv.URL+"/admin/backup", nil)))
	for _, path := range []string{"/healthz", "/"} {
		if r := httpDo(t, httpRequest(t, http.MethodGet, srv.URL+path, nil)); r.Status != http.StatusOK {
			t.Errorf("GET %s while rate limited: %d", path, r.Status)
		}
	}
}

// The open policy has no rate limit unless one is set: Options.Rate zero means none.
func TestRateLimitOffByDefault(t *testing.T) {
	srv := httpServer(t, graph.Options{})
	for i := range 200 {
		if r := httpPostQuery(t, srv, guardQuery); r.Status != http.StatusOK {
			t.Fatalf("request %d with no rate limit: %d %s", i, r.Status, r.Body)
		}
	}
}

// A request past MaxInFlight running at once is shed with 503 and Retry-After; once the slot is
// free, requests are served again.
func TestMaxInFlightSheds(t *testing.T) {
	srv := httpServer(t, graph.Options{MaxInFlight: 1})
	// A request whose body is still being sent holds the only slot.
	pr, pw := io.Pipe()
	body := []byte(`{"query":"` + guardQuery[:10])
	rest := []byte(strings.ReplaceAll(guardQuery[10:], `"`, `\"`) + `"}`)
	held := make(chan httpResponse, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/graphql", pr)
		req.Header.Set("Content-Type", "application/json")
		req.ContentLength = int64(len(body) + len(rest))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			held <- httpResponse{Status: -1, Body: []byte(err.Error())}
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		held <- httpResponse{Status: resp.StatusCode, Body: b}
	}()
	if _, err := pw.Write(body); err != nil {
		t.Fatal(err)
	}
	var shed httpResponse
	// Until the held request has reached the handler (up to 20 s on a loaded machine).
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		shed = httpPostQuery(t, srv, `{ __typename }`)
		if shed.Status == http.StatusServiceUnavailable {
			break
		}
	}
	if shed.Status != http.StatusServiceUnavailable || shed.Header.Get("Retry-After") != "1" {
		_ = pw.CloseWithError(io.ErrUnexpectedEOF) // let the held request end, so that the server can close
		t.Fatalf("a request past the cap: %d (Retry-After %q) %s, want 503 with Retry-After: 1", shed.Status, shed.Header.Get("Retry-After"), shed.Body)
	}
	if g := httpDecode(t, shed); len(g.Errors) != 1 || g.Errors[0].Extensions["code"] != "RATE_LIMITED" || g.Errors[0].Extensions["reason"] != "overloaded" {
		t.Errorf("503 errors %+v, want RATE_LIMITED with reason overloaded", g.Errors)
	}
	if _, err := pw.Write(rest); err != nil {
		t.Fatal(err)
	}
	_ = pw.Close()
	if r := <-held; r.Status != http.StatusOK || !bytes.Contains(r.Body, []byte(httpASMEXName)) {
		t.Fatalf("the held request: %d %s", r.Status, r.Body)
	}
	// The slot is given back when the held request's handler returns, which may be just after
	// its client has read the whole answer: wait for that (up to 10 s), not for a fixed moment.
	var r httpResponse
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if r = httpPostQuery(t, srv, guardQuery); r.Status != http.StatusServiceUnavailable {
			break
		}
	}
	if r.Status != http.StatusOK {
		t.Errorf("after the slot is free: %d %s", r.Status, r.Body)
	}
}

// Every operation over a websocket takes a token from its client's bucket.
func TestWebsocketRateLimit(t *testing.T) {
	srv := httpServer(t, graph.Options{Rate: 0.5, Burst: 2})
	c := httpWSAcked(t, srv) // the upgrade takes the first token
	read := polOps()[0]
	if code := polWSOp(t, c, "1", read); code != "" {
		t.Fatalf("first operation: %s", code)
	}
	if code := polWSOp(t, c, "2", read); code != "RATE_LIMITED" {
		t.Errorf("an operation over the rate: code %q, want RATE_LIMITED", code)
	}
	// The socket stays open for the client to retry later.
	httpWSWrite(t, c, `{"type":"ping"}`)
}

// A message larger than WSMaxMessageBytes closes the socket with 1009.
func TestWebsocketMessageTooBig(t *testing.T) {
	srv := httpServer(t, graph.Options{WSMaxMessageBytes: 4096})
	c := httpWSAcked(t, srv)
	big := fmt.Sprintf(`{"id":"1","type":"subscribe","payload":{"query":"{ __typename }","variables":{"x":%q}}}`, strings.Repeat("x", 8192))
	httpWSWrite(t, c, big)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		_, _, err := c.Read(ctx)
		if err != nil {
			if got := websocket.CloseStatus(err); got != websocket.StatusMessageTooBig {
				t.Errorf("closed with %d (%v), want 1009", got, err)
			}
			return
		}
	}
}

// A peer that sends operations and never reads what it is sent is closed once a write has
// waited WSWriteTimeout; the server goes on serving others.
func TestWebsocketSlowConsumerClosed(t *testing.T) {
	refused := make(chan string, 100)
	srv := httpServer(t, graph.Options{WSWriteTimeout: 300 * time.Millisecond, WSMaxOperations: 1000,
		OnRefuse: func(k string) { refused <- k }})
	c := httpWSAcked(t, srv)
	// Each answer is tens of KB (the regions, twenty times over); the client reads none.
	var q strings.Builder
	q.WriteString("{ ")
	for i := range 20 {
		fmt.Fprintf(&q, "r%d: regions(first: 100) { nodes { id name key code aliases description kind } } ", i)
	}
	q.WriteString("}")
	for i := range 150 {
		msg, _ := json.Marshal(map[string]any{"id": strconv.Itoa(i), "type": "subscribe",
			"payload": map[string]any{"query": q.String()}})
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		err := c.Write(ctx, websocket.MessageText, msg)
		cancel()
		if err != nil {
			break // the server closed the socket
		}
	}
	select {
	case k := <-refused:
		if k != "ws_slow" {
			t.Errorf("refusal %q, want ws_slow", k)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("the slow consumer was not closed within 60 s")
	}
	// The server still serves.
	if r := httpPostQuery(t, srv, guardQuery); r.Status != http.StatusOK {
		t.Errorf("after closing a slow consumer: %d", r.Status)
	}
}
