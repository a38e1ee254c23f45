// Command kgql-bombs sends the query-bomb battery (bench/bombs) to a running kgql and measures a
// normal client beside it. bench/bombs.sh runs it; each mode writes JSON, and -mode report turns
// those files into the markdown report.
//
//	kgql-bombs -mode battery -url URL -token T -flood-token T -ws-flood-token T -rate R -burst B -tries N -json FILE
//	kgql-bombs -mode loop    (same flags) -for 20s -json FILE    the battery in a loop, one try per bomb per turn
//	                         (-skip http-flood,ws-flood: without the floods)
//	kgql-bombs -mode normal  -url URL -normal-token T -conns 4 -conn-rate 50 -for 20s -json FILE
//	kgql-bombs -mode report  -battery FILE -quiet FILE -during FILE -loop FILE [-during-no-floods FILE -loop-no-floods FILE]
//
// battery exits 1 when a bomb is not refused as expected.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/kgql/kgql/bench/bombs"
)

func main() {
	mode := flag.String("mode", "", "battery, loop, normal or report")
	url := flag.String("url", "", "the server, e.g. http://127.0.0.1:8080")
	token := flag.String("token", "", "the bombs' bearer token")
	floodToken := flag.String("flood-token", "", "the HTTP flood's bearer token")
	wsFloodToken := flag.String("ws-flood-token", "", "the websocket flood's bearer token")
	normalToken := flag.String("normal-token", "", "the normal client's bearer token")
	rate := flag.Float64("rate", 0, "the server's -rate")
	burst := flag.Int("burst", 0, "the server's -burst")
	rht := flag.Duration("read-header-timeout", 10*time.Second, "the server's -read-header-timeout")
	wsMax := flag.Int64("ws-max-message-bytes", 1<<20, "the server's -ws-max-message-bytes")
	wsPace := flag.Float64("ws-message-rate", 100, "the server's -ws-message-rate (0: it does not pace)")
	tries := flag.Int("tries", 11, "battery: tries of each bomb (a flood is one try of many requests)")
	dur := flag.Duration("for", 20*time.Second, "loop, normal: how long")
	conns := flag.Int("conns", 4, "normal: connections")
	connRate := flag.Float64("conn-rate", 50, "normal: requests per second per connection (0: closed loop)")
	out := flag.String("json", "", "battery, loop, normal: write the results here (default stdout)")
	batteryF := flag.String("battery", "", "report: the battery's JSON")
	quietF := flag.String("quiet", "", "report: the normal client's JSON, quiet")
	duringF := flag.String("during", "", "report: the normal client's JSON, during the battery loop")
	loopF := flag.String("loop", "", "report: the battery loop's JSON")
	skip := flag.String("skip", "", "battery, loop: comma-separated bombs to leave out")
	duringQF := flag.String("during-no-floods", "", "report: the normal client's JSON, during the loop without the floods")
	loopQF := flag.String("loop-no-floods", "", "report: the battery loop's JSON, without the floods")
	flag.Parse()
	var battery []bombs.Bomb
	for _, b := range bombs.Battery() {
		if !slices.Contains(strings.Split(*skip, ","), b.Name) {
			battery = append(battery, b)
		}
	}

	t := &bombs.Target{URL: *url, Token: *token, FloodToken: *floodToken, WSFloodToken: *wsFloodToken,
		Rate: *rate, Burst: *burst, ReadHeaderTimeout: *rht, WSMaxMessageBytes: *wsMax, WSMessageRate: *wsPace}
	var v any
	failed := false
	switch *mode {
	case "battery":
		rs := summarize(bombs.Run(context.Background(), t, battery, *tries, 0))
		for _, r := range rs {
			failed = failed || len(r.Problems) > 0
		}
		v = rs
	case "loop":
		v = loop(t, battery, *dur)
	case "normal":
		v = normal(*url, *normalToken, *conns, *connRate, *dur)
	case "report":
		if err := report(os.Stdout, *batteryF, *quietF, *duringF, *loopF, *duringQF, *loopQF); err != nil {
			fmt.Fprintln(os.Stderr, "kgql-bombs:", err)
			os.Exit(1)
		}
		return
	default:
		fmt.Fprintln(os.Stderr, "kgql-bombs: -mode battery|loop|normal|report")
		os.Exit(2)
	}
	b, _ := json.MarshalIndent(v, "", "  ")
	if *out == "" {
		os.Stdout.Write(append(b, '\n'))
	} else if err := os.WriteFile(*out, b, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "kgql-bombs:", err)
		os.Exit(1)
	}
	if failed {
		fmt.Fprintln(os.Stderr, "kgql-bombs: some bombs were not refused as expected")
		os.Exit(1)
	}
}

// bombResult is a bomb's tries, for JSON.
type bombResult struct {
	Name, What, Expect string
	Got                map[string]int // outcome → tries
	Tries              int
	MedianNS           int64 // median time to refuse
	Samples            int   // refusals timed
	Counts             map[string]int
	Notes              []string
	Problems           []string
}

func summarize(rs []bombs.Result) []*bombResult {
	var out []*bombResult
	for _, r := range rs {
		br := &bombResult{Name: r.Bomb.Name, What: r.Bomb.What, Expect: r.Bomb.Expect.String(), Got: map[string]int{},
			Tries: len(r.Outcomes), MedianNS: int64(r.Median()), Counts: map[string]int{}, Problems: r.Problems()}
		for _, o := range r.Outcomes {
			br.Got[o.String()]++
			if len(o.Samples) > 0 {
				br.Samples += len(o.Samples)
			} else if o.Err == nil {
				br.Samples++
			}
			for k, n := range o.Counts {
				br.Counts[k] += n
			}
			if o.Note != "" && len(br.Notes) < 3 {
				br.Notes = append(br.Notes, o.Note)
			}
		}
		out = append(out, br)
	}
	return out
}

// loopResult is the battery sent in a loop.
type loopResult struct {
	Seconds float64
	Turns   int // passes over the bombs that are not background
	Bombs   []*bombResult
}

// loop sends the battery over and over for d: the background bombs (slow loris) in a loop of
// their own, the others one try each per turn, floods without waiting for their buckets.
func loop(t *bombs.Target, all []bombs.Bomb, d time.Duration) loopResult {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	results := make([]bombs.Result, len(all))
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := time.Now()
	for i, b := range all {
		results[i].Bomb = b
		if !b.Background {
			continue
		}
		wg.Go(func() {
			for try := 0; ctx.Err() == nil; try++ {
				o := b.Send(context.Background(), t, try) // not cut short: each one runs to its refusal
				mu.Lock()
				results[i].Outcomes = append(results[i].Outcomes, o)
				mu.Unlock()
			}
		})
	}
	turns := 0
	for try := 1000; ctx.Err() == nil; try++ {
		for i, b := range all {
			if b.Background || ctx.Err() != nil {
				continue
			}
			o := b.Send(context.Background(), t, try)
			mu.Lock()
			results[i].Outcomes = append(results[i].Outcomes, o)
			mu.Unlock()
		}
		turns++
	}
	wg.Wait()
	return loopResult{Seconds: time.Since(start).Seconds(), Turns: turns, Bombs: summarize(results)}
}

// ---------------------------------------------------------------------------------------------
// The normal client.

// The normal client's queries: the README's connected ASMEX query and a point lookup.
var normalQueries = []struct{ name, query string }{
	{"asmex", `{ organization(key: "asmex") { name events { nodes { name startDate location { name parent { name } } statements { nodes { text speaker { name ... on Person { positions { title organization { name } region { name } } } } citations { excerpt source { title publisher { name } publishedAt author } } } } } } } }`},
	{"point", `{ person(key: "badia-bitar") { id name } }`},
}

type normalResult struct {
	Seconds                      float64
	Conns                        int
	ConnRate                     float64
	Requests, Errors, S5xx, S429 int
	P50NS, P99NS, MaxNS          int64
	ByQuery                      map[string][2]int64 // p50, p99
	ErrorSamples                 []string
}

// normal runs conns connections, each sending the normal queries in turn at connRate requests per
// second (0: as fast as answered), for d. A request's latency runs from its send to its response
// read whole; an error is a transport error, a status other than 200, or a response with errors.
func normal(url, token string, conns int, connRate float64, d time.Duration) *normalResult {
	var (
		mu        sync.Mutex
		latencies []time.Duration
		byQuery   = map[string][]time.Duration{}
	)
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns, DisableCompression: true}}
	res := &normalResult{Conns: conns, ConnRate: connRate}
	var bodies [][]byte
	for _, q := range normalQueries {
		b, _ := json.Marshal(map[string]string{"query": q.query})
		bodies = append(bodies, b)
	}
	var gap time.Duration
	if connRate > 0 {
		gap = time.Duration(float64(time.Second) / connRate)
	}
	deadline := time.Now().Add(d)
	start := time.Now()
	var wg sync.WaitGroup
	for c := range conns {
		wg.Go(func() {
			next := time.Now().Add(time.Duration(c) * gap / time.Duration(max(conns, 1)))
			for i := c; ; i++ {
				if gap > 0 {
					time.Sleep(time.Until(next))
					next = next.Add(gap)
					if now := time.Now(); next.Before(now) {
						next = now // late: no catching up in a burst
					}
				}
				if time.Now().After(deadline) {
					return
				}
				k := i % len(bodies)
				took, err := normalRequest(client, url, token, bodies[k])
				mu.Lock()
				res.Requests++
				if err != nil {
					res.Errors++
					if se, ok := err.(statusError); ok {
						if se >= 500 {
							res.S5xx++
						}
						if se == http.StatusTooManyRequests {
							res.S429++
						}
					}
					if len(res.ErrorSamples) < 5 {
						res.ErrorSamples = append(res.ErrorSamples, err.Error())
					}
				} else {
					latencies = append(latencies, took)
					byQuery[normalQueries[k].name] = append(byQuery[normalQueries[k].name], took)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	res.Seconds = time.Since(start).Seconds()
	res.P50NS, res.P99NS = int64(bombs.Percentile(latencies, 50)), int64(bombs.Percentile(latencies, 99))
	res.MaxNS = int64(bombs.Percentile(latencies, 100))
	res.ByQuery = map[string][2]int64{}
	for k, ls := range byQuery {
		res.ByQuery[k] = [2]int64{int64(bombs.Percentile(ls, 50)), int64(bombs.Percentile(ls, 99))}
	}
	return res
}

type statusError int

func (s statusError) Error() string { return fmt.Sprintf("status %d", int(s)) }

func normalRequest(client *http.Client, url, token string, body []byte) (time.Duration, error) {
	req, err := http.NewRequest(http.MethodPost, url+"/graphql", bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	took := time.Since(start)
	if err != nil {
		return 0, err
	}
	if resp.StatusCode != http.StatusOK {
		return 0, statusError(resp.StatusCode)
	}
	var r struct {
		Data   json.RawMessage `json:"data"`
		Errors []any           `json:"errors"`
	}
	if err := json.Unmarshal(b, &r); err != nil || len(r.Errors) > 0 || len(r.Data) < 10 {
		return 0, fmt.Errorf("response with errors or no data: %.200s", b)
	}
	return took, nil
}

// ---------------------------------------------------------------------------------------------
// The report.

func readJSON(name string, v any) error {
	b, err := os.ReadFile(name)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

func ms(ns int64) string {
	d := time.Duration(ns)
	switch {
	case d >= time.Second:
		return fmt.Sprintf("%.2f s", d.Seconds())
	case d >= 10*time.Millisecond:
		return fmt.Sprintf("%.1f ms", float64(d)/1e6)
	default:
		return fmt.Sprintf("%.2f ms", float64(d)/1e6)
	}
}

func gotString(m map[string]int) string {
	var ks []string
	for k, n := range m {
		ks = append(ks, fmt.Sprintf("%s ×%d", k, n))
	}
	sort.Strings(ks)
	return strings.Join(ks, ", ")
}

func countsString(m map[string]int) string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	var parts []string
	for _, k := range ks {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}

func report(w io.Writer, batteryF, quietF, duringF, loopF, duringQF, loopQF string) error {
	var battery []*bombResult
	var quiet, during, duringQ normalResult
	var lp, lpQ loopResult
	for _, f := range []struct {
		name string
		v    any
	}{{batteryF, &battery}, {quietF, &quiet}, {duringF, &during}, {loopF, &lp}, {duringQF, &duringQ}, {loopQF, &lpQ}} {
		if f.name == "" {
			continue
		}
		if err := readJSON(f.name, f.v); err != nil {
			return err
		}
	}
	fmt.Fprintf(w, "### The battery, alone\n\n")
	fmt.Fprintf(w, "| bomb | what | expected refusal | got (tries) | median time to refuse | refusals timed | < 10 ms |\n|---|---|---|---|---:|---:|---|\n")
	bad := 0
	for _, r := range battery {
		ok := "yes"
		if time.Duration(r.MedianNS) >= 10*time.Millisecond {
			ok = "**no**"
		}
		status := gotString(r.Got)
		if len(r.Problems) > 0 {
			status = "**NOT AS EXPECTED**: " + strings.Join(r.Problems, "; ")
			bad++
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %d | %s |\n", r.Name, r.What, r.Expect, status, ms(r.MedianNS), r.Samples, ok)
	}
	fmt.Fprintf(w, "\n%d of %d bombs refused as expected on every try.\n\n", len(battery)-bad, len(battery))
	for _, r := range battery {
		if len(r.Counts) > 0 || len(r.Notes) > 0 {
			fmt.Fprintf(w, "- %s: %s", r.Name, countsString(r.Counts))
			if len(r.Notes) > 0 {
				fmt.Fprintf(w, "; %s", strings.Join(r.Notes, "; "))
			}
			fmt.Fprintln(w)
		}
	}

	fmt.Fprintf(w, "\n### The normal client, quiet and during the battery loop\n\n")
	fmt.Fprintf(w, "%d connections, %.0f requests/s each (ASMEX connected query and point lookup in turn), own token.\n\n", quiet.Conns, quiet.ConnRate)
	fmt.Fprintf(w, "| phase | seconds | requests | p50 | p99 | max | ASMEX p50 / p99 | point p50 / p99 | errors | 5xx | 429 | p50 / p99 vs quiet |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	ratio := func(a, b int64) string {
		if b == 0 {
			return "n/a"
		}
		return fmt.Sprintf("%.2f", float64(a)/float64(b))
	}
	phases := []struct {
		name string
		r    *normalResult
	}{{"quiet", &quiet}}
	if duringQF != "" {
		phases = append(phases, struct {
			name string
			r    *normalResult
		}{"during the battery without its floods", &duringQ})
	}
	phases = append(phases, struct {
		name string
		r    *normalResult
	}{"during the whole battery", &during})
	for _, p := range phases {
		a, pt := p.r.ByQuery["asmex"], p.r.ByQuery["point"]
		fmt.Fprintf(w, "| %s | %.1f | %d | %s | %s | %s | %s / %s | %s / %s | %d | %d | %d | %s / %s |\n", p.name, p.r.Seconds, p.r.Requests,
			ms(p.r.P50NS), ms(p.r.P99NS), ms(p.r.MaxNS), ms(a[0]), ms(a[1]), ms(pt[0]), ms(pt[1]), p.r.Errors, p.r.S5xx, p.r.S429,
			ratio(p.r.P50NS, quiet.P50NS), ratio(p.r.P99NS, quiet.P99NS))
	}
	fmt.Fprintf(w, "\nGoal: p99 during the battery within 2× of quiet.\n")
	for _, p := range phases {
		for _, e := range p.r.ErrorSamples {
			fmt.Fprintf(w, "- normal client error (%s): %s\n", p.name, e)
		}
	}

	loops := []struct {
		name string
		r    *loopResult
	}{{"the whole battery", &lp}}
	if loopQF != "" {
		loops = append([]struct {
			name string
			r    *loopResult
		}{{"without its floods", &lpQ}}, loops...)
	}
	for _, l := range loops {
		fmt.Fprintf(w, "\n### The battery loop beside the normal client: %s\n\n", l.name)
		fmt.Fprintf(w, "%.1f s, %d turns over the bombs (slow loris in a loop of its own).\n\n", l.r.Seconds, l.r.Turns)
		fmt.Fprintf(w, "| bomb | tries | got | median time to refuse |\n|---|---:|---|---:|\n")
		for _, r := range l.r.Bombs {
			status := gotString(r.Got)
			if len(r.Problems) > 0 {
				status = fmt.Sprintf("**%d not as expected**: %s", len(r.Problems), r.Problems[0])
			}
			fmt.Fprintf(w, "| %s | %d | %s | %s |\n", r.Name, r.Tries, status, ms(r.MedianNS))
		}
	}
	return nil
}
