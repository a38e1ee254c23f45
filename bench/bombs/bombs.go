// Package bombs is kgql's query-bomb battery (issue 9): requests built to exhaust a GraphQL
// server — deep nesting, alias and fragment explosions, huge pages, huge bodies, batches, slow
// connections, floods — each with the refusal kgql must answer it with. The same battery runs in
// the tests (bombs_test.go, against the real handler on a real store) and against a running
// server (cmd/, used by bench/bombs.sh).
//
// A bomb is sent as a client would send it, over loopback, and its outcome is what came back:
// the HTTP status and the first error's extensions.code (and extensions.limit or reason), the
// websocket close code, or the connection cut with no response. The time to refuse is measured
// client-side, from the request sent to the response received.
//
// Each try of a query bomb has a different text (an operation name with the try's number), so
// the server's caches of parsed queries and of query shapes never answer it: the time is that of
// a bomb the server has not seen.
package bombs

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Target is the server under test and the credentials the battery uses. Each flood has a token
// of its own, so that its client's rate bucket is not the one the other bombs are sent from.
type Target struct {
	// URL is the server's base URL, e.g. http://127.0.0.1:8080 (no path).
	URL string
	// Token is the bearer token the query bombs are sent with.
	Token string
	// FloodToken and WSFloodToken are the tokens of the HTTP flood and of the websocket flood.
	FloodToken, WSFloodToken string
	// Rate and Burst are the server's per-client rate (-rate, -burst). The battery paces the
	// requests sent with Token under Rate, and the floods send more than Burst.
	Rate  float64
	Burst int
	// ReadHeaderTimeout is the server's http.Server.ReadHeaderTimeout: a slow-loris connection
	// must be cut after it.
	ReadHeaderTimeout time.Duration
	// WSMaxMessageBytes is the server's largest websocket message (-ws-max-message-bytes).
	WSMaxMessageBytes int64
	// WSMessageRate is the server's pace of the messages read from one websocket
	// (-ws-message-rate, burst twice that); zero when it does not pace. The websocket flood sends
	// a few seconds' worth past the pace's burst.
	WSMessageRate float64
	// Client sends the HTTP requests. Nil: a client of its own.
	Client *http.Client

	once   sync.Once
	paceMu sync.Mutex
	last   time.Time
}

func (t *Target) client() *http.Client {
	t.once.Do(func() {
		if t.Client == nil {
			t.Client = &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{
				MaxIdleConnsPerHost: 16, DisableCompression: true}}
		}
	})
	return t.Client
}

// pace waits until a request sent with Token stays under the rate (half of it, to leave room
// for the requests the slow-loris bomb sends meanwhile).
func (t *Target) pace(ctx context.Context) {
	if t.Rate <= 0 {
		return
	}
	gap := time.Duration(float64(time.Second) * 2 / t.Rate)
	t.paceMu.Lock()
	next := t.last.Add(gap)
	now := time.Now()
	if next.Before(now) {
		next = now
	}
	t.last = next
	t.paceMu.Unlock()
	select {
	case <-ctx.Done():
	case <-time.After(time.Until(next)):
	}
}

// Expect is the refusal a bomb must get.
type Expect struct {
	// Status is the HTTP status (0: the bomb is not answered over HTTP).
	Status int
	// Code is the extensions.code of the (first) error.
	Code string
	// Limits, when not empty, are the extensions.limit (or extensions.reason) values allowed.
	Limits []string
	// WSClose is the websocket close code (0: none expected).
	WSClose int
	// Cut: the server closes the connection without a response.
	Cut bool
	// OrPaced: instead of Code, the outcome may be Paced (the server read the flood no faster
	// than its pace, so nothing was over the client's rate).
	OrPaced bool
}

func (e Expect) String() string {
	var parts []string
	if e.Status != 0 {
		parts = append(parts, fmt.Sprint(e.Status))
	}
	if e.Code != "" {
		c := e.Code
		if len(e.Limits) > 0 {
			c += " (" + strings.Join(e.Limits, "|") + ")"
		}
		if e.OrPaced {
			c += " or paced"
		}
		parts = append(parts, c)
	}
	if e.WSClose != 0 {
		parts = append(parts, fmt.Sprintf("close %d", e.WSClose))
	}
	if e.Cut {
		parts = append(parts, "connection cut, no response")
	}
	return strings.Join(parts, " + ")
}

// Outcome is what one try of a bomb got.
type Outcome struct {
	Status  int    // HTTP status (0: none)
	Code    string // extensions.code of the first error
	Paced   bool   // a flood was read by the server no faster than its pace
	Limit   string // extensions.limit, else extensions.reason, of the first error
	Message string // the first error's message
	WSClose int    // websocket close code (0: none)
	Cut     bool   // the connection was closed with no response
	// Took is the time from the request sent to the refusal received.
	Took time.Duration
	// Samples are the refusal times of a flood or of the slow-loris connections (Took is their
	// median).
	Samples []time.Duration
	// Counts of a flood or of the slow-loris' concurrent requests (e.g. "ok", "refused").
	Counts map[string]int
	// Note says more, for reports (e.g. a flood's rate).
	Note string
	// Err is set when the bomb could not be sent or its answer not read as expected.
	Err error
	// Problem, when set, says why the outcome does not match the expectation.
	Problem string
}

// String is a short form of the outcome for reports.
func (o Outcome) String() string {
	if o.Err != nil {
		return "error: " + o.Err.Error()
	}
	var parts []string
	if o.Status != 0 {
		parts = append(parts, fmt.Sprint(o.Status))
	}
	if o.Code != "" {
		c := o.Code
		if o.Limit != "" {
			c += " (" + o.Limit + ")"
		}
		parts = append(parts, c)
	}
	if o.WSClose != 0 {
		parts = append(parts, fmt.Sprintf("close %d", o.WSClose))
	}
	if o.Cut {
		parts = append(parts, "cut")
	}
	if o.Paced {
		parts = append(parts, "paced")
	}
	if len(parts) == 0 {
		return "nothing"
	}
	return strings.Join(parts, " + ")
}

// Bomb is one attack of the battery.
type Bomb struct {
	Name   string
	What   string // what it sends
	Expect Expect
	// Flood: one try sends many requests and measures each refusal (Outcome.Samples).
	Flood bool
	// Background: the bomb holds connections open for a while; a battery starts it first and
	// runs the others meanwhile.
	Background bool
	send       func(ctx context.Context, t *Target, try int) Outcome
}

// Send runs one try of the bomb (try numbers vary the query text) and checks its outcome:
// Outcome.Problem says what does not match.
func (b Bomb) Send(ctx context.Context, t *Target, try int) Outcome {
	o := b.send(ctx, t, try)
	if p := b.check(o); p != "" && o.Problem == "" {
		o.Problem = p
	}
	return o
}

// check compares an outcome with the expectation; "" when it matches.
func (b Bomb) check(o Outcome) string {
	e := b.Expect
	switch {
	case o.Err != nil:
		return o.Err.Error()
	case e.Status != o.Status:
		return fmt.Sprintf("status %d, want %d", o.Status, e.Status)
	case e.Code != o.Code && !(e.OrPaced && o.Paced):
		if e.OrPaced {
			return fmt.Sprintf("code %q, want %q, and not paced", o.Code, e.Code)
		}
		return fmt.Sprintf("code %q, want %q", o.Code, e.Code)
	case len(e.Limits) > 0 && !slices.Contains(e.Limits, o.Limit):
		return fmt.Sprintf("limit %q, want one of %q", o.Limit, e.Limits)
	case e.WSClose != o.WSClose:
		return fmt.Sprintf("websocket close %d, want %d", o.WSClose, e.WSClose)
	case e.Cut != o.Cut:
		return fmt.Sprintf("cut %v, want %v", o.Cut, e.Cut)
	}
	return ""
}

// Battery returns every bomb, in the order a battery sends them.
func Battery() []Bomb {
	return []Bomb{
		slowLoris(),
		queryBomb("deep-nesting", "region { parent { parent … } } 100 levels deep", http.StatusBadRequest,
			"QUERY_TOO_COMPLEX", []string{"depth"}, deepNesting),
		queryBomb("aliases-10k", "10,000 aliases of one field", http.StatusBadRequest,
			"QUERY_TOO_COMPLEX", []string{"tokens", "selections"}, aliases),
		queryBomb("wide-fragments", "a fragment of 50 fields spread 100 times (5,000 fields)", http.StatusBadRequest,
			"QUERY_TOO_COMPLEX", []string{"selections"}, wideFragments),
		queryBomb("fragment-bomb", "10 fragments, each spreading the next twice (2,048 fields)", http.StatusBadRequest,
			"QUERY_TOO_COMPLEX", []string{"selections", "fragmentSpreads"}, fragmentBomb),
		queryBomb("fragment-cycle", "fragment A spreads B, B spreads A", http.StatusBadRequest,
			"BAD_USER_INPUT", []string{"GRAPHQL_VALIDATION_FAILED"}, fragmentCycle),
		queryBomb("root-fields-1k", "1,000 root fields", http.StatusBadRequest,
			"QUERY_TOO_COMPLEX", []string{"rootFields", "selections"}, rootFields),
		// Under the cost limit (2,000,002 < 5,000,000), so it is the page-size check that refuses
		// it, as a field error (HTTP 200), before any record is read.
		queryBomb("huge-first", "people(first: 1000000)", http.StatusOK,
			"BAD_USER_INPUT", nil, hugeFirst),
		queryBomb("directives-50", "50 directives on one field", http.StatusBadRequest,
			"QUERY_TOO_COMPLEX", []string{"directives"}, directives),
		bodyBomb("variables-10MB", "a 10 MB variables object, sent chunked (no Content-Length)", variables10MB, false),
		bodyBomb("string-1MiB", "a 1 MiB string argument (search(text:))", string1MiB, true),
		{Name: "batch-100", What: "a JSON array of 100 operations in one body (the cap is 20)",
			Expect: Expect{Status: http.StatusBadRequest, Code: "QUERY_TOO_COMPLEX", Limits: []string{"batch"}},
			send: func(ctx context.Context, t *Target, try int) Outcome {
				var b bytes.Buffer
				b.WriteByte('[')
				for i := range 100 {
					if i > 0 {
						b.WriteByte(',')
					}
					fmt.Fprintf(&b, `{"query":"query Batch%d_%d { person(key: \"badia-bitar\") { name } }"}`, try, i)
				}
				b.WriteByte(']')
				t.pace(ctx)
				return postGraphQL(ctx, t, t.Token, bytes.NewReader(b.Bytes()), int64(b.Len()))
			}},
		wsTooBig(),
		wsFlood(),
		httpFlood(),
	}
}

// ---------------------------------------------------------------------------------------------
// Query bombs.

func queryBomb(name, what string, status int, code string, limits []string, build func(try int) string) Bomb {
	return Bomb{Name: name, What: what, Expect: Expect{Status: status, Code: code, Limits: limits},
		send: func(ctx context.Context, t *Target, try int) Outcome {
			body, err := json.Marshal(map[string]any{"query": build(try)})
			if err != nil {
				return Outcome{Err: err}
			}
			t.pace(ctx)
			return postGraphQL(ctx, t, t.Token, bytes.NewReader(body), int64(len(body)))
		}}
}

func deepNesting(try int) string {
	const levels = 100 // region, 98 parents, name
	return fmt.Sprintf("query Deep%d { region(key: \"MA-07\") { %sname%s } }",
		try, strings.Repeat("parent { ", levels-2), strings.Repeat(" }", levels-2))
}

func aliases(try int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "query Aliases%d { region(key: \"MA\") {", try)
	for i := range 10000 {
		fmt.Fprintf(&b, " a%d: name", i)
	}
	b.WriteString(" } }")
	return b.String()
}

func wideFragments(try int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "query Wide%d { region(key: \"MA\") { ...Many } }\nfragment Many on Region {", try)
	for range 100 {
		b.WriteString(" ...Fifty")
	}
	b.WriteString(" }\nfragment Fifty on Region {")
	for i := range 50 {
		fmt.Fprintf(&b, " f%d: name", i)
	}
	b.WriteString(" }")
	return b.String()
}

func fragmentBomb(try int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "query Bomb%d { region(key: \"MA\") { ...F0 } }\n", try)
	for i := range 10 {
		fmt.Fprintf(&b, "fragment F%d on Region { ...F%d ...F%d }\n", i, i+1, i+1)
	}
	b.WriteString("fragment F10 on Region { name key }")
	return b.String()
}

func fragmentCycle(try int) string {
	return fmt.Sprintf("query Cycle%d { region(key: \"MA-07\") { ...A } }\n"+
		"fragment A on Region { name parent { ...B } }\n"+
		"fragment B on Region { name parent { ...A } }", try)
}

func rootFields(try int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "query Roots%d {", try)
	for i := range 1000 {
		fmt.Fprintf(&b, " r%d: __typename", i)
	}
	b.WriteString(" }")
	return b.String()
}

func hugeFirst(try int) string {
	return fmt.Sprintf("query Huge%d { people(first: 1000000) { totalCount nodes { name } } }", try)
}

func directives(try int) string {
	return fmt.Sprintf("query Directives%d { region(key: \"MA\") { name%s } }", try,
		strings.Repeat(" @skip(if: false)", 50))
}

// ---------------------------------------------------------------------------------------------
// Body bombs.

func bodyBomb(name, what string, build func(try int) []byte, withLength bool) Bomb {
	return Bomb{Name: name, What: what, Expect: Expect{Status: http.StatusRequestEntityTooLarge, Code: "BAD_USER_INPUT"},
		send: func(ctx context.Context, t *Target, try int) Outcome {
			body := build(try)
			t.pace(ctx)
			return rawPost(ctx, t, t.Token, body, withLength)
		}}
}

// rawPost sends a large body to /graphql over a connection of its own, with a Content-Length or
// chunked, and reads the response while the body is still being written: the server answers a
// body over its limit before it has read it all, then closes the connection, and net/http's
// client may then report its write error instead of the response.
func rawPost(ctx context.Context, t *Target, token string, body []byte, withLength bool) Outcome {
	u, err := url.Parse(t.URL)
	if err != nil {
		return Outcome{Err: err}
	}
	c, err := (&net.Dialer{}).DialContext(ctx, "tcp", u.Host)
	if err != nil {
		return Outcome{Err: err}
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	var h bytes.Buffer
	fmt.Fprintf(&h, "POST /graphql HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nAccept: %s\r\n", u.Host, gqlAccept)
	if token != "" {
		fmt.Fprintf(&h, "Authorization: Bearer %s\r\n", token)
	}
	if withLength {
		fmt.Fprintf(&h, "Content-Length: %d\r\n\r\n", len(body))
	} else {
		h.WriteString("Transfer-Encoding: chunked\r\n\r\n")
	}
	if _, err := c.Write(h.Bytes()); err != nil {
		return Outcome{Err: err}
	}
	start := time.Now() // the headers are on the wire
	go func() {
		if withLength {
			_, _ = c.Write(body)
			return
		}
		const chunk = 64 << 10
		for len(body) > 0 {
			n := min(chunk, len(body))
			if _, err := fmt.Fprintf(c, "%x\r\n%s\r\n", n, body[:n]); err != nil {
				return
			}
			body = body[n:]
		}
		_, _ = io.WriteString(c, "0\r\n\r\n")
	}()
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return Outcome{Err: fmt.Errorf("reading the response: %w", err)}
	}
	out, err := io.ReadAll(resp.Body)
	o := Outcome{Status: resp.StatusCode, Took: time.Since(start), Err: err}
	o.Code, o.Limit, o.Message = firstError(out)
	return o
}

func variables10MB(try int) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, `{"query":"query Vars%d($k0: String) { __typename }","variables":{`, try)
	val := strings.Repeat("x", 1000)
	for i := 0; b.Len() < 10<<20; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"k%d":"%s"`, i, val)
	}
	b.WriteString("}}")
	return b.Bytes()
}

func string1MiB(try int) []byte {
	q := fmt.Sprintf(`query Str%d { search(text: "%s") { score } }`, try, strings.Repeat("a", 1<<20))
	b, _ := json.Marshal(map[string]any{"query": q})
	return b
}

// ---------------------------------------------------------------------------------------------
// HTTP.

// gqlAccept is the Accept header of the bombs: GraphQL over HTTP's media type, under which a
// request error (over a limit, invalid) is a 4xx, not a 200.
const gqlAccept = "application/graphql-response+json"

// postGraphQL sends body to /graphql and reads the refusal. size < 0 sends it chunked.
func postGraphQL(ctx context.Context, t *Target, token string, body io.Reader, size int64) Outcome {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.URL+"/graphql", body)
	if err != nil {
		return Outcome{Err: err}
	}
	if size >= 0 {
		req.ContentLength = size
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", gqlAccept)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	// The time runs from the request's headers on the wire (a bomb's body may still be being
	// sent: the server may refuse it on its headers) to its response read whole.
	var wrote atomic.Int64
	req = req.WithContext(httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		WroteHeaders: func() { wrote.CompareAndSwap(0, time.Now().UnixNano()) }}))
	start := time.Now()
	resp, err := t.client().Do(req)
	if err != nil {
		return Outcome{Err: err}
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	end := time.Now()
	if w := wrote.Load(); w != 0 {
		start = time.Unix(0, w)
	}
	took := end.Sub(start)
	if err != nil {
		return Outcome{Status: resp.StatusCode, Err: err, Took: took}
	}
	o := Outcome{Status: resp.StatusCode, Took: took}
	o.Code, o.Limit, o.Message = firstError(out)
	if o.Status == http.StatusTooManyRequests && resp.Header.Get("Retry-After") == "" {
		o.Problem = "429 without Retry-After"
	}
	return o
}

// firstError returns the code, limit (or reason) and message of a GraphQL response's first
// error.
func firstError(body []byte) (code, limit, msg string) {
	var r struct {
		Errors []struct {
			Message    string         `json:"message"`
			Extensions map[string]any `json:"extensions"`
		} `json:"errors"`
	}
	if json.Unmarshal(body, &r) != nil || len(r.Errors) == 0 {
		return "", "", ""
	}
	ext := r.Errors[0].Extensions
	code, _ = ext["code"].(string)
	if limit, _ = ext["limit"].(string); limit == "" {
		limit, _ = ext["reason"].(string)
	}
	return code, limit, r.Errors[0].Message
}

// httpFlood sends, from one client (FloodToken) over 4 connections, requests as fast as it can
// until 200 of them have been refused (at least Burst+1 requests, at most Burst+20,000, at most
// 30 s): past its burst, each must be answered 429 + Retry-After + RATE_LIMITED.
func httpFlood() Bomb {
	return Bomb{Name: "http-flood", What: "one client over its rate: requests as fast as 4 connections send them, until 200 are refused",
		Expect: Expect{Status: http.StatusTooManyRequests, Code: "RATE_LIMITED"}, Flood: true,
		send: func(ctx context.Context, t *Target, try int) Outcome {
			const wantRefused = 200
			limit := max(t.Burst, 1) + 20000
			ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			body := []byte(`{"query":"{ __typename }"}`)
			var (
				mu      sync.Mutex
				samples []time.Duration
				counts  = map[string]int{}
				first   *Outcome
				sent    int
				wg      sync.WaitGroup
			)
			start := time.Now()
			for range 4 {
				wg.Go(func() {
					for {
						mu.Lock()
						if sent >= limit || counts["refused"] >= wantRefused || ctx.Err() != nil {
							mu.Unlock()
							return
						}
						sent++
						mu.Unlock()
						o := postGraphQL(ctx, t, t.FloodToken, bytes.NewReader(body), int64(len(body)))
						mu.Lock()
						switch {
						case o.Err != nil:
							counts["error"]++
						case o.Status == http.StatusOK:
							counts["ok"]++
						case o.Status == http.StatusTooManyRequests && o.Code == "RATE_LIMITED" && o.Problem == "":
							counts["refused"]++
							samples = append(samples, o.Took)
						default:
							counts[fmt.Sprintf("status %d %s", o.Status, o.Code)]++
						}
						if o.Status != http.StatusOK && first == nil {
							c := o
							first = &c
						}
						mu.Unlock()
					}
				})
			}
			wg.Wait()
			took := time.Since(start)
			o := Outcome{Counts: counts, Samples: samples, Took: Median(samples),
				Note: fmt.Sprintf("%d requests in %v (%.0f/s)", sent, took.Round(time.Millisecond), float64(sent)/took.Seconds())}
			if first != nil {
				o.Status, o.Code, o.Limit, o.Err, o.Problem = first.Status, first.Code, first.Limit, first.Err, first.Problem
			}
			if n := sent - counts["ok"] - counts["refused"]; n > 0 && o.Problem == "" {
				o.Problem = fmt.Sprintf("%d of %d flood requests were neither served nor refused with 429 (%v)", n, sent, counts)
			}
			if counts["refused"] < wantRefused && o.Problem == "" {
				o.Problem = fmt.Sprintf("only %d of %d flood requests refused", counts["refused"], sent)
			}
			return o
		}}
}

// Median of ds (0 for none).
func Median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// Percentile p (0–100) of ds, nearest rank.
func Percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(float64(len(s))*p/100+0.999999) - 1
	return s[min(max(i, 0), len(s)-1)]
}

// ---------------------------------------------------------------------------------------------
// Running the battery.

// Result is a bomb's tries.
type Result struct {
	Bomb     Bomb
	Outcomes []Outcome
}

// Median is the median time to refuse over the tries (a flood's or the slow-loris' samples
// included).
func (r Result) Median() time.Duration {
	var all []time.Duration
	for _, o := range r.Outcomes {
		if len(o.Samples) > 0 {
			all = append(all, o.Samples...)
		} else if o.Err == nil {
			all = append(all, o.Took)
		}
	}
	return Median(all)
}

// Problems are the tries whose outcome did not match the expectation.
func (r Result) Problems() []string {
	var p []string
	for i, o := range r.Outcomes {
		if o.Problem != "" {
			p = append(p, fmt.Sprintf("try %d: %s (got %s)", i, o.Problem, o))
		}
	}
	return p
}

// Run sends the battery: the background bombs (the slow loris) start first, each once, and the
// others are sent meanwhile, tries times each (a flood once per try, after its bucket has
// refilled). firstTry numbers the tries (query texts vary with it).
func Run(ctx context.Context, t *Target, bombs []Bomb, tries, firstTry int) []Result {
	results := make([]Result, len(bombs))
	var wg sync.WaitGroup
	for i, b := range bombs {
		results[i].Bomb = b
		if b.Background {
			wg.Go(func() { results[i].Outcomes = []Outcome{b.Send(ctx, t, firstTry)} })
		}
	}
	for try := firstTry; try < firstTry+tries; try++ {
		for i, b := range bombs {
			if b.Background || ctx.Err() != nil {
				continue
			}
			if b.Flood && try > firstTry {
				refill(ctx, t)
			}
			results[i].Outcomes = append(results[i].Outcomes, b.Send(ctx, t, try))
		}
	}
	wg.Wait()
	return results
}

// refill waits for a flood's bucket to be full again.
func refill(ctx context.Context, t *Target) {
	if t.Rate <= 0 {
		return
	}
	d := time.Duration(float64(t.Burst)/t.Rate*float64(time.Second)) + 100*time.Millisecond
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}
