package streamstest

import (
	"testing"

	"github.com/instream/instream"
)

// The calls a work queue needs beyond reads and acks: the atomic
// acknowledge-and-add of a dead-letter move, negative acknowledgements
// and idempotent adds.

var _ = register(
	test{"AckAdd", testAckAdd},
	test{"Nack", testNack},
	test{"IdempotentAdd", testIdempotentAdd},
	test{"ReadCaps", testReadCaps},
)

func testAckAdd(t *testing.T, e *env) {
	s, k, dead := e.s, e.key("s"), e.key("dead")
	pendTwo(t, s, k) // 1-0 and 2-0 pending for c, delivered once
	add := instream.AddArgs{Fields: fields("from", "1-0")}
	ackAdd := func(a instream.AckAddArgs) (bool, error) {
		a.Group, a.To, a.Add = "g", dead, add
		_, ok, err := s.AckAdd(k, a)
		return ok, err
	}
	for _, tc := range []struct {
		name string
		args instream.AckAddArgs
	}{
		{"another consumer", instream.AckAddArgs{ID: id("1-0"), Consumer: "other"}},
		{"another delivery count", instream.AckAddArgs{ID: id("1-0"), Deliveries: 2}},
		{"not pending", instream.AckAddArgs{ID: id("3-0")}},
	} {
		ok, err := ackAdd(tc.args)
		check(t, "AckAdd, "+tc.name, ok, err, false)
	}
	n, err := s.Len(dead)
	check(t, "Len(dead) after refused AckAdds", n, err, 0)

	// The add fails (NoMkStream on a missing stream): nothing is acked.
	_, ok, err := s.AckAdd(k, instream.AckAddArgs{Group: "g", ID: id("1-0"), To: dead,
		Add: instream.AddArgs{Fields: fields("f", "v"), NoMkStream: true}})
	checkErr(t, "AckAdd with NoMkStream to a missing stream", err, instream.ErrNoStream)
	if ok {
		t.Error("AckAdd whose add failed reports success")
	}
	sum, err := s.PendingSummary(k, "g")
	if err != nil || sum.Count != 2 {
		t.Errorf("PendingSummary after a failed AckAdd = %+v, %v; want 2 pending", sum, err)
	}

	ok, err = ackAdd(instream.AckAddArgs{ID: id("1-0"), Consumer: "c", Deliveries: 1})
	check(t, "AckAdd(1-0, c, 1)", ok, err, true)
	got, err := s.Range(dead, instream.ID{}, instream.MaxID, 0)
	if err != nil || len(got) != 1 || !equalFields(got[0].Fields, add.Fields) {
		t.Errorf("Range(dead) = %+v, %v; want one entry %v", got, err, add.Fields)
	}
	ps, err := s.Pending(k, instream.PendingArgs{Group: "g"})
	if err != nil || len(ps) != 1 || ps[0].ID != id("2-0") {
		t.Errorf("Pending after AckAdd = %+v, %v; want 2-0 only", ps, err)
	}
	ok, err = ackAdd(instream.AckAddArgs{ID: id("1-0")})
	check(t, "AckAdd(1-0) again", ok, err, false)

	_, _, err = s.AckAdd(k, instream.AckAddArgs{Group: "nogroup", ID: id("2-0"), To: dead, Add: add})
	checkErr(t, "AckAdd in a missing group", err, instream.ErrNoGroup)
	_, _, err = s.AckAdd(k, instream.AckAddArgs{Group: "g", ID: id("2-0"), To: dead})
	checkErr(t, "AckAdd without fields", err, instream.ErrNoFields)
	_, _, err = s.AckAdd(k, instream.AckAddArgs{Group: "g", To: dead, Add: add})
	checkErr(t, "AckAdd without an ID", err, instream.ErrInvalidArgument)
}

func equalFields(a, b []instream.Field) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func testNack(t *testing.T, e *env) {
	s, k := e.s, e.key("s")
	pendTwo(t, s, k)
	n, err := s.Nack(k, instream.NackArgs{Group: "g", Mode: instream.NackFail, IDs: []instream.ID{id("2-0")}})
	if !e.f.Nack {
		checkUnsupported(t, e, "Nack", err)
		return
	}
	check(t, "Nack(FAIL, 2-0)", n, err, 1)
	n, err = s.Nack(k, instream.NackArgs{Group: "g", Mode: instream.NackSilent, IDs: []instream.ID{id("1-0"), id("9-0")}})
	check(t, "Nack(SILENT, 1-0, 9-0)", n, err, 1)
	ps, err := s.Pending(k, instream.PendingArgs{Group: "g"})
	check(t, "Pending after Nack", zeroIdle(ps), err, []instream.PendingEntry{
		{ID: id("1-0"), Deliveries: 0, Nacked: true},
		{ID: id("2-0"), Deliveries: 1, Nacked: true},
	})
	// Nacked entries come first in a claim read, in the order nacked.
	res, err := s.TryReadGroup(instream.ReadGroupArgs{Group: "g", Consumer: "d", Streams: readNew(k), Claim: true})
	if err != nil || len(res) != 1 || len(res[0].Entries) != 2 ||
		res[0].Entries[0].ID != id("2-0") || res[0].Entries[1].ID != id("1-0") {
		t.Errorf("claim read after Nack = %+v, %v; want 2-0 then 1-0", res, err)
	}
	_, err = s.Nack(k, instream.NackArgs{Group: "nogroup", IDs: []instream.ID{id("1-0")}})
	checkErr(t, "Nack in a missing group", err, instream.ErrNoGroup)
	_, err = s.Nack(k, instream.NackArgs{Group: "g"})
	checkErr(t, "Nack without IDs", err, instream.ErrInvalidArgument)
}

func zeroIdle(ps []instream.PendingEntry) []instream.PendingEntry {
	for i := range ps {
		ps[i].Idle = 0
	}
	return ps
}

func testIdempotentAdd(t *testing.T, e *env) {
	s, k := e.s, e.key("s")
	args := instream.AddArgs{Fields: fields("f", "v"), Producer: "p", IdempotencyID: "x"}
	first, err := s.Add(k, args)
	if !e.f.Idempotency {
		checkUnsupported(t, e, "Add with IDMP", err)
		n, lerr := s.Len(k)
		check(t, "Len after a refused idempotent add", n, lerr, 0)
		return
	}
	if err != nil {
		t.Fatalf("Add with IDMP: %v", err)
	}
	again, err := s.Add(k, args)
	check(t, "Add with IDMP again", again, err, first)
	n, err := s.Len(k)
	check(t, "Len after a duplicate", n, err, 1)
}

// Read caps: MaxCount bounds a read over all its streams (Redis 8.10).
func testReadCaps(t *testing.T, e *env) {
	s, a, b := e.s, e.key("a"), e.key("b")
	mustAdd(t, s, a, "1-0", "f", "1")
	mustAdd(t, s, a, "2-0", "f", "2")
	mustAdd(t, s, b, "1-0", "f", "3")
	res, err := s.TryRead(instream.ReadArgs{MaxCount: 2, Streams: []instream.ReadStream{{Key: a}, {Key: b}}})
	if !e.f.ReadCaps {
		checkUnsupported(t, e, "TryRead with MaxCount", err)
		mustGroup(t, s, a, "g", instream.ID{})
		_, err = s.TryReadGroup(instream.ReadGroupArgs{Group: "g", Consumer: "c", MaxSize: 100, Streams: readNew(a)})
		checkUnsupported(t, e, "TryReadGroup with MaxSize", err)
		return
	}
	check(t, "TryRead(MaxCount 2, a, b)", res, err, []instream.StreamEntries{
		{Key: a, Entries: []instream.Entry{entry("1-0", "f", "1"), entry("2-0", "f", "2")}},
	})
	mustGroup(t, s, a, "g", instream.ID{})
	gres, err := s.TryReadGroup(instream.ReadGroupArgs{Group: "g", Consumer: "c", MaxCount: 1, Streams: readNew(a)})
	if err != nil || len(gres) != 1 || len(gres[0].Entries) != 1 {
		t.Errorf("TryReadGroup(MaxCount 1) = %+v, %v; want one entry", gres, err)
	}
}
