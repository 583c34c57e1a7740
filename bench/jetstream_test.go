package bench

import (
	"context"
	"sync/atomic"
	"testing"
)

// TestDurableSides runs every side of the durable-publish comparison with
// a few adds: durableRate itself fails unless the store holds every add.
func TestDurableSides(t *testing.T) {
	sides := append([]DurableSide{durableJetStream}, durableSides...)
	for _, side := range sides {
		for _, producers := range []int{1, 8} {
			rate, err := durableRate(t.Context(), side.Open, producers, 40)
			if err != nil || rate <= 0 {
				t.Errorf("durableRate(%s, producers=%d, n=40) = %v, %v; want a positive rate", side.Name, producers, rate, err)
			}
		}
	}
}

// TestQueueSides runs every side of the queue comparison with a few
// hundred messages: queueRate and queueLatency fail unless each message
// was handled once and the queue reports every one acknowledged.
func TestQueueSides(t *testing.T) {
	sides := append([]QueueSide{queueJetStream}, queueSides...)
	for _, side := range sides {
		for _, async := range []bool{false, true} {
			rate, err := queueRate(t.Context(), side.Open, 500, async)
			if err != nil || rate <= 0 {
				t.Errorf("queueRate(%s, n=500, async=%v) = %v, %v; want a positive rate", side.Name, async, rate, err)
			}
		}
		lat, err := queueLatency(t.Context(), side.Open, 20)
		if err != nil || len(lat) != 20 || lat[0] <= 0 {
			t.Errorf("queueLatency(%s, 20) = %v, %v; want 20 positive latencies", side.Name, lat, err)
		}
	}
}

// TestHarnessChecks shows the harnesses refuse a side that loses an add
// or skips a message.
func TestHarnessChecks(t *testing.T) {
	lossy := func(ctx context.Context, dir string) (DurableRun, error) {
		run, err := openMemoryAdds(ctx, dir)
		inner := run.Len
		run.Len = func() (int64, error) { n, err := inner(); return n - 1, err }
		return run, err
	}
	if _, err := durableRate(t.Context(), lossy, 2, 10); err == nil {
		t.Error("durableRate of a side that keeps 9 of 10 adds succeeded, want an error")
	}
	skipping := func(ctx context.Context, handlers int, h QueueHandler) (QueueRun, error) {
		var seen atomic.Int64
		handle := h.Handle
		h.Handle = func(msg []byte) {
			if seen.Add(1) != 3 {
				handle(msg)
			}
		}
		return openEngineQueue(ctx, handlers, h)
	}
	if _, err := queueRate(t.Context(), skipping, 10, false); err == nil {
		t.Error("queueRate of a side that skips a handler call succeeded, want an error")
	}
}
