package graph

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/kgql/kgql/graph/model"
	"github.com/kgql/kgql/store"
	"github.com/kgql/kgql/store/query"
)

// Subscriptions are fed by the store's commit listener (store.OnChange), never by polling: every
// committed write hands its changes to the hub, which queues them, unchanged, to every
// subscriber; each subscriber filters its queue and reads the records it delivers in its own
// goroutine, so a commit costs the writer one append per subscriber. A subscriber whose queue
// holds more than subscriberQueue writes (it reads slower than the store is written) is ended
// with an error that names its last delivered cursor, to resume from. A resume (`after`) first
// registers with the hub, then replays the change log from the cursor and skips, in the live
// queue, what the replay delivered: nothing is lost between the two and nothing is delivered
// twice.

// subscriberQueue bounds the writes waiting for one subscriber.
const subscriberQueue = 256

// commit is one committed write: its number and its changes, sorted by record id.
type commit struct {
	seq     uint64
	changes []store.Change // nil: a bulk load changed everything
}

// changeHub hands every committed write to every subscriber.
type changeHub struct {
	mu   sync.Mutex
	subs map[*subscriber]struct{}
}

// newChangeHub returns a hub fed by s's commits.
func newChangeHub(s *store.Store) *changeHub {
	h := &changeHub{subs: map[*subscriber]struct{}{}}
	s.OnChange(h.publish)
	return h
}

// publish runs under the store's write lock: it only queues.
func (h *changeHub) publish(seq uint64, changes []store.Change) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for sub := range h.subs {
		select {
		case sub.queue <- commit{seq, changes}:
		default: // the subscriber is too far behind: end it
			sub.lagged()
			delete(h.subs, sub)
		}
	}
}

func (h *changeHub) add(sub *subscriber) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.subs[sub] = struct{}{}
}

func (h *changeHub) remove(sub *subscriber) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.subs, sub)
}

// count is the number of live subscriptions (metrics).
func (h *changeHub) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs)
}

// subscriber is one nodeChanged subscription.
type subscriber struct {
	queue    chan commit
	behind   chan struct{} // closed when the hub dropped it
	lagOnce  sync.Once
	filter   changeFilter
	lastSeq  uint64 // the last write delivered (or replayed) whole
	lastIdx  int    // within lastSeq, the index of the last change delivered; -1: none yet
	resuming bool   // lastSeq/lastIdx come from a cursor: skip up to them
}

func (sub *subscriber) lagged() { sub.lagOnce.Do(func() { close(sub.behind) }) }

// changeFilter is what a subscription asked for.
type changeFilter struct {
	kinds map[store.Kind]bool // nil: every kind
	ids   map[store.ID]bool   // nil: every record
}

// NodeChanged serves the nodeChanged subscription (see the schema, graph/subscriptions.graphqls).
func (r *Resolver) nodeChanged(ctx context.Context, types []model.NodeType, ids []string, keys []string, after *string) (<-chan *model.NodeChange, error) {
	if r.Changes == nil {
		return nil, &codedError{code: CodeBadUserInput, msg: "subscriptions are not available on this server"}
	}
	f := changeFilter{}
	if len(types) > 0 {
		f.kinds = map[store.Kind]bool{}
		for _, t := range types {
			f.kinds[nodeTypeKinds[t]] = true
		}
	}
	if refs := append(append([]string(nil), ids...), keys...); len(refs) > 0 {
		if len(refs) > MaxPageSize {
			return nil, fmt.Errorf("%w: ids and keys: at most %d at once", store.ErrInvalid, MaxPageSize)
		}
		found, err := r.Store.GetRefs(refs)
		if err != nil {
			return nil, err
		}
		f.ids = map[store.ID]bool{}
		for i, n := range found {
			if n == nil {
				return nil, fmt.Errorf("%w: no record with the id or key %q", store.ErrNotFound, refs[i])
			}
			f.ids[n.ID] = true
		}
	}
	sub := &subscriber{queue: make(chan commit, subscriberQueue), behind: make(chan struct{}), filter: f, lastIdx: -1}
	var from uint64
	if after != nil {
		seq, idx, ok := parseChangeCursor(*after)
		if !ok {
			return nil, &codedError{code: CodeBadUserInput, msg: fmt.Sprintf("after: %q is not a cursor of nodeChanged (SEQ.INDEX)", *after)}
		}
		sub.lastSeq, sub.lastIdx, sub.resuming = seq, idx, true
		from = seq
	} else {
		from = r.Store.Seq()
		sub.lastSeq = from
	}
	r.Changes.add(sub) // before the replay: every later write is queued
	// The replay: the writes from the cursor's on (its own for the changes after its index).
	var replay []commit
	if after != nil {
		start := from
		if start > 0 {
			start-- // ChangeLogSince lists the writes after its argument
		}
		complete, err := r.Store.ChangeLogSince(start, func(seq uint64, changes []store.Change) error {
			replay = append(replay, commit{seq, changes})
			return nil
		})
		if err == nil && !complete && from < r.Store.Seq() {
			err = &codedError{code: CodeBadUserInput, ext: map[string]any{"reason": "CHANGE_LOG_TRIMMED"},
				msg: "the change log no longer reaches back to " + *after + ": read what you need again, then subscribe without after"}
		}
		if err != nil {
			r.Changes.remove(sub)
			return nil, err
		}
	}
	out := make(chan *model.NodeChange, 16)
	tapFrom(ctx).start()
	go deliver(ctx, r, sub, replay, out, func(seq uint64, i int, ch store.Change) (*model.NodeChange, bool) {
		return r.event(sub.filter, seq, i, ch)
	})
	return out, nil
}

// statementAdded serves the statementAdded subscription: statements created from now on that
// match where (see the schema).
func (r *Resolver) statementAdded(ctx context.Context, where map[string]any) (<-chan *model.Statement, error) {
	if r.Changes == nil {
		return nil, &codedError{code: CodeBadUserInput, msg: "subscriptions are not available on this server"}
	}
	f, err := whereFilter(store.KindStatement, where, wordSearch)
	if err != nil {
		return nil, err
	}
	sub := &subscriber{queue: make(chan commit, subscriberQueue), behind: make(chan struct{}), lastIdx: -1}
	r.Changes.add(sub)
	sub.lastSeq = r.Store.Seq()
	out := make(chan *model.Statement, 16)
	tapFrom(ctx).start()
	go deliver(ctx, r, sub, nil, out, func(seq uint64, i int, ch store.Change) (*model.Statement, bool) {
		if ch.ID.Kind != store.KindStatement || ch.Op != store.ChangeCreated {
			return nil, false
		}
		var n *store.Node
		var ok bool
		err := r.Store.Read(func(tx *store.Tx) error {
			var err error
			if n, err = tx.GetOrNil(ch.ID); err != nil || n == nil {
				return err
			}
			ok, err = query.Match(ctx, tx, n, f)
			return err
		})
		if err != nil {
			r.Log.Error("subscription: filtering a new statement", "id", ch.ID.String(), "err", err)
			return nil, false
		}
		if !ok {
			return nil, false
		}
		st, _ := model.FromNode(n).(*model.Statement)
		return st, st != nil
	})
	return out, nil
}

// deliver sends the replay, then the live queue, to out, until the client goes away or the
// subscriber falls behind; build makes the event of a change (false: not one for this
// subscriber).
func deliver[T any](ctx context.Context, r *Resolver, sub *subscriber, replay []commit, out chan<- T, build func(seq uint64, i int, ch store.Change) (T, bool)) {
	defer close(out)
	defer r.Changes.remove(sub)
	tap := tapFrom(ctx) // a shared subscription's: the cursor of each event, in order
	send := func(c commit) bool {
		if c.seq < sub.lastSeq || (c.seq == sub.lastSeq && !sub.resuming) {
			return true // delivered already (by the replay, or before the subscription began)
		}
		skipTo := -1
		if c.seq == sub.lastSeq {
			skipTo = sub.lastIdx
		}
		for i, ch := range c.changes {
			if i <= skipTo {
				continue
			}
			ev, ok := build(c.seq, i, ch)
			if !ok {
				continue
			}
			tap.push(formatChangeCursor(c.seq, i))
			select {
			case out <- ev:
			case <-ctx.Done():
				return false
			case <-sub.behind:
				return false
			}
		}
		sub.lastSeq, sub.lastIdx, sub.resuming = c.seq, len(c.changes)-1, false
		return true
	}
	for _, c := range replay {
		if !send(c) {
			return
		}
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-sub.behind:
			resume := formatChangeCursor(sub.lastSeq, sub.lastIdx)
			if sub.lastIdx < 0 { // nothing delivered yet
				resume = afterWrite(sub.lastSeq)
			}
			r.Log.Info("subscription ended: its client fell behind", "request_id", RequestID(ctx), "resume_after", resume)
			endOperation(ctx, presentCoded(slowSubscriber(resume)))
			return
		case c := <-sub.queue:
			if !send(c) {
				return
			}
		}
	}
}

// slowSubscriber is the error that ends a subscription that fell behind: resume from resume.
func slowSubscriber(resume string) *codedError {
	return &codedError{code: CodeRateLimited,
		msg: "this subscription fell behind the store's writes and was ended: subscribe again with after: " + resume,
		ext: map[string]any{"reason": "SLOW_SUBSCRIBER", "resumeAfter": resume}}
}

// event is the NodeChange of change i of write seq, if the filter takes it.
func (r *Resolver) event(f changeFilter, seq uint64, i int, ch store.Change) (*model.NodeChange, bool) {
	var n *store.Node
	if ch.Op != store.ChangeDeleted {
		got, err := r.Store.Get(ch.ID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			r.Log.Error("subscription: reading a changed record", "id", ch.ID.String(), "err", err)
		}
		n = got
	}
	if !f.takes(ch.ID, n) {
		return nil, false
	}
	ev := &model.NodeChange{ID: ch.ID.String(), Kind: recordTypeOf(ch.ID.Kind), Cursor: formatChangeCursor(seq, i)}
	switch {
	case ch.Op == store.ChangeCreated:
		ev.Change = model.ChangeKindCreated
	case ch.Op == store.ChangeDeleted:
		ev.Change = model.ChangeKindDeleted
	default:
		ev.Change = model.ChangeKindUpdated
	}
	if n != nil {
		ev.Node = model.FromNode(n)
	}
	return ev, true
}

// takes reports whether the filter takes a change to record id (n: the record now, nil when it
// is gone): the record itself, or a position, participation or statement pointing at one.
func (f changeFilter) takes(id store.ID, n *store.Node) bool {
	if f.kinds[id.Kind] || f.kinds == nil {
		if f.ids == nil || f.ids[id] {
			return true
		}
	}
	if n == nil || !isRelation(id.Kind) {
		return false
	}
	for _, targets := range n.Links {
		for _, t := range targets {
			if (f.kinds == nil || f.kinds[t.Kind]) && (f.ids == nil || f.ids[t]) {
				return true
			}
		}
	}
	return false
}

func isRelation(k store.Kind) bool {
	return k == store.KindPosition || k == store.KindParticipation || k == store.KindStatement
}

// recordTypeOf is the schema's RecordType of a store kind.
func recordTypeOf(k store.Kind) model.RecordType {
	for t, rk := range recordKinds {
		if rk.kind == k {
			return t
		}
	}
	return model.RecordType(strings.ToUpper(k.String()))
}

// A change cursor is "SEQ.INDEX": the write's number and the change's index in it.
func formatChangeCursor(seq uint64, i int) string {
	return strconv.FormatUint(seq, 10) + "." + strconv.Itoa(i)
}

func parseChangeCursor(s string) (seq uint64, i int, ok bool) {
	a, b, found := strings.Cut(s, ".")
	if !found {
		return 0, 0, false
	}
	seq, err1 := strconv.ParseUint(a, 10, 64)
	n, err2 := strconv.Atoi(b)
	if err1 != nil || err2 != nil || n < 0 || seq == 0 {
		return 0, 0, false
	}
	return seq, n, true
}
