package bombs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// The bombs that work on connections: slow loris, websocket flood, too-big websocket message.

// ---------------------------------------------------------------------------------------------
// Slow loris.

// slowLorisConns is how many slow-loris connections one try holds open at once.
const slowLorisConns = 8

// slowLoris opens connections that send a request's headers one byte at a time and never finish
// them: the server must cut each at its ReadHeaderTimeout, and serve other clients meanwhile (the
// bomb sends normal queries while its connections are open). net/http answers a request whose
// headers time out with a plain-text "400 Bad Request" and closes the connection.
func slowLoris() Bomb {
	return Bomb{Name: "slow-loris", Background: true,
		What:   fmt.Sprintf("%d connections sending headers a byte at a time, never finished", slowLorisConns),
		Expect: Expect{Status: http.StatusBadRequest, Cut: true},
		send:   sendSlowLoris,
	}
}

func sendSlowLoris(ctx context.Context, t *Target, _ int) Outcome {
	u, err := url.Parse(t.URL)
	if err != nil {
		return Outcome{Err: err}
	}
	rht := t.ReadHeaderTimeout
	if rht <= 0 {
		rht = 10 * time.Second
	}
	gap := min(max(rht/20, 10*time.Millisecond), 500*time.Millisecond)
	ctx, cancel := context.WithTimeout(ctx, 3*rht+5*time.Second) // a bound, in case it is never cut
	defer cancel()

	type result struct {
		took   time.Duration
		cut    bool
		status int
	}
	results := make([]result, slowLorisConns)
	var (
		wg        sync.WaitGroup
		firstDone = make(chan struct{})
		closeOnce sync.Once
	)
	for i := range slowLorisConns {
		c, err := (&net.Dialer{}).DialContext(ctx, "tcp", u.Host)
		if err != nil {
			cancel()
			wg.Wait()
			return Outcome{Err: fmt.Errorf("slow loris: dial: %w", err)}
		}
		start := time.Now()
		done := make(chan struct{})
		wg.Go(func() { // the reader: waits for the server to answer or cut
			defer close(done)
			defer closeOnce.Do(func() { close(firstDone) })
			// Read whatever the server answers until it closes the connection.
			var got []byte
			buf := make([]byte, 512)
			for {
				n, rerr := c.Read(buf)
				got = append(got, buf[:n]...)
				if rerr != nil {
					break
				}
			}
			results[i].took = time.Since(start)
			if len(got) > 0 {
				results[i].status = statusOf(got)
			}
			results[i].cut = ctx.Err() == nil // else not cut within the bound: the writer gave up
		})
		wg.Go(func() { // the writer: one byte per gap, an endless header block
			defer c.Close()
			head := "POST /graphql HTTP/1.1\r\nHost: " + u.Host + "\r\nContent-Type: application/json\r\n"
			for k := 0; ; k++ {
				if k >= len(head) {
					head += fmt.Sprintf("X-Slow-%d: loris\r\n", k)
				}
				if _, err := c.Write([]byte{head[k]}); err != nil {
					return
				}
				select {
				case <-done:
					return
				case <-ctx.Done():
					return
				case <-time.After(gap):
				}
			}
		})
	}

	// Meanwhile, a normal client is served (a request every 50 ms at most, within the rate).
	served := map[string]int{}
	body := []byte(`{"query":"{ person(key: \"badia-bitar\") { name } }"}`)
	loop := true
	for loop {
		select {
		case <-firstDone:
			loop = false
			continue
		case <-time.After(50 * time.Millisecond):
		}
		t.pace(ctx)
		o := postGraphQL(ctx, t, t.Token, bytes.NewReader(body), int64(len(body)))
		ok := o.Err == nil && o.Status == http.StatusOK && o.Code == ""
		select {
		case <-firstDone: // answered, but perhaps after the first cut: not counted as meanwhile
			if !ok {
				served["failed"]++
			}
			loop = false
		default:
			if ok {
				served["served meanwhile"]++
			} else {
				served["failed"]++
			}
		}
	}
	wg.Wait()

	o := Outcome{Counts: served, Cut: true}
	for i, r := range results {
		o.Samples = append(o.Samples, r.took)
		if !r.cut {
			o.Cut = false
		}
		if i == 0 || r.status != results[0].status {
			o.Status = r.status // the first connection's, or one that differs
		}
	}
	o.Took = Median(o.Samples)
	switch {
	case served["failed"] > 0:
		o.Problem = fmt.Sprintf("%d normal requests failed while the slow loris ran", served["failed"])
	case served["served meanwhile"] == 0:
		o.Problem = "no normal request was served while the slow-loris connections were open"
	}
	return o
}

// statusOf is the status of an HTTP response's first line, or -1.
func statusOf(b []byte) int {
	var proto string
	var code int
	if _, err := fmt.Sscanf(string(b), "%s %d", &proto, &code); err != nil {
		return -1
	}
	return code
}

// ---------------------------------------------------------------------------------------------
// Websocket.

// wsURL is the websocket address of the target's /graphql.
func wsURL(t *Target) string {
	return "ws" + strings.TrimPrefix(t.URL, "http") + "/graphql"
}

// wsOpen opens a graphql-transport-ws socket with token (in the upgrade and in connection_init)
// and waits for connection_ack.
func wsOpen(ctx context.Context, t *Target, token string) (*websocket.Conn, error) {
	h := http.Header{}
	if token != "" {
		h.Set("Authorization", "Bearer "+token)
	}
	c, resp, err := websocket.Dial(ctx, wsURL(t), &websocket.DialOptions{
		Subprotocols: []string{"graphql-transport-ws"}, HTTPHeader: h, HTTPClient: t.client()})
	if err != nil {
		if resp != nil {
			return nil, fmt.Errorf("websocket upgrade: %d: %w", resp.StatusCode, err)
		}
		return nil, fmt.Errorf("websocket upgrade: %w", err)
	}
	init := map[string]any{"type": "connection_init"}
	if token != "" {
		init["payload"] = map[string]any{"Authorization": "Bearer " + token}
	}
	if err := wsWrite(ctx, c, init); err != nil {
		c.CloseNow()
		return nil, err
	}
	for {
		_, data, err := c.Read(ctx)
		if err != nil {
			return nil, fmt.Errorf("websocket: waiting for connection_ack: %w", err)
		}
		var m wsMessage
		if json.Unmarshal(data, &m) == nil && m.Type == "connection_ack" {
			return c, nil
		}
	}
}

func wsWrite(ctx context.Context, c *websocket.Conn, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return c.Write(ctx, websocket.MessageText, b)
}

type wsMessage struct {
	ID      string          `json:"id"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload"`
}

// code is the code and reason of the first error of a next or error message.
func (m wsMessage) code() (code, limit string) {
	switch m.Type {
	case "next":
		code, limit, _ = firstError(m.Payload)
	case "error": // the payload is a list of errors
		code, limit, _ = firstError([]byte(`{"errors":` + string(m.Payload) + `}`))
	}
	return code, limit
}

// wsProbes is how many operations the websocket flood sends one at a time after the flood.
const wsProbes = 20

// wsAnswer reads until the next or error message of operation id (answering pings).
func wsAnswer(ctx context.Context, c *websocket.Conn, id string) (wsMessage, error) {
	for {
		_, data, err := c.Read(ctx)
		if err != nil {
			return wsMessage{}, err
		}
		var m wsMessage
		if json.Unmarshal(data, &m) != nil {
			continue
		}
		if m.Type == "ping" {
			_ = wsWrite(ctx, c, map[string]any{"type": "pong"})
		}
		if m.ID == id && (m.Type == "next" || m.Type == "error") {
			return m, nil
		}
	}
}

// wsTooBig sends one message larger than the server's websocket message limit: the socket must
// be closed with 1009.
func wsTooBig() Bomb {
	return Bomb{Name: "ws-too-big", What: "one websocket message 64 KiB over -ws-max-message-bytes",
		Expect: Expect{WSClose: int(websocket.StatusMessageTooBig)},
		send: func(ctx context.Context, t *Target, try int) Outcome {
			ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			t.pace(ctx)
			c, err := wsOpen(ctx, t, t.Token)
			if err != nil {
				return Outcome{Err: err}
			}
			defer c.CloseNow()
			size := t.WSMaxMessageBytes
			if size <= 0 {
				size = 1 << 20
			}
			msg, _ := json.Marshal(map[string]any{"id": "big", "type": "subscribe", "payload": map[string]any{
				"query": fmt.Sprintf("query Big%d { search(text: \"%s\") { score } }", try, strings.Repeat("a", int(size)+64<<10))}})
			closed := make(chan Outcome, 1)
			start := time.Now()
			go func() {
				for {
					if _, _, err := c.Read(ctx); err != nil {
						closed <- Outcome{WSClose: int(websocket.CloseStatus(err)), Took: time.Since(start)}
						return
					}
				}
			}()
			_ = c.Write(ctx, websocket.MessageText, msg) // may fail once the server has closed
			o := <-closed
			if o.WSClose == -1 {
				o.WSClose = 0
				o.Problem = "the socket ended without a close frame"
			}
			return o
		}}
}

// wsFlood sends, on one socket of its own client (WSFloodToken), hundreds or thousands of
// subscribe messages as fast as it can: the server reads them at its pace (WSMessageRate), and
// past the client's burst each must be answered RATE_LIMITED (the client's rate, or the cap on
// operations at once on a socket), and the socket stays open.
func wsFlood() Bomb {
	return Bomb{Name: "ws-flood", Flood: true,
		What:   "one socket sending max(Burst+100, 5 × the socket's pace) subscribe messages (max(Burst+1000, 2000) when unpaced) as fast as it can",
		Expect: Expect{Code: "RATE_LIMITED", OrPaced: true},
		send: func(ctx context.Context, t *Target, try int) Outcome {
			ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			c, err := wsOpen(ctx, t, t.WSFloodToken)
			if err != nil {
				return Outcome{Err: err}
			}
			defer c.CloseNow()
			c.SetReadLimit(1 << 20)
			n := max(t.Burst+1000, 2000)
			if t.WSMessageRate > 0 { // paced: the burst of the pace (2 ×) and 3 s more
				n = max(t.Burst+100, int(5*t.WSMessageRate))
			}
			sent := make([]atomic.Int64, n)
			var (
				samples  []time.Duration
				counts   = map[string]int{}
				first    Outcome
				answered int
				readErr  error
			)
			readDone := make(chan struct{})
			go func() {
				defer close(readDone)
				for answered < n {
					_, data, err := c.Read(ctx)
					if err != nil {
						readErr = err
						return
					}
					now := time.Now()
					var m wsMessage
					if json.Unmarshal(data, &m) != nil {
						counts["undecodable"]++
						continue
					}
					switch m.Type {
					case "ping":
						_ = wsWrite(ctx, c, map[string]any{"type": "pong"})
						continue
					case "next", "error":
					default:
						continue
					}
					var id int
					if _, err := fmt.Sscanf(m.ID, "f%d", &id); err != nil || id < 0 || id >= n {
						counts["unknown id"]++
						continue
					}
					answered++
					code, limit := m.code()
					switch code {
					case "":
						counts["ok"]++
					case "RATE_LIMITED":
						counts["refused"]++
						if limit == "operations" {
							counts["refused: operations at once"]++
						}
						samples = append(samples, now.Sub(time.Unix(0, sent[id].Load())))
						if first.Code == "" {
							first.Code, first.Limit = code, limit
						}
					default:
						counts["other: "+code]++
					}
				}
			}()
			for i := range n {
				sent[i].Store(time.Now().UnixNano())
				if err := wsWrite(ctx, c, map[string]any{"id": fmt.Sprintf("f%d", i), "type": "subscribe",
					"payload": map[string]any{"query": "{ __typename }"}}); err != nil {
					break
				}
			}
			<-readDone
			flood := time.Since(time.Unix(0, sent[0].Load()))
			note := fmt.Sprintf("%d operations answered in %v (%.0f/s); median answer %v after its message was sent, behind the flood's own messages",
				answered, flood.Round(time.Millisecond), float64(answered)/flood.Seconds(), Median(samples).Round(time.Microsecond))
			// The time to refuse: one operation at a time, the client's bucket emptied by the flood.
			samples = nil
			if readErr == nil {
				for i := range wsProbes {
					start := time.Now()
					if err := wsWrite(ctx, c, map[string]any{"id": fmt.Sprintf("p%d", i), "type": "subscribe",
						"payload": map[string]any{"query": "{ __typename }"}}); err != nil {
						readErr = err
						break
					}
					m, err := wsAnswer(ctx, c, fmt.Sprintf("p%d", i))
					if err != nil {
						readErr = err
						break
					}
					if code, _ := m.code(); code == "RATE_LIMITED" {
						samples = append(samples, time.Since(start))
						counts["probe refused"]++
					} else {
						counts["probe served"]++
					}
				}
			}
			o := Outcome{Code: first.Code, Limit: first.Limit, Counts: counts, Samples: samples, Took: Median(samples), Note: note}
			if p := t.WSMessageRate; p > 0 && answered == n {
				// Paced: the server took the flood no faster than its pace allows (its burst of
				// 2 × pace, then pace per second, with 10 % slack), and it did hold it back.
				allowed := 2*p + 1.1*p*flood.Seconds() + 10
				held := flood.Seconds() >= 0.9*(float64(n)-2*p)/p
				o.Paced = float64(answered) <= allowed && held
				o.Note += fmt.Sprintf("; paced %v (at most %.0f answers allowed by the pace in that time)", o.Paced, allowed)
			}
			if readErr != nil {
				if st := websocket.CloseStatus(readErr); st != -1 {
					o.WSClose = int(st)
				} else {
					o.Err = fmt.Errorf("websocket flood: %d of %d answered: %w", answered, n, readErr)
				}
			}
			if o.Err == nil && answered < n {
				o.Problem = fmt.Sprintf("%d of %d operations answered", answered, n)
			}
			if errors.Is(ctx.Err(), context.DeadlineExceeded) && o.Problem == "" {
				o.Problem = "the flood was not answered within 30 s"
			}
			_ = c.Close(websocket.StatusNormalClosure, "")
			return o
		}}
}
