package streamstest

import (
	"errors"
	"testing"
	"time"

	"github.com/instream/instream"
)

var _ = register(
	test{"GroupAdmin", testGroupAdmin},
	test{"ReadGroupAck", testReadGroupAck},
	test{"Claim", testClaim},
	test{"AutoClaim", testAutoClaim},
	test{"GroupInfo", testGroupInfo},
	test{"RefPolicies", testRefPolicies},
	test{"ClaimRead", testClaimRead},
)

func testGroupAdmin(t *testing.T, e *env) {
	s, k := e.s, e.key("s")
	mustAdd(t, s, k, "1-0", "f", "v")
	mustGroup(t, s, k, "g", instream.ID{})
	checkErr(t, "CreateGroup(g) again", s.CreateGroup(k, instream.GroupArgs{Group: "g"}), instream.ErrGroupExists)
	checkErr(t, "CreateGroup(missing)", s.CreateGroup(e.key("missing"), instream.GroupArgs{Group: "g"}), instream.ErrNoStream)
	checkErr(t, "SetGroupID(no group)", s.SetGroupID(k, instream.GroupArgs{Group: "nog"}), instream.ErrNoGroup)
	checkErr(t, "SetGroupID(missing)", s.SetGroupID(e.key("missing"), instream.GroupArgs{Group: "g"}), instream.ErrNoStream)
	if err := s.SetGroupID(k, instream.GroupArgs{Group: "g", FromEnd: true}); err != nil {
		t.Errorf("SetGroupID($): %v", err)
	}
	ok, err := s.CreateConsumer(k, instream.ConsumerArgs{Group: "g", Consumer: "c"})
	check(t, "CreateConsumer(c)", ok, err, true)
	ok, err = s.CreateConsumer(k, instream.ConsumerArgs{Group: "g", Consumer: "c"})
	check(t, "CreateConsumer(c) again", ok, err, false)
	_, err = s.CreateConsumer(k, instream.ConsumerArgs{Group: "nog", Consumer: "c"})
	checkErr(t, "CreateConsumer(no group)", err, instream.ErrNoGroup)
	n, err := s.DeleteConsumer(k, instream.ConsumerArgs{Group: "g", Consumer: "c"})
	check(t, "DeleteConsumer(c)", n, err, int64(0))
	gs, err := s.Groups(k)
	check(t, "Groups", gs, err, []instream.GroupInfo{{
		Name: "g", LastDeliveredID: id("1-0"), EntriesRead: -1, Lag: 0, LagKnown: true}})
	ok, err = s.DestroyGroup(k, "g")
	check(t, "DestroyGroup(g)", ok, err, true)
	ok, err = s.DestroyGroup(k, "g")
	check(t, "DestroyGroup(g) again", ok, err, false)
	_, err = s.DestroyGroup(e.key("missing"), "g")
	checkErr(t, "DestroyGroup(missing)", err, instream.ErrNoStream)
	_, err = s.Groups(e.key("missing"))
	checkErr(t, "Groups(missing)", err, instream.ErrNoStream)

	// MkStream creates an empty stream.
	m := e.key("made")
	if err := s.CreateGroup(m, instream.GroupArgs{Group: "g", MkStream: true}); err != nil {
		t.Fatalf("CreateGroup(MkStream): %v", err)
	}
	n, err = s.Exists(m)
	check(t, "Exists after MkStream", n, err, int64(1))
}

func readNew(key string) []instream.GroupStream { return []instream.GroupStream{{Key: key}} }

func testReadGroupAck(t *testing.T, e *env) {
	s, k := e.s, e.key("s")
	for _, i := range []string{"1-0", "2-0", "3-0"} {
		mustAdd(t, s, k, i, "n", i)
	}
	mustGroup(t, s, k, "g", instream.ID{})
	got, err := s.TryReadGroup(instream.ReadGroupArgs{Group: "g", Consumer: "c", Count: 2, Streams: readNew(k)})
	check(t, "TryReadGroup(>, count 2)", got, err, []instream.GroupEntries{{Key: k, Entries: []instream.GroupEntry{
		{Entry: entry("1-0", "n", "1-0")}, {Entry: entry("2-0", "n", "2-0")}}}})

	sum, err := s.PendingSummary(k, "g")
	check(t, "PendingSummary", sum, err, instream.PendingSummary{Count: 2, Lowest: id("1-0"), Highest: id("2-0"),
		Consumers: []instream.ConsumerPending{{Name: "c", Count: 2}}})

	// A history read counts a delivery; a deleted entry shows as Deleted.
	if _, err := s.DeleteEntries(k, id("1-0")); err != nil {
		t.Fatal(err)
	}
	got, err = s.TryReadGroup(instream.ReadGroupArgs{Group: "g", Consumer: "c",
		Streams: []instream.GroupStream{{Key: k, History: true}}})
	check(t, "TryReadGroup(history)", noIdles(t, "TryReadGroup(history)", got), err, []instream.GroupEntries{{Key: k, Entries: []instream.GroupEntry{
		{Entry: instream.Entry{ID: id("1-0")}, Deleted: true, Deliveries: 1}, {Entry: entry("2-0", "n", "2-0"), Deliveries: 1}}}})
	got, err = s.TryReadGroup(instream.ReadGroupArgs{Group: "g", Consumer: "other",
		Streams: []instream.GroupStream{{Key: k, History: true}}})
	check(t, "TryReadGroup(history of a consumer with nothing)", got, err,
		[]instream.GroupEntries{{Key: k, Entries: []instream.GroupEntry{}}})

	ps, err := s.Pending(k, instream.PendingArgs{Group: "g", Start: instream.MinID, End: instream.MaxID, Count: 10})
	if err != nil || len(ps) != 2 || ps[1].ID != id("2-0") || ps[1].Consumer != "c" || ps[1].Deliveries != 2 {
		t.Errorf("Pending = %+v, %v; want 1-0 and 2-0 of c, 2-0 delivered twice", ps, err)
	}
	ps, err = s.Pending(k, instream.PendingArgs{Group: "g", Start: instream.MinID, End: instream.MaxID, Count: 10,
		ByConsumer: true, Consumer: "other"})
	check(t, "Pending(of other)", ps, err, []instream.PendingEntry{})
	ps, err = s.Pending(k, instream.PendingArgs{Group: "g", Start: instream.MinID, End: instream.MaxID, Count: 10,
		MinIdle: time.Hour})
	check(t, "Pending(idle an hour)", ps, err, []instream.PendingEntry{})

	n, err := s.Ack(k, "g", id("1-0"), id("2-0"), id("2-0"), id("9-0"))
	check(t, "Ack(1-0, 2-0, 2-0, 9-0)", n, err, int64(2))
	_, err = s.Ack(k, "g")
	checkErr(t, "Ack()", err, instream.ErrInvalidArgument)
	_, err = s.Ack(k, "nog", id("1-0"))
	checkErr(t, "Ack(no group)", err, instream.ErrNoGroup)
	_, err = s.Ack(e.key("missing"), "g", id("1-0"))
	checkErr(t, "Ack(missing stream)", err, instream.ErrNoGroup)

	// NoAck: delivered, not pending. Then nothing is new.
	got, err = s.TryReadGroup(instream.ReadGroupArgs{Group: "g", Consumer: "c", NoAck: true, Streams: readNew(k)})
	check(t, "TryReadGroup(NOACK)", got, err, []instream.GroupEntries{{Key: k, Entries: []instream.GroupEntry{
		{Entry: entry("3-0", "n", "3-0")}}}})
	got, err = s.TryReadGroup(instream.ReadGroupArgs{Group: "g", Consumer: "c", Streams: readNew(k)})
	check(t, "TryReadGroup(nothing new)", got, err, nil)
	sum, err = s.PendingSummary(k, "g")
	check(t, "PendingSummary after the acks", sum, err, instream.PendingSummary{})

	_, err = s.TryReadGroup(instream.ReadGroupArgs{Group: "nog", Consumer: "c", Streams: readNew(k)})
	checkErr(t, "TryReadGroup(no group)", err, instream.ErrNoGroup)
	_, err = s.TryReadGroup(instream.ReadGroupArgs{Group: "g", Consumer: "c", Streams: readNew(e.key("missing"))})
	checkErr(t, "TryReadGroup(missing stream)", err, instream.ErrNoGroup)
	// The error names the stream whose group is missing.
	missing := e.key("missing")
	for _, read := range []struct {
		name string
		call func(instream.ReadGroupArgs) error
	}{
		{"TryReadGroup", func(a instream.ReadGroupArgs) error { _, err := s.TryReadGroup(a); return err }},
		{"ReadGroup", func(a instream.ReadGroupArgs) error { _, err := s.ReadGroup(t.Context(), a); return err }},
	} {
		err = read.call(instream.ReadGroupArgs{Group: "g", Consumer: "c",
			Streams: []instream.GroupStream{{Key: k, History: true}, {Key: missing, History: true}}})
		var ge *instream.GroupError
		if !errors.As(err, &ge) || ge.Key != missing || ge.Group != "g" || !errors.Is(err, instream.ErrNoGroup) {
			t.Errorf("%s(k, missing) = %v; want a *GroupError naming %q, group g, ErrNoGroup", read.name, err, missing)
		}
	}
	_, err = s.PendingSummary(k, "nog")
	checkErr(t, "PendingSummary(no group)", err, instream.ErrNoGroup)
	_, err = s.Pending(k, instream.PendingArgs{Group: "nog", Count: 1})
	checkErr(t, "Pending(no group)", err, instream.ErrNoGroup)

	// Reads across streams that share a hash tag.
	k2 := e.key("s2")
	mustAdd(t, s, k2, "1-0", "n", "x")
	mustGroup(t, s, k2, "g", instream.ID{})
	if err := s.SetGroupID(k, instream.GroupArgs{Group: "g"}); err != nil {
		t.Fatal(err)
	}
	got, err = s.TryReadGroup(instream.ReadGroupArgs{Group: "g", Consumer: "c",
		Streams: []instream.GroupStream{{Key: k2}, {Key: k}}})
	check(t, "TryReadGroup(two streams)", entriesOf(got), err, map[string][]instream.Entry{
		k2: {entry("1-0", "n", "x")}, k: {entry("2-0", "n", "2-0"), entry("3-0", "n", "3-0")}})
	if len(got) == 2 && got[0].Key != k2 {
		t.Errorf("TryReadGroup(two streams) gave %q first, want %q", got[0].Key, k2)
	}
}

// pendTwo adds 1-0 and 2-0 to key and has consumer c of group g read them.
func pendTwo(t *testing.T, s instream.Streams, key string) {
	t.Helper()
	mustAdd(t, s, key, "1-0", "f", "1")
	mustAdd(t, s, key, "2-0", "f", "2")
	mustGroup(t, s, key, "g", instream.ID{})
	if _, err := s.TryReadGroup(instream.ReadGroupArgs{Group: "g", Consumer: "c", Streams: readNew(key)}); err != nil {
		t.Fatal(err)
	}
}

// claimed is en as Claim and AutoClaim return it, with the delivery
// count it had before the claim (and Idle zeroed, see noIdle).
func claimed(en instream.Entry, deliveries int64) instream.GroupEntry {
	return instream.GroupEntry{Entry: en, Claimed: true, Deliveries: deliveries}
}

func testClaim(t *testing.T, e *env) {
	s, k := e.s, e.key("s")
	pendTwo(t, s, k)
	mustAdd(t, s, k, "3-0", "f", "3")
	claim := func(call string, args instream.ClaimArgs, want []instream.GroupEntry) {
		t.Helper()
		got, err := s.Claim(k, args)
		check(t, call, noIdle(t, call, got), err, want)
	}
	claim("Claim(idle an hour)", instream.ClaimArgs{Group: "g", Consumer: "d", MinIdle: time.Hour, IDs: []instream.ID{id("1-0")}},
		[]instream.GroupEntry{})
	claim("Claim(2-0, 1-0, 3-0)", instream.ClaimArgs{Group: "g", Consumer: "d", IDs: []instream.ID{id("2-0"), id("1-0"), id("3-0")}},
		[]instream.GroupEntry{claimed(entry("2-0", "f", "2"), 1), claimed(entry("1-0", "f", "1"), 1)})
	// Force makes 3-0 pending: it had no delivery before.
	claim("Claim(FORCE JUSTID 3-0)", instream.ClaimArgs{Group: "g", Consumer: "d", Force: true, JustID: true, IDs: []instream.ID{id("3-0")}},
		[]instream.GroupEntry{claimed(instream.Entry{ID: id("3-0")}, 0)})

	five := int64(5)
	claim("Claim(IDLE 1h RETRYCOUNT 5)", instream.ClaimArgs{Group: "g", Consumer: "c", Idle: time.Hour, RetryCount: &five, IDs: []instream.ID{id("1-0")}},
		[]instream.GroupEntry{claimed(entry("1-0", "f", "1"), 2)})
	ps, err := s.Pending(k, instream.PendingArgs{Group: "g", Start: id("1-0"), End: id("1-0")})
	if err != nil || len(ps) != 1 || ps[0].Consumer != "c" || ps[0].Deliveries != 5 || ps[0].Idle < time.Hour {
		t.Errorf("Pending(1-0) after the claim = %+v, %v; want c's, 5 deliveries, idle >= 1h", ps, err)
	}
	got, err := s.Claim(k, instream.ClaimArgs{Group: "g", Consumer: "d", MinIdle: time.Hour, IDs: []instream.ID{id("1-0")}})
	if err != nil || len(got) != 1 || got[0].Idle < time.Hour || got[0].Deliveries != 5 {
		t.Errorf("Claim(1-0, idle an hour) = %+v, %v; want 1-0 idle >= 1h with 5 deliveries", got, err)
	}

	// A claimed entry that was deleted leaves the pending list.
	if _, err := s.DeleteEntries(k, id("2-0")); err != nil {
		t.Fatal(err)
	}
	claim("Claim(deleted 2-0)", instream.ClaimArgs{Group: "g", Consumer: "c", IDs: []instream.ID{id("2-0")}}, []instream.GroupEntry{})
	sum, err := s.PendingSummary(k, "g")
	if err != nil || sum.Count != 2 {
		t.Errorf("PendingSummary after claiming a deleted entry = %+v, %v; want 2 pending", sum, err)
	}

	// No IDs: nothing is claimed, LastID still applies.
	claim("Claim(no IDs, LASTID 7-0)", instream.ClaimArgs{Group: "g", Consumer: "d", LastID: id("7-0")}, []instream.GroupEntry{})
	gi, err := s.Group(k, "g")
	if err != nil || gi.LastDeliveredID != id("7-0") {
		t.Errorf("Group(g) after Claim(LASTID 7-0) = %+v, %v; want last delivered 7-0", gi, err)
	}

	_, err = s.Claim(k, instream.ClaimArgs{Group: "nog", Consumer: "c", IDs: []instream.ID{id("1-0")}})
	checkErr(t, "Claim(no group)", err, instream.ErrNoGroup)
	_, err = s.Claim(e.key("missing"), instream.ClaimArgs{Group: "g", Consumer: "c", IDs: []instream.ID{id("1-0")}})
	checkErr(t, "Claim(missing stream)", err, instream.ErrNoGroup)
}

func testAutoClaim(t *testing.T, e *env) {
	s, k := e.s, e.key("s")
	pendTwo(t, s, k)
	mustAdd(t, s, k, "3-0", "f", "3")
	if _, err := s.TryReadGroup(instream.ReadGroupArgs{Group: "g", Consumer: "c", Streams: readNew(k)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DeleteEntries(k, id("2-0")); err != nil {
		t.Fatal(err)
	}
	autoClaim := func(call string, args instream.AutoClaimArgs, want instream.AutoClaimResult) instream.AutoClaimResult {
		t.Helper()
		res, err := s.AutoClaim(k, args)
		got := res
		got.Claimed = noIdle(t, call, res.Claimed)
		check(t, call, got, err, want)
		return res
	}
	res := autoClaim("AutoClaim(count 2)", instream.AutoClaimArgs{Group: "g", Consumer: "d", Count: 2}, instream.AutoClaimResult{
		Next: id("3-0"), Claimed: []instream.GroupEntry{claimed(entry("1-0", "f", "1"), 1)}, Deleted: []instream.ID{id("2-0")}})
	autoClaim("AutoClaim(from 3-0, JUSTID)", instream.AutoClaimArgs{Group: "g", Consumer: "d", Start: res.Next, JustID: true},
		instream.AutoClaimResult{Claimed: []instream.GroupEntry{claimed(instream.Entry{ID: id("3-0")}, 1)}, Deleted: []instream.ID{}})
	autoClaim("AutoClaim(idle an hour)", instream.AutoClaimArgs{Group: "g", Consumer: "c", MinIdle: time.Hour},
		instream.AutoClaimResult{Claimed: []instream.GroupEntry{}, Deleted: []instream.ID{}})
	autoClaim("AutoClaim(all)", instream.AutoClaimArgs{Group: "g", Consumer: "c"}, instream.AutoClaimResult{
		Claimed: []instream.GroupEntry{claimed(entry("1-0", "f", "1"), 2), claimed(instream.Entry{ID: id("3-0"), Fields: fields("f", "3")}, 1)},
		Deleted: []instream.ID{}})
	_, err := s.AutoClaim(k, instream.AutoClaimArgs{Group: "nog", Consumer: "c"})
	checkErr(t, "AutoClaim(no group)", err, instream.ErrNoGroup)
	_, err = s.AutoClaim(e.key("missing"), instream.AutoClaimArgs{Group: "g", Consumer: "c"})
	checkErr(t, "AutoClaim(missing stream)", err, instream.ErrNoGroup)
}

func testGroupInfo(t *testing.T, e *env) {
	s, k := e.s, e.key("s")
	pendTwo(t, s, k)
	if _, err := s.CreateConsumer(k, instream.ConsumerArgs{Group: "g", Consumer: "idle"}); err != nil {
		t.Fatal(err)
	}
	cs, err := s.Consumers(k, "g")
	if err != nil || len(cs) != 2 {
		t.Fatalf("Consumers = %+v, %v; want c and idle", cs, err)
	}
	if cs[0].Name != "c" || cs[0].Pending != 2 || cs[1].Name != "idle" || cs[1].Pending != 0 {
		t.Errorf("Consumers = %+v; want c with 2 pending, idle with none", cs)
	}
	for _, c := range cs {
		if c.Idle < 0 || c.Idle > time.Minute || c.Seen.IsZero() {
			t.Errorf("consumer %q: seen %v, idle %v; want seen just now", c.Name, c.Seen, c.Idle)
		}
	}
	if e.f.Redis72 {
		if cs[0].Inactive < 0 || cs[0].Active.IsZero() || cs[1].Inactive != -1 || !cs[1].Active.IsZero() {
			t.Errorf("Consumers active times = %v/%v and %v/%v; want c active, idle never",
				cs[0].Active, cs[0].Inactive, cs[1].Active, cs[1].Inactive)
		}
	}
	_, err = s.Consumers(k, "nog")
	checkErr(t, "Consumers(no group)", err, instream.ErrNoGroup)

	gs, err := s.Groups(k)
	check(t, "Groups", gs, err, []instream.GroupInfo{{Name: "g", Consumers: 2, Pending: 2,
		LastDeliveredID: id("2-0"), EntriesRead: 2, Lag: 0, LagKnown: true}})

	full, err := s.InfoFull(k, 0)
	if err != nil {
		t.Fatalf("InfoFull: %v", err)
	}
	check(t, "InfoFull entries", full.Entries, nil, []instream.Entry{entry("1-0", "f", "1"), entry("2-0", "f", "2")})
	if len(full.Groups) != 1 {
		t.Fatalf("InfoFull groups = %+v, want g", full.Groups)
	}
	g := full.Groups[0]
	check(t, "InfoFull group", g.GroupInfo, nil, gs[0])
	if len(g.PendingEntries) != 2 || g.PendingEntries[1].ID != id("2-0") || g.PendingEntries[1].Consumer != "c" ||
		g.PendingEntries[1].Deliveries != 1 || time.Since(g.PendingEntries[1].Delivered) > time.Minute {
		t.Errorf("InfoFull pending = %+v; want 1-0 and 2-0 of c, delivered once just now", g.PendingEntries)
	}
	if len(g.ConsumerList) != 2 || g.ConsumerList[0].Name != "c" || len(g.ConsumerList[0].PendingEntries) != 2 ||
		g.ConsumerList[0].PendingEntries[0].Consumer != "c" || g.ConsumerList[0].Pending != 2 {
		t.Errorf("InfoFull consumers = %+v; want c with 2 pending, then idle", g.ConsumerList)
	}
	full, err = s.InfoFull(k, 1)
	if err != nil || len(full.Entries) != 1 || len(full.Groups[0].PendingEntries) != 1 {
		t.Errorf("InfoFull(count 1) = %+v, %v; want one entry and one pending entry", full, err)
	}
	_, err = s.InfoFull(e.key("missing"), 0)
	checkErr(t, "InfoFull(missing)", err, instream.ErrNoStream)
}

func testRefPolicies(t *testing.T, e *env) {
	s, k := e.s, e.key("s")
	pendTwo(t, s, k)
	res, err := s.DeleteEntriesEx(k, instream.Acked, id("1-0"), id("9-0"))
	if !e.f.RefPolicies {
		checkUnsupported(t, e, "DeleteEntriesEx", err)
		_, err = s.AckDelete(k, "g", instream.KeepRef, id("1-0"))
		checkUnsupported(t, e, "AckDelete", err)
		return
	}
	check(t, "DeleteEntriesEx(ACKED, 1-0, 9-0)", res, err, []instream.DeleteResult{instream.EntryReferenced, instream.EntryNotFound})
	res, err = s.AckDelete(k, "g", instream.KeepRef, id("1-0"), id("9-0"))
	check(t, "AckDelete(1-0, 9-0)", res, err, []instream.DeleteResult{instream.EntryDeleted, instream.EntryNotFound})
	res, err = s.DeleteEntriesEx(k, instream.DelRef, id("2-0"))
	check(t, "DeleteEntriesEx(DELREF, 2-0)", res, err, []instream.DeleteResult{instream.EntryDeleted})
	sum, err := s.PendingSummary(k, "g")
	check(t, "PendingSummary after DELREF", sum, err, instream.PendingSummary{})
	_, err = s.DeleteEntriesEx(k, instream.KeepRef)
	checkErr(t, "DeleteEntriesEx()", err, instream.ErrInvalidArgument)
}

func testClaimRead(t *testing.T, e *env) {
	s, k := e.s, e.key("s")
	pendTwo(t, s, k)
	mustAdd(t, s, k, "3-0", "f", "3")
	args := instream.ReadGroupArgs{Group: "g", Consumer: "d", Claim: true, Streams: readNew(k)}
	got, err := s.TryReadGroup(args)
	if !e.f.ClaimRead {
		checkUnsupported(t, e, "TryReadGroup(CLAIM)", err)
		return
	}
	if err != nil || len(got) != 1 || len(got[0].Entries) != 3 || !got[0].Claim {
		t.Fatalf("TryReadGroup(CLAIM 0) = %+v, %v; want 1-0 and 2-0 claimed, then 3-0", got, err)
	}
	for i, ge := range got[0].Entries {
		wantClaimed := i < 2
		if ge.Claimed != wantClaimed || (wantClaimed && ge.Deliveries != 1) || (!wantClaimed && ge.Deliveries != 0) {
			t.Errorf("entry %v: claimed %v with %d deliveries; want claimed %v", ge.ID, ge.Claimed, ge.Deliveries, wantClaimed)
		}
	}
}
