package graph

import (
	"context"
	"encoding/json"
	"math"
	"strconv"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/kgql/kgql/graph/auth"
)

// Shared subscriptions: an event is rendered once per distinct subscription, and the same bytes
// go to every socket that asked for it. A newsroom's frontends run the same few subscriptions,
// so a write that a thousand pages listen to costs one record read, one execution of the
// selection and one JSON encoding, then a thousand socket writes.
//
// Two subscribe messages share when they carry the same document, operation name and variables,
// come from callers of the same role (what the authorization point decides on), and do not
// resume: a subscription with `after` replays from its own cursor and runs on its own, as does
// anything that is not a single root field. The first of a kind starts the operation on a context
// detached from its socket (it outlives that socket while others listen) and ends it when its
// last member leaves. Each member passes every check an unshared subscription passes: parsing,
// validation, cost and the authorization point (CreateOperationContext, for each subscribe), and
// the client's rate and the socket's cap on operations (wsAdmission.admit). Each member's socket
// is fed through a queue of its own (memberQueue events); a member that falls that far behind is
// ended alone, with the error of an unshared subscriber that falls behind (RATE_LIMITED,
// SLOW_SUBSCRIBER, resumeAfter: the cursor of the last event it was sent). Events reach a member
// from the moment it joined: what was committed after its subscribe was read is never missed.

// memberQueue bounds the events waiting for one member of a shared subscription.
const memberQueue = 256

// fanout is the set of shared subscriptions of one handler.
type fanout struct {
	mu     sync.Mutex
	groups map[string]*fanGroup
}

func newFanout() *fanout { return &fanout{groups: map[string]*fanGroup{}} }

// shared reports the number of shared operations running and of their members: the
// subscriptions they stand for are members, not operations (metrics).
func (f *fanout) shared() (groups, members int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, g := range f.groups {
		g.mu.Lock()
		members += len(g.members)
		g.mu.Unlock()
	}
	return len(f.groups), members
}

// fanGroup is one shared subscription.
type fanGroup struct {
	f     *fanout
	key   string
	ready chan struct{} // closed once the operation runs (live) or failed to start
	live  bool          // written before ready is closed

	cancel context.CancelFunc

	mu      sync.Mutex
	members map[*fanMember]struct{}
	done    bool
	end     *gqlerror.Error // why the operation ended, if it did not simply complete
}

// fanMember is one subscribe message served by a group.
type fanMember struct {
	id      string
	ctx     context.Context // ends with the member's operation (complete, or the socket)
	events  chan fanEvent
	behind  chan struct{} // closed when the group dropped it for falling behind
	lagOnce sync.Once
	resume  string // the cursor to resume from if nothing was sent yet
	prefix  []byte // its next messages' start (nextPrefix)
}

// fanEvent is an event rendered once: the payload of its next message, and its cursor.
type fanEvent struct {
	payload []byte
	cursor  string
}

// shareKey is the key under which a subscription is shared; false: it runs on its own.
func shareKey(ctx context.Context, rc *graphql.OperationContext) (string, bool) {
	op := rc.Operation
	if op == nil || op.Operation != ast.Subscription || len(op.SelectionSet) != 1 {
		return "", false
	}
	f, ok := op.SelectionSet[0].(*ast.Field)
	if !ok || f.ArgumentMap(rc.Variables)["after"] != nil {
		return "", false
	}
	vars, err := json.Marshal(rc.Variables) // map keys in order
	if err != nil {
		return "", false
	}
	return strconv.Itoa(int(auth.FromContext(ctx).Role)) + "\x00" + rc.OperationName + "\x00" + rc.RawQuery + "\x00" + string(vars), true
}

// join returns the group of key, and whether the caller must start it (it made the group).
func (f *fanout) join(key string) (*fanGroup, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if g := f.groups[key]; g != nil {
		return g, false
	}
	g := &fanGroup{f: f, key: key, ready: make(chan struct{}), members: map[*fanMember]struct{}{}}
	f.groups[key] = g
	return g, true
}

// add makes m a member; false if the group has ended meanwhile.
func (g *fanGroup) add(m *fanMember) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.done {
		return false
	}
	g.members[m] = struct{}{}
	return true
}

// leave removes m; the last member to leave ends the operation.
func (g *fanGroup) leave(m *fanMember) {
	g.f.mu.Lock()
	g.mu.Lock()
	delete(g.members, m)
	last := len(g.members) == 0 && !g.done // (a member dropped for falling behind left already)
	if last {                              // under both locks: no one joins between the last leaving and the end
		g.done = true
		if g.f.groups[g.key] == g {
			delete(g.f.groups, g.key)
		}
	}
	g.mu.Unlock()
	g.f.mu.Unlock()
	if last {
		g.cancel()
	}
}

// finish ends the group: no one joins it any more, its operation stops, and each member is told
// (complete, or the error end) once its queue is sent.
func (g *fanGroup) finish(end *gqlerror.Error) {
	g.f.mu.Lock()
	if g.f.groups[g.key] == g {
		delete(g.f.groups, g.key)
	}
	g.mu.Lock()
	if !g.done {
		g.done, g.end = true, end
		for m := range g.members {
			close(m.events)
		}
		g.members = nil
	}
	g.mu.Unlock()
	g.f.mu.Unlock()
	if g.cancel != nil {
		g.cancel()
	}
}

// broadcast queues ev for every member; a member whose queue is full is dropped.
func (g *fanGroup) broadcast(ev fanEvent) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for m := range g.members {
		select {
		case m.events <- ev:
		default:
			m.lagOnce.Do(func() { close(m.behind) })
			delete(g.members, m)
		}
	}
}

// pump renders each response of the group's operation once and hands it to the members.
func (g *fanGroup) pump(responses graphql.ResponseHandler, rctx context.Context, tap *eventTap, st *wsOpState, log func(error)) {
	for {
		resp := responses(rctx)
		if resp == nil || rctx.Err() != nil {
			break
		}
		payload, err := wire(resp).encode()
		if err != nil {
			log(err)
			break
		}
		g.broadcast(fanEvent{payload: payload, cursor: tap.pop()})
	}
	st.mu.Lock()
	end := st.err
	st.mu.Unlock()
	g.finish(end)
}

// eventTap carries, from a subscription's resolver to the transport, the cursor of each event in
// the order the events are handed to the executor (one response per event), and whether the
// resolver started at all.
type eventTap struct {
	mu      sync.Mutex
	started bool
	cursors []string
}

type eventTapKey struct{}

func tapFrom(ctx context.Context) *eventTap {
	t, _ := ctx.Value(eventTapKey{}).(*eventTap)
	return t
}

func (t *eventTap) start() {
	if t == nil {
		return
	}
	t.mu.Lock()
	t.started = true
	t.mu.Unlock()
}

func (t *eventTap) push(cursor string) {
	if t == nil {
		return
	}
	t.mu.Lock()
	t.cursors = append(t.cursors, cursor)
	t.mu.Unlock()
}

func (t *eventTap) pop() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.cursors) == 0 {
		return ""
	}
	c := t.cursors[0]
	t.cursors = t.cursors[1:]
	return c
}

func (t *eventTap) running() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.started
}

// afterWrite is the cursor of the point after every change of write seq: a subscriber that
// resumes from it gets the writes after seq.
func afterWrite(seq uint64) string { return formatChangeCursor(seq, math.MaxInt32) }

// subscribeShared serves a subscribe message whose operation is shared (see above): it joins the
// group of key, starting it if it is the first; false when the operation must run on its own
// (the group it joined could not start).
func (s *wsSession) subscribeShared(ctx context.Context, key, id string, rc *graphql.OperationContext, release func()) bool {
	m := &fanMember{id: id, events: make(chan fanEvent, memberQueue), behind: make(chan struct{}), prefix: nextPrefix(id)}
	if s.t.seq != nil {
		m.resume = afterWrite(s.t.seq())
	}
	for range 3 { // a group that ends as it is joined: take (or make) the next one
		g, first := s.t.fan.join(key)
		if first {
			tap, st := &eventTap{}, &wsOpState{}
			gctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
			gctx = context.WithValue(gctx, wsOpStateKey{}, st)
			gctx = context.WithValue(gctx, connLimitsKey{}, (*connLimits)(nil)) // admitted per member
			gctx = context.WithValue(gctx, eventTapKey{}, tap)
			responses, rctx := s.exec.DispatchOperation(gctx, rc)
			if !tap.running() { // refused by its resolver: no group; this operation answers why
				g.finish(nil)
				close(g.ready)
				s.mu.Lock()
				s.ops[id] = cancel
				s.mu.Unlock()
				go func() {
					defer release()
					s.serveResponses(gctx, cancel, id, responses, rctx, st)
				}()
				return true
			}
			g.cancel = cancel // before anyone can leave: the group is joined only once ready
			g.add(m)
			g.live = true
			close(g.ready)
			go g.pump(responses, rctx, tap, st, func(err error) {
				s.t.log.Error("websocket: encoding a result", "request_id", RequestID(ctx), "err", err)
			})
		} else {
			select {
			case <-g.ready:
			case <-ctx.Done():
				return true
			}
			if !g.live {
				return false
			}
			if !g.add(m) {
				continue
			}
		}
		mctx, stop := context.WithCancel(ctx)
		m.ctx = mctx
		s.mu.Lock()
		s.ops[id] = stop
		s.mu.Unlock()
		go s.serveMember(g, m, stop, release)
		return true
	}
	return false
}

// serveMember sends a member's events, then complete (or the group's error end), unless the
// client completed it first.
func (s *wsSession) serveMember(g *fanGroup, m *fanMember, stop context.CancelFunc, release func()) {
	defer release()
	defer stop()
	defer g.leave(m)
	last := m.resume
	for {
		select {
		case <-m.ctx.Done():
			return
		case <-m.behind:
			s.endOp(m.id, presentCoded(slowSubscriber(last)))
			return
		case ev, ok := <-m.events:
			if !ok {
				g.mu.Lock()
				end := g.end
				g.mu.Unlock()
				s.endOp(m.id, end)
				return
			}
			if m.ctx.Err() != nil {
				return
			}
			if s.sendNext(m.prefix, ev.payload) != nil {
				return
			}
			if ev.cursor != "" {
				last = ev.cursor
			}
		}
	}
}

// endOp ends operation id with complete, or with an error message when end is set, unless the
// client completed it first or the socket is closing.
func (s *wsSession) endOp(id string, end *gqlerror.Error) {
	s.mu.Lock()
	_, mine := s.ops[id]
	delete(s.ops, id)
	closed := s.closed
	s.mu.Unlock()
	if !mine || closed {
		return
	}
	if end != nil {
		payload, _ := json.Marshal(gqlerror.List{end})
		_ = s.send(wsMessage{ID: id, Type: "error", Payload: payload})
		return
	}
	_ = s.send(wsMessage{ID: id, Type: "complete"})
}
