package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/coder/websocket"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"golang.org/x/time/rate"
)

// The graphql-transport-ws protocol (the graphql-ws library's PROTOCOL.md), as kgql serves it on
// /graphql, in place of gqlgen's websocket transport, which answers several of the protocol's
// edge cases otherwise (validation errors as next, close codes). What the server does:
//
//	connection_init            → connection_ack, once the credential in its payload (if any) is
//	                             accepted; refused: close 4403. A second one: close 4429.
//	no connection_init within  → close 4408
//	  the init timeout
//	ping                       → pong (with the same payload); pong is ignored
//	subscribe before the ack   → close 4401
//	subscribe without an id    → close 4400; with the id of an active operation: close 4409
//	subscribe that fails its   → error {id, payload: [errors]} and no complete (parsing,
//	  checks                     validation, limits, authorization: nothing ran)
//	subscribe                  → next for each result, then complete (a query or mutation has
//	                             one result; a subscription as many as it has events)
//	complete from the client   → the operation stops; the server sends nothing more for it
//	unknown type, not JSON,    → close 4400
//	  no type
//	a message over the limit   → close 1009; a peer that does not read: close 1008 (wsconn.go)
//	only another subprotocol   → close 4406
//
// Operations run through the same executor as HTTP ones (the same extensions, limits and
// authorization point), with the socket's limits of graph/wsconn.go.

// Close codes of graphql-transport-ws.
const (
	closeBadRequest       = 4400
	closeUnauthorized     = 4401
	closeForbidden        = 4403
	closeSubprotocol      = 4406
	closeInitTimeout      = 4408
	closeSubscriberExists = 4409
	closeTooManyInits     = 4429
)

const wsSubprotocol = "graphql-transport-ws"

// wsTransport serves graphql-transport-ws (see above).
type wsTransport struct {
	initTimeout  time.Duration
	pingInterval time.Duration
	readLimit    int64
	writeTimeout time.Duration
	messageRate  float64
	onSlow       func()
	log          *slog.Logger
	// fan shares subscriptions between sockets (graph/fanout.go); nil: none is shared.
	fan *fanout
	// admission is the client's rate and the socket's cap on operations, for what fan serves
	// (the operation middleware applies them to everything else).
	admission wsAdmission
	// seq is the store's last write (the cursor a shared subscriber resumes from before its
	// first event).
	seq func() uint64
	// init decides on a connection_init's payload: the context of the socket's operations, or
	// an error (the socket is then closed with 4403).
	init func(ctx context.Context, payload transport.InitPayload) (context.Context, error)
}

var _ graphql.Transport = wsTransport{}

func (t wsTransport) Supports(r *http.Request) bool { return isUpgrade(r) }

// wsMessage is a message of the protocol.
type wsMessage struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

func (t wsTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	c, err := websocket.Accept(w, r, &websocket.AcceptOptions{
		Subprotocols:       []string{wsSubprotocol},
		InsecureSkipVerify: true, // the origin was checked by wsOriginGate with the CORS rules
	})
	if err != nil {
		return // Accept answered the request
	}
	conn := &wsConn{c: c, writeTimeout: t.writeTimeout, onSlow: t.onSlow}
	if t.messageRate > 0 {
		conn.pace = rate.NewLimiter(rate.Limit(t.messageRate), max(1, int(2*t.messageRate)))
	}
	if t.readLimit > 0 {
		conn.SetReadLimit(t.readLimit)
	}
	if c.Subprotocol() != wsSubprotocol {
		_ = conn.WriteClose(closeSubprotocol, "Subprotocol not acceptable")
		return
	}
	s := &wsSession{t: t, exec: exec, conn: conn, ops: map[string]context.CancelFunc{}}
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	s.run(ctx)
}

// wsSession is one socket.
type wsSession struct {
	t    wsTransport
	exec graphql.GraphExecutor
	conn *wsConn

	wmu sync.Mutex // one writer at a time

	mu     sync.Mutex
	inited bool // connection_init received
	acked  bool
	opCtx  context.Context // the operations' context, after the ack
	ops    map[string]context.CancelFunc
	closed bool
}

func (s *wsSession) send(m any) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	return s.conn.WriteJSON(m)
}

func (s *wsSession) close(code int, reason string) {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	_ = s.conn.WriteClose(code, reason)
}

func (s *wsSession) run(ctx context.Context) {
	defer func() {
		s.mu.Lock()
		for _, stop := range s.ops {
			stop()
		}
		s.mu.Unlock()
		_ = s.conn.Close()
	}()
	if s.t.initTimeout > 0 {
		timer := time.AfterFunc(s.t.initTimeout, func() {
			s.mu.Lock()
			inited := s.inited
			s.mu.Unlock()
			if !inited {
				s.close(closeInitTimeout, "Connection initialisation timeout")
			}
		})
		defer timer.Stop()
	}
	if s.t.pingInterval > 0 {
		go s.keepAlive(ctx)
	}
	for {
		_, rd, err := s.conn.NextReader()
		if err != nil {
			return // closed by the peer, or by us
		}
		b, err := io.ReadAll(rd)
		if err != nil {
			return
		}
		var m wsMessage
		if err := json.Unmarshal(b, &m); err != nil || m.Type == "" {
			s.close(closeBadRequest, "Invalid message received")
			return
		}
		if !s.handle(ctx, m) {
			return
		}
	}
}

// keepAlive pings the peer so that idle proxies keep the socket open.
func (s *wsSession) keepAlive(ctx context.Context) {
	tick := time.NewTicker(s.t.pingInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			if s.send(wsMessage{Type: "ping"}) != nil {
				return
			}
		}
	}
}

// handle acts on one message; false ends the session.
func (s *wsSession) handle(ctx context.Context, m wsMessage) bool {
	switch m.Type {
	case "connection_init":
		s.mu.Lock()
		again := s.inited
		s.inited = true
		s.mu.Unlock()
		if again {
			s.close(closeTooManyInits, "Too many initialisation requests")
			return false
		}
		var payload transport.InitPayload
		if len(m.Payload) > 0 && !bytes.Equal(bytes.TrimSpace(m.Payload), []byte("null")) {
			if err := json.Unmarshal(m.Payload, &payload); err != nil {
				s.close(closeBadRequest, "Invalid message received")
				return false
			}
		}
		opCtx := ctx
		if s.t.init != nil {
			var err error
			if opCtx, err = s.t.init(ctx, payload); err != nil {
				s.close(closeForbidden, "Forbidden")
				return false
			}
		}
		s.mu.Lock()
		s.acked, s.opCtx = true, opCtx
		s.mu.Unlock()
		return s.send(wsMessage{Type: "connection_ack"}) == nil
	case "ping":
		return s.send(wsMessage{Type: "pong", Payload: m.Payload}) == nil
	case "pong":
		return true
	case "subscribe":
		return s.subscribe(m)
	case "complete":
		s.mu.Lock()
		stop, ok := s.ops[m.ID]
		delete(s.ops, m.ID)
		s.mu.Unlock()
		if ok {
			stop()
		}
		return true
	default:
		s.close(closeBadRequest, "Invalid message received")
		return false
	}
}

func (s *wsSession) subscribe(m wsMessage) bool {
	s.mu.Lock()
	acked, opCtx := s.acked, s.opCtx
	_, active := s.ops[m.ID]
	s.mu.Unlock()
	switch {
	case !acked:
		s.close(closeUnauthorized, "Unauthorized")
		return false
	case m.ID == "":
		s.close(closeBadRequest, "Invalid message received")
		return false
	case active:
		s.close(closeSubscriberExists, "Subscriber for "+capString(m.ID, 64)+" already exists")
		return false
	}
	p, msg := decodeParams(m.Payload)
	if msg != "" {
		s.close(closeBadRequest, "Invalid message received")
		return false
	}
	p.ReadTime = graphql.TraceTiming{Start: graphql.Now(), End: graphql.Now()}
	st := &wsOpState{}
	ctx, stop := context.WithCancel(context.WithValue(opCtx, wsOpStateKey{}, st))
	rc, errs := s.exec.CreateOperationContext(ctx, p)
	if errs != nil {
		stop()
		resp := s.exec.DispatchError(graphql.WithOperationContext(ctx, rc), errs)
		payload, _ := json.Marshal(resp.Errors)
		return s.send(wsMessage{ID: m.ID, Type: "error", Payload: payload}) == nil
	}
	if key, ok := shareKey(opCtx, rc); ok && s.t.fan != nil {
		release, refused := s.t.admission.admit(opCtx)
		if refused != nil {
			stop()
			payload, _ := wire(&graphql.Response{Errors: gqlerror.List{refused}}).encode()
			return s.sendNext(nextPrefix(m.ID), payload) == nil && s.send(wsMessage{ID: m.ID, Type: "complete"}) == nil
		}
		if s.subscribeShared(opCtx, key, m.ID, rc, release) {
			stop() // the shared operation has contexts of its own
			return true
		}
		release() // it runs on its own, admitted there
	}
	s.mu.Lock()
	s.ops[m.ID] = stop
	s.mu.Unlock()
	go func() {
		responses, rctx := s.exec.DispatchOperation(ctx, rc)
		s.serveResponses(ctx, stop, m.ID, responses, rctx, st)
	}()
	return true
}

// serveResponses sends an operation's results, then complete (unless the client completed it
// first).
func (s *wsSession) serveResponses(ctx context.Context, stop context.CancelFunc, id string, responses graphql.ResponseHandler, rctx context.Context, st *wsOpState) {
	defer stop()
	prefix := nextPrefix(id)
	for {
		resp := responses(rctx)
		if ctx.Err() != nil {
			return // completed by the client, or the socket is gone
		}
		if resp == nil {
			break
		}
		payload, err := wire(resp).encode()
		if err != nil {
			s.t.log.Error("websocket: encoding a result", "request_id", RequestID(ctx), "err", err)
			break
		}
		if s.sendNext(prefix, payload) != nil {
			return
		}
	}
	st.mu.Lock()
	end := st.err
	st.mu.Unlock()
	s.endOp(id, end)
}

// nextPrefix is the start of operation id's next messages, up to their payload.
func nextPrefix(id string) []byte {
	qid, _ := json.Marshal(id)
	return append(append([]byte(`{"id":`), qid...), `,"type":"next","payload":`...)
}

// sendNext sends a next message around a payload already encoded; prefix is the operation's
// nextPrefix (made once per operation, not once per event).
func (s *wsSession) sendNext(prefix, payload []byte) error {
	b := make([]byte, 0, len(prefix)+len(payload)+1)
	b = append(append(append(b, prefix...), payload...), '}')
	s.wmu.Lock()
	defer s.wmu.Unlock()
	return s.conn.WriteRaw(b)
}

// wsOpState is what an operation's resolvers may leave for the transport: an error that ends the
// operation (a subscriber that fell behind), sent as an error message instead of complete.
type wsOpState struct {
	mu  sync.Mutex
	err *gqlerror.Error
}

type wsOpStateKey struct{}

// endOperation makes the websocket operation of ctx end with err (as an error message) once its
// results stop; false outside a websocket operation.
func endOperation(ctx context.Context, err *gqlerror.Error) bool {
	st, ok := ctx.Value(wsOpStateKey{}).(*wsOpState)
	if ok {
		st.mu.Lock()
		st.err = err
		st.mu.Unlock()
	}
	return ok
}
