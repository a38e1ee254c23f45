package graph_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/kgql/kgql/graph"
	"github.com/kgql/kgql/store/importer"
	"github.com/kgql/kgql/store/seed"
	"github.com/kgql/kgql/store/storetest"
)

// Subscriptions over graphql-transport-ws, fed by commits (graph/subscriptions.go).

// subEvent is one nodeChanged event as a client reads it.
type subEvent struct {
	Change string `json:"change"`
	ID     string `json:"id"`
	Kind   string `json:"kind"`
	Cursor string `json:"cursor"`
	Node   *struct {
		Typename string `json:"__typename"`
		Name     string `json:"name"`
	} `json:"node"`
}

const subDoc = `subscription($ids: [ID!], $types: [NodeType!], $after: String) { nodeChanged(ids: $ids, types: $types, after: $after) { change id kind cursor node { __typename ... on Entity { name } } } }`

// subStart subscribes on an acknowledged socket.
func subStart(t *testing.T, c *websocket.Conn, id string, vars map[string]any) {
	t.Helper()
	p, _ := json.Marshal(map[string]any{"id": id, "type": "subscribe", "payload": map[string]any{"query": subDoc, "variables": vars}})
	httpWSWrite(t, c, string(p))
}

// subNext reads the next event of subscription id.
func subNext(t *testing.T, c *websocket.Conn, id string) subEvent {
	t.Helper()
	m := httpWSRead(t, c)
	if m.Type != "next" || m.ID != id {
		t.Fatalf("got %s %s %s, want next for %s", m.Type, m.ID, m.Payload, id)
	}
	return subDecode(t, m)
}

// subDecode reads the event of a next message; it fails the test on anything else.
func subDecode(t *testing.T, m httpWSMessage) subEvent {
	t.Helper()
	var p struct {
		Data struct {
			NodeChanged subEvent `json:"nodeChanged"`
		} `json:"data"`
		Errors []any `json:"errors"`
	}
	if err := json.Unmarshal(m.Payload, &p); err != nil || m.Type != "next" || len(p.Errors) > 0 {
		t.Fatalf("got %s %s %s, want an event (%v)", m.Type, m.ID, m.Payload, err)
	}
	return p.Data.NodeChanged
}

func TestSubscriptionNodeChanged(t *testing.T) {
	srv := httpServer(t, graph.Options{})
	c := httpWSAcked(t, srv)
	// Everything about ASMEX: the organization itself and the relations that point at it.
	subStart(t, c, "asmex", map[string]any{"ids": []string{"asmex"}})
	// Every person.
	subStart(t, c, "people", map[string]any{"types": []string{"PERSON"}})

	mutate := func(q string) {
		t.Helper()
		if g := httpDecode(t, httpPostQuery(t, srv, q)); len(g.Errors) > 0 {
			t.Fatalf("%s: %+v", q, g.Errors)
		}
	}
	// Give the server a moment to register both subscriptions: a write before that is not
	// theirs. A query over the same socket is answered after the subscribes were read.
	subSync(t, c)

	mutate(`mutation { upsertOrganization(input: {key: "asmex", name: "Association Marocaine des Exportateurs", aliases: ["ASMEX Maroc"]}) { id } }`)
	ev := subNext(t, c, "asmex")
	if ev.Change != "UPDATED" || ev.Kind != "ORGANIZATION" || ev.Node == nil || ev.Node.Name != httpASMEXName || ev.Cursor == "" {
		t.Errorf("ASMEX updated: %+v", ev)
	}
	mutate(`mutation { upsertPerson(input: {key: "sub-person", name: "Sub Person", citations: [{source: "` + articleKey + `"}]}) { id } }`)
	p := subNext(t, c, "people")
	if p.Change != "CREATED" || p.Kind != "PERSON" || p.Node == nil || p.Node.Name != "Sub Person" {
		t.Errorf("person created: %+v", p)
	}
	// A position of the new person at ASMEX: a relation that points at ASMEX, and at a person.
	mutate(`mutation { addPosition(input: {person: "sub-person", organization: "asmex", title: "membre", citations: [{source: "` + articleKey + `"}]}) { id } }`)
	got := subCollect(t, c, 2)
	pos := got["asmex"][0]
	if pos.Change != "CREATED" || pos.Kind != "POSITION" || got["people"][0].ID != pos.ID {
		t.Errorf("position at ASMEX: %+v", got)
	}
	// Deleting the person (and, by cascade, its position): both subscriptions hear of what they
	// watch, with the ids and no node; the deleted position matches only by its own id and kind,
	// so the ASMEX subscription does not see it (its links are gone).
	mutate(`mutation { deleteNode(id: "` + p.ID + `", cascade: true) { __typename } }`)
	got = subCollect(t, c, 1)
	del := got["people"][0]
	if del.Change != "DELETED" || del.ID != p.ID || del.Node != nil || len(got["asmex"]) != 0 {
		t.Errorf("person deleted: %+v", got)
	}
	if !cursorLess(p.Cursor, del.Cursor) || !cursorLess(ev.Cursor, pos.Cursor) {
		t.Errorf("cursors out of commit order: %s %s, %s %s", p.Cursor, del.Cursor, ev.Cursor, pos.Cursor)
	}
}

// subCollect reads n events, whichever subscriptions they belong to.
func subCollect(t *testing.T, c *websocket.Conn, n int) map[string][]subEvent {
	t.Helper()
	out := map[string][]subEvent{}
	for range n {
		m := httpWSRead(t, c)
		out[m.ID] = append(out[m.ID], subDecode(t, m))
	}
	return out
}

// cursorLess compares two SEQ.INDEX cursors.
func cursorLess(a, b string) bool {
	var as, ai, bs, bi int
	fmt.Sscanf(a, "%d.%d", &as, &ai)
	fmt.Sscanf(b, "%d.%d", &bs, &bi)
	return as < bs || as == bs && ai < bi
}

// A client that goes away and resumes with its last cursor gets every event it missed, in
// order, and none twice.
func TestSubscriptionResume(t *testing.T) {
	srv := httpServer(t, graph.Options{})
	open := func(vars map[string]any, sync bool) *websocket.Conn {
		c := httpWSAcked(t, srv)
		subStart(t, c, "s", vars)
		if sync { // wait until the subscription is registered (nothing can arrive before a write)
			subSync(t, c)
		}
		return c
	}
	upsert := func(i int) {
		t.Helper()
		q := fmt.Sprintf(`mutation { upsertPerson(input: {key: "resume-%d", name: "Resume %d", citations: [{source: %q}]}) { id } }`, i, i, articleKey)
		if g := httpDecode(t, httpPostQuery(t, srv, q)); len(g.Errors) > 0 {
			t.Fatalf("%+v", g.Errors)
		}
	}
	c := open(map[string]any{"types": []string{"PERSON"}}, true)
	upsert(0)
	first := subNext(t, c, "s")
	_ = c.CloseNow() // the client is killed mid-stream
	for i := 1; i <= 5; i++ {
		upsert(i)
	}
	c = open(map[string]any{"types": []string{"PERSON"}, "after": first.Cursor}, false) // the replay comes at once
	for i := 1; i <= 5; i++ {
		ev := subNext(t, c, "s")
		if ev.Node == nil || ev.Node.Name != fmt.Sprintf("Resume %d", i) || ev.Change != "CREATED" {
			t.Fatalf("resumed event %d: %+v", i, ev)
		}
	}
	upsert(6) // and live after the replay
	if ev := subNext(t, c, "s"); ev.Node == nil || ev.Node.Name != "Resume 6" {
		t.Errorf("live after the replay: %+v", ev)
	}

	// A cursor that is not one, and a cursor the log no longer reaches.
	for _, after := range []string{"nope", "0.0", "x.1"} {
		c2, _, err := httpWSDial(t, srv, "")
		if err != nil {
			t.Fatal(err)
		}
		httpWSWrite(t, c2, `{"type":"connection_init"}`)
		httpWSRead(t, c2)
		subStart(t, c2, "bad", map[string]any{"after": after})
		m := httpWSRead(t, c2)
		if (m.Type != "next" && m.Type != "error") || !strings.Contains(string(m.Payload), "BAD_USER_INPUT") {
			t.Errorf("after %q: %s %s, want a BAD_USER_INPUT refusal", after, m.Type, m.Payload)
		}
	}
}

// A subscription over plain HTTP is refused at once (it would wait for the first event).
func TestSubscriptionOverHTTPRefused(t *testing.T) {
	srv := httpServer(t, graph.Options{})
	r := httpPostQuery(t, srv, `subscription { nodeChanged { id } }`)
	if g := httpDecode(t, r); r.Status != 200 || len(g.Errors) != 1 || g.Errors[0].Extensions["code"] != "BAD_USER_INPUT" ||
		!strings.Contains(g.Errors[0].Message, "websocket") {
		t.Errorf("subscription over POST: HTTP %d %s", r.Status, r.Body)
	}
	r = apiPost(t, srv.URL, `[{"query":"subscription { nodeChanged { id } }"},{"query":"{ __typename }"}]`, "")
	if res := batchResults(t, r); len(res) != 2 || len(res[0].Errors) != 1 || string(res[1].Data) != `{"__typename":"Query"}` {
		t.Errorf("subscription in a batch: %s", r.Body)
	}
}

// statementAdded delivers the new statements that match its filter (speaker, text words), and
// nothing else.
func TestSubscriptionStatementAdded(t *testing.T) {
	srv := httpServer(t, graph.Options{})
	c, _, err := httpWSDial(t, srv, "")
	if err != nil {
		t.Fatal(err)
	}
	httpWSWrite(t, c, `{"type":"connection_init"}`)
	httpWSRead(t, c)
	sub, _ := json.Marshal(map[string]any{"id": "q", "type": "subscribe", "payload": map[string]any{
		"query": `subscription($w: StatementWhere) { statementAdded(where: $w) { text speaker { name } } }`,
		"variables": map[string]any{"w": map[string]any{"speaker": map[string]any{"key": map[string]any{"eq": "adil-zaidi"}},
			"text": map[string]any{"search": "Régions exportatrices"}}}}})
	httpWSWrite(t, c, string(sub))
	subSync(t, c)
	add := func(speaker, text string) {
		t.Helper()
		q := fmt.Sprintf(`mutation { addStatement(input: {speaker: %q, text: %q, language: "fr", citations: [{source: %q}]}) { id } }`, speaker, text, articleKey)
		if g := httpDecode(t, httpPostQuery(t, srv, q)); len(g.Errors) > 0 {
			t.Fatalf("%+v", g.Errors)
		}
	}
	add("badia-bitar", "Les régions exportatrices avancent")           // another speaker
	add("adil-zaidi", "Rien à voir")                                   // the words are missing
	add("adil-zaidi", "Les regions EXPORTATRICES sont notre priorité") // matches, folded
	m := httpWSRead(t, c)
	if m.Type != "next" || m.ID != "q" || !strings.Contains(string(m.Payload), "notre priorit") || !strings.Contains(string(m.Payload), "Adil Zaidi") {
		t.Fatalf("got %s %s %s, want the one matching statement", m.Type, m.ID, m.Payload)
	}
	// A bad filter is refused at subscribe time.
	httpWSWrite(t, c, `{"id":"bad","type":"subscribe","payload":{"query":"subscription { statementAdded(where: {text: {search: \" \"}}) { text } }"}}`)
	if m := httpWSRead(t, c); m.ID != "bad" || !strings.Contains(string(m.Payload), "BAD_USER_INPUT") {
		t.Errorf("empty search: %s %s", m.Type, m.Payload)
	}
}

// subSync waits until the server has read everything sent on c before (a query on the same
// socket is answered after the messages before it were handled).
func subSync(t *testing.T, c *websocket.Conn) {
	t.Helper()
	httpWSWrite(t, c, `{"id":"sync","type":"subscribe","payload":{"query":"{ __typename }"}}`)
	for m := httpWSRead(t, c); m.ID != "sync" || m.Type != "complete"; m = httpWSRead(t, c) {
	}
}

// Subscribers of the same subscription share one operation (graph/fanout.go): each gets the
// same event, byte for byte; a member that completes or goes away leaves the others served; a
// subscription with other variables, or one that resumes, runs on its own. The gauges say how
// many subscriptions are served and by how many operations.
func TestSubscriptionShared(t *testing.T) {
	s := storetest.Open(t)
	if _, err := importer.ImportBytes(s, seed.NDJSON, "seed"); err != nil {
		t.Fatal(err)
	}
	srv := httpServer(t, graph.Options{Store: s, Metrics: graph.NewMetrics(s, nil)})
	people := map[string]any{"types": []string{"PERSON"}}
	a, b, c, d := httpWSAcked(t, srv), httpWSAcked(t, srv), httpWSAcked(t, srv), httpWSAcked(t, srv)
	subStart(t, a, "a", people)
	subStart(t, b, "b", people)
	subStart(t, c, "c", map[string]any{"types": []string{"ORGANIZATION"}})
	mutate := func(q string) {
		t.Helper()
		if g := httpDecode(t, httpPostQuery(t, srv, q)); len(g.Errors) > 0 {
			t.Fatalf("%s: %+v", q, g.Errors)
		}
	}
	for _, x := range []*websocket.Conn{a, b, c} {
		subSync(t, x)
	}
	// d resumes from the start of what follows: its own operation.
	mutate(`mutation { upsertPerson(input: {key: "shared-0", name: "Shared 0", citations: [{source: "` + articleKey + `"}]}) { id } }`)
	ea := httpWSRead(t, a)
	eb := httpWSRead(t, b)
	if ea.ID != "a" || eb.ID != "b" || string(ea.Payload) != string(eb.Payload) || subDecode(t, ea).Node.Name != "Shared 0" {
		t.Fatalf("the shared event: %s %s / %s %s", ea.ID, ea.Payload, eb.ID, eb.Payload)
	}
	subStart(t, d, "d", map[string]any{"types": []string{"PERSON"}, "after": subDecode(t, ea).Cursor})
	subSync(t, d)

	gauges := func(active, ops float64) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			m := metScrape(t, srv, "")
			gotA, gotO := metValue(t, m, "kgql_subscriptions_active", nil), metValue(t, m, "kgql_subscription_operations", nil)
			if gotA == active && gotO == ops {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("subscriptions %v served by %v operations, want %v by %v", gotA, gotO, active, ops)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	gauges(4, 3) // a and b share; c and d run on their own

	// b completes: a goes on, b hears nothing more.
	httpWSWrite(t, b, `{"id":"b","type":"complete"}`)
	subSync(t, b)
	gauges(3, 3)
	mutate(`mutation { upsertPerson(input: {key: "shared-1", name: "Shared 1", citations: [{source: "` + articleKey + `"}]}) { id } }`)
	if ev := subNext(t, a, "a"); ev.Node == nil || ev.Node.Name != "Shared 1" {
		t.Fatalf("a after b left: %+v", ev)
	}
	if ev := subNext(t, d, "d"); ev.Node == nil || ev.Node.Name != "Shared 1" {
		t.Fatalf("d, resumed: %+v", ev)
	}
	subSync(t, b) // nothing for b arrived before this answer
	subSync(t, c) // nor for c: no organization changed

	// A new subscriber joins the running operation, then a goes away: the operation goes on
	// for the newcomer, and ends with its last member.
	e := httpWSAcked(t, srv)
	subStart(t, e, "e", people)
	subSync(t, e)
	gauges(4, 3)
	_ = a.CloseNow()
	gauges(3, 3)
	mutate(`mutation { upsertPerson(input: {key: "shared-2", name: "Shared 2", citations: [{source: "` + articleKey + `"}]}) { id } }`)
	if ev := subNext(t, e, "e"); ev.Node == nil || ev.Node.Name != "Shared 2" {
		t.Fatalf("e, the newcomer: %+v", ev)
	}
	_ = e.CloseNow()
	gauges(2, 2)
}
