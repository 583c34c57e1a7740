package instream_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/instream/instream"
)

// TestIdempotencyModel applies random idempotent adds, records, config
// changes, deletes and clock moves to the engine and to a slice-backed
// model of Redis 8.6's rules, and compares every result and the XINFO
// counters, with Check after each step.
func TestIdempotencyModel(t *testing.T) {
	for seed := range uint64(6) {
		t.Run(fmt.Sprint("seed=", seed), func(t *testing.T) { runIdmpModel(t, seed, 3000) })
	}
}

type mRec struct {
	iid string
	id  instream.ID
}

type idmpModel struct {
	now         int64
	last        instream.ID
	live        map[instream.ID]bool
	ids         []instream.ID
	duration    int64
	maxSize     int
	prods       map[string][]mRec
	added, dups int64
	exists      bool
}

func (m *idmpModel) expire() {
	cut := m.now - m.duration*1000
	if cut < 0 {
		return
	}
	for pid, recs := range m.prods {
		for len(recs) > 0 && recs[0].id.Ms <= uint64(cut) {
			recs = recs[1:]
		}
		if len(recs) == 0 {
			delete(m.prods, pid)
		} else {
			m.prods[pid] = recs
		}
	}
}

func (m *idmpModel) find(pid, iid string) (instream.ID, bool) {
	for _, r := range m.prods[pid] {
		if r.iid == iid {
			return r.id, true
		}
	}
	return instream.ID{}, false
}

func (m *idmpModel) record(pid, iid string, id instream.ID) {
	recs := append(m.prods[pid], mRec{iid, id})
	if len(recs) > m.maxSize {
		recs = recs[len(recs)-m.maxSize:]
	}
	m.prods[pid] = recs
}

func runIdmpModel(t *testing.T, seed uint64, steps int) {
	r := rand.New(rand.NewPCG(seed, 7))
	e, clk := newClockEngine(t)
	m := &idmpModel{now: t0.UnixMilli(), live: map[instream.ID]bool{}, duration: 100, maxSize: 100, prods: map[string][]mRec{}}
	pids := []string{"p", "q", "r"}
	iid := func() string { return fmt.Sprint("iid-", r.IntN(40)) }
	for step := range steps {
		var name string
		var got, want outcome
		switch op := r.IntN(20); {
		case op < 10: // idempotent add
			pid, i := pids[r.IntN(len(pids))], iid()
			name = "add " + pid + " " + i
			res, err := e.AddIdempotent("s", idmpAdd(pid, i, "f", "v"))
			got = outcome{res, err}
			m.expire()
			if id, ok := m.find(pid, i); ok && m.exists {
				m.dups++
				want = outcome{instream.AddResult{ID: id, Duplicate: true}, nil}
				break
			}
			id := instream.ID{Ms: uint64(m.now)}
			if id.Ms <= m.last.Ms {
				id, _ = m.last.Next()
			}
			m.last, m.live[id], m.exists = id, true, true
			m.ids = append(m.ids, id)
			m.record(pid, i, id)
			m.added++
			want = outcome{instream.AddResult{ID: id}, nil}
		case op < 12: // record an existing or deleted entry
			if len(m.ids) == 0 {
				continue
			}
			rec := instream.IdempotencyRecord{Producer: pids[r.IntN(len(pids))], IdempotencyID: iid(), ID: m.ids[r.IntN(len(m.ids))]}
			name = fmt.Sprintf("record %+v", rec)
			got = outcome{nil, e.RecordIdempotency("s", rec)}
			m.expire()
			switch id, ok := m.find(rec.Producer, rec.IdempotencyID); {
			case !m.live[rec.ID]:
				want.Err = instream.ErrNoEntry
			case ok && id != rec.ID:
				want.Err = instream.ErrIdempotencyConflict
			case !ok:
				m.record(rec.Producer, rec.IdempotencyID, rec.ID)
			}
		case op < 13: // config
			if !m.exists {
				continue
			}
			args := instream.ConfigArgs{IdempotencyMaxSize: int64(1 + r.IntN(12))}
			if r.IntN(2) == 0 {
				args.IdempotencyDuration = time.Duration(1+r.IntN(3)) * time.Second
			}
			name = fmt.Sprintf("config %+v", args)
			got = outcome{nil, e.SetConfig("s", args)}
			d := m.duration
			if args.IdempotencyDuration != 0 {
				d = int64(args.IdempotencyDuration / time.Second)
			}
			if d != m.duration || int(args.IdempotencyMaxSize) != m.maxSize {
				m.duration, m.maxSize, m.prods = d, int(args.IdempotencyMaxSize), map[string][]mRec{}
			}
		case op < 15: // delete an entry
			if len(m.ids) == 0 {
				continue
			}
			id := m.ids[r.IntN(len(m.ids))]
			name = "delete " + id.String()
			n, err := e.DeleteEntries("s", id)
			got = outcome{n, err}
			var wn int64
			if m.live[id] {
				delete(m.live, id)
				wn = 1
			}
			want = outcome{wn, nil}
		default: // move the clock
			ms := r.Int64N(700)
			name = fmt.Sprint("clock +", ms)
			clk.Advance(time.Duration(ms) * time.Millisecond)
			m.now += ms
		}
		if !errors.Is(got.Err, want.Err) || (want.Err == nil && got.Err != nil) || (want.Err == nil && got.Result != want.Result) {
			t.Fatalf("step %d: %s = %v, %v; want %v, %v", step, name, got.Result, got.Err, want.Result, want.Err)
		}
		if err := instream.Check(e); err != nil {
			t.Fatalf("step %d: after %s: %v", step, name, err)
		}
		if !m.exists || step%5 != 0 {
			continue
		}
		info, err := e.Info("s")
		if err != nil {
			t.Fatal(err)
		}
		m.expire()
		n := 0
		for _, recs := range m.prods {
			n += len(recs)
		}
		if info.Producers != int64(len(m.prods)) || info.IdempotencyIDs != int64(n) || info.IdempotentAdds != m.added || info.Duplicates != m.dups {
			t.Fatalf("step %d: after %s: Info %d producers %d IDs %d added %d dups; want %d %d %d %d", step, name,
				info.Producers, info.IdempotencyIDs, info.IdempotentAdds, info.Duplicates, len(m.prods), n, m.added, m.dups)
		}
	}
}
