package instream_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/instream/instream"
)

// The concurrent model: goroutines add to, read, group-read, ack and look
// at several streams at once, with multi-stream reads (blocking and not),
// Update batches over two streams, and DEL and RENAME across a second
// family of streams. Run under -race it checks the locking; its
// invariants check that every call stays atomic, that blocked reads are
// neither lost nor doubled, and the final state of the streams that are
// never deleted equals a sequential replay of the adds they returned.

// cmKeys never see DEL or RENAME; cmMoved see only those, adds and looks.
// The blocked reads of cmWide each watch several of them, those of
// cmNarrow one each, so that adds to cmNarrow lock one stream's lock
// only while adds to cmWide must lock them all.
var (
	cmWide   = []string{"k0", "k1", "k2"}
	cmNarrow = []string{"k3", "k4", "k5"}
	cmKeys   = append(slices.Clone(cmWide), cmNarrow...)
	cmMoved  = []string{"x0", "x1", "x2", "x3"}
)

// cmRef names an entry: IDs repeat across streams.
type cmRef struct {
	key string
	id  instream.ID
}

// cmAdd is one add the model knows of: its stream, ID and tag.
type cmAdd struct {
	key string
	id  instream.ID
	tag string
}

type cmRun struct {
	e         *instream.Engine
	mu        sync.Mutex
	adds      []cmAdd             // every successful add to cmKeys
	delivered map[string][]cmAdd  // by consumer, first deliveries
	acked     map[cmRef]bool      // acked entries
	pairs     map[string][2]cmAdd // Update batches: tag -> the two adds
	failures  []string            // invariant violations, reported at the end
	done      atomic.Bool         // the producers have finished
	total     atomic.Int64        // adds to cmKeys, final once done
	got       atomic.Int64        // first deliveries so far
	movedTags sync.Map            // tags added to cmMoved
}

func (r *cmRun) fail(format string, args ...any) {
	r.mu.Lock()
	r.failures = append(r.failures, fmt.Sprintf(format, args...))
	r.mu.Unlock()
}

func (r *cmRun) failed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.failures) > 0
}

func TestEngine_concurrentModel(t *testing.T) {
	for seed := range uint64(3) {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) { runConcurrentModel(t, seed) })
		})
	}
}

func runConcurrentModel(t *testing.T, seed uint64) {
	e := instream.New(instream.Options{NodeMaxEntries: 8})
	defer e.Close()
	r := &cmRun{e: e, delivered: map[string][]cmAdd{}, acked: map[cmRef]bool{}, pairs: map[string][2]cmAdd{}}
	for _, k := range cmKeys {
		if err := e.CreateGroup(k, instream.GroupArgs{Group: "g", MkStream: true}); err != nil {
			t.Fatal(err)
		}
	}
	const producers, perProducer = 4, 400
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	var prod, others sync.WaitGroup
	for p := range producers {
		prod.Go(func() { r.produce(rand.New(rand.NewPCG(seed, uint64(p))), p, perProducer) })
	}
	readerKeys := [][]string{cmWide, cmWide, {"k3"}, {"k4"}, {"k5"}, {"k5"}}
	readers := make([][]cmAdd, len(readerKeys))
	for i, keys := range readerKeys {
		others.Go(func() { readers[i] = r.fanOutReader(ctx, keys) })
	}
	for c := range 4 {
		keys := cmWide
		if c >= 2 {
			keys = cmNarrow
		}
		others.Go(func() { r.consume(ctx, rand.New(rand.NewPCG(seed, 100+uint64(c))), fmt.Sprintf("c%d", c), keys, c < 2) })
	}
	others.Go(func() { r.pairChecker(ctx) })
	for l := range 2 {
		others.Go(func() { r.look(ctx, rand.New(rand.NewPCG(seed, 200+uint64(l)))) })
	}
	prod.Wait()
	r.done.Store(true)
	// The consumers end when every add was delivered; the rest when
	// they have seen everything or are cancelled.
	for r.got.Load() < r.total.Load() && !r.failed() {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(10 * time.Millisecond) // the fan-out readers catch up without time passing
	cancel()
	others.Wait()
	for _, f := range r.failures {
		t.Error(f)
	}
	if t.Failed() {
		return
	}
	if err := instream.Check(e); err != nil {
		t.Fatal(err)
	}
	r.checkFinal(t, readerKeys, readers)
}

// produce adds to random streams: single adds, Update batches over k0 and
// k1, and the DEL/RENAME traffic of cmMoved.
func (r *cmRun) produce(rng *rand.Rand, p, n int) {
	e := r.e
	for i := range n {
		tag := fmt.Sprintf("p%d-%d", p, i)
		switch x := rng.IntN(20); {
		case x < 12:
			k := cmKeys[rng.IntN(len(cmKeys))]
			id, err := e.Add(k, instream.AddArgs{Fields: fields("tag", tag)})
			if err != nil {
				r.fail("Add(%s): %v", k, err)
				continue
			}
			r.record(cmAdd{k, id, tag})
		case x < 15:
			// One batch adds the same tag to k0 and k1: readers see both or
			// neither.
			var a, b instream.ID
			err := e.Update(func(tx *instream.Tx) error {
				var err error
				if a, err = tx.Add("k0", instream.AddArgs{Fields: fields("tag", tag, "pair", "1")}); err != nil {
					return err
				}
				b, err = tx.Add("k1", instream.AddArgs{Fields: fields("tag", tag, "pair", "1")})
				return err
			})
			if err != nil {
				r.fail("Update: %v", err)
				continue
			}
			r.record(cmAdd{"k0", a, tag}, cmAdd{"k1", b, tag})
			r.mu.Lock()
			r.pairs[tag] = [2]cmAdd{{"k0", a, tag}, {"k1", b, tag}}
			r.mu.Unlock()
		case x < 17:
			k := cmMoved[rng.IntN(len(cmMoved))]
			if _, err := e.Add(k, instream.AddArgs{Fields: fields("tag", tag)}); err != nil {
				r.fail("Add(%s): %v", k, err)
			}
			r.movedTags.Store(tag, true)
		case x < 18:
			a, b := cmMoved[rng.IntN(len(cmMoved))], cmMoved[rng.IntN(len(cmMoved))]
			n, err := e.DeleteStreams(a, b)
			if err != nil || n < 0 || n > 2 || a == b && n > 1 {
				r.fail("DeleteStreams(%s, %s) = %d, %v", a, b, n, err)
			}
		default:
			a, b := cmMoved[rng.IntN(len(cmMoved))], cmMoved[rng.IntN(len(cmMoved))]
			nx := rng.IntN(2) == 0
			ok, err := e.Rename(a, b, nx)
			switch {
			case errors.Is(err, instream.ErrNoStream):
			case err != nil:
				r.fail("Rename(%s, %s): %v", a, b, err)
			case !ok && !nx:
				r.fail("Rename(%s, %s) without NX reported false", a, b)
			}
		}
	}
}

func (r *cmRun) record(adds ...cmAdd) {
	r.mu.Lock()
	r.adds = append(r.adds, adds...)
	r.mu.Unlock()
	r.total.Add(int64(len(adds)))
}

// fanOutReader reads keys with one blocking read after another, and
// returns what it saw, in order per stream. In the bubble, a timeout
// fires only when every goroutine waits, the producers included, so a
// read that times out while entries were there lost a wakeup.
func (r *cmRun) fanOutReader(ctx context.Context, keys []string) []cmAdd {
	var seen []cmAdd
	after := map[string]instream.ID{}
	for ctx.Err() == nil {
		args := instream.ReadArgs{}
		for _, k := range keys {
			args.Streams = append(args.Streams, instream.ReadStream{Key: k, After: after[k]})
		}
		rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		res, err := r.e.Read(rctx, args)
		cancel()
		if err != nil {
			if errors.Is(err, context.DeadlineExceeded) {
				if more, _ := r.e.TryRead(args); more != nil {
					r.fail("fan-out reader timed out with entries to read")
				}
				continue
			}
			if ctx.Err() == nil {
				r.fail("Read: %v", err)
			}
			break
		}
		for _, se := range res {
			for _, en := range se.Entries {
				if !after[se.Key].Less(en.ID) {
					r.fail("Read of %s returned %v after %v", se.Key, en.ID, after[se.Key])
				}
				after[se.Key] = en.ID
				tag, _ := en.Get("tag")
				seen = append(seen, cmAdd{se.Key, en.ID, tag})
			}
		}
	}
	return seen
}

// consume reads new entries as a consumer of group g, blocking, on some
// of keys if multi, else on one, and acks about half at once and the
// rest later. A timeout with entries the group has not had is a lost
// wakeup (see fanOutReader).
func (r *cmRun) consume(ctx context.Context, rng *rand.Rand, name string, keys []string, multi bool) {
	var unacked []cmAdd
	for ctx.Err() == nil {
		if r.done.Load() && r.got.Load() >= r.total.Load() {
			break
		}
		args := instream.ReadGroupArgs{Group: "g", Consumer: name, Count: 1 + rng.IntN(5)}
		n := 1
		if multi {
			n += rng.IntN(len(keys))
		}
		for _, i := range rng.Perm(len(keys))[:n] {
			args.Streams = append(args.Streams, instream.GroupStream{Key: keys[i]})
		}
		rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		res, err := r.e.ReadGroup(rctx, args)
		cancel()
		if err != nil {
			if errors.Is(err, context.DeadlineExceeded) {
				if more, _ := r.e.TryRead(instream.ReadArgs{Streams: groupTails(r.e, args)}); more != nil {
					r.fail("consumer %s timed out with entries to read", name)
				}
				continue
			}
			if ctx.Err() == nil {
				r.fail("ReadGroup: %v", err)
			}
			break
		}
		var got []cmAdd
		for _, ge := range res {
			if len(ge.Entries) > args.Count {
				r.fail("ReadGroup of %s with Count %d returned %d", ge.Key, args.Count, len(ge.Entries))
			}
			for _, en := range ge.Entries {
				tag, _ := en.Get("tag")
				got = append(got, cmAdd{ge.Key, en.ID, tag})
			}
		}
		r.mu.Lock()
		r.delivered[name] = append(r.delivered[name], got...)
		r.mu.Unlock()
		r.got.Add(int64(len(got)))
		for _, a := range got {
			if rng.IntN(2) == 0 {
				r.ack(a)
			} else {
				unacked = append(unacked, a)
			}
		}
		if len(unacked) > 8 {
			for _, a := range unacked[:4] {
				r.ack(a)
			}
			unacked = slices.Delete(unacked, 0, 4)
		}
	}
}

// groupTails returns, for the streams of a group read, read positions
// after the group's last delivered ID: what the group has not been given.
func groupTails(e *instream.Engine, args instream.ReadGroupArgs) []instream.ReadStream {
	var rs []instream.ReadStream
	for _, st := range args.Streams {
		g, err := e.Group(st.Key, "g")
		if err == nil {
			rs = append(rs, instream.ReadStream{Key: st.Key, After: g.LastDeliveredID})
		}
	}
	return rs
}

func (r *cmRun) ack(a cmAdd) {
	n, err := r.e.Ack(a.key, "g", a.id)
	if err != nil || n != 1 {
		r.fail("Ack(%s, %v) = %d, %v; want 1", a.key, a.id, n, err)
		return
	}
	r.mu.Lock()
	r.acked[cmRef{a.key, a.id}] = true
	r.mu.Unlock()
}

// pairChecker reads, while the producers run, k0 and k1 in one
// multi-stream read at a time: an
// Update batch's two entries are both there or neither is.
func (r *cmRun) pairChecker(ctx context.Context) {
	var after0, after1 instream.ID
	seen := map[string]int{} // tag -> halves seen
	for ctx.Err() == nil && !r.done.Load() {
		res, err := r.e.TryRead(instream.ReadArgs{Streams: []instream.ReadStream{
			{Key: "k0", After: after0}, {Key: "k1", After: after1}}})
		if err != nil {
			r.fail("TryRead: %v", err)
			return
		}
		for _, se := range res {
			for _, en := range se.Entries {
				if se.Key == "k0" {
					after0 = en.ID
				} else {
					after1 = en.ID
				}
				if _, ok := en.Get("pair"); ok {
					tag, _ := en.Get("tag")
					seen[tag]++
				}
			}
		}
		for tag, n := range seen {
			if n != 2 {
				r.fail("a read of k0 and k1 saw one half of batch %s", tag)
			}
		}
		clear(seen)
		// Narrow streams together too: under -race this checks that a
		// multi-stream read locks each stream it reads.
		narrow := instream.ReadArgs{Count: 1}
		for _, k := range cmNarrow {
			narrow.Streams = append(narrow.Streams, instream.ReadStream{Key: k, New: true})
		}
		if _, err := r.e.TryRead(narrow); err != nil {
			r.fail("TryRead: %v", err)
		}
		time.Sleep(time.Millisecond)
	}
}

// look calls, while the producers run, the readers that only look, checking what each must show:
// lengths of streams that only grow never shrink, ranges are ordered,
// Scan agrees with Range's order, Keys and Exists are consistent.
func (r *cmRun) look(ctx context.Context, rng *rand.Rand) {
	e := r.e
	lens := map[string]int64{}
	for ctx.Err() == nil && !r.done.Load() {
		k := cmKeys[rng.IntN(len(cmKeys))]
		switch rng.IntN(6) {
		case 0:
			n, err := e.Len(k)
			if err != nil || n < lens[k] {
				r.fail("Len(%s) = %d, %v after %d", k, n, err, lens[k])
			}
			lens[k] = n
		case 1:
			ens, err := e.RevRange(k, instream.MaxID, instream.MinID, 20)
			if err != nil || !slices.IsSortedFunc(ens, func(a, b instream.Entry) int { return b.ID.Compare(a.ID) }) {
				r.fail("RevRange(%s): %v, unordered", k, err)
			}
		case 2:
			var last instream.ID
			err := e.Scan(k, instream.MinID, instream.MaxID, func(id instream.ID, _ []instream.Field) bool {
				if !last.Less(id) {
					r.fail("Scan(%s): %v after %v", k, id, last)
				}
				last = id
				return true
			})
			if err != nil {
				r.fail("Scan(%s): %v", k, err)
			}
		case 3:
			info, err := e.Info(k)
			if err != nil || info.Length > info.EntriesAdded {
				r.fail("Info(%s) = %+v, %v", k, info, err)
			}
		case 4:
			if _, err := e.PendingSummary(k, "g"); err != nil {
				r.fail("PendingSummary(%s): %v", k, err)
			}
			if _, err := e.Pending(k, instream.PendingArgs{Group: "g", End: instream.MaxID, Count: 10}); err != nil {
				r.fail("Pending(%s): %v", k, err)
			}
		default:
			keys, err := e.Keys()
			if err != nil {
				r.fail("Keys: %v", err)
			}
			for _, k := range cmKeys {
				if !slices.Contains(keys, k) {
					r.fail("Keys lacks %s", k)
				}
			}
		}
		time.Sleep(100 * time.Microsecond)
	}
}

// checkFinal compares the end state with the model: the streams equal a
// sequential replay of the adds, each entry went to one consumer once,
// the pending lists hold what was not acked, and every fan-out reader
// saw every entry in order.
func (r *cmRun) checkFinal(t *testing.T, readerKeys [][]string, readers [][]cmAdd) {
	e := r.e
	byKey := map[string][]cmAdd{}
	for _, a := range r.adds {
		byKey[a.key] = append(byKey[a.key], a)
	}
	replay := instream.New(instream.Options{NodeMaxEntries: 8})
	defer replay.Close()
	for _, k := range cmKeys {
		adds := byKey[k]
		slices.SortFunc(adds, func(a, b cmAdd) int { return a.id.Compare(b.id) })
		for _, a := range adds {
			fs := fields("tag", a.tag)
			if _, ok := r.pairs[a.tag]; ok {
				fs = fields("tag", a.tag, "pair", "1")
			}
			if _, err := replay.Add(k, instream.AddArgs{ID: a.id, Fields: fs}); err != nil {
				t.Fatalf("replay Add(%s, %v): %v", k, a.id, err)
			}
		}
		got, _ := e.Range(k, instream.MinID, instream.MaxID, 0)
		want, _ := replay.Range(k, instream.MinID, instream.MaxID, 0)
		if !slices.EqualFunc(got, want, entryEqual) {
			t.Errorf("%s: %d entries, replay has %d, or they differ", k, len(got), len(want))
		}
		gi, _ := e.Info(k)
		wi, _ := replay.Info(k)
		if gi.Length != wi.Length || gi.LastGeneratedID != wi.LastGeneratedID || gi.EntriesAdded != wi.EntriesAdded {
			t.Errorf("%s: info %+v, replay %+v", k, gi, wi)
		}
		g, _ := e.Group(k, "g")
		if last := adds[len(adds)-1].id; g.LastDeliveredID != last || g.EntriesRead != int64(len(adds)) {
			t.Errorf("%s: group at %v read %d, want %v and %d", k, g.LastDeliveredID, g.EntriesRead, last, len(adds))
		}
	}
	// Each entry delivered once, to one consumer; pending = not acked.
	owner := map[cmRef]string{}
	for c, ds := range r.delivered {
		for _, d := range ds {
			ref := cmRef{d.key, d.id}
			if o, ok := owner[ref]; ok {
				t.Errorf("%s %s delivered to %s and %s", d.key, d.id, o, c)
			}
			owner[ref] = c
		}
	}
	if len(owner) != len(r.adds) {
		t.Errorf("%d entries delivered, %d added", len(owner), len(r.adds))
	}
	for _, k := range cmKeys {
		pend, _ := e.Pending(k, instream.PendingArgs{Group: "g", End: instream.MaxID, Count: 1 << 20})
		want := 0
		for _, a := range byKey[k] {
			if !r.acked[cmRef{k, a.id}] {
				want++
			}
		}
		if len(pend) != want {
			t.Errorf("%s: %d pending, want %d", k, len(pend), want)
		}
		for _, p := range pend {
			ref := cmRef{k, p.ID}
			if r.acked[ref] || owner[ref] != p.Consumer || p.Deliveries != 1 {
				t.Errorf("%s: pending %+v, owner %q, acked %v", k, p, owner[ref], r.acked[ref])
			}
		}
	}
	for i, seen := range readers {
		got := map[string][]instream.ID{}
		for _, s := range seen {
			got[s.key] = append(got[s.key], s.id)
		}
		for _, k := range readerKeys[i] {
			var want []instream.ID
			for _, a := range byKey[k] {
				want = append(want, a.id)
			}
			if !slices.Equal(got[k], want) {
				t.Errorf("fan-out reader %d saw %d entries of %s, want all %d in order", i, len(got[k]), k, len(want))
			}
		}
	}
	// cmMoved: DEL and RENAME never duplicate an entry.
	tags := map[string]string{}
	for _, k := range cmMoved {
		ens, _ := e.Range(k, instream.MinID, instream.MaxID, 0)
		for _, en := range ens {
			tag, _ := en.Get("tag")
			if _, ok := r.movedTags.Load(tag); !ok {
				t.Errorf("%s holds %s, which no one added there", k, tag)
			}
			if o, ok := tags[tag]; ok {
				t.Errorf("%s is in %s and %s", tag, o, k)
			}
			tags[tag] = k
		}
	}
}

func entryEqual(a, b instream.Entry) bool {
	return a.ID == b.ID && slices.Equal(a.Fields, b.Fields)
}
