package graph_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// mutHTTPClient bounds every request of the concurrency tests.
var mutHTTPClient = &http.Client{Timeout: 30 * time.Second}

// mutConcurrencyTimeout bounds a whole burst of concurrent requests.
const mutConcurrencyTimeout = 90 * time.Second

// mutPost sends one GraphQL request and decodes the answer. Unlike client.do it never calls
// t.Fatal, so goroutines other than the test's may use it: problems come back as an error.
func mutPost(url, query string, vars map[string]any) (json.RawMessage, []gqlErr, []byte, error) {
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		return nil, nil, nil, err
	}
	resp, err := mutHTTPClient.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		return nil, nil, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, nil, nil, err
	}
	var r struct {
		Data   json.RawMessage `json:"data"`
		Errors []gqlErr        `json:"errors"`
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, nil, raw, fmt.Errorf("status %d, not a JSON response: %s", resp.StatusCode, raw)
	}
	return r.Data, r.Errors, raw, nil
}

// mutBurst runs fn(i) for i in [0, n) in n goroutines released at once, and fails the test if
// they do not all finish within mutConcurrencyTimeout.
func mutBurst(t *testing.T, n int, fn func(i int)) {
	t.Helper()
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			fn(i)
		}()
	}
	close(start)
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(mutConcurrencyTimeout):
		t.Fatalf("%d concurrent requests did not finish within %s", n, mutConcurrencyTimeout)
	}
}

func TestConcurrentUpsertSameKey(t *testing.T) {
	c, _ := mutServer(t)
	people := mutPeopleCount(t, c)
	const n = 50
	type result struct {
		id   string
		errs []gqlErr
		err  error
	}
	results := make([]result, n)
	input := mutI(map[string]any{"key": "same-new-key", "name": "Same New Key", "citations": []any{mutCite("same")}})
	mutBurst(t, n, func(i int) {
		data, errs, raw, err := mutPost(c.url, `mutation($i: PersonInput!) { upsertPerson(input: $i) { id key } }`, input)
		if raw != nil {
			assertNoLeak(t, raw)
		}
		r := result{errs: errs, err: err}
		if err == nil && len(errs) == 0 {
			var d struct{ UpsertPerson struct{ ID, Key string } }
			if jerr := json.Unmarshal(data, &d); jerr != nil {
				r.err = jerr
			}
			r.id = d.UpsertPerson.ID
		}
		results[i] = r
	})

	ids := map[string]int{}
	for i, r := range results {
		switch {
		case r.err != nil:
			t.Errorf("request %d: %v", i, r.err)
		case len(r.errs) > 0:
			if len(r.errs) != 1 || r.errs[0].code() != "CONFLICT" {
				t.Errorf("request %d failed with %+v; a concurrent upsert may only fail with CONFLICT", i, r.errs)
			}
		case r.id == "":
			t.Errorf("request %d answered no id", i)
		default:
			ids[r.id]++
		}
	}
	if len(ids) != 1 {
		t.Errorf("the successful answers carry %d different ids: %v, want one", len(ids), ids)
	}
	if got := mutPeopleCount(t, c); got != people+1 {
		t.Errorf("people.totalCount went from %d to %d, want +1", people, got)
	}
	type res struct{ Person *mutPerson }
	r := mutQuery[res](t, c, `{ person(key: "same-new-key") { id name citations { excerpt source { key } } } }`, nil)
	if r.Person == nil || ids[r.Person.ID] == 0 || len(r.Person.Citations) != 1 {
		t.Errorf("stored person %+v, answered ids %v", r.Person, ids)
	}
}

// TestConcurrentUpsertMergesAliases: 50 concurrent patches of one key, each adding its own alias,
// lose none of them.
func TestConcurrentUpsertMergesAliases(t *testing.T) {
	c, _ := mutServer(t)
	mutOK[mutPerson](t, c, mutUpsertPerson, mutI(map[string]any{"key": "mut-many-names", "name": "Mut Many Names", "citations": []any{mutCite("x")}}))
	const n = 50
	mutBurst(t, n, func(i int) {
		_, errs, raw, err := mutPost(c.url, mutUpsertPerson, mutI(map[string]any{"key": "mut-many-names", "aliases": []any{fmt.Sprintf("alias %02d", i)}}))
		switch {
		case err != nil:
			t.Errorf("request %d: %v", i, err)
		case len(errs) > 0:
			t.Errorf("request %d: %+v", i, errs)
		}
		if raw != nil {
			assertNoLeak(t, raw)
		}
	})
	type res struct{ Person mutPerson }
	r := mutQuery[res](t, c, `{ person(key: "mut-many-names") { aliases } }`, nil)
	if len(r.Person.Aliases) != n {
		t.Errorf("%d aliases after %d concurrent patches, want %d: %v", len(r.Person.Aliases), n, n, r.Person.Aliases)
	}
	for i := range n {
		if a := fmt.Sprintf("alias %02d", i); !slices.Contains(r.Person.Aliases, a) {
			t.Errorf("alias %q was lost", a)
		}
	}
}

func TestConcurrentAddPositions(t *testing.T) {
	c, _ := mutServer(t)
	members := mutMembersCount(t, c, "asmex")
	const n = 50
	const op = `mutation($p: PersonInput!, $pos: PositionInput!) {
		p: upsertPerson(input: $p) { id }
		pos: addPosition(input: $pos) { id person { key } organization { key } } }`
	posIDs := make([]string, n)
	mutBurst(t, n, func(i int) {
		key := fmt.Sprintf("mut-concurrent-member-%02d", i)
		data, errs, raw, err := mutPost(c.url, op, map[string]any{
			"p":   map[string]any{"key": key, "name": fmt.Sprintf("Mut Concurrent Member %02d", i), "citations": []any{mutCite("member")}},
			"pos": map[string]any{"person": key, "organization": "asmex", "title": "membre", "citations": []any{mutCite("member")}},
		})
		if raw != nil {
			assertNoLeak(t, raw)
		}
		if err != nil || len(errs) > 0 {
			t.Errorf("request %d: %v %+v", i, err, errs)
			return
		}
		var d struct {
			Pos struct {
				ID           string
				Person       mutRef
				Organization mutRef
			}
		}
		if err := json.Unmarshal(data, &d); err != nil || d.Pos.Person.Key != key || d.Pos.Organization.Key != "asmex" {
			t.Errorf("request %d answered %s (%v)", i, data, err)
			return
		}
		posIDs[i] = d.Pos.ID
	})
	if got := mutMembersCount(t, c, "asmex"); got != members+n {
		t.Errorf("asmex members totalCount = %d, want %d + %d", got, members, n)
	}
	// Walk every page of the members: all 50 new people are there, each once.
	type page struct {
		Organization struct {
			Members struct {
				PageInfo struct {
					HasNextPage bool
					EndCursor   *string
				}
				Nodes []struct {
					ID     string
					Person mutRef
				}
			}
		}
	}
	seen := map[string]int{}
	walked := 0
	var after *string
	for pages := 0; ; pages++ {
		if pages > 20 {
			t.Fatalf("more than 20 pages of 20 members")
		}
		p := mutQuery[page](t, c, `query($after: String) { organization(key: "asmex") { members(first: 20, after: $after) {
			pageInfo { hasNextPage endCursor } nodes { id person { key } } } } }`, map[string]any{"after": after})
		for _, m := range p.Organization.Members.Nodes {
			walked++
			seen[m.ID]++
			if strings.HasPrefix(m.Person.Key, "mut-concurrent-member-") {
				seen[m.Person.Key]++
			}
		}
		if !p.Organization.Members.PageInfo.HasNextPage {
			break
		}
		after = p.Organization.Members.PageInfo.EndCursor
	}
	if walked != members+n {
		t.Errorf("walked %d members, want %d", walked, members+n)
	}
	for i := range n {
		key := fmt.Sprintf("mut-concurrent-member-%02d", i)
		if seen[key] != 1 {
			t.Errorf("%s found %d times in the members pages, want once", key, seen[key])
		}
		if posIDs[i] != "" && seen[posIDs[i]] != 1 {
			t.Errorf("position %s of %s found %d times, want once", posIDs[i], key, seen[posIDs[i]])
		}
	}
}

func TestConcurrentUpsertsAndReads(t *testing.T) {
	c, _ := mutServer(t)
	people := mutPeopleCount(t, c)
	const writers, readers = 20, 20
	const walk = `query($after: String) { people(first: 7, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { id key name } } }`
	mutBurst(t, writers+readers, func(i int) {
		if i < writers {
			key := fmt.Sprintf("mut-writer-%02d", i)
			_, errs, raw, err := mutPost(c.url, mutUpsertPerson, mutI(map[string]any{"key": key, "name": fmt.Sprintf("Mut Writer %02d", i),
				"aliases": []any{"writer"}, "citations": []any{mutCite("writer")}}))
			if raw != nil {
				assertNoLeak(t, raw)
			}
			if err != nil || len(errs) > 0 {
				t.Errorf("writer %d: %v %+v", i, err, errs)
			}
			return
		}
		// A reader walks every page of people, three times over.
		for round := range 3 {
			seen := map[string]bool{}
			var after any
			for pages := 0; ; pages++ {
				if pages > 20 {
					t.Errorf("reader %d: more than 20 pages", i)
					return
				}
				data, errs, raw, err := mutPost(c.url, walk, map[string]any{"after": after})
				if raw != nil {
					assertNoLeak(t, raw)
				}
				if err != nil || len(errs) > 0 {
					t.Errorf("reader %d round %d page %d: %v %+v", i, round, pages, err, errs)
					return
				}
				var p struct {
					People struct {
						TotalCount int
						PageInfo   struct {
							HasNextPage bool
							EndCursor   *string
						}
						Nodes []mutRef
					}
				}
				if err := json.Unmarshal(data, &p); err != nil {
					t.Errorf("reader %d: %v: %s", i, err, data)
					return
				}
				if p.People.TotalCount < people || p.People.TotalCount > people+writers {
					t.Errorf("reader %d: totalCount %d outside [%d, %d]", i, p.People.TotalCount, people, people+writers)
				}
				for _, n := range p.People.Nodes {
					if seen[n.ID] {
						t.Errorf("reader %d: %s seen twice in one walk", i, n.ID)
					}
					seen[n.ID] = true
				}
				if !p.People.PageInfo.HasNextPage {
					break
				}
				after = *p.People.PageInfo.EndCursor
			}
			if len(seen) < people {
				t.Errorf("reader %d: a walk saw %d people, fewer than the %d before the writes", i, len(seen), people)
			}
		}
	})
	if got := mutPeopleCount(t, c); got != people+writers {
		t.Errorf("people.totalCount = %d, want %d", got, people+writers)
	}
}
