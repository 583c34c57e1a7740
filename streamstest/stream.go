package streamstest

import (
	"errors"
	"strings"
	"testing"

	"github.com/instream/instream"
)

var _ = register(
	test{"AddRange", testAddRange},
	test{"AddErrors", testAddErrors},
	test{"AddBatch", testAddBatch},
	test{"Trim", testTrim},
	test{"DeleteInfo", testDeleteInfo},
	test{"SetID", testSetID},
	test{"Keys", testKeys},
	test{"TryRead", testTryRead},
)

func testAddRange(t *testing.T, e *env) {
	s, k := e.s, e.key("s")
	// Field order, repeated names and empty strings survive.
	mustAdd(t, s, k, "1-1", "b", "2", "a", "1", "b", "3")
	mustAdd(t, s, k, "1-2", "", "")
	mustAdd(t, s, k, "2-0", "x", "y")
	all := []instream.Entry{
		entry("1-1", "b", "2", "a", "1", "b", "3"),
		entry("1-2", "", ""),
		entry("2-0", "x", "y"),
	}
	got, err := s.Range(k, instream.MinID, instream.MaxID, 0)
	check(t, "Range(-, +)", got, err, all)
	got, err = s.Range(k, id("1-2"), instream.MaxID, 1)
	check(t, "Range(1-2, +, 1)", got, err, all[1:2])
	got, err = s.RevRange(k, instream.MaxID, instream.MinID, 2)
	check(t, "RevRange(+, -, 2)", got, err, []instream.Entry{all[2], all[1]})
	_, err = s.Range(k, id("3-0"), id("1-0"), 0)
	checkErr(t, "Range(3-0, 1-0)", err, instream.ErrInvalidArgument)
	_, err = s.RevRange(k, instream.MinID, instream.MaxID, 0)
	checkErr(t, "RevRange(-, +)", err, instream.ErrInvalidArgument)
	_, err = s.Range(k, instream.MinID, instream.MaxID, -1)
	checkErr(t, "Range(count -1)", err, instream.ErrInvalidArgument)
	got, err = s.Range(e.key("missing"), instream.MinID, instream.MaxID, 0)
	check(t, "Range(missing)", got, err, []instream.Entry{})
	n, err := s.Len(k)
	check(t, "Len", n, err, int64(3))
	n, err = s.Len(e.key("missing"))
	check(t, "Len(missing)", n, err, int64(0))
}

func testAddErrors(t *testing.T, e *env) {
	s, k := e.s, e.key("s")
	mustAdd(t, s, k, "5-0", "f", "v")
	f := fields("f", "v")
	tests := []struct {
		name string
		key  string
		args instream.AddArgs
		want error
	}{
		{"ID below the last", k, instream.AddArgs{ID: id("1-1"), Fields: f}, instream.ErrIDTooSmall},
		{"ID equal to the last", k, instream.AddArgs{ID: id("5-0"), Fields: f}, instream.ErrIDTooSmall},
		{"NoMkStream on a missing stream", e.key("missing"), instream.AddArgs{NoMkStream: true, Fields: f}, instream.ErrNoStream},
		{"no fields", k, instream.AddArgs{}, instream.ErrNoFields},
		{"negative MaxLen", k, instream.AddArgs{Fields: f, Trim: instream.TrimArgs{Strategy: instream.TrimMaxLen, MaxLen: -1}}, instream.ErrInvalidArgument},
		{"Limit without Approx", k, instream.AddArgs{Fields: f, Trim: instream.TrimArgs{Strategy: instream.TrimMaxLen, MaxLen: 1, Limit: 5}}, instream.ErrInvalidArgument},
	}
	for _, tt := range tests {
		_, err := s.Add(tt.key, tt.args)
		checkErr(t, "Add: "+tt.name, err, tt.want)
	}
	got, err := s.Add(k, instream.AddArgs{ID: instream.ID{Ms: 5}, AutoSeq: true, Fields: f})
	check(t, "Add(5-*)", got, err, id("5-1"))
	got, err = s.Add(k, instream.AddArgs{Fields: f})
	if err != nil || !id("5-1").Less(got) {
		t.Errorf("Add(*) = %v, %v; want an ID above 5-1", got, err)
	}
	n, err := s.Len(k)
	check(t, "Len after the failed adds", n, err, int64(3))
}

func testTrim(t *testing.T, e *env) {
	s, k := e.s, e.key("s")
	for i := 1; i <= 10; i++ {
		mustAdd(t, s, k, instream.ID{Ms: uint64(i)}.String(), "i", "v")
	}
	n, err := s.Trim(k, instream.TrimArgs{Strategy: instream.TrimMaxLen, MaxLen: 7})
	check(t, "Trim(MAXLEN 7)", n, err, int64(3))
	n, err = s.Trim(k, instream.TrimArgs{Strategy: instream.TrimMinID, MinID: id("6-0")})
	check(t, "Trim(MINID 6-0)", n, err, int64(2))
	_, err = s.Trim(k, instream.TrimArgs{})
	checkErr(t, "Trim(no strategy)", err, instream.ErrInvalidArgument)
	n, err = s.Trim(e.key("missing"), instream.TrimArgs{Strategy: instream.TrimMaxLen})
	check(t, "Trim(missing)", n, err, int64(0))
	_, err = s.Add(k, instream.AddArgs{Fields: fields("i", "v"), ID: id("11-0"),
		Trim: instream.TrimArgs{Strategy: instream.TrimMaxLen, MaxLen: 2}})
	if err != nil {
		t.Fatalf("Add with MAXLEN 2: %v", err)
	}
	got, err := s.Range(k, instream.MinID, instream.MaxID, 0)
	check(t, "Range after the trims", got, err, []instream.Entry{entry("10-0", "i", "v"), entry("11-0", "i", "v")})
	_, err = s.Trim(k, instream.TrimArgs{Strategy: instream.TrimMaxLen, MaxLen: -1})
	checkErr(t, "Trim(MAXLEN -1)", err, instream.ErrInvalidArgument)

	// Approximate trims remove whole nodes only: never more than asked.
	n, err = s.Trim(k, instream.TrimArgs{Strategy: instream.TrimMaxLen, MaxLen: 1, Approx: true})
	if err != nil || n > 1 {
		t.Errorf("Trim(MAXLEN ~ 1) = %d, %v; want at most 1", n, err)
	}

	_, err = s.Trim(k, instream.TrimArgs{Strategy: instream.TrimMaxLen, MaxLen: 1, Refs: instream.DelRef})
	if e.f.RefPolicies {
		if err != nil {
			t.Errorf("Trim(DELREF): %v", err)
		}
	} else {
		checkUnsupported(t, e, "Trim(DELREF)", err)
	}
}

func testDeleteInfo(t *testing.T, e *env) {
	s, k := e.s, e.key("s")
	mustAdd(t, s, k, "1-0", "a", "1")
	mustAdd(t, s, k, "2-0", "b", "2")
	mustAdd(t, s, k, "3-0", "c", "3")
	mustGroup(t, s, k, "g", instream.ID{})
	n, err := s.DeleteEntries(k, id("3-0"), id("9-0"))
	check(t, "DeleteEntries(3-0, 9-0)", n, err, int64(1))
	_, err = s.DeleteEntries(k)
	checkErr(t, "DeleteEntries()", err, instream.ErrInvalidArgument)
	n, err = s.DeleteEntries(e.key("missing"), id("1-0"))
	check(t, "DeleteEntries(missing)", n, err, int64(0))
	info, err := s.Info(k)
	if err != nil {
		t.Fatalf("Info: %v", err)
	}
	info.Nodes = 0 // the storage layout is the implementation's
	// Redis 8.6's idempotency settings: defaults, or absent before 8.6.
	info.IdempotencyDuration, info.IdempotencyMaxSize = 0, 0
	first, last := entry("1-0", "a", "1"), entry("2-0", "b", "2")
	check(t, "Info", info, nil, instream.StreamInfo{
		Length: 2, LastGeneratedID: id("3-0"), MaxDeletedEntryID: id("3-0"),
		EntriesAdded: 3, RecordedFirstEntryID: id("1-0"), Groups: 1,
		FirstEntry: &first, LastEntry: &last,
	})
	_, err = s.Info(e.key("missing"))
	checkErr(t, "Info(missing)", err, instream.ErrNoStream)
}

func testSetID(t *testing.T, e *env) {
	s, k := e.s, e.key("s")
	mustAdd(t, s, k, "5-0", "f", "v")
	mustAdd(t, s, k, "6-0", "f", "v")
	two, one := int64(2), int64(1)
	err := s.SetID(k, instream.SetIDArgs{LastID: id("9-0"), EntriesAdded: &two})
	if err != nil {
		t.Fatalf("SetID(9-0): %v", err)
	}
	got := mustAdd(t, s, k, "*", "f", "v")
	if !id("9-0").Less(got) {
		t.Errorf("Add(*) after SetID(9-0) = %v, want above 9-0", got)
	}
	if _, err := s.DeleteEntries(k, id("5-0")); err != nil {
		t.Fatal(err)
	}
	// Redis before 7.2 does not check the max deleted ID: the top entry's
	// check refuses 4-0.
	belowMaxDeleted := instream.ErrSetIDTooSmall
	if e.f.Redis72 {
		belowMaxDeleted = instream.ErrSetIDBelowMaxDeleted
	}
	tests := []struct {
		name string
		key  string
		args instream.SetIDArgs
		want error
	}{
		{"below the top entry", k, instream.SetIDArgs{LastID: id("7-0")}, instream.ErrSetIDTooSmall},
		{"below the max deleted ID", k, instream.SetIDArgs{LastID: id("4-0")}, belowMaxDeleted},
		{"entries added below the length", k, instream.SetIDArgs{LastID: got, EntriesAdded: &one}, instream.ErrEntriesAddedTooSmall},
		{"missing stream", e.key("missing"), instream.SetIDArgs{LastID: id("1-0")}, instream.ErrNoStream},
		{"max deleted above the last ID", k, instream.SetIDArgs{LastID: got, MaxDeletedID: instream.MaxID}, instream.ErrInvalidArgument},
	}
	for _, tt := range tests {
		checkErr(t, "SetID: "+tt.name, s.SetID(tt.key, tt.args), tt.want)
	}
	if err := s.SetID(k, instream.SetIDArgs{LastID: id("7-0")}); errors.Is(err, instream.ErrSetIDBelowMaxDeleted) {
		t.Errorf("SetID(7-0), above the max deleted ID 5-0: %v, want only ErrSetIDTooSmall", err)
	}
}

func testKeys(t *testing.T, e *env) {
	s, a, b, missing := e.s, e.key("a"), e.key("b"), e.key("missing")
	mustAdd(t, s, a, "1-0", "f", "v")
	mustAdd(t, s, b, "1-0", "f", "v")
	n, err := s.Exists(a, b, missing, a)
	check(t, "Exists(a, b, missing, a)", n, err, int64(3))
	typ, err := s.Type(a)
	check(t, "Type(a)", typ, err, "stream")
	_, err = s.DeleteStreams()
	checkErr(t, "DeleteStreams()", err, instream.ErrInvalidArgument)
	_, err = s.Exists()
	checkErr(t, "Exists()", err, instream.ErrInvalidArgument)
	typ, err = s.Type(missing)
	check(t, "Type(missing)", typ, err, "none")
	n, err = s.DeleteStreams(a, b, missing)
	check(t, "DeleteStreams(a, b, missing)", n, err, int64(2))
	n, err = s.Exists(a)
	check(t, "Exists(a) after DeleteStreams", n, err, int64(0))
}

func testTryRead(t *testing.T, e *env) {
	s, a, b := e.s, e.key("a"), e.key("b")
	mustAdd(t, s, a, "1-0", "f", "a1")
	mustAdd(t, s, a, "2-0", "f", "a2")
	mustAdd(t, s, b, "1-0", "f", "b1")
	got, err := s.TryRead(instream.ReadArgs{Streams: []instream.ReadStream{
		{Key: b}, {Key: a, After: id("1-0")}, {Key: e.key("missing")},
	}})
	check(t, "TryRead(b, a after 1-0, missing)", got, err, []instream.StreamEntries{
		{Key: b, Entries: []instream.Entry{entry("1-0", "f", "b1")}},
		{Key: a, Entries: []instream.Entry{entry("2-0", "f", "a2")}},
	})
	got, err = s.TryRead(instream.ReadArgs{Count: 1, Streams: []instream.ReadStream{{Key: a}}})
	check(t, "TryRead(a, count 1)", got, err, []instream.StreamEntries{
		{Key: a, Entries: []instream.Entry{entry("1-0", "f", "a1")}},
	})
	got, err = s.TryRead(instream.ReadArgs{Streams: []instream.ReadStream{{Key: a, New: true}, {Key: b, After: id("1-0")}}})
	check(t, "TryRead(new of a, b after its last)", got, err, nil)
	_, err = s.TryRead(instream.ReadArgs{})
	checkErr(t, "TryRead(no streams)", err, instream.ErrInvalidArgument)

	got, err = s.TryRead(instream.ReadArgs{Streams: []instream.ReadStream{{Key: a, Last: true}}})
	if e.f.LastRead {
		check(t, "TryRead(last of a)", got, err, []instream.StreamEntries{
			{Key: a, Entries: []instream.Entry{entry("2-0", "f", "a2")}},
		})
	} else {
		checkUnsupported(t, e, "TryRead(last of a)", err)
	}
}

func testAddBatch(t *testing.T, e *env) {
	s, k := e.s, e.key("s")
	f := fields("f", "v")
	ids, err := s.AddBatch(k, []instream.AddArgs{
		{ID: id("2-0"), Fields: f},
		{ID: id("1-0"), Fields: f}, // too small: fails alone
		{Fields: nil},              // no fields: fails alone
		{ID: id("3-0"), AutoSeq: true, Fields: f},
	})
	checkErr(t, "AddBatch: the failed entry", err, instream.ErrIDTooSmall)
	checkErr(t, "AddBatch: the entry without fields", err, instream.ErrNoFields)
	if err != nil && (!strings.Contains(err.Error(), "entry 1") || !strings.Contains(err.Error(), "entry 2")) {
		t.Errorf("AddBatch error %q does not name the failed entries 1 and 2", err)
	}
	check(t, "AddBatch IDs", ids, nil, []instream.ID{id("2-0"), {}, {}, id("3-0")})
	got, err := s.Range(k, instream.MinID, instream.MaxID, 0)
	check(t, "Range after AddBatch", got, err, []instream.Entry{entry("2-0", "f", "v"), entry("3-0", "f", "v")})
	ids, err = s.AddBatch(k, nil)
	check(t, "AddBatch(nil)", ids, err, []instream.ID{})
	_, err = s.AddBatch(e.key("missing"), []instream.AddArgs{{NoMkStream: true, Fields: f}})
	checkErr(t, "AddBatch(NoMkStream, missing)", err, instream.ErrNoStream)
}
