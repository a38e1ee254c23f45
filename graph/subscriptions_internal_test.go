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

// A shared subscription's member whose queue is full is dropped alone (the others keep their
// events); the last member to leave ends the operation and the group can no longer be joined;
// an operation that ends tells each member (its queue is closed, with the end's error).
func TestSharedSubscriptionMembers(t *testing.T) {
	f := newFanout()
	g, first := f.join("k")
	if !first {
		t.Fatal("the first join did not make the group")
	}
	canceled := 0
	g.cancel = func() { canceled++ }
	fast := &fanMember{events: make(chan fanEvent, 2), behind: make(chan struct{})}
	slow := &fanMember{events: make(chan fanEvent, 1), behind: make(chan struct{})}
	if !g.add(fast) || !g.add(slow) {
		t.Fatal("add refused")
	}
	if again, first := f.join("k"); again != g || first {
		t.Fatal("a second join made another group")
	}
	g.broadcast(fanEvent{payload: []byte(`1`), cursor: "5.0"})
	<-fast.events // fast reads; slow does not
	g.broadcast(fanEvent{payload: []byte(`2`), cursor: "6.0"})
	select {
	case <-slow.behind:
	default:
		t.Fatal("the full member was not dropped")
	}
	select {
	case <-fast.behind:
		t.Fatal("the member that reads was dropped")
	default:
	}
	if ev := <-fast.events; string(ev.payload) != "2" || ev.cursor != "6.0" {
		t.Fatalf("fast got %+v", ev)
	}
	if groups, members := f.shared(); groups != 1 || members != 1 {
		t.Fatalf("%d groups, %d members; want 1, 1", groups, members)
	}
	g.leave(slow) // its goroutine leaves too: not the last member
	if canceled != 0 {
		t.Fatal("the operation ended with a member left")
	}
	g.leave(fast)
	if groups, members := f.shared(); groups != 0 || members != 0 || canceled != 1 {
		t.Fatalf("after the last left: %d groups, %d members, canceled %d times", groups, members, canceled)
	}
	if g.add(&fanMember{events: make(chan fanEvent, 1)}) {
		t.Fatal("joined an ended group")
	}
	if _, first := f.join("k"); !first {
		t.Fatal("an ended group was joined again")
	}

	h, _ := f.join("h")
	h.cancel = func() {}
	m := &fanMember{events: make(chan fanEvent, 1), behind: make(chan struct{})}
	h.add(m)
	end := presentCoded(slowSubscriber("9.1"))
	h.finish(end)
	if _, open := <-m.events; open || h.end != end {
		t.Fatalf("finish: queue open %v, end %v", open, h.end)
	}
}
