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

// rewritten builds a log whose base holds the commands of records
// [0, 5) and whose incremental file holds records [5, 10), and returns
// the records a reader must yield: each base command alone, then the
// incremental records.
func rewritten(t *testing.T) (*crashfs.FS, aof.Options, [][][]string) {
	t.Helper()
	fs := crashfs.New()
	opts := aof.Options{FS: fs, Dir: "/d", Fsync: aof.Always}
	l, _, _ := open(t, opts)
	appendN(t, l, 0, 5)
	r := cutRewrite(t, l)
	var want [][][]string
	err := r.WriteBase(func(w *aof.BaseWriter) error {
		for i := range 5 {
			for _, c := range record(i) {
				want = append(want, [][]string{c})
				if err := w.Add(c...); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Commit(); err != nil {
		t.Fatal(err)
	}
	appendN(t, l, 5, 10)
	size, base := l.Size()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	b1, _ := fs.ReadFile(baseFile)
	b2, _ := fs.ReadFile(incrFile)
	if size != int64(len(b1)+len(b2)) || base >= size || base < int64(len(b1)) {
		t.Fatalf("Size = %d, %d; files hold %d + %d bytes", size, base, len(b1), len(b2))
	}
	for i := 5; i < 10; i++ {
		want = append(want, record(i))
	}
	names, _ := fs.ReadDir("/d/appendonlydir")
	if !slices.Equal(names, []string{"appendonly.aof.2.base.aof", "appendonly.aof.2.incr.aof", "appendonly.aof.manifest"}) {
		t.Fatalf("files after a rewrite: %q", names)
	}
	got, rec, err := collect(t, opts)
	if err != nil || rec.Cut != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("Read = %q, %+v, %v; want %q", got, rec, err, want)
	}
	return fs, opts, want
}

const (
	baseFile = "/d/appendonlydir/appendonly.aof.2.base.aof"
	incrFile = "/d/appendonlydir/appendonly.aof.2.incr.aof"
	manFile  = "/d/appendonlydir/appendonly.aof.manifest"
)

// recordStarts returns the offsets where the records of an incremental
// file begin, and its length.
func recordStarts(b []byte) []int {
	var starts []int
	s := string(b)
	for i := len(aof.FileHeader); i < len(s); {
		starts = append(starts, i)
		j := strings.Index(s[i+1:], "#R ")
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return starts
}

func TestRead_tornIncr(t *testing.T) {
	fs, opts, want := rewritten(t)
	full, _ := fs.ReadFile(incrFile)
	starts := append(recordStarts(full), len(full))
	baseRecords := len(want) - 5
	for n := 0; n <= len(full); n++ {
		fs.WriteFile(incrFile, full[:n])
		got, rec, err := collect(t, opts)
		if err != nil {
			t.Fatalf("incr cut to %d bytes: %v", n, err)
		}
		k := 0 // complete records
		for k+1 < len(starts) && starts[k+1] <= n {
			k++
		}
		if !reflect.DeepEqual(got, want[:baseRecords+k]) {
			t.Fatalf("incr cut to %d bytes: %d records, want %d", n, len(got), baseRecords+k)
		}
		boundary := n == starts[k] || n == len(full) || n == 0
		switch {
		case boundary && rec.Cut != nil:
			t.Fatalf("incr cut to %d bytes at a boundary: reported %+v", n, rec.Cut)
		case !boundary && (rec.Cut == nil || rec.Cut.Offset != int64(max(starts[k], 0)) && n >= len(aof.FileHeader) || rec.Cut.Bytes != int64(n)-rec.Cut.Offset):
			t.Fatalf("incr cut to %d bytes: Cut = %+v, want from %d", n, rec.Cut, starts[k])
		}
	}
	// Open cuts the file, then appends after the last complete record.
	fs.WriteFile(incrFile, full[:starts[3]+7])
	l, got, rec := open(t, opts)
	if rec.Cut == nil || rec.Cut.Offset != int64(starts[3]) || rec.Cut.File != "appendonly.aof.2.incr.aof" || len(got) != baseRecords+3 {
		t.Fatalf("Open: Cut = %+v, %d records", rec.Cut, len(got))
	}
	appendN(t, l, 8, 10)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	got, rec, err := collect(t, opts)
	if err != nil || rec.Cut != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("after Open cut and appended: %d records, Cut %+v, %v", len(got), rec.Cut, err)
	}
}

// Zeros where the last write was to go are a torn tail; other garbage is
// damage.
func TestRead_tailGarbage(t *testing.T) {
	fs, opts, want := rewritten(t)
	full, _ := fs.ReadFile(incrFile)
	fs.WriteFile(incrFile, append(slices.Clone(full), make([]byte, 100)...))
	got, rec, err := collect(t, opts)
	if err != nil || rec.Cut == nil || rec.Cut.Offset != int64(len(full)) || rec.Cut.Bytes != 100 || len(got) != len(want) {
		t.Fatalf("zero tail: %d records, Cut %+v, %v", len(got), rec.Cut, err)
	}
	for _, garbage := range []string{"+OK\r\n", "*1\r\n+OK\r\n"} {
		fs.WriteFile(incrFile, append(slices.Clone(full), garbage...))
		_, _, err = collect(t, opts)
		var ce *aof.CorruptError
		if !errors.As(err, &ce) || ce.Offset != int64(len(full)) {
			t.Fatalf("%q at the end: %v, want a CorruptError at %d", garbage, err, len(full))
		}
	}
}

func TestRead_tornBase(t *testing.T) {
	fs, opts, _ := rewritten(t)
	full, _ := fs.ReadFile(baseFile)
	for n := 1; n < len(full); n++ {
		fs.WriteFile(baseFile, full[:n])
		_, _, err := collect(t, opts)
		var ce *aof.CorruptError
		if !errors.As(err, &ce) || ce.File != "appendonly.aof.2.base.aof" {
			t.Fatalf("base cut to %d bytes: %v, want a CorruptError naming the base", n, err)
		}
	}
}

// Every flipped bit of the base and incremental files is refused,
// except in the length of the last record, which reads as a torn tail
// and is reported.
func TestRead_flippedBits(t *testing.T) {
	fs, opts, want := rewritten(t)
	for _, name := range []string{baseFile, incrFile} {
		full, _ := fs.ReadFile(name)
		starts := recordStarts(full)
		last := starts[len(starts)-1]
		for i := range full {
			for bit := range 8 {
				b := slices.Clone(full)
				b[i] ^= 1 << bit
				fs.WriteFile(name, b)
				got, rec, err := collect(t, opts)
				if err != nil {
					if !errors.Is(err, aof.ErrCorrupt) || !strings.Contains(err.Error(), "appendonly.aof.2.") {
						t.Fatalf("%s: bit %d of byte %d: %v does not name the file", name, bit, i, err)
					}
					continue
				}
				if name == incrFile && rec.Cut != nil && rec.Cut.Offset == int64(last) && i > last && i < last+16 {
					continue
				}
				t.Fatalf("%s: bit %d of byte %d (%q) flipped: read %d records (want %d), Cut %+v, no error",
					name, bit, i, full[i], len(got), len(want), rec.Cut)
			}
		}
		fs.WriteFile(name, full)
	}
}

func TestRead_manifestDamage(t *testing.T) {
	fs, opts, _ := rewritten(t)
	full, _ := fs.ReadFile(manFile)
	fs.WriteFile(manFile, full[:20])
	if _, _, err := collect(t, opts); !errors.Is(err, aof.ErrCorrupt) || !strings.Contains(err.Error(), "manifest") {
		t.Fatalf("torn manifest: %v", err)
	}
	b := slices.Clone(full)
	b[strings.Index(string(b), "seq 2 type i")+4] = '3'
	fs.WriteFile(manFile, b)
	if _, _, err := collect(t, opts); !errors.Is(err, aof.ErrCorrupt) || !strings.Contains(err.Error(), "checksum") {
		t.Fatalf("changed seq: %v", err)
	}
	fs.WriteFile(manFile, full)
	if err := fs.Remove(incrFile); err != nil {
		t.Fatal(err)
	}
	if _, _, err := collect(t, opts); err == nil || !strings.Contains(err.Error(), "appendonly.aof.2.incr.aof") {
		t.Fatalf("missing incr file: %v", err)
	}
}
