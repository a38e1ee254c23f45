package textindex

import (
	"fmt"
	"time"
)

// States of the index, as Status reports them.
const (
	// StateStarting: attached, the start-up catch-up has not begun (or the index is not attached).
	StateStarting = "starting"
	// StateCatchingUp: replaying the store's change log at start; searches answer from what is
	// indexed so far.
	StateCatchingUp = "catching up"
	// StateRebuilding: rebuilding from a full scan of the store (a new or damaged index, a bulk
	// load, a change log that no longer reaches back); searches answer from the previous index
	// until the new one replaces it, or nothing if that index was another store's.
	StateRebuilding = "rebuilding"
	// StateReady: the start-up catch-up is done; the index follows every commit, a few
	// milliseconds behind. (A bulk load into a running server goes back to StateRebuilding.)
	StateReady = "ready"
	// StateClosed: the index is closed.
	StateClosed = "closed"
)

// Status is what the index says about itself: whether searches see the whole store.
type Status struct {
	// State is one of the State constants.
	State string
	// Ready reports whether State is StateReady: the start-up catch-up or rebuild is done and no
	// rebuild is running. Otherwise full-text searches answer from part of the store only.
	Ready bool
	// Behind is how many store writes the index has yet to apply (store.Seq() - Seq()); a few
	// right after writes even when Ready.
	Behind uint64
}

// Status returns the index's state. It is cheap (atomic loads) and safe to call at any time.
func (ix *Index) Status() Status {
	st := Status{State: ix.stateNow()}
	st.Ready = st.State == StateReady
	if ix.s != nil && ix.attached.Load() {
		if seq, applied := ix.s.Seq(), ix.applied.Load(); seq > applied {
			st.Behind = seq - applied
		}
	}
	return st
}

// Ready reports whether searches see the whole store, but for the last few milliseconds of writes
// (State is StateReady; see Status).
func (ix *Index) Ready() bool { return ix.stateNow() == StateReady }

func (ix *Index) stateNow() string {
	if v, ok := ix.state.Load().(string); ok {
		return v
	}
	return StateStarting
}

// setState records the index's state and wakes WaitReady.
func (ix *Index) setState(s string) {
	ix.state.Store(s)
	ix.waitMu.Lock()
	close(ix.waitCh)
	ix.waitCh = make(chan struct{})
	ix.waitMu.Unlock()
}

// WaitReady waits until the index is ready (see Status), for at most timeout.
func (ix *Index) WaitReady(timeout time.Duration) error {
	return ix.waitUntil(ix.Ready, timeout, func() error {
		return fmt.Errorf("text index still %s after %s", ix.stateNow(), timeout)
	})
}

// waitUntil waits until done holds, waking whenever the index's state or progress changes (its
// wait channel is closed), for at most timeout; then it returns late's error.
func (ix *Index) waitUntil(done func() bool, timeout time.Duration, late func() error) error {
	t := time.NewTimer(timeout)
	defer t.Stop()
	for {
		ix.waitMu.Lock()
		ch := ix.waitCh
		ix.waitMu.Unlock()
		if done() {
			return nil
		}
		if ix.closed.Load() {
			return ErrClosed
		}
		select {
		case <-ch:
		case <-t.C:
			return late()
		}
	}
}
