package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// The generated graph (kgql gen -people 3000 -seed 1, bench/build-store.sh S) has people p-0 …
// p-2999, organizations org-0 … org-299, events ev-0 … ev-599, sources src-0 … src-149 and the
// regions AA-01 … AC-12; the built-in ASMEX dataset is imported on top for the connected query.
const (
	genPeople  = 3000
	genOrgs    = 300
	genEvents  = 600
	genSources = 150
	ownGen     = 10 // generated people each client updates (and no other client does)
)

var (
	surnames  = []string{"sentissi", "alaoui", "tazi", "lahlou", "benjelloun", "moreau", "chraibi", "guedira", "bitar", "daoudi"}
	textWords = []string{"exportations", "partenariat", "formation", "stratégie", "relance", "notoriété", "programmes", "entreprises"}
	countries = []string{"AA", "AB", "AC"}
)

// The reads: the shapes of bench/queries (point, 1-hop, folded name search, full-text search,
// filtered page) and the playground's ASMEX query, with the keys varied through variables (one
// query text each, as an application sends them). Weights are out of the 90 % of reads.
const (
	qPoint    = `query($k: String!) { person(key: $k) { id name description } }`
	qHop1     = `query($k: String!) { organization(key: $k) { name members(first: 10) { nodes { person { name } } } } }`
	qName     = `query($t: String!) { search(text: $t, types: [PERSON], first: 10) { score node { id } } }`
	qFulltext = `query($t: String!) { search(text: $t, types: [STATEMENT], first: 10) { score snippet node { id } } }`
	qPage     = `query($r: String!) { events(where: {location: {within: $r}}, orderBy: [{field: START_DATE, direction: DESC}], first: 20) { nodes { key startDate } } }`

	mPerson    = `mutation($in: PersonInput!) { upsertPerson(input: $in) { id key description } }`
	mSource    = `mutation($in: SourceInput!) { upsertSource(input: $in) { id key title } }`
	mStatement = `mutation($in: StatementInput!) { addStatement(input: $in) { id key } }`
)

var readKinds = []struct {
	name   string
	weight int
}{{"point", 30}, {"hop1", 20}, {"asmex", 10}, {"namesearch", 10}, {"fulltext", 10}, {"page", 10}}

// Write kinds, weights out of 100 writes: new people, patches of people (the client's own new
// ones and generated ones that only this client patches), new sources, new statements, and the
// same statement again with one more citation (citations merge).
var writeKinds = []struct {
	name   string
	weight int
}{{"createPerson", 25}, {"updatePerson", 30}, {"createSource", 15}, {"addStatement", 20}, {"restatement", 10}}

// witness is one fact that an acknowledged write must have left in the store.
type witness struct {
	Write string `json:"write"` // the write's tag (unique per write)
	Kind  string `json:"kind"`  // the write kind
	Type  string `json:"type"`  // record type in the export (Person, Source, Statement)
	Key   string `json:"key"`
	Check string `json:"check"` // "field" (Field == Value), "alias" (Value in aliases), "citation" (a citation with excerpt Value)
	Field string `json:"field,omitempty"`
	Value string `json:"value"`
}

// lastValue is the description a person must have at the end: the last one its (only) writer had
// acknowledged, or one of the values of later writes whose outcome is unknown.
type lastValue struct {
	Type   string   `json:"type"`
	Key    string   `json:"key"`
	Want   string   `json:"want"`
	Also   []string `json:"also,omitempty"`
	Writes int      `json:"writes"` // acknowledged writes of the value
}

type expectations struct {
	Witnesses []witness    `json:"witnesses"`
	Last      []*lastValue `json:"last"`
	Acked     int          `json:"acked"`
	// Refused writes (a 4xx, or 200 with errors) must have written nothing: their witnesses
	// must be absent.
	Refused []witness `json:"refused"`
}

type kindStats struct {
	Write     bool            `json:"write"`
	Count     int             `json:"count"` // requests that got an HTTP response
	Status    map[int]int     `json:"status"`
	Codes     map[string]int  `json:"codes"` // error codes in 200 bodies (extensions.code; "NULL" for null data)
	ErrBodies int             `json:"errorBodies"`
	Transport int             `json:"transport"` // requests without an HTTP response
	Acked     int             `json:"acked,omitempty"`
	Refused   int             `json:"refused,omitempty"`
	Unknown   int             `json:"unknown,omitempty"`
	lat       []time.Duration // of the requests with a response
	Lat       latSummary      `json:"latency"`
	Samples   []string        `json:"samples,omitempty"` // first bad responses
}

type latSummary struct {
	N                        int     `json:"n"`
	P50, P90, P99, P999, Max float64 // milliseconds
}

func summarize(l []time.Duration) latSummary {
	if len(l) == 0 {
		return latSummary{}
	}
	slices.Sort(l)
	q := func(p float64) float64 {
		i := int(float64(len(l))*p+0.5) - 1
		i = max(0, min(i, len(l)-1))
		return float64(l[i]) / 1e6
	}
	return latSummary{N: len(l), P50: q(0.50), P90: q(0.90), P99: q(0.99), P999: q(0.999), Max: float64(l[len(l)-1]) / 1e6}
}

type rssSample struct {
	T    float64 `json:"t"`
	RSS  int     `json:"rssKiB"`
	Anon int     `json:"anonKiB"`
	File int     `json:"fileKiB"`
	CPU  float64 `json:"cpuSeconds"` // the server's utime + stime since it started
	// From /proc/PID/task/*/schedstat, summed over the server's threads: time on a CPU and time
	// runnable but waiting for one (seconds). Much waiting = the server was starved of CPU.
	Run, Wait float64
	// System-wide pressure (/proc/pressure/*, "some" avg10, %): share of time some task waited
	// for a CPU, or for I/O.
	PSICPU, PSIIO float64
}

// schedstat sums run and run-queue wait times over a process's threads.
func schedstat(pid int) (run, wait float64) {
	dirs, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/schedstat", pid))
	for _, d := range dirs {
		b, err := os.ReadFile(d)
		if err != nil {
			continue
		}
		f := strings.Fields(string(b))
		if len(f) >= 2 {
			r, _ := strconv.ParseFloat(f[0], 64)
			w, _ := strconv.ParseFloat(f[1], 64)
			run, wait = run+r/1e9, wait+w/1e9
		}
	}
	return
}

// psi reads "some avg10" of /proc/pressure/NAME (0 when missing).
func psi(name string) float64 {
	b, err := os.ReadFile("/proc/pressure/" + name)
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	for _, f := range strings.Fields(line) {
		if v, ok := strings.CutPrefix(f, "avg10="); ok {
			x, _ := strconv.ParseFloat(v, 64)
			return x
		}
	}
	return 0
}

type results struct {
	URL           string                `json:"url"`
	Clients       int                   `json:"clients"`
	Tokens        int                   `json:"tokens"`
	Duration      float64               `json:"durationSeconds"` // asked
	Elapsed       float64               `json:"elapsedSeconds"`  // first request to last answer
	WriteFraction float64               `json:"writeFraction"`
	Kinds         map[string]*kindStats `json:"kinds"`
	Reads, Writes latSummary
	ReadCount     int            `json:"readCount"`
	WriteCount    int            `json:"writeCount"`
	Status        map[int]int    `json:"status"`
	Codes         map[string]int `json:"codes"`
	ErrBodies     int            `json:"errorBodies"`
	Transport     int            `json:"transport"`
	Acked         int            `json:"acked"`
	Refused       int            `json:"refused"`
	Unknown       int            `json:"unknown"`
	RYWChecked    int            `json:"rywChecked"`
	RYWMismatch   int            `json:"rywMismatch"`
	RYWSamples    []string       `json:"rywSamples,omitempty"`
	PerSecond     []int          `json:"perSecond"`
	RSS           []rssSample    `json:"rss"`
	HWM           int            `json:"hwmKiB"`
	ServerCPU     float64        `json:"serverCPUSeconds"`
	GenCPU        float64        `json:"generatorCPUSeconds"`
	LoadStart     string         `json:"loadavgStart"`
	LoadEnd       string         `json:"loadavgEnd"`
	Preflight     []string       `json:"preflight"`
	Started       string         `json:"started"`
}

type stmtRec struct{ key, speaker, event, text string }

type client struct {
	id      int
	token   string
	url     string
	run     string
	hc      *http.Client
	rng     *rand.Rand
	asmex   string
	n       int
	gen     []string // generated people this client (alone) patches
	persons []string // people it created (acknowledged)
	sources []string
	stmts   []stmtRec
	last    map[string]*lastValue // person key → expected description
	kinds   map[string]*kindStats
	exp     expectations
	ryw     struct {
		checked, mismatch int
		samples           []string
	}
	perSecond []atomic.Int64
	start     time.Time
}

func (c *client) stats(kind string, write bool) *kindStats {
	s := c.kinds[kind]
	if s == nil {
		s = &kindStats{Write: write, Status: map[int]int{}, Codes: map[string]int{}}
		c.kinds[kind] = s
	}
	return s
}

// outcome of one request.
type outcome int

const (
	acked   outcome = iota // 200, no errors, the root field not null
	refused                // answered with an error: nothing was written
	unknown                // no answer, or a 5xx: the write may or may not have happened
)

type gqlResponse struct {
	Data   map[string]json.RawMessage `json:"data"`
	Errors []struct {
		Message    string `json:"message"`
		Extensions struct {
			Code string `json:"code"`
		} `json:"extensions"`
	} `json:"errors"`
}

// do sends one operation and accounts for it under kind; it returns the outcome and the root
// field's value when acknowledged.
func (c *client) do(kind string, write bool, query string, vars map[string]any, field string) (outcome, json.RawMessage) {
	s := c.stats(kind, write)
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, c.url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.token)
	t0 := time.Now()
	resp, err := c.hc.Do(req)
	var out []byte
	if err == nil {
		out, err = io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	d := time.Since(t0)
	if err != nil {
		s.Transport++
		s.sample(fmt.Sprintf("transport: %v", err))
		return unknown, nil
	}
	c.tick()
	s.Count++
	s.lat = append(s.lat, d)
	s.Status[resp.StatusCode]++
	if resp.StatusCode != http.StatusOK {
		s.sample(fmt.Sprintf("%d %s", resp.StatusCode, trim(out)))
		if resp.StatusCode >= 500 {
			return unknown, nil
		}
		return refused, nil
	}
	var r gqlResponse
	if err := json.Unmarshal(out, &r); err != nil {
		s.ErrBodies++
		s.Codes["NOT_JSON"]++
		s.sample("not JSON: " + trim(out))
		return unknown, nil
	}
	if len(r.Errors) > 0 {
		s.ErrBodies++
		for _, e := range r.Errors {
			code := e.Extensions.Code
			if code == "" {
				code = "(no code)"
			}
			s.Codes[code]++
		}
		s.sample(trim(out))
		return refused, nil
	}
	v, ok := r.Data[field]
	if !ok || string(v) == "null" {
		s.ErrBodies++
		s.Codes["NULL"]++
		s.sample("null " + field + ": " + trim(out))
		return refused, nil
	}
	return acked, v
}

func (s *kindStats) sample(m string) {
	if len(s.Samples) < 5 {
		s.Samples = append(s.Samples, m)
	}
}

func trim(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

func (c *client) tick() {
	sec := int(time.Since(c.start) / time.Second)
	if sec >= 0 && sec < len(c.perSecond) {
		c.perSecond[sec].Add(1)
	}
}

func pick[T any](rng *rand.Rand, xs []T) T { return xs[rng.IntN(len(xs))] }

func weighted(rng *rand.Rand, ws []struct {
	name   string
	weight int
}) string {
	total := 0
	for _, w := range ws {
		total += w.weight
	}
	x := rng.IntN(total)
	for _, w := range ws {
		if x < w.weight {
			return w.name
		}
		x -= w.weight
	}
	return ws[len(ws)-1].name
}

func (c *client) read(kind string) {
	switch kind {
	case "point":
		// One point lookup in four reads back a person this client wrote last, and checks that
		// it sees its own acknowledged write (the writer's read-your-writes).
		if len(c.last) > 0 && c.rng.IntN(4) == 0 {
			keys := c.lastKeys()
			k := pick(c.rng, keys)
			o, v := c.do(kind, false, qPoint, map[string]any{"k": k}, "person")
			if o != acked {
				return
			}
			var p struct{ Description *string }
			_ = json.Unmarshal(v, &p)
			lv := c.last[k]
			got := ""
			if p.Description != nil {
				got = *p.Description
			}
			c.ryw.checked++
			if got != lv.Want && !slices.Contains(lv.Also, got) {
				c.ryw.mismatch++
				if len(c.ryw.samples) < 10 {
					c.ryw.samples = append(c.ryw.samples, fmt.Sprintf("client %d read %s: description %q, last acknowledged %q", c.id, k, got, lv.Want))
				}
			}
			return
		}
		c.do(kind, false, qPoint, map[string]any{"k": "p-" + strconv.Itoa(c.rng.IntN(genPeople))}, "person")
	case "hop1":
		c.do(kind, false, qHop1, map[string]any{"k": "org-" + strconv.Itoa(c.rng.IntN(genOrgs))}, "organization")
	case "asmex":
		c.do(kind, false, c.asmex, nil, "organization")
	case "namesearch":
		c.do(kind, false, qName, map[string]any{"t": pick(c.rng, surnames)}, "search")
	case "fulltext":
		c.do(kind, false, qFulltext, map[string]any{"t": pick(c.rng, textWords)}, "search")
	case "page":
		r := fmt.Sprintf("%s-%02d", pick(c.rng, countries), 1+c.rng.IntN(12))
		c.do(kind, false, qPage, map[string]any{"r": r}, "events")
	}
}

func (c *client) lastKeys() []string {
	keys := make([]string, 0, len(c.last))
	for k := range c.last {
		keys = append(keys, k)
	}
	slices.Sort(keys) // map order is random: sort so that the seed decides
	return keys
}

func (c *client) tag() string {
	c.n++
	return fmt.Sprintf("%s-c%d-w%d", c.run, c.id, c.n)
}

func (c *client) write(kind string) {
	tag := c.tag()
	switch kind {
	case "createPerson":
		key := "soak-" + tag
		desc := "d-" + tag
		alias := "a-" + tag
		in := map[string]any{"key": key, "name": "Soak Person " + tag, "description": desc, "aliases": []string{alias},
			"citations": []map[string]any{{"source": "src-" + strconv.Itoa(c.rng.IntN(genSources)), "excerpt": "x-" + tag}}}
		ws := []witness{
			{Type: "Person", Key: key, Check: "field", Field: "name", Value: "Soak Person " + tag},
			{Type: "Person", Key: key, Check: "alias", Value: alias},
			{Type: "Person", Key: key, Check: "citation", Value: "x-" + tag},
		}
		o := c.finishO(kind, tag, mPerson, in, "upsertPerson", key, ws)
		if o == acked {
			c.persons = append(c.persons, key)
		}
		c.setLast(key, desc, o)
	case "updatePerson":
		var key string
		if len(c.persons) > 0 && c.rng.IntN(2) == 0 {
			key = pick(c.rng, c.persons)
		} else {
			key = pick(c.rng, c.gen)
		}
		desc, alias := "d-"+tag, "a-"+tag
		in := map[string]any{"key": key, "description": desc, "aliases": []string{alias}}
		ws := []witness{{Type: "Person", Key: key, Check: "alias", Value: alias}}
		o := c.finishO(kind, tag, mPerson, in, "upsertPerson", key, ws)
		c.setLast(key, desc, o)
	case "createSource":
		key := "soak-" + tag
		in := map[string]any{"key": key, "title": "Soak source " + tag, "author": "soak", "publishedAt": "2025-06-01", "language": "fr"}
		ws := []witness{{Type: "Source", Key: key, Check: "field", Field: "title", Value: "Soak source " + tag}}
		if c.finish(kind, tag, mSource, in, "upsertSource", key, ws) {
			c.sources = append(c.sources, key)
		}
	case "addStatement":
		key := "soak-" + tag
		speaker := "p-" + strconv.Itoa(c.rng.IntN(genPeople))
		if len(c.persons) > 0 && c.rng.IntN(2) == 0 {
			speaker = pick(c.rng, c.persons)
		}
		source := "src-" + strconv.Itoa(c.rng.IntN(genSources))
		if len(c.sources) > 0 && c.rng.IntN(2) == 0 {
			source = pick(c.rng, c.sources)
		}
		st := stmtRec{key: key, speaker: speaker, event: "ev-" + strconv.Itoa(c.rng.IntN(genEvents)),
			text: "Déclaration de charge " + tag + " sur les exportations régionales"}
		in := map[string]any{"key": key, "speaker": st.speaker, "event": st.event, "text": st.text, "language": "fr",
			"date": "2025-06-01", "about": []string{"org-" + strconv.Itoa(c.rng.IntN(genOrgs))},
			"citations": []map[string]any{{"source": source, "excerpt": "e-" + tag}}}
		ws := []witness{
			{Type: "Statement", Key: key, Check: "field", Field: "text", Value: st.text},
			{Type: "Statement", Key: key, Check: "field", Field: "speaker", Value: st.speaker},
			{Type: "Statement", Key: key, Check: "field", Field: "event", Value: st.event},
			{Type: "Statement", Key: key, Check: "citation", Value: "e-" + tag},
		}
		if c.finish(kind, tag, mStatement, in, "addStatement", "", ws) {
			c.stmts = append(c.stmts, st)
		}
	case "restatement":
		if len(c.stmts) == 0 {
			c.n--
			c.write("addStatement")
			return
		}
		st := pick(c.rng, c.stmts)
		in := map[string]any{"key": st.key, "speaker": st.speaker, "event": st.event, "text": st.text, "language": "fr",
			"date": "2025-06-01", "citations": []map[string]any{{"source": "src-" + strconv.Itoa(c.rng.IntN(genSources)), "excerpt": "e-" + tag}}}
		ws := []witness{{Type: "Statement", Key: st.key, Check: "citation", Value: "e-" + tag}}
		c.finish(kind, tag, mStatement, in, "addStatement", "", ws)
	}
}

func (c *client) finish(kind, tag, query string, in map[string]any, field, key string, ws []witness) bool {
	return c.finishO(kind, tag, query, in, field, key, ws) == acked
}

// finishO sends a write and files its witnesses by outcome.
func (c *client) finishO(kind, tag, query string, in map[string]any, field, key string, ws []witness) outcome {
	for i := range ws {
		ws[i].Write, ws[i].Kind = tag, kind
	}
	o, v := c.do(kind, true, query, map[string]any{"in": in}, field)
	s := c.stats(kind, true)
	if o == acked && key != "" {
		var r struct{ Key string }
		_ = json.Unmarshal(v, &r)
		if r.Key != key {
			s.ErrBodies++
			s.Codes["WRONG_KEY"]++
			s.sample(fmt.Sprintf("asked key %s, got %s", key, r.Key))
			o = unknown
		}
	}
	switch o {
	case acked:
		s.Acked++
		c.exp.Acked++
		c.exp.Witnesses = append(c.exp.Witnesses, ws...)
	case refused:
		s.Refused++
		c.exp.Refused = append(c.exp.Refused, ws...)
	default:
		s.Unknown++
	}
	return o
}

// setLast records the description a person should end with after a write of it.
func (c *client) setLast(key, desc string, o outcome) {
	lv := c.last[key]
	switch o {
	case acked:
		if lv == nil {
			lv = &lastValue{Type: "Person", Key: key}
			c.last[key] = lv
		}
		// Values of earlier writes of unknown outcome stay acceptable: such a write may still
		// be running on the server after the client gave up on it.
		lv.Want = desc
		lv.Writes++
	case unknown:
		if lv == nil {
			// A creation of unknown outcome: the person may not exist; nothing to expect of it.
			if !slices.Contains(c.gen, key) {
				return
			}
			lv = &lastValue{Type: "Person", Key: key}
			c.last[key] = lv
			lv.Also = append(lv.Also, "") // a generated person without a description
		}
		lv.Also = append(lv.Also, desc)
	}
}

func (c *client) loop(deadline time.Time, writeFrac float64) {
	for time.Now().Before(deadline) {
		if c.rng.Float64() < writeFrac {
			c.write(weighted(c.rng, writeKinds))
		} else {
			c.read(weighted(c.rng, readKinds))
		}
	}
}

func readLines(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if t := strings.TrimSpace(sc.Text()); t != "" {
			out = append(out, t)
		}
	}
	return out, sc.Err()
}

// procStatus reads kB fields of /proc/PID/status.
func procStatus(pid int, fields ...string) map[string]int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	out := map[string]int{}
	if err != nil {
		return out
	}
	for _, line := range strings.Split(string(b), "\n") {
		name, rest, ok := strings.Cut(line, ":")
		if !ok || !slices.Contains(fields, name) {
			continue
		}
		f := strings.Fields(rest)
		if len(f) > 0 {
			out[name], _ = strconv.Atoi(f[0])
		}
	}
	return out
}

// procCPU is utime + stime of PID in seconds.
func procCPU(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (u + st) / 100 // CLK_TCK is 100 on Linux
}

func loadavg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

func newHTTPClient(timeout time.Duration) *http.Client {
	return &http.Client{Timeout: timeout, Transport: &http.Transport{
		Proxy: nil, MaxIdleConns: 1, MaxIdleConnsPerHost: 1, MaxConnsPerHost: 1,
		IdleConnTimeout: 2 * time.Minute, DisableCompression: true,
	}}
}

func runCmd(args []string) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	url := fs.String("url", "", "GraphQL endpoint (http://127.0.0.1:PORT/graphql)")
	tokensFile := fs.String("tokens", "", "file of bearer tokens, one a line; client i uses token i mod N")
	pid := fs.Int("pid", 0, "the server's process id (RSS and CPU from /proc)")
	asmexFile := fs.String("asmex", "", "file holding the playground's ASMEX query")
	outDir := fs.String("out", "", "directory for results.json and expect.json")
	clients := fs.Int("clients", 200, "concurrent clients, one connection each")
	duration := fs.Duration("duration", 60*time.Second, "length of the load")
	writeFrac := fs.Float64("writes", 0.10, "fraction of requests that are writes")
	timeout := fs.Duration("timeout", 30*time.Second, "per-request timeout")
	runID := fs.String("run", "", "run id, part of every written key (default: the time)")
	seed := fs.Uint64("seed", 1, "random seed")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *url == "" || *tokensFile == "" || *outDir == "" || *asmexFile == "" {
		return errors.New("run: -url, -tokens, -asmex and -out are required")
	}
	if !strings.HasPrefix(*url, "http://127.0.0.1:") && !strings.HasPrefix(*url, "http://[::1]:") && !strings.HasPrefix(*url, "http://localhost:") {
		return fmt.Errorf("run: %s is not a loopback URL", *url)
	}
	if *clients < 1 || *clients > 2000 || *duration <= 0 || *duration > 30*time.Minute {
		return errors.New("run: -clients must be 1…2000 and -duration at most 30m")
	}
	tokens, err := readLines(*tokensFile)
	if err != nil || len(tokens) == 0 {
		return fmt.Errorf("run: no tokens in %s: %v", *tokensFile, err)
	}
	asmex, err := os.ReadFile(*asmexFile)
	if err != nil {
		return err
	}
	if *runID == "" {
		*runID = "r" + time.Now().UTC().Format("0102-150405") // keys are slugs: lower case
	}
	res := &results{URL: *url, Clients: *clients, Tokens: len(tokens), Duration: duration.Seconds(), WriteFraction: *writeFrac,
		Kinds: map[string]*kindStats{}, Status: map[int]int{}, Codes: map[string]int{}, Started: time.Now().UTC().Format(time.RFC3339)}

	// Preflight: every read answers data without errors, and one write of each kind is
	// acknowledged (as client 0, whose state carries on into the run).
	perSecond := make([]atomic.Int64, int(duration.Seconds())+int(timeout.Seconds())+5)
	cs := make([]*client, *clients)
	for i := range cs {
		c := &client{id: i, token: tokens[i%len(tokens)], url: *url, run: *runID, hc: newHTTPClient(*timeout),
			rng: rand.New(rand.NewPCG(*seed, uint64(i))), asmex: string(asmex), last: map[string]*lastValue{},
			kinds: map[string]*kindStats{}, perSecond: perSecond}
		for j := range ownGen {
			c.gen = append(c.gen, "p-"+strconv.Itoa(j**clients+i))
		}
		if ownGen**clients > genPeople {
			return fmt.Errorf("run: %d clients × %d people is more than the %d generated people", *clients, ownGen, genPeople)
		}
		cs[i] = c
	}
	pre := cs[0]
	pre.start = time.Now().Add(-time.Hour) // preflight answers are not in the per-second series
	for _, k := range readKinds {
		pre.read(k.name)
	}
	for _, k := range writeKinds {
		pre.write(k.name)
	}
	var bad []string
	for name, s := range pre.kinds {
		ok := s.Count > 0 && s.Status[200] == s.Count && s.ErrBodies == 0 && s.Transport == 0
		res.Preflight = append(res.Preflight, fmt.Sprintf("%s: %s", name, map[bool]string{true: "ok", false: "FAILED " + strings.Join(s.Samples, " | ")}[ok]))
		if !ok {
			bad = append(bad, name)
		}
	}
	slices.Sort(res.Preflight)
	if len(bad) > 0 {
		for _, l := range res.Preflight {
			fmt.Fprintln(os.Stderr, "  preflight", l)
		}
		return fmt.Errorf("run: preflight failed for %s: nothing measured", strings.Join(bad, ", "))
	}
	pre.kinds = map[string]*kindStats{} // the preflight's requests are not measured; its writes stay expected

	// RSS sampler.
	stopRSS := make(chan struct{})
	var rssWG sync.WaitGroup
	start := time.Now()
	if *pid > 0 {
		rssWG.Add(1)
		go func() {
			defer rssWG.Done()
			t := time.NewTicker(500 * time.Millisecond)
			defer t.Stop()
			for {
				st := procStatus(*pid, "VmRSS", "RssAnon", "RssFile")
				run, wait := schedstat(*pid)
				res.RSS = append(res.RSS, rssSample{T: time.Since(start).Seconds(), RSS: st["VmRSS"], Anon: st["RssAnon"], File: st["RssFile"],
					CPU: procCPU(*pid), Run: run, Wait: wait, PSICPU: psi("cpu"), PSIIO: psi("io")})
				select {
				case <-stopRSS:
					return
				case <-t.C:
				}
			}
		}()
	}
	res.LoadStart = loadavg()
	cpu0 := procCPU(*pid)
	var ru0 syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
	fmt.Fprintf(os.Stderr, "soak: %d clients (%d tokens) for %s, %.0f %% writes, against %s\n", *clients, len(tokens), *duration, *writeFrac*100, *url)

	deadline := start.Add(*duration)
	var wg sync.WaitGroup
	for _, c := range cs {
		c.start = start
		wg.Add(1)
		go func() { defer wg.Done(); c.loop(deadline, *writeFrac) }()
	}
	// Progress every 10 s.
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(10 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				sec := int(time.Since(start) / time.Second)
				n := int64(0)
				for i := max(0, sec-10); i < sec && i < len(perSecond); i++ {
					n += perSecond[i].Load()
				}
				rss := procStatus(*pid, "VmRSS")["VmRSS"]
				fmt.Fprintf(os.Stderr, "soak: +%2ds  %6.0f req/s over the last 10 s, server RSS %d MiB\n", sec, float64(n)/10, rss/1024)
			}
		}
	}()
	wg.Wait()
	close(done)
	res.Elapsed = time.Since(start).Seconds()
	res.ServerCPU = procCPU(*pid) - cpu0
	var ru1 syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
	res.GenCPU = tv(ru1.Utime) + tv(ru1.Stime) - tv(ru0.Utime) - tv(ru0.Stime)
	close(stopRSS)
	rssWG.Wait()
	res.HWM = procStatus(*pid, "VmHWM")["VmHWM"]
	res.LoadEnd = loadavg()
	for i := range min(len(perSecond), int(res.Elapsed+0.999)) {
		res.PerSecond = append(res.PerSecond, int(perSecond[i].Load()))
	}

	// Merge.
	var exp expectations
	var reads, writes []time.Duration
	for _, c := range cs {
		for name, s := range c.kinds {
			m := res.Kinds[name]
			if m == nil {
				m = &kindStats{Write: s.Write, Status: map[int]int{}, Codes: map[string]int{}}
				res.Kinds[name] = m
			}
			m.Count += s.Count
			m.ErrBodies += s.ErrBodies
			m.Transport += s.Transport
			m.Acked += s.Acked
			m.Refused += s.Refused
			m.Unknown += s.Unknown
			m.lat = append(m.lat, s.lat...)
			for k, v := range s.Status {
				m.Status[k] += v
				res.Status[k] += v
			}
			for k, v := range s.Codes {
				m.Codes[k] += v
				res.Codes[k] += v
			}
			for _, x := range s.Samples {
				if len(m.Samples) < 5 {
					m.Samples = append(m.Samples, x)
				}
			}
			res.ErrBodies += s.ErrBodies
			res.Transport += s.Transport
			res.Acked += s.Acked
			res.Refused += s.Refused
			res.Unknown += s.Unknown
			if s.Write {
				writes = append(writes, s.lat...)
				res.WriteCount += s.Count
			} else {
				reads = append(reads, s.lat...)
				res.ReadCount += s.Count
			}
		}
		res.RYWChecked += c.ryw.checked
		res.RYWMismatch += c.ryw.mismatch
		for _, x := range c.ryw.samples {
			if len(res.RYWSamples) < 10 {
				res.RYWSamples = append(res.RYWSamples, x)
			}
		}
		exp.Acked += c.exp.Acked
		exp.Witnesses = append(exp.Witnesses, c.exp.Witnesses...)
		exp.Refused = append(exp.Refused, c.exp.Refused...)
		keys := make([]string, 0, len(c.last))
		for k := range c.last {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if lv := c.last[k]; lv.Writes > 0 || len(lv.Also) > 0 {
				exp.Last = append(exp.Last, lv)
			}
		}
	}
	for _, m := range res.Kinds {
		m.Lat = summarize(m.lat)
	}
	res.Reads, res.Writes = summarize(reads), summarize(writes)
	if err := writeJSON(filepath.Join(*outDir, "results.json"), res); err != nil {
		return err
	}
	if err := writeJSON(filepath.Join(*outDir, "expect.json"), &exp); err != nil {
		return err
	}
	total := res.ReadCount + res.WriteCount
	fmt.Fprintf(os.Stderr, "soak: %d responses in %.1f s (%.0f req/s), %d acknowledged writes, 5xx %d, transport errors %d\n",
		total, res.Elapsed, float64(total)/res.Elapsed, res.Acked, count5xx(res.Status), res.Transport)
	return nil
}

func tv(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }

func count5xx(m map[int]int) int {
	n := 0
	for k, v := range m {
		if k >= 500 {
			n += v
		}
	}
	return n
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}
