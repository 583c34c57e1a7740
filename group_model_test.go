package instream_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/instream/instream"
)

// The model keeps one stream's groups in plain maps and slices. Random
// operations go to both the engine and the model; after each step their
// results and states must agree, and Check must pass.

type mPending struct {
	owner     string
	delivered int64
	count     int64
	nacked    bool  // handed back by Nack: owner "", no delivery time
	nackSeq   int64 // the NACK zone's order
}

// at is the delivery time idle tests see: 0 for a nacked record.
func (p *mPending) at() int64 {
	if p.nacked {
		return 0
	}
	return p.delivered
}

func incCount(n int64) int64 {
	if n == math.MaxInt64 {
		return n
	}
	return n + 1
}

type mConsumer struct{ seen, active int64 }

type mGroup struct {
	last      instream.ID
	pel       map[instream.ID]*mPending
	consumers map[string]*mConsumer
	nackSeq   int64
}

func (g *mGroup) nacked() int64 {
	var n int64
	for _, p := range g.pel {
		if p.nacked {
			n++
		}
	}
	return n
}

type model struct {
	live   map[instream.ID]bool
	lastID instream.ID
	exists bool
	groups map[string]*mGroup
	now    int64
}

func (m *model) liveIDs() []instream.ID {
	var ids []instream.ID
	for id := range m.live {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, instream.ID.Compare)
	return ids
}

// referenced reports whether a group holds id as pending or has not been
// handed it yet (spec §8.1).
func (m *model) referenced(id instream.ID) bool {
	for _, g := range m.groups {
		if g.last.Less(id) || g.pel[id] != nil {
			return true
		}
	}
	return false
}

func (g *mGroup) pelIDs(owner string, all bool) []instream.ID {
	var ids []instream.ID
	for id, p := range g.pel {
		if all || p.owner == owner {
			ids = append(ids, id)
		}
	}
	slices.SortFunc(ids, instream.ID.Compare)
	return ids
}

func (g *mGroup) consumer(name string, now int64) *mConsumer {
	c := g.consumers[name]
	if c == nil {
		c = &mConsumer{seen: now, active: -1}
		g.consumers[name] = c
	}
	return c
}

func (m *model) group(name string) (*mGroup, error) {
	if !m.exists || m.groups[name] == nil {
		return nil, instream.ErrNoGroup
	}
	return m.groups[name], nil
}

// outcome is what the engine and the model must agree on after a step.
type outcome struct {
	Result any
	Err    error
}

func errKind(err error) error {
	for _, k := range []error{instream.ErrNoGroup, instream.ErrNoStream, instream.ErrGroupExists, instream.ErrInvalidArgument} {
		if errors.Is(err, k) {
			return k
		}
	}
	return err
}

// groupIDs renders group entries compactly: "s:1-0,2-0!" (! for deleted).
func groupIDs(res []instream.GroupEntries) []string {
	if res == nil {
		return nil
	}
	out := []string{}
	for _, ge := range res {
		s := ge.Key + ":"
		for _, en := range ge.Entries {
			s += en.ID.String()
			if en.Deleted {
				s += "!"
			}
			s += ","
		}
		out = append(out, s)
	}
	return out
}

func groupEntryIDs(ens []instream.GroupEntry) []instream.ID {
	ids := []instream.ID{}
	for _, en := range ens {
		ids = append(ids, en.ID)
	}
	return ids
}

func TestGroupModel(t *testing.T) {
	seeds := 40
	steps := 400
	if testing.Short() {
		seeds = 5
	}
	for seed := range seeds {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			runModel(t, uint64(seed), steps)
		})
	}
}

// FuzzGroupModel runs the model test with operations chosen by the
// fuzzer's bytes, so that coverage guides which sequences are tried.
func FuzzGroupModel(f *testing.F) {
	f.Add([]byte("seed"))
	f.Add(bytes.Repeat([]byte{0, 3, 7, 11, 13, 17, 255}, 40))
	f.Fuzz(func(t *testing.T, data []byte) {
		runModelWith(t, rand.New(&byteSource{data: data}), 300)
	})
}

// byteSource is a rand.Source that yields the fuzzer's bytes and then a
// fixed PCG stream: a source stuck at zero would make rand's rejection
// sampling loop for ever.
type byteSource struct {
	data []byte
	rest rand.PCG
}

func (b *byteSource) Uint64() uint64 {
	if len(b.data) == 0 {
		return b.rest.Uint64()
	}
	var buf [8]byte
	n := copy(buf[:], b.data)
	b.data = b.data[n:]
	return binary.LittleEndian.Uint64(buf[:])
}

func runModel(t *testing.T, seed uint64, steps int) {
	runModelWith(t, rand.New(rand.NewPCG(seed, 1)), steps)
}

func runModelWith(t *testing.T, r *rand.Rand, steps int) {
	e, clk := newClockEngine(t)
	m := &model{live: map[instream.ID]bool{}, groups: map[string]*mGroup{}, now: t0.UnixMilli()}
	groupNames := []string{"g1", "g2"}
	consumers := []string{"a", "b", "c"}
	pick := func(xs []string) string { return xs[r.IntN(len(xs))] }
	// randID returns an ID near the stream's range, live or not.
	randID := func() instream.ID {
		return instream.ID{Ms: uint64(r.IntN(int(m.lastID.Ms) + 3)), Seq: uint64(r.IntN(2))}
	}
	for step := range steps {
		var name string
		var got, want outcome
		switch op := r.IntN(20); op {
		case 0, 1, 2: // add
			name = "add"
			nid := instream.ID{Ms: m.lastID.Ms + 1 + uint64(r.IntN(2))}
			id, err := e.Add("s", instream.AddArgs{ID: nid, Fields: fields("f", nid.String())})
			got = outcome{id, err}
			m.live[nid], m.lastID, m.exists = true, nid, true
			want = outcome{nid, nil}
		case 3: // delete
			id := randID()
			name = "delete " + id.String()
			n, err := e.DeleteEntries("s", id)
			got = outcome{n, err}
			var wn int64
			if m.live[id] {
				delete(m.live, id)
				wn = 1
			}
			want = outcome{wn, nil}
		case 4: // create group
			g := pick(groupNames)
			fromEnd := r.IntN(2) == 0
			mk := r.IntN(2) == 0
			name = fmt.Sprintf("create group %s fromEnd=%v mkstream=%v", g, fromEnd, mk)
			got = outcome{nil, e.CreateGroup("s", instream.GroupArgs{Group: g, FromEnd: fromEnd, MkStream: mk})}
			switch {
			case !m.exists && !mk:
				want.Err = instream.ErrNoStream
			case m.exists && m.groups[g] != nil:
				want.Err = instream.ErrGroupExists
			default:
				m.exists = true
				last := instream.ID{}
				if fromEnd {
					last = m.lastID
				}
				m.groups[g] = &mGroup{last: last, pel: map[instream.ID]*mPending{}, consumers: map[string]*mConsumer{}}
			}
		case 5: // destroy group
			g := pick(groupNames)
			name = "destroy " + g
			ok, err := e.DestroyGroup("s", g)
			got = outcome{ok, err}
			if !m.exists {
				want = outcome{false, instream.ErrNoStream}
			} else {
				want = outcome{m.groups[g] != nil, nil}
				delete(m.groups, g)
			}
		case 6, 7: // read new
			args := instream.ReadGroupArgs{Group: pick(groupNames), Consumer: pick(consumers),
				Count: r.IntN(4), NoAck: r.IntN(5) == 0, Streams: []instream.GroupStream{{Key: "s"}},
				MaxCount: r.IntN(3)}
			name = fmt.Sprintf("read new %+v", args)
			limit := args.Count
			if args.MaxCount > 0 && (limit == 0 || args.MaxCount < limit) {
				limit = args.MaxCount
			}
			res, err := e.TryReadGroup(args)
			got = outcome{groupIDs(res), err}
			g, err := m.group(args.Group)
			if err != nil {
				want.Err = err
				break
			}
			c := g.consumer(args.Consumer, m.now)
			c.seen = m.now
			var ens []instream.GroupEntry
			for _, id := range m.liveIDs() {
				if !g.last.Less(id) || (limit > 0 && len(ens) == limit) {
					continue
				}
				g.last = id
				if !args.NoAck {
					g.pel[id] = &mPending{owner: args.Consumer, delivered: m.now, count: 1}
					c.active = m.now
				}
				ens = append(ens, instream.GroupEntry{Entry: instream.Entry{ID: id}})
			}
			if ens != nil {
				want.Result = groupIDs([]instream.GroupEntries{{Key: "s", Entries: ens}})
			} else {
				want.Result = []string(nil)
			}
		case 8: // read history
			after := instream.ID{}
			if r.IntN(2) == 0 {
				after = randID()
			}
			args := instream.ReadGroupArgs{Group: pick(groupNames), Consumer: pick(consumers), Count: r.IntN(3),
				Streams: []instream.GroupStream{{Key: "s", History: true, After: after}}}
			name = fmt.Sprintf("read history %+v", args)
			res, err := e.TryReadGroup(args)
			got = outcome{groupIDs(res), err}
			g, err := m.group(args.Group)
			if err != nil {
				want.Err = err
				break
			}
			c := g.consumer(args.Consumer, m.now)
			c.seen = m.now
			ens := []instream.GroupEntry{}
			for _, id := range g.pelIDs(args.Consumer, false) {
				if !after.Less(id) || (args.Count > 0 && len(ens) == args.Count) {
					continue
				}
				if m.live[id] {
					g.pel[id].count = incCount(g.pel[id].count)
					g.pel[id].delivered = m.now
				}
				ens = append(ens, instream.GroupEntry{Entry: instream.Entry{ID: id}, Deleted: !m.live[id]})
			}
			want.Result = groupIDs([]instream.GroupEntries{{Key: "s", Entries: ens}})
		case 9: // ack
			g := pick(groupNames)
			ids := []instream.ID{randID(), randID()}
			name = fmt.Sprintf("ack %s %v", g, ids)
			n, err := e.Ack("s", g, ids...)
			got = outcome{n, err}
			var wn int64
			mg, err := m.group(g)
			if err == nil {
				for _, id := range ids {
					if mg.pel[id] != nil {
						delete(mg.pel, id)
						wn++
					}
				}
			}
			want = outcome{wn, err}
		case 10: // claim
			args := instream.ClaimArgs{Group: pick(groupNames), Consumer: pick(consumers),
				MinIdle: time.Duration(r.IntN(3)*50) * time.Millisecond,
				IDs:     []instream.ID{randID(), randID()}, Force: r.IntN(4) == 0, JustID: r.IntN(2) == 0}
			if r.IntN(4) == 0 {
				args.Idle = time.Duration(r.IntN(200)) * time.Millisecond
			}
			if r.IntN(4) == 0 {
				n := int64(r.IntN(5) - 1)
				args.RetryCount = &n
			}
			if r.IntN(4) == 0 {
				args.LastID = randID()
			}
			name = fmt.Sprintf("claim %+v", args)
			ens, err := e.Claim("s", args)
			got = outcome{groupEntryIDs(ens), err}
			if args.RetryCount != nil && *args.RetryCount < 0 {
				want.Err = instream.ErrInvalidArgument
				break
			}
			g, err := m.group(args.Group)
			if err != nil {
				want.Err = err
				break
			}
			if g.last.Less(args.LastID) {
				g.last = args.LastID
			}
			when := m.now - args.Idle.Milliseconds()
			c := g.consumer(args.Consumer, m.now)
			c.seen = m.now
			ids := []instream.ID{}
			for _, id := range args.IDs {
				p := g.pel[id]
				if !m.live[id] {
					delete(g.pel, id)
					continue
				}
				if p == nil {
					if !args.Force {
						continue
					}
					p = &mPending{delivered: m.now, count: 1}
					g.pel[id] = p
				} else if args.MinIdle > 0 && m.now-p.at() < args.MinIdle.Milliseconds() {
					continue
				}
				p.owner, p.delivered, p.nacked = args.Consumer, when, false
				if args.RetryCount != nil && *args.RetryCount >= 0 {
					p.count = *args.RetryCount
				} else if !args.JustID {
					p.count = incCount(p.count)
				}
				c.active = m.now
				ids = append(ids, id)
			}
			want.Result = ids
		case 11: // auto claim
			args := instream.AutoClaimArgs{Group: pick(groupNames), Consumer: pick(consumers),
				MinIdle: time.Duration(r.IntN(3)*50) * time.Millisecond, Count: r.IntN(3), JustID: r.IntN(2) == 0}
			if r.IntN(2) == 0 {
				args.Start = randID()
			}
			name = fmt.Sprintf("auto claim %+v", args)
			res, err := e.AutoClaim("s", args)
			got = outcome{[]any{res.Next, groupEntryIDs(res.Claimed), res.Deleted}, err}
			g, err := m.group(args.Group)
			if err != nil {
				want.Err = err
				break
			}
			count := args.Count
			if count == 0 {
				count = 1 << 40 // no limit
			}
			attempts := 10 * count
			c := g.consumer(args.Consumer, m.now)
			c.seen = m.now
			var scan []instream.ID
			for _, id := range g.pelIDs("", true) {
				if !id.Less(args.Start) {
					scan = append(scan, id)
				}
			}
			claimed, deleted := []instream.ID{}, []instream.ID{}
			i := 0
			for ; i < len(scan) && attempts > 0 && count > 0; i++ {
				attempts--
				id := scan[i]
				p := g.pel[id]
				if !m.live[id] {
					delete(g.pel, id)
					deleted = append(deleted, id)
					count--
					continue
				}
				if args.MinIdle > 0 && m.now-p.at() < args.MinIdle.Milliseconds() {
					continue
				}
				p.owner, p.delivered, p.nacked = args.Consumer, m.now, false
				if !args.JustID {
					p.count = incCount(p.count)
				}
				c.active = m.now
				claimed = append(claimed, id)
				count--
			}
			next := instream.ID{}
			if i < len(scan) {
				next = scan[i]
			}
			want.Result = []any{next, claimed, deleted}
		case 12: // delete consumer
			g, cn := pick(groupNames), pick(consumers)
			name = fmt.Sprintf("delete consumer %s/%q", g, cn)
			n, err := e.DeleteConsumer("s", instream.ConsumerArgs{Group: g, Consumer: cn})
			got = outcome{n, err}
			mg, err := m.group(g)
			if !m.exists {
				err = instream.ErrNoStream
			}
			var wn int64
			if err == nil && mg.consumers[cn] != nil {
				for _, id := range mg.pelIDs(cn, false) {
					delete(mg.pel, id)
					wn++
				}
				delete(mg.consumers, cn)
			}
			want = outcome{wn, err}
		case 13: // set group ID
			g, to := pick(groupNames), randID()
			name = fmt.Sprintf("set id %s %v", g, to)
			got = outcome{nil, e.SetGroupID("s", instream.GroupArgs{Group: g, ID: to})}
			mg, err := m.group(g)
			if !m.exists {
				err = instream.ErrNoStream
			}
			if err == nil {
				mg.last = to
			}
			want.Err = err
		case 14: // advance the clock
			d := r.IntN(120)
			name = fmt.Sprintf("clock +%dms", d)
			clk.Advance(time.Duration(d) * time.Millisecond)
			m.now += int64(d)
		case 15: // trim
			n := int64(r.IntN(6))
			refs := instream.RefPolicy(r.IntN(3))
			name = fmt.Sprintf("trim maxlen %d refs %d", n, refs)
			removed, err := e.Trim("s", instream.TrimArgs{Strategy: instream.TrimMaxLen, MaxLen: n, Refs: refs})
			got = outcome{removed, err}
			ids := m.liveIDs()
			var wn int64
			for _, id := range ids {
				if int64(len(ids))-wn <= n {
					break
				}
				if refs == instream.Acked && m.referenced(id) {
					continue
				}
				delete(m.live, id)
				wn++
				if refs == instream.DelRef {
					for _, g := range m.groups {
						delete(g.pel, id)
					}
				}
			}
			want = outcome{wn, nil}
		case 18, 19: // nack (8.8)
			args := instream.NackArgs{Group: pick(groupNames), Mode: instream.NackMode(r.IntN(3)),
				IDs: []instream.ID{randID(), randID()}, Force: r.IntN(3) == 0}
			if r.IntN(4) == 0 {
				args.IDs = append(args.IDs, args.IDs[0])
			}
			if r.IntN(4) == 0 {
				n := int64(r.IntN(4))
				args.RetryCount = &n
			}
			name = fmt.Sprintf("nack %+v", args)
			n, err := e.Nack("s", args)
			got = outcome{n, err}
			wn, werr := m.nack(args)
			want = outcome{wn, werr}
		case 16: // claim read (8.4)
			args := instream.ReadGroupArgs{Group: pick(groupNames), Consumer: pick(consumers),
				Count: r.IntN(4), NoAck: r.IntN(5) == 0, Streams: []instream.GroupStream{{Key: "s"}},
				Claim: true, MinIdle: time.Duration(r.IntN(150)) * time.Millisecond, MaxCount: r.IntN(3)}
			name = fmt.Sprintf("claim read %+v", args)
			res, err := e.TryReadGroup(args)
			got = outcome{claimIDs(res), err}
			want = outcome{m.claimRead(args), nil}
			if _, gerr := m.group(args.Group); gerr != nil {
				want = outcome{nil, gerr}
			}
		case 17: // XDELEX / XACKDEL (8.2)
			refs := instream.RefPolicy(r.IntN(3))
			ids := []instream.ID{randID(), randID()}
			ack := r.IntN(2) == 0
			g := pick(groupNames)
			var res []instream.DeleteResult
			var err error
			if ack {
				name = fmt.Sprintf("ack delete %s refs %d %v", g, refs, ids)
				res, err = e.AckDelete("s", g, refs, ids...)
			} else {
				name = fmt.Sprintf("delete ex refs %d %v", refs, ids)
				res, err = e.DeleteEntriesEx("s", refs, ids...)
			}
			got = outcome{res, err}
			want = outcome{m.deleteEx(g, ack, refs, ids), nil}
			if _, gerr := m.group(g); ack && gerr != nil {
				want = outcome{nil, gerr}
			}
		}
		got.Err, want.Err = errKind(got.Err), errKind(want.Err)
		if got.Err != nil {
			// Results beside an error are not part of the contract.
			got.Result = nil
		}
		if want.Err != nil {
			want.Result = nil
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("step %d, %s:\n got %+v\nwant %+v", step, name, got, want)
		}
		if err := instream.Check(e); err != nil {
			t.Fatalf("step %d, %s: Check: %v", step, name, err)
		}
		compareModel(t, e, m, fmt.Sprintf("step %d, %s", step, name))
	}
}

// compareModel compares every group's state with the model.
func compareModel(t *testing.T, e *instream.Engine, m *model, where string) {
	t.Helper()
	if !m.exists {
		return
	}
	infos, err := e.Groups("s")
	if err != nil {
		t.Fatalf("%s: Groups: %v", where, err)
	}
	var names []string
	for n := range m.groups {
		names = append(names, n)
	}
	slices.Sort(names)
	if len(infos) != len(names) {
		t.Fatalf("%s: %d groups, model %d", where, len(infos), len(names))
	}
	for i, gi := range infos {
		g := m.groups[names[i]]
		if gi.Name != names[i] || gi.LastDeliveredID != g.last || gi.Pending != int64(len(g.pel)) ||
			gi.Consumers != int64(len(g.consumers)) || gi.Nacked != g.nacked() {
			t.Fatalf("%s: group %+v, model %s last %v pending %d consumers %d",
				where, gi, names[i], g.last, len(g.pel), len(g.consumers))
		}
		list, err := e.Pending("s", instream.PendingArgs{Group: gi.Name, End: instream.MaxID, Count: 1 << 30})
		if err != nil {
			t.Fatalf("%s: Pending: %v", where, err)
		}
		want := []instream.PendingEntry{}
		for _, id := range g.pelIDs("", true) {
			p := g.pel[id]
			if p.nacked {
				want = append(want, instream.PendingEntry{ID: id, Deliveries: p.count, Nacked: true})
				continue
			}
			want = append(want, instream.PendingEntry{ID: id, Consumer: p.owner,
				Idle: time.Duration(max(m.now-p.delivered, 0)) * time.Millisecond, Deliveries: p.count})
		}
		if !reflect.DeepEqual(list, want) {
			t.Fatalf("%s: group %s pending\n got %+v\nwant %+v", where, gi.Name, list, want)
		}
		cs, err := e.Consumers("s", gi.Name)
		if err != nil {
			t.Fatalf("%s: Consumers: %v", where, err)
		}
		var cnames []string
		for n := range g.consumers {
			cnames = append(cnames, n)
		}
		slices.Sort(cnames)
		if len(cs) != len(cnames) {
			t.Fatalf("%s: group %s has %d consumers, model %d", where, gi.Name, len(cs), len(cnames))
		}
		for j, ci := range cs {
			mc := g.consumers[cnames[j]]
			inactive := time.Duration(-1)
			if mc.active >= 0 {
				inactive = time.Duration(m.now-mc.active) * time.Millisecond
			}
			if ci.Name != cnames[j] || ci.Pending != int64(len(g.pelIDs(ci.Name, false))) ||
				ci.Idle != time.Duration(m.now-mc.seen)*time.Millisecond || ci.Inactive != inactive {
				t.Fatalf("%s: group %s consumer %+v, model %q %+v", where, gi.Name, ci, cnames[j], *mc)
			}
		}
	}
}

// claimIDs renders a claim read as "s:id/idle/count,...".
func claimIDs(res []instream.GroupEntries) []string {
	if res == nil {
		return nil
	}
	out := []string{}
	for _, ge := range res {
		s := ge.Key + ":"
		for _, en := range ge.Entries {
			s += fmt.Sprintf("%v/%v/%d", en.ID, en.Idle, en.Deliveries)
			if en.Nacked {
				s += "/nacked"
			}
			s += ","
		}
		out = append(out, s)
	}
	return out
}

// claimRead is the model of a one-stream CLAIM read (spec §8.4 and the
// engine's choices: deleted pending entries are dropped, COUNT is per
// stream).
func (m *model) claimRead(args instream.ReadGroupArgs) []string {
	g, err := m.group(args.Group)
	if err != nil {
		return nil
	}
	c := g.consumer(args.Consumer, m.now)
	c.seen = m.now
	minIdle := args.MinIdle.Milliseconds()
	limit := args.Count
	if args.MaxCount > 0 && (limit == 0 || args.MaxCount < limit) {
		limit = args.MaxCount
	}
	var due []instream.ID
	for id, p := range g.pel {
		if m.now-p.at() >= minIdle {
			due = append(due, id)
		}
	}
	// The NACK zone first, in the order of the nacks; then the oldest
	// deliveries.
	slices.SortFunc(due, func(a, b instream.ID) int {
		pa, pb := g.pel[a], g.pel[b]
		switch {
		case pa.nacked != pb.nacked:
			if pa.nacked {
				return -1
			}
			return 1
		case pa.nacked:
			return int(pa.nackSeq - pb.nackSeq)
		case pa.delivered != pb.delivered:
			return int(pa.delivered - pb.delivered)
		}
		return a.Compare(b)
	})
	s := "s:"
	n := 0
	for _, id := range due {
		if limit > 0 && n == limit {
			break
		}
		p := g.pel[id]
		if !m.live[id] {
			delete(g.pel, id)
			continue
		}
		if p.nacked {
			s += fmt.Sprintf("%v/0s/%d/nacked,", id, p.count)
		} else {
			s += fmt.Sprintf("%v/%v/%d,", id, time.Duration(m.now-p.delivered)*time.Millisecond, p.count)
		}
		p.owner, p.delivered, p.nacked = args.Consumer, m.now, false
		p.count = incCount(p.count)
		c.active = m.now
		n++
	}
	for _, id := range m.liveIDs() {
		if !g.last.Less(id) || (limit > 0 && n == limit) {
			continue
		}
		g.last = id
		if !args.NoAck {
			g.pel[id] = &mPending{owner: args.Consumer, delivered: m.now, count: 1}
			c.active = m.now
		}
		s += fmt.Sprintf("%v/0s/0,", id)
		n++
	}
	if n == 0 {
		return nil
	}
	return []string{s}
}

// deleteEx is the model of XDELEX (ack false) and XACKDEL, with the
// engine's choices for the cases the spec leaves open (refs.go).
func (m *model) deleteEx(group string, ack bool, refs instream.RefPolicy, ids []instream.ID) []instream.DeleteResult {
	out := make([]instream.DeleteResult, len(ids))
	g := m.groups[group]
	for i, id := range ids {
		out[i] = instream.EntryNotFound
		if !m.exists || ack && g == nil {
			continue
		}
		acked := ack && g.pel[id] != nil
		if acked {
			delete(g.pel, id)
		}
		pendingAnywhere := false
		for _, og := range m.groups {
			if refs == instream.DelRef {
				delete(og.pel, id)
			}
			pendingAnywhere = pendingAnywhere || og.pel[id] != nil
		}
		switch {
		case refs == instream.Acked && (m.live[id] && m.referenced(id) || !m.live[id] && pendingAnywhere):
			out[i] = instream.EntryReferenced
		case m.live[id]:
			delete(m.live, id)
			out[i] = instream.EntryDeleted
		case acked:
			out[i] = instream.EntryDeleted
		}
	}
	return out
}

// nack is the model of XNACK (Redis 8.8).
func (m *model) nack(args instream.NackArgs) (int64, error) {
	g, err := m.group(args.Group)
	if err != nil {
		return 0, err
	}
	count := func(n int64) int64 {
		switch {
		case args.RetryCount != nil:
			return *args.RetryCount
		case args.Mode == instream.NackSilent:
			return max(n-1, 0)
		case args.Mode == instream.NackFatal:
			return math.MaxInt64
		}
		return n
	}
	var n int64
	for _, id := range args.IDs {
		p := g.pel[id]
		switch {
		case p != nil:
			p.count = count(p.count)
		case args.Force && m.live[id]:
			p = &mPending{count: count(0)}
			g.pel[id] = p
		default:
			continue
		}
		g.nackSeq++
		p.owner, p.delivered, p.nacked, p.nackSeq = "", 0, true, g.nackSeq
		n++
	}
	return n, nil
}
