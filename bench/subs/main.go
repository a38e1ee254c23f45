// Command subs measures subscriptions against a running kgql (loopback only): N websocket
// clients subscribe to nodeChanged(types: [SOURCE]); a writer commits one source every 1/RATE s
// through the GraphQL API, its title holding the time it was sent; every client records, for each
// event, the time from the write's request to the event's arrival. It prints the latency
// percentiles over every delivered event, the events expected and delivered (none may be lost or
// out of order), and the server's CPU time and RSS from /proc/PID when -pid is given.
//
//	go run ./bench/subs -url http://127.0.0.1:8080/graphql -subs 100 -rate 100 -seconds 10 -pid PID
//
// bench/subs.sh runs it at 1, 100 and 1,000 subscribers against a fresh server and measures
// the memory of idle subscriptions.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

func main() {
	target := flag.String("url", "http://127.0.0.1:8080/graphql", "kgql's GraphQL URL (loopback)")
	subs := flag.Int("subs", 100, "subscribers")
	rate := flag.Float64("rate", 100, "writes per second")
	seconds := flag.Float64("seconds", 10, "how long the writer writes")
	pid := flag.Int("pid", 0, "the server's PID, for its CPU time and RSS")
	idle := flag.Duration("idle", 0, "only open the subscriptions and hold them this long (memory of idle subscriptions)")
	flag.Parse()
	u, err := url.Parse(*target)
	if err != nil || (u.Hostname() != "127.0.0.1" && u.Hostname() != "localhost" && u.Hostname() != "::1") {
		fmt.Fprintln(os.Stderr, "subs: -url must be a loopback URL")
		os.Exit(2)
	}
	ws := "ws" + strings.TrimPrefix(*target, "http")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	type client struct {
		lat    []time.Duration
		last   int64 // the last write number seen
		disord int
	}
	clients := make([]*client, *subs)
	var ready sync.WaitGroup
	var done sync.WaitGroup
	var delivered atomic.Int64
	for i := range clients {
		clients[i] = &client{}
		ready.Add(1)
		done.Add(1)
		go func(cl *client) {
			defer done.Done()
			c, _, err := websocket.Dial(ctx, ws, &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
			if err != nil {
				fmt.Fprintln(os.Stderr, "dial:", err)
				os.Exit(1)
			}
			c.SetReadLimit(1 << 20)
			defer c.CloseNow()
			_ = c.Write(ctx, websocket.MessageText, []byte(`{"type":"connection_init"}`))
			_, _, _ = c.Read(ctx) // ack
			_ = c.Write(ctx, websocket.MessageText, []byte(`{"id":"s","type":"subscribe","payload":{"query":"subscription { nodeChanged(types: [SOURCE]) { cursor node { ... on Source { title } } } }"}}`))
			_ = c.Write(ctx, websocket.MessageText, []byte(`{"id":"sync","type":"subscribe","payload":{"query":"{ __typename }"}}`))
			for { // the sync query's complete: the subscription is registered
				_, b, err := c.Read(ctx)
				if err != nil {
					return
				}
				if bytes.Contains(b, []byte(`"id":"sync","type":"complete"`)) {
					break
				}
			}
			ready.Done()
			for {
				_, b, err := c.Read(ctx)
				if err != nil {
					return
				}
				now := time.Now()
				// The title, "subs N UNIXNANO", found without decoding the message: the client
				// process must not be what limits a run of 100,000 events/s.
				if !bytes.Contains(b, []byte(`"type":"next"`)) {
					continue
				}
				at := bytes.Index(b, []byte(`"title":"subs `))
				if at < 0 {
					continue
				}
				rest := b[at+len(`"title":"`):]
				end := bytes.IndexByte(rest, '"')
				if end < 0 {
					continue
				}
				f := strings.Fields(string(rest[:end]))
				if len(f) != 3 {
					continue
				}
				n, _ := strconv.ParseInt(f[1], 10, 64)
				sent, _ := strconv.ParseInt(f[2], 10, 64)
				if n != cl.last+1 {
					cl.disord++
				}
				cl.last = n
				cl.lat = append(cl.lat, now.Sub(time.Unix(0, sent)))
				delivered.Add(1)
			}
		}(clients[i])
	}
	ready.Wait()
	cpu0, rss0 := procStats(*pid)
	self0, _ := procStats(os.Getpid())
	if *idle > 0 {
		time.Sleep(*idle)
		_, rss := procStats(*pid)
		fmt.Printf("subs=%d idle rss_kib=%d\n", *subs, rss)
		_ = rss0
		cancel()
		done.Wait()
		return
	}
	writes := int(*rate * *seconds)
	tick := time.NewTicker(time.Duration(float64(time.Second) / *rate))
	start := time.Now()
	hc := &http.Client{}
	for n := 1; n <= writes; n++ {
		<-tick.C
		q := fmt.Sprintf(`mutation { upsertSource(input: {key: "subs-%d", title: "subs %d %d"}) { id } }`, n, n, time.Now().UnixNano())
		body, _ := json.Marshal(map[string]string{"query": q})
		resp, err := hc.Post(*target, "application/json", bytes.NewReader(body))
		if err != nil {
			fmt.Fprintln(os.Stderr, "write:", err)
			os.Exit(1)
		}
		resp.Body.Close()
	}
	tick.Stop()
	writeTook := time.Since(start)
	// Wait for the stragglers (at most 10 s).
	want := int64(writes * *subs)
	for deadline := time.Now().Add(10 * time.Second); delivered.Load() < want && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	cpu1, rss1 := procStats(*pid)
	self1, _ := procStats(os.Getpid())
	cancel()
	done.Wait()

	var all []time.Duration
	disorder := 0
	for _, cl := range clients {
		all = append(all, cl.lat...)
		disorder += cl.disord
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	pct := func(p float64) time.Duration {
		if len(all) == 0 {
			return 0
		}
		return all[min(len(all)-1, int(p*float64(len(all))))]
	}
	fmt.Printf("subs=%d rate=%.0f/s writes=%d expected=%d delivered=%d out_of_order=%d p50=%s p99=%s max=%s write_took=%s",
		*subs, *rate, writes, want, len(all), disorder, pct(0.50).Round(10*time.Microsecond), pct(0.99).Round(10*time.Microsecond),
		pct(1).Round(10*time.Microsecond), writeTook.Round(time.Millisecond))
	if *pid > 0 && len(all) > 0 {
		fmt.Printf(" server_cpu_ms=%d cpu_us_per_event=%.1f rss_kib=%d", (cpu1-cpu0)/time.Millisecond,
			float64((cpu1-cpu0).Microseconds())/float64(len(all)), rss1)
	}
	fmt.Printf(" client_cpu_ms=%d", (self1-self0)/time.Millisecond)
	fmt.Println()
}

// procStats is a process's CPU time (utime + stime) and RSS, or zeros.
func procStats(pid int) (time.Duration, int64) {
	if pid <= 0 {
		return 0, 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	var rss int64
	if st, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid)); err == nil {
		for _, line := range strings.Split(string(st), "\n") {
			if strings.HasPrefix(line, "VmRSS:") {
				rss, _ = strconv.ParseInt(strings.Fields(line)[1], 10, 64)
			}
		}
	}
	return time.Duration(ut+st) * 10 * time.Millisecond, rss // CLK_TCK is 100 on Linux
}
