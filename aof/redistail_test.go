package aof_test

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/instream/instream/aof"
	"github.com/instream/instream/aof/crashfs"
)

const ownIncr = "/d/appendonlydir/appendonly.aof.1.incr.aof"

// redisUnit is what redis-server appends as one piece: the record it
// stands for, or nil for a SELECT or an annotation.
type redisUnit struct {
	text   string
	record [][]string
}

// redisTail is what redis-server 7.0 appends to the last incremental file
// when it runs on the directory: a timestamp (aof-timestamp-enabled yes),
// SELECT 0, a command, and a MULTI … EXEC group.
var redisTail = []redisUnit{
	{text: "#TS:1700000000\r\n"},
	{text: resp("SELECT", "0")},
	{text: resp("XADD", "s", "100-1", "f", "r"), record: [][]string{{"XADD", "s", "100-1", "f", "r"}}},
	{
		text:   resp("MULTI") + resp("XADD", "s", "101-1", "f", "r") + resp("XCLAIM", "s", "g", "c", "0", "101-1", "FORCE", "JUSTID") + resp("EXEC"),
		record: [][]string{{"XADD", "s", "101-1", "f", "r"}, {"XCLAIM", "s", "g", "c", "0", "101-1", "FORCE", "JUSTID"}},
	},
}

// withRedisTail writes records [0, 3) with a log, then appends redisTail
// to its incremental file as Redis would, and returns the file's bytes,
// where Redis's part begins, and the records a reader must yield.
func withRedisTail(t *testing.T) (*crashfs.FS, aof.Options, []byte, int, [][][]string) {
	t.Helper()
	fs := crashfs.New()
	opts := aof.Options{FS: fs, Dir: "/d", Fsync: aof.Always}
	l, _, _ := open(t, opts)
	appendN(t, l, 0, 3)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	ours, err := fs.ReadFile(ownIncr)
	if err != nil {
		t.Fatal(err)
	}
	full := slices.Clone(ours)
	want := [][][]string{record(0), record(1), record(2)}
	for _, u := range redisTail {
		full = append(full, u.text...)
		if u.record != nil {
			want = append(want, u.record)
		}
	}
	fs.WriteFile(ownIncr, full)
	return fs, opts, full, len(ours), want
}

// Commands Redis appended to a file of this package read as they do in a
// file Redis wrote; cut anywhere inside them, the file reads up to the
// last whole command or MULTI … EXEC, and the rest is reported as cut.
func TestRead_redisTail(t *testing.T) {
	fs, opts, full, ourLen, want := withRedisTail(t)
	ends := []int{ourLen} // where each unit of Redis's ends
	for _, u := range redisTail {
		ends = append(ends, ends[len(ends)-1]+len(u.text))
	}
	for n := ourLen; n <= len(full); n++ {
		fs.WriteFile(ownIncr, full[:n])
		got, rec, err := collect(t, opts)
		if err != nil {
			t.Fatalf("cut to %d bytes: %v", n, err)
		}
		k := 0 // whole units
		for k+1 < len(ends) && ends[k+1] <= n {
			k++
		}
		records := 3
		for _, u := range redisTail[:k] {
			if u.record != nil {
				records++
			}
		}
		var cut *aof.Cut
		if n != ends[k] {
			cut = &aof.Cut{File: "appendonly.aof.1.incr.aof", Offset: int64(ends[k]), Bytes: int64(n - ends[k])}
		}
		if !reflect.DeepEqual(got, want[:records]) || !reflect.DeepEqual(rec.Cut, cut) {
			t.Fatalf("cut to %d bytes: read %q, Cut %+v; want %d records, Cut %+v", n, got, rec.Cut, records, cut)
		}
	}
	// Zeros where Redis's last write was to go are a torn tail too.
	fs.WriteFile(ownIncr, append(slices.Clone(full), make([]byte, 50)...))
	got, rec, err := collect(t, opts)
	if err != nil || !reflect.DeepEqual(got, want) || !reflect.DeepEqual(rec.Cut, &aof.Cut{File: "appendonly.aof.1.incr.aof", Offset: int64(len(full)), Bytes: 50}) {
		t.Fatalf("zeros after Redis's commands: read %d records, Cut %+v, %v", len(got), rec.Cut, err)
	}
}

// After Redis appended to it, Open cuts a torn tail of Redis's, appends
// checksummed records to the same file, and the next Open reads it all,
// again after Redis appended more.
func TestOpen_redisTail(t *testing.T) {
	fs, opts, full, _, want := withRedisTail(t)
	torn := len(full) - 3 // inside the EXEC
	fs.WriteFile(ownIncr, full[:torn])
	l, got, rec := open(t, opts)
	multi := strings.LastIndex(string(full), resp("MULTI"))
	if rec.Cut == nil || rec.Cut.Offset != int64(multi) || !reflect.DeepEqual(got, want[:4]) {
		t.Fatalf("Open: read %q, Cut %+v; want 4 records, cut at %d", got, rec.Cut, multi)
	}
	appendN(t, l, 3, 5)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	b, _ := fs.ReadFile(ownIncr)
	if !strings.HasPrefix(string(b[multi:]), "#R ") {
		t.Fatalf("appended after Redis's commands: %q, want a checksummed record", b[multi:])
	}
	more := resp("SELECT", "0") + resp("XDEL", "s", "1-1")
	fs.WriteFile(ownIncr, append(b, more...))
	want = append(want[:4], record(3), record(4), [][]string{{"XDEL", "s", "1-1"}})

	l, got, rec = open(t, opts)
	if rec.Cut != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("second Open: read %q, Cut %+v; want %q", got, rec.Cut, want)
	}
	appendN(t, l, 5, 6)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	got, rec, err := collect(t, opts)
	if err != nil || rec.Cut != nil || !reflect.DeepEqual(got, append(want, record(5))) {
		t.Fatalf("third read: %q, Cut %+v, %v", got, rec.Cut, err)
	}
	names, _ := fs.ReadDir("/d/appendonlydir")
	if !slices.Equal(names, []string{"appendonly.aof.1.base.aof", "appendonly.aof.1.incr.aof", "appendonly.aof.manifest"}) {
		t.Fatalf("files: %q, want one incremental file", names)
	}
}

// A flipped bit in this package's records is refused also when Redis's
// commands follow them: even in the length of the last record, which
// alone would read as a torn tail.
func TestRead_redisTailFlippedBits(t *testing.T) {
	fs, opts, full, ourLen, _ := withRedisTail(t)
	for i := range ourLen {
		for bit := range 8 {
			b := slices.Clone(full)
			b[i] ^= 1 << bit
			fs.WriteFile(ownIncr, b)
			got, rec, err := collect(t, opts)
			if !errors.Is(err, aof.ErrCorrupt) || !strings.Contains(err.Error(), "appendonly.aof.1.incr.aof") {
				t.Fatalf("bit %d of byte %d (%q) flipped: read %d records, Cut %+v, %v; want ErrCorrupt naming the file",
					bit, i, full[i], len(got), rec.Cut, err)
			}
		}
	}
}

// Damage among Redis's commands, or a record of this package inside
// Redis's unfinished MULTI, is refused with the file and the offset; so
// is a torn tail of Redis's in a file that is not the last.
func TestRead_redisTailDamage(t *testing.T) {
	_, _, full, ourLen, _ := withRedisTail(t)
	ours := string(full[:ourLen])
	rec := string(aof.AppendRecord(nil, record(9)))
	xadd := resp("XADD", "s", "100-1", "f", "r")
	tests := []struct {
		name   string
		incrs  []string
		offset int
	}{
		{name: "bad RESP before a record", incrs: []string{ours + "*1\r\n+OK\r\n" + rec}, offset: ourLen},
		{name: "bulk not ended by CRLF", incrs: []string{ours + xadd[:len(xadd)-2] + "xx" + rec}, offset: ourLen},
		{name: "garbage at the end", incrs: []string{ours + xadd + "+OK\r\n"}, offset: ourLen + len(xadd)},
		{name: "record inside MULTI", incrs: []string{ours + resp("MULTI") + xadd + rec + resp("EXEC")}, offset: ourLen + len(resp("MULTI")) + len(xadd)},
		{name: "not a timestamp", incrs: []string{ours + "#TS:17x\r\n" + xadd}, offset: ourLen},
		{name: "EXEC without MULTI", incrs: []string{ours + resp("EXEC")}, offset: ourLen},
		{name: "torn before the last file", incrs: []string{ours + resp("MULTI") + xadd, aof.FileHeader + rec}, offset: ourLen},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := redisDir(crashfs.New(), "", tt.incrs...)
			_, _, err := collect(t, opts)
			var ce *aof.CorruptError
			if !errors.As(err, &ce) || ce.File != "appendonly.aof.1.incr.aof" || ce.Offset != int64(tt.offset) {
				t.Fatalf("Read: %v, want a CorruptError in appendonly.aof.1.incr.aof at %d", err, tt.offset)
			}
		})
	}
}

// A torn record whose value holds the bytes of Redis's SELECT is a torn
// tail: only a SELECT command after the record's length runs past the
// end shows that Redis appended there.
func TestRead_tornRecordHoldingSelect(t *testing.T) {
	fs := crashfs.New()
	opts := aof.Options{FS: fs, Dir: "/d", Fsync: aof.Always}
	l, _, _ := open(t, opts)
	appendN(t, l, 0, 2)
	last := [][]string{{"XADD", "s", "9-1", "cmd", resp("SELECT", "0") + resp("XADD", "s", "*", "f", "v")}}
	if _, err := l.Append(last...); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	full, _ := fs.ReadFile(ownIncr)
	start := len(full) - len(aof.AppendRecord(nil, last))
	for _, n := range []int{len(full) - 1, len(full) - 8} {
		fs.WriteFile(ownIncr, full[:n])
		got, rec, err := collect(t, opts)
		want := &aof.Cut{File: "appendonly.aof.1.incr.aof", Offset: int64(start), Bytes: int64(n - start)}
		if err != nil || !reflect.DeepEqual(got, [][][]string{record(0), record(1)}) || !reflect.DeepEqual(rec.Cut, want) {
			t.Fatalf("cut to %d bytes: read %q, Cut %+v, %v; want 2 records, Cut %+v", n, got, rec.Cut, err, want)
		}
	}
}

// A crash that tears a record right after its checksum line leaves the
// line alone at the end; Redis reads it as an annotation and appends
// after it. The file reads as Redis loads it: the line skipped, with or
// without Redis's timestamp. Alone at the end, the line is a torn tail.
func TestRead_recordLineBeforeRedisTail(t *testing.T) {
	fs, opts, full, ourLen, want := withRedisTail(t)
	r3 := aof.AppendRecord(nil, record(3))
	line := r3[:strings.Index(string(r3), "\n")+1]
	ours := append(slices.Clone(full[:ourLen]), line...)
	for _, tail := range []string{string(full[ourLen:]), string(full[ourLen+len(redisTail[0].text):])} {
		fs.WriteFile(ownIncr, append(slices.Clone(ours), tail...))
		got, rec, err := collect(t, opts)
		if err != nil || rec.Cut != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("tail %.20q: read %q, Cut %+v, %v; want %q", tail, got, rec.Cut, err, want)
		}
	}
	fs.WriteFile(ownIncr, ours)
	got, rec, err := collect(t, opts)
	cut := &aof.Cut{File: "appendonly.aof.1.incr.aof", Offset: int64(ourLen), Bytes: int64(len(line))}
	if err != nil || !reflect.DeepEqual(rec.Cut, cut) || len(got) != 3 {
		t.Fatalf("the line alone at the end: read %d records, Cut %+v, %v; want 3, Cut %+v", len(got), rec.Cut, err, cut)
	}
}

// A record that verifies is read as a record even if it begins with
// SELECT, as one appended through Log.Append may: only a checksum line
// whose record does not follow whole can be one Redis kept alone.
func TestRead_selectRecord(t *testing.T) {
	fs := crashfs.New()
	opts := aof.Options{FS: fs, Dir: "/d", Fsync: aof.Always}
	l, _, _ := open(t, opts)
	want := [][][]string{record(0), {{"SELECT", "0"}}, {{"SELECT", "0"}, {"XADD", "s", "5-1", "f", "v"}}, record(1)}
	for _, r := range want {
		if _, err := l.Append(r...); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := l.AppendRESP([]byte(resp("SELECT", "0") + resp("XADD", "s", "6-1", "f", "v"))); err != nil {
		t.Fatal(err)
	}
	want = append(want, [][]string{{"SELECT", "0"}}, [][]string{{"XADD", "s", "6-1", "f", "v"}})
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	got, rec, err := collect(t, opts)
	if err != nil || rec.Cut != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("read %q, Cut %+v, %v; want %q", got, rec.Cut, err, want)
	}
}

// Cut anywhere in Redis's commands after a checksum line Redis kept
// alone, the file opens, and appends after the cut read back: a cut
// right after the line takes the line too, as Redis's loader cuts it.
func TestOpen_recordLineBeforeTornRedisTail(t *testing.T) {
	fs, opts, full, ourLen, want := withRedisTail(t)
	r3 := aof.AppendRecord(nil, record(3))
	line := r3[:strings.Index(string(r3), "\n")+1]
	b := append(append(slices.Clone(full[:ourLen]), line...), full[ourLen:]...)
	tail := ourLen + len(line)
	for n := tail + 1; n < len(b); n++ {
		fs.WriteFile(ownIncr, b[:n])
		l, got, _ := open(t, opts)
		appendN(t, l, 5, 6)
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
		got, rec, err := collect(t, opts)
		if err != nil || rec.Cut != nil || len(got) < 4 || !reflect.DeepEqual(got[:3], want[:3]) || !reflect.DeepEqual(got[len(got)-1], record(5)) {
			t.Fatalf("cut to %d bytes, opened and appended to: read %q, Cut %+v, %v", n, got, rec.Cut, err)
		}
	}
}
