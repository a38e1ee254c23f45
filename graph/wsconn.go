package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/coder/websocket"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"golang.org/x/time/rate"
)

// Websocket limits (graphql-transport-ws at /graphql):
//
//   - a message larger than WSMaxMessageBytes closes the socket (1009 "message too big", from
//     the websocket library);
//   - at most WSMaxOperations operations run at once on one socket; one more is answered with
//     an error (RATE_LIMITED) and the socket stays open;
//   - every operation takes a token of its client's rate bucket (guard.go), as an HTTP request
//     does; over it, the operation is answered with RATE_LIMITED;
//   - a socket's messages are paced at WSMessageRate per second (burst twice that): past it, the
//     server reads the socket's next message only when the pace allows, so a flood waits in its
//     own connection's buffers (the sender feels TCP's back-pressure) instead of queueing
//     goroutines in front of every other client (gqlgen starts one per operation);
//   - a slow reader: a message the server cannot hand to the peer within WSWriteTimeout (the
//     peer does not read, so the connection's buffers are full) closes the socket: the server
//     sends close code 1008 "policy violation: slow consumer" behind what is buffered, and drops
//     the connection if the peer does not take even that (the peer then sees 1006); a client
//     resumes by reconnecting.

// Websocket defaults.
const (
	DefaultWSMaxOperations   = 100
	DefaultWSMaxMessageBytes = 1 << 20
	DefaultWSWriteTimeout    = 10 * time.Second
	DefaultWSMessageRate     = 100
)

// CloseSlowConsumer is the close code of a socket whose peer does not read what it is sent.
const CloseSlowConsumer = int(websocket.StatusPolicyViolation)

// connLimits is one socket's state for its limits, in the context of its operations.
type connLimits struct{ active atomic.Int32 }

type connLimitsKey struct{}

func withConnLimits(ctx context.Context) context.Context {
	return context.WithValue(ctx, connLimitsKey{}, &connLimits{})
}

// wsOperationLimits caps the operations running at once on one socket and applies the client's
// rate to each. It is an AroundOperations middleware; HTTP operations pass through.
func wsOperationLimits(a wsAdmission) graphql.OperationMiddleware {
	return func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		if cl, _ := ctx.Value(connLimitsKey{}).(*connLimits); cl == nil {
			return next(ctx) // HTTP, or a shared subscription (its members are admitted)
		}
		done, refused := a.admit(ctx)
		if refused != nil {
			return refusal(refused)
		}
		h := next(ctx)
		return func(ctx context.Context) *graphql.Response {
			resp := h(ctx)
			if resp == nil {
				done()
			} else if op := graphql.GetOperationContext(ctx); op.Operation == nil || op.Operation.Operation != ast.Subscription {
				done() // a query or mutation has one response
			}
			return resp
		}
	}
}

// wsAdmission is what every websocket operation takes before it runs: a token of its client's
// rate bucket and a place under its socket's cap on operations.
type wsAdmission struct {
	maxOps   int
	rl       *rateLimiter
	onRefuse func(string)
}

// admit admits the operation of ctx (a websocket operation's context): release gives its place
// back (once; later calls do nothing); or the refusal.
func (a wsAdmission) admit(ctx context.Context) (release func(), refused *gqlerror.Error) {
	cl, _ := ctx.Value(connLimitsKey{}).(*connLimits)
	if a.rl != nil {
		if ok, wait := a.rl.allow(clientOf(ctx, remoteOf(ctx)), time.Now()); !ok {
			a.onRefuse("rate")
			return nil, presentCoded(&codedError{code: CodeRateLimited, msg: "too many requests: slow down and retry after " + retryAfter(wait) + " s",
				ext: map[string]any{"retryAfter": retryAfter(wait)}})
		}
	}
	if cl == nil {
		return func() {}, nil
	}
	if n := cl.active.Add(1); int(n) > a.maxOps {
		cl.active.Add(-1)
		a.onRefuse("ws_operations")
		return nil, presentCoded(&codedError{code: CodeRateLimited, msg: "too many operations at once on this websocket",
			ext: map[string]any{"reason": "operations", "max": a.maxOps}})
	}
	var once sync.Once
	return func() { once.Do(func() { cl.active.Add(-1) }) }, nil
}

// refusal is a one-response operation answered with err.
func refusal(err *gqlerror.Error) graphql.ResponseHandler {
	sent := false
	return func(ctx context.Context) *graphql.Response {
		if sent {
			return nil
		}
		sent = true
		return &graphql.Response{Errors: gqlerror.List{err}}
	}
}

type remoteKey struct{}

// remoteOf is the remote address of the request that opened the socket.
func remoteOf(ctx context.Context) string {
	s, _ := ctx.Value(remoteKey{}).(string)
	return s
}

// withRemote keeps the remote address of a websocket upgrade in the request's context (for the
// socket's rate bucket; http.Request.RemoteAddr is out of reach there). Other requests pass as
// they are.
func withRemote(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isUpgrade(r) {
			r = r.WithContext(context.WithValue(r.Context(), remoteKey{}, r.RemoteAddr))
		}
		next.ServeHTTP(w, r)
	})
}

// wsConn is a socket of graph/gqlws.go over github.com/coder/websocket, with a write timeout: a
// write that cannot complete within it (a slow or stalled reader) closes the socket with
// CloseSlowConsumer; and with a pace of the messages read.
type wsConn struct {
	c            *websocket.Conn
	writeTimeout time.Duration
	onSlow       func()
	pace         *rate.Limiter

	mu      sync.Mutex
	closing bool
}

func (c *wsConn) Close() error {
	c.mu.Lock()
	closing := c.closing
	c.mu.Unlock()
	if closing { // WriteClose's goroutine closes the connection after the handshake
		return nil
	}
	return c.c.CloseNow()
}

func (c *wsConn) NextReader() (int, io.Reader, error) {
	if c.pace != nil { // wait for the pace before reading: the flood stays in the socket's buffers
		if d := c.pace.Reserve().Delay(); d > 0 {
			time.Sleep(d)
		}
	}
	t, data, err := c.c.Read(context.Background())
	if err != nil {
		switch websocket.CloseStatus(err) {
		case websocket.StatusNormalClosure, websocket.StatusNoStatusRcvd:
			return int(t), nil, transport.ErrWebsocketClosed
		}
		return int(t), nil, err
	}
	return int(t), bytes.NewReader(data), nil
}

func (c *wsConn) WriteJSON(v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return c.WriteRaw(data)
}

// WriteRaw writes one text message.
func (c *wsConn) WriteRaw(data []byte) error {
	ctx, cancel := context.WithTimeout(context.Background(), c.writeTimeout)
	defer cancel()
	err := c.c.Write(ctx, websocket.MessageText, data)
	if err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		if c.onSlow != nil {
			c.onSlow()
		}
		_ = c.WriteClose(CloseSlowConsumer, "policy violation: slow consumer")
	}
	return err
}

func (c *wsConn) WriteClose(code int, msg string) error {
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		return nil
	}
	c.closing = true
	c.mu.Unlock()
	go func() { _ = c.c.Close(websocket.StatusCode(code), msg) }() // the handshake may wait for the peer
	return nil
}

func (c *wsConn) SetReadLimit(n int64) { c.c.SetReadLimit(n) }
