package queue_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/instream/instream"
	"github.com/instream/instream/queue"
)

var chaosSeed = flag.Uint64("chaos.seed", 0, "seed of TestChaos (0: a fixed set of seeds)")

// TestChaos runs pools on one queue under random handler errors, panics,
// refusals, slow handlers, killed pools and clock jumps, on a
// ManualClock, and checks that
//   - every message ends acknowledged after a handler returned nil for
//     it, or in the dead-letter stream once, with its delivery count;
//   - a message is handed to a second handler while a first one holds it
//     (running, or returned nil) only if the first one's lease really
//     expired: its pool was killed or the clock jumped past AckWait;
//   - no goroutine is left (the synctest bubble ends).
func TestChaos(t *testing.T) {
	seeds := []uint64{1, 2, 3, 4, 5}
	if *chaosSeed != 0 {
		seeds = []uint64{*chaosSeed}
	}
	for _, seed := range seeds {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) { chaos(t, seed) })
		})
	}
}

const (
	chaosMessages   = 200
	chaosAckWait    = 3 * time.Second
	chaosMaxDeliver = 4
)

// invocation is one handler call as the checker sees it.
type invocation struct {
	pool     int
	epoch    int // clock jumps before its delivery
	delivery int64
	running  bool
	ok       bool // returned nil
}

// readKey is one delivery to one pool: the epoch of its read must be
// that of the read which handed over this delivery, not the pool's
// latest read of the message, which may come (after its lease expired)
// while the handler of the earlier delivery starts.
type readKey struct {
	pool     int
	id       instream.ID
	delivery int64
}

type chaosState struct {
	t     *testing.T
	mu    sync.Mutex
	rng   *rand.Rand
	clock *instream.ManualClock
	epoch int          // clock jumps past AckWait so far
	dead  map[int]bool // killed pools
	last  map[instream.ID]*invocation
	okIDs map[instream.ID]bool
	seen  map[instream.ID]map[int64]bool // the Delivery numbers handed to handlers
	read  map[readKey]int                // the epoch of the read of each delivery to each pool
	errs  []string
}

func (c *chaosState) begin(pool int, m queue.Message) *invocation {
	c.mu.Lock()
	defer c.mu.Unlock()
	// Two holders are fine if a jump came after either one's read: that
	// one's lease may have expired (a pool can start a message it lost
	// before its next renewal tells it so).
	read := c.read[readKey{pool, m.ID, m.Delivery}]
	// A killed pool's handlers run on in this simulation (a dead process
	// runs none), so their deliveries may overlap any other.
	if prev := c.last[m.ID]; prev != nil && (prev.running || prev.ok) && !c.dead[prev.pool] && !c.dead[pool] &&
		prev.epoch == c.epoch && read == c.epoch {
		c.errs = append(c.errs, fmt.Sprintf("%v handed to pool %d (delivery %d, read in epoch %d) while pool %d holds it (delivery %d, read in epoch %d, running %v, ok %v) and its lease is live",
			m.ID, pool, m.Delivery, read, prev.pool, prev.delivery, prev.epoch, prev.running, prev.ok))
	}
	inv := &invocation{pool: pool, epoch: read, running: true, delivery: m.Delivery}
	c.last[m.ID] = inv
	if c.seen[m.ID] == nil {
		c.seen[m.ID] = map[int64]bool{}
	}
	c.seen[m.ID][m.Delivery] = true
	return inv
}

func (c *chaosState) end(inv *invocation, id instream.ID, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	inv.running = false
	inv.ok = err == nil
	if err == nil {
		c.okIDs[id] = true
	}
}

func (c *chaosState) roll() float64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.rng.Float64()
}

// handler returns pool's handler: it works for up to 8 s of clock time,
// then succeeds, fails, panics or refuses the message.
func (c *chaosState) handler(pool int) queue.Handler {
	return func(ctx context.Context, m queue.Message) (err error) {
		inv := c.begin(pool, m)
		defer func() {
			if r := recover(); r != nil {
				c.end(inv, m.ID, fmt.Errorf("panic: %v", r))
				panic(r)
			}
			c.end(inv, m.ID, err)
		}()
		if work := time.Duration(c.roll() * float64(8*time.Second)); c.roll() < 0.3 {
			done := make(chan struct{})
			tm := c.clock.AfterFunc(work, func() { close(done) })
			defer tm.Stop()
			select {
			case <-done:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		switch r := c.roll(); {
		case r < 0.55:
			return nil
		case r < 0.75:
			return errors.New("transient")
		case r < 0.8:
			return queue.RetryAfter(10*time.Second, errors.New("later"))
		case r < 0.9:
			panic("handler bug")
		default:
			return fmt.Errorf("refused: %w", queue.ErrSkipRetry)
		}
	}
}

func chaos(t *testing.T, seed uint64) {
	clock := instream.NewManualClock(time.UnixMilli(1_700_000_000_000))
	e := instream.New(instream.Options{Clock: clock})
	defer e.Close()
	c := &chaosState{t: t, rng: rand.New(rand.NewPCG(seed, 0)), clock: clock,
		dead: map[int]bool{}, last: map[instream.ID]*invocation{}, okIDs: map[instream.ID]bool{}, seen: map[instream.ID]map[int64]bool{},
		read: map[readKey]int{}}
	opts := queue.Options{
		Stream: "jobs", Group: "workers", Concurrency: 3, MaxInFlight: 5,
		AckWait: chaosAckWait, MaxDeliver: chaosMaxDeliver, ShutdownTimeout: 2 * time.Second,
		BackOff: []time.Duration{100 * time.Millisecond, 500 * time.Millisecond, 5 * time.Second},
		Clock:   clock,
	}
	type running struct {
		k    *killable
		stop context.CancelFunc
		done chan error
	}
	var pools []*running
	startPool := func() {
		id := len(pools)
		k := newKillable(e)
		k.onRead = func(res []instream.GroupEntries) {
			c.mu.Lock()
			defer c.mu.Unlock()
			for _, st := range res {
				for _, en := range st.Entries {
					c.read[readKey{id, en.ID, min(en.Deliveries, math.MaxInt64-1) + 1}] = c.epoch
				}
			}
		}
		q, err := queue.New(k, opts)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		r := &running{k: k, stop: cancel, done: make(chan error, 1)}
		go func() { r.done <- q.Run(ctx, c.handler(id)) }()
		pools = append(pools, r)
	}
	for range 3 {
		startPool()
	}
	pub, err := queue.New(e, opts)
	if err != nil {
		t.Fatal(err)
	}
	var ids []instream.ID
	for i := range chaosMessages {
		id, err := pub.Publish(queue.PublishArgs{Fields: []instream.Field{{Name: "n", Value: fmt.Sprint(i)}}})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}

	settled := func() bool {
		gi, err := e.Group("jobs", "workers")
		if err != nil {
			t.Fatal(err)
		}
		return gi.Pending == 0 && gi.Lag == 0
	}
	kills, jumps := 0, 0
	for step := 0; ; step++ {
		synctest.Wait()
		if settled() {
			break
		}
		if step > 20_000 {
			t.Fatalf("not settled after %d steps", step)
		}
		switch r := c.roll(); {
		case r < 0.01 && kills < 4:
			live := []int{}
			for i := range pools {
				if !c.dead[i] {
					live = append(live, i)
				}
			}
			i := live[int(c.roll()*float64(len(live)))]
			c.mu.Lock()
			c.dead[i] = true
			c.mu.Unlock()
			pools[i].k.kill()
			kills++
			startPool()
		case r < 0.02:
			c.mu.Lock()
			c.epoch++
			c.mu.Unlock()
			jumps++
			clock.Advance(chaosAckWait + time.Second)
		case r < 0.03:
			clock.Advance(-500 * time.Millisecond)
		default:
			clock.Advance(100 * time.Millisecond)
		}
	}
	// Stop the live pools; killed ones stop on their own as the clock runs.
	for i, p := range pools {
		if !c.dead[i] {
			p.stop()
		}
	}
	for i, p := range pools {
		for {
			synctest.Wait()
			select {
			case err := <-p.done:
				if c.dead[i] != errors.Is(err, errKilled) {
					t.Errorf("pool %d (killed %v): Run = %v", i, c.dead[i], err)
				} else if !c.dead[i] && err != nil && !errors.Is(err, queue.ErrShutdownTimeout) {
					t.Errorf("pool %d: Run = %v", i, err)
				}
			default:
				clock.Advance(100 * time.Millisecond)
				continue
			}
			break
		}
	}

	for _, msg := range c.errs {
		t.Error(msg)
	}
	dead, err := e.Range("jobs:dead", instream.MinID, instream.MaxID, 0)
	if err != nil {
		t.Fatal(err)
	}
	inDLQ := map[instream.ID]queue.DeadLetter{}
	for _, en := range dead {
		dl, ok := queue.ParseDeadLetter(en)
		if !ok {
			t.Fatalf("dead-letter entry %v does not parse", en)
		}
		if _, dup := inDLQ[dl.ID]; dup {
			t.Errorf("%v is in the dead-letter stream twice", dl.ID)
		}
		inDLQ[dl.ID] = dl
	}
	var acked, dls int
	for _, id := range ids {
		dl, isDead := inDLQ[id]
		switch {
		case isDead:
			dls++
			// The count is that of the delivery whose failure moved it:
			// one a handler saw, or, for a message whose last lease
			// expired, MaxDeliver or more: a clock jump while a move
			// is under way lets another read take the message over,
			// so that the move finds the delivery gone and does
			// nothing, and that read moves it with its own count.
			expired := dl.Error == queue.ErrLeaseExpired.Error()
			if !c.seen[id][dl.Deliveries] && !(expired && dl.Deliveries >= chaosMaxDeliver) {
				t.Errorf("%v dead-lettered with %d deliveries (%s); handlers saw %v", id, dl.Deliveries, dl.Error, c.seen[id])
			}
		case c.okIDs[id]:
			acked++
		default:
			t.Errorf("%v is neither acknowledged after success nor dead-lettered", id)
		}
	}
	if len(inDLQ) != dls {
		t.Errorf("dead-letter stream holds %d entries, %d of them published messages", len(inDLQ), dls)
	}
	t.Logf("seed %d: %d acknowledged, %d dead-lettered, %d pools killed, %d clock jumps", seed, acked, dls, kills, jumps)
}
