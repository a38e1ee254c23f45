package graph

import (
	"context"
	"log/slog"
	"testing"

	"github.com/kgql/kgql/graph/model"
	"github.com/kgql/kgql/store"
	"github.com/kgql/kgql/store/storetest"
)

// A subscriber whose queue is full is dropped by the hub (the writer never waits), and its
// delivery ends with a SLOW_SUBSCRIBER error naming the cursor to resume from, which the
// websocket transport sends as the operation's error message.
func TestSubscriberFallsBehind(t *testing.T) {
	s := storetest.Open(t)
	h := &changeHub{subs: map[*subscriber]struct{}{}}
	sub := &subscriber{queue: make(chan commit, 2), behind: make(chan struct{}), lastSeq: 7, lastIdx: 3}
	h.add(sub)
	for seq := uint64(8); seq <= 10; seq++ { // two fit, the third does not
		h.publish(seq, []store.Change{{ID: store.ID{Kind: store.KindSource, Seq: seq}, Op: store.ChangeCreated}})
	}
	select {
	case <-sub.behind:
	default:
		t.Fatal("a full subscriber was not marked behind")
	}
	if n := h.count(); n != 0 {
		t.Fatalf("%d subscribers left, want the slow one dropped", n)
	}
	// Its delivery: the queued writes' events could still go out; here nobody reads them, and the
	// subscription ends with the error, resume cursor included.
	r := &Resolver{Store: s, Log: slog.New(slog.DiscardHandler), Changes: h}
	st := &wsOpState{}
	ctx := context.WithValue(context.Background(), wsOpStateKey{}, st)
	sub.queue = make(chan commit) // nothing more queued
	out := make(chan *model.NodeChange)
	deliver(ctx, r, sub, nil, out, func(uint64, int, store.Change) (*model.NodeChange, bool) { return nil, false })
	if _, open := <-out; open {
		t.Fatal("the event channel is still open")
	}
	if st.err == nil || st.err.Extensions["reason"] != "SLOW_SUBSCRIBER" || st.err.Extensions["resumeAfter"] != "7.3" ||
		st.err.Extensions["code"] != CodeRateLimited {
		t.Fatalf("ended with %+v, want SLOW_SUBSCRIBER resuming after 7.3", st.err)
	}
}
