package persist_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/instream/instream/aof"
	"github.com/instream/instream/persist"
)

// TestOpen_replayError opens logs whose records are intact but fail to
// apply: Open fails with ErrReplay, naming the file and the offset of the
// record that failed, also when it follows a run of XADDs that replay
// batches.
func TestOpen_replayError(t *testing.T) {
	xadds := func(key string, from, to int) [][]string {
		var out [][]string
		for i := from; i <= to; i++ {
			out = append(out, []string{"XADD", key, strconv.Itoa(i) + "-0", "f", "v"})
		}
		return out
	}
	cat := func(parts ...[][]string) [][]string {
		var out [][]string
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	tests := []struct {
		name string
		log  [][]string // one command per record
		bad  int        // the record that fails
	}{
		{"the same ID twice", cat(xadds("s", 1, 1), xadds("s", 1, 1)), 1},
		{"in a run", cat(xadds("s", 1, 3), xadds("s", 2, 2), xadds("s", 5, 6)), 3},
		{"a run longer than a batch", cat(xadds("s", 1, 1500), xadds("s", 1500, 1500)), 1500},
		{"after another key", cat(xadds("s", 5, 5), xadds("t", 1, 1), xadds("s", 3, 3)), 2},
		{"after XSETID", cat(xadds("s", 1, 1), [][]string{{"XSETID", "s", "10-0"}}, xadds("s", 7, 7)), 2},
		{"not an XADD", cat(xadds("s", 1, 2), [][]string{{"XGROUP", "CREATE", "s", "g", "0"}, {"XGROUP", "CREATE", "s", "g", "0"}}), 3},
		{"two writers interleaved", cat(xadds("s", 1, 2), xadds("s", 1, 2)), 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			l, _, err := aof.Open(aof.Options{Dir: dir, Fsync: aof.No}, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, cmd := range tt.log {
				if _, err := l.Append(cmd); err != nil {
					t.Fatal(err)
				}
			}
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			const file = "appendonly.aof.1.incr.aof"
			offs := recordOffsets(t, filepath.Join(dir, "appendonlydir", file))
			if len(offs) != len(tt.log) {
				t.Fatalf("%d records in the file, want %d", len(offs), len(tt.log))
			}

			db, err := persist.Open(dir, persist.Options{})
			if err == nil {
				db.Close()
				t.Fatal("Open succeeded")
			}
			if !errors.Is(err, persist.ErrReplay) {
				t.Errorf("error %v does not match ErrReplay", err)
			}
			var re *aof.RecordError
			if !errors.As(err, &re) || re.File != file || re.Offset != offs[tt.bad] {
				t.Fatalf("error %v: want a RecordError at %s offset %d (record %d)", err, file, offs[tt.bad], tt.bad)
			}
		})
	}
}

// recordOffsets returns where each record of a file this package wrote
// begins: at each "#R <length> <checksum>" line.
func recordOffsets(t *testing.T, path string) []int64 {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var offs []int64
	pos := bytes.IndexByte(b, '\n') + 1 // after the header
	for pos < len(b) {
		end := bytes.IndexByte(b[pos:], '\n')
		var n int
		if end < 0 || !bytes.HasPrefix(b[pos:], []byte("#R ")) {
			t.Fatalf("no record line at offset %d", pos)
		}
		if _, err := fmt.Sscanf(string(b[pos:pos+end]), "#R %d", &n); err != nil {
			t.Fatalf("record line at offset %d: %v", pos, err)
		}
		offs = append(offs, int64(pos))
		pos += end + 1 + n
	}
	return offs
}
