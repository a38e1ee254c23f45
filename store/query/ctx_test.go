package query_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/kgql/kgql/store"
	"github.com/kgql/kgql/store/query"
)

// endsAfter is a context that reports itself done (with its cause) after n checks: a deadline
// that hits in the middle of a scan, without timing.
type endsAfter struct {
	context.Context
	n atomic.Int64
}

func (c *endsAfter) Err() error {
	if c.n.Add(-1) < 0 {
		return context.DeadlineExceeded
	}
	return nil
}

// newEndsAfter returns a context done after n checks (context.Cause of it is its Err).
func newEndsAfter(n int64) *endsAfter {
	c := &endsAfter{Context: context.Background()}
	c.n.Store(n)
	return c
}

// A scan, a sort and an aggregate stop once their context is done, midway, and report it.
func TestContextStopsScans(t *testing.T) {
	s := genStore(t)
	for _, tc := range []struct {
		name string
		req  query.Request
	}{
		{"stream", query.Request{Kind: store.KindPerson, Filter: cmpF("name", query.Contains, "zzzzqqq"), First: 5}},
		{"sort", query.Request{Kind: store.KindPerson, Order: []query.OrderKey{{Field: "name", Desc: true}}, First: 5}},
		{"total", query.Request{Kind: store.KindPerson, Filter: cmpF("name", query.Contains, "a"), First: 1, NeedTotal: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Done at once.
			req := tc.req
			ctx, cancel := context.WithCancelCause(context.Background())
			cause := errors.New("the operation's deadline")
			cancel(cause)
			req.Ctx = ctx
			if _, err := run(t, s, req); err != cause {
				t.Errorf("with a done context: %v, want its cause", err)
			}
			// Done after the first check: the scan itself notices.
			req.Ctx = newEndsAfter(1)
			if _, err := run(t, s, req); !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("with a context that ends during the scan: %v, want DeadlineExceeded", err)
			}
			// Without a context, or with a live one, the same request answers.
			req.Ctx = nil
			mustRun(t, s, req)
			req.Ctx = context.Background()
			mustRun(t, s, req)
		})
	}

	err := s.Read(func(tx *store.Tx) error {
		_, _, err := query.AggregateContext(newEndsAfter(1), tx, store.KindPerson, nil, []string{"ORGANIZATION"})
		return err
	})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("aggregate with a context that ends during the scan: %v", err)
	}
}
