package graph_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/kgql/kgql/graph"
)

// OnRequest and OnOperation see every request and operation as it was answered: the route
// pattern, the status, the bytes, the operation's name, type, cost, error code and client.
func TestRequestObservation(t *testing.T) {
	var mu sync.Mutex
	var served []graph.Served
	var ops []graph.OperationInfo
	srv := httpServer(t, graph.Options{
		OnRequest: func(s graph.Served) { mu.Lock(); served = append(served, s); mu.Unlock() },
		OnOperation: func(_ context.Context, oi graph.OperationInfo) {
			mu.Lock()
			ops = append(ops, oi)
			mu.Unlock()
		},
	})
	last := func() graph.Served {
		mu.Lock()
		defer mu.Unlock()
		return served[len(served)-1]
	}
	r := httpPostQuery(t, srv, `query Asmex { organization(key: "asmex") { name } }`, "Apollographql-Client-Name", "newsroom-web", "Apollographql-Client-Version", "2.1")
	s := last()
	if s.Route != "/graphql" || s.Status != http.StatusOK || s.Bytes != int64(len(r.Body)) || s.Duration <= 0 {
		t.Errorf("served %+v (body %d bytes)", s, len(r.Body))
	}
	if op := s.Operation; op.Name != "Asmex" || op.Type != "query" || op.Cost < 2 || op.Code != "" || op.Client != "newsroom-web" || op.ClientVersion != "2.1" {
		t.Errorf("operation %+v", op)
	}
	httpPostQuery(t, srv, `mutation { deleteNode(id: "asmex") { updatedIds } }`)
	if op := last().Operation; op.Type != "mutation" || op.Code != "CONFLICT" {
		t.Errorf("a refused delete: %+v, want a mutation with code CONFLICT", op)
	}
	for path, route := range map[string]string{"/healthz": "GET /healthz", "/": "/", "/nope": "/"} {
		httpDo(t, httpRequest(t, http.MethodGet, srv.URL+path, nil))
		if s := last(); s.Route != route {
			t.Errorf("GET %s observed as route %q, want %q", path, s.Route, route)
		}
	}
	// A websocket: its operations are told to OnOperation; the upgrade, once the socket closes,
	// to OnRequest.
	mu.Lock()
	nOps, nServed := len(ops), len(served)
	mu.Unlock()
	c, _, err := httpWSDial(t, srv, "")
	if err != nil {
		t.Fatal(err)
	}
	httpWSQueryASMEX(t, c)
	mu.Lock()
	gotOps := ops[nOps:]
	mu.Unlock()
	if len(gotOps) != 1 || gotOps[0].Type != "query" {
		t.Errorf("operations over the websocket: %+v", gotOps)
	}
	_ = c.Close(websocket.StatusNormalClosure, "")
	upgraded := func() bool {
		mu.Lock()
		defer mu.Unlock()
		for _, s := range served[nServed:] {
			if s.Upgraded && s.Route == "/graphql" && s.Status == http.StatusSwitchingProtocols {
				return true
			}
		}
		return false
	}
	deadline := time.Now().Add(10 * time.Second) // the server ends the socket's handler on its own time
	for !upgraded() && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if !upgraded() {
		mu.Lock()
		t.Errorf("the websocket upgrade was not observed: %+v", served[nServed:])
		mu.Unlock()
	}
}
