package instream_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/instream/instream"
)

// snapID is the ID of the i-th entry snapEngine adds.
func snapID(i int) string { return fmt.Sprintf("%d-%d", 1000+i/3, i%3) }

// snapEngine returns an engine whose stream "s" spans many small nodes,
// with deleted entries, two groups with pending records in several
// chunks (some of deleted entries, some nacked), an idle consumer and
// idempotency records.
func snapEngine(t *testing.T) *instream.Engine {
	t.Helper()
	e := instream.New(instream.Options{NodeMaxEntries: 4})
	t.Cleanup(func() { e.Close() })
	do := func(args ...string) {
		t.Helper()
		if _, err := e.Do(context.Background(), args...); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
	}
	for i := range 1000 {
		do("XADD", "s", snapID(i), "f", fmt.Sprint(i), "g", "x")
	}
	do("XADD", "s", "IDMP", "p", "i1", "*", "f", "idmp")
	do("XGROUP", "CREATE", "s", "g", "0")
	do("XGROUP", "CREATE", "s", "h", "0")
	do("XREADGROUP", "GROUP", "g", "c1", "COUNT", "600", "STREAMS", "s", ">")
	do("XREADGROUP", "GROUP", "g", "c2", "COUNT", "100", "STREAMS", "s", ">")
	do("XREADGROUP", "GROUP", "h", "c1", "COUNT", "10", "STREAMS", "s", ">")
	do("XGROUP", "CREATECONSUMER", "s", "g", "idle")
	do("XNACK", "s", "g", "FAIL", "IDS", "2", snapID(5), snapID(650))
	do("XDEL", "s", snapID(7), snapID(8), snapID(300), snapID(999))
	return e
}

// snapCommands returns the commands of sn, one per line.
func snapCommands(t *testing.T, sn *instream.Snapshot) string {
	t.Helper()
	var b strings.Builder
	if err := sn.Commands(func(cmd ...string) error {
		b.WriteString(strings.Join(cmd, " "))
		b.WriteByte('\n')
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestSnapshot_PointInTime changes every kind of state a snapshot reads
// after the cut, while its commands are being written and after, and
// checks that the snapshot still gives the commands it gave before.
func TestSnapshot_PointInTime(t *testing.T) {
	tests := []struct {
		name string
		cmds [][]string
	}{
		{"entries added to the last node", [][]string{
			{"XADD", "s", "*", "f", "new"}, {"XADD", "s", "*", "other", "names"},
			{"XADD", "s", "*", "f", "new"}, {"XADD", "s", "*", "f", "new"},
		}},
		{"entries deleted in shared nodes", [][]string{
			{"XDEL", "s", snapID(0), snapID(1), snapID(2), snapID(3)},
			{"XDEL", "s", snapID(501), snapID(998), "1000-0"},
		}},
		{"exact trim", [][]string{{"XTRIM", "s", "MAXLEN", "555"}}},
		{"approximate trim", [][]string{{"XTRIM", "s", "MINID", "~", snapID(400)}}},
		{"pending acked", [][]string{
			{"XACK", "s", "g", snapID(0), snapID(1), snapID(350), snapID(699)},
			{"XACKDEL", "s", "g", "IDS", "1", snapID(200)},
			{"XACK", "s", "h", snapID(0), snapID(9)},
		}},
		{"pending delivered", [][]string{
			{"XREADGROUP", "GROUP", "g", "c2", "COUNT", "50", "STREAMS", "s", ">"},
			{"XREADGROUP", "GROUP", "h", "c3", "COUNT", "500", "STREAMS", "s", ">"},
		}},
		{"pending claimed and nacked", [][]string{
			{"XCLAIM", "s", "g", "c2", "0", snapID(10), snapID(400), "RETRYCOUNT", "9"},
			{"XCLAIM", "s", "g", "c3", "0", snapID(300), "FORCE"},
			{"XNACK", "s", "g", "FAIL", "IDS", "2", snapID(20), snapID(620)},
		}},
		{"consumers", [][]string{
			{"XGROUP", "DELCONSUMER", "s", "g", "c2"},
			{"XGROUP", "DELCONSUMER", "s", "g", "idle"},
			{"XGROUP", "CREATECONSUMER", "s", "g", "c9"},
			{"XREADGROUP", "GROUP", "g", "c9", "COUNT", "5", "STREAMS", "s", ">"},
		}},
		{"group ids", [][]string{
			{"XGROUP", "SETID", "s", "g", "0", "ENTRIESREAD", "3"},
			{"XGROUP", "DESTROY", "s", "h"},
			{"XGROUP", "CREATE", "s", "k", "$"},
		}},
		{"stream ids and idempotency", [][]string{
			{"XSETID", "s", "9999999999999-0", "ENTRIESADDED", "5000", "MAXDELETEDID", "9000-0"},
			{"XADD", "s", "IDMP", "p", "i2", "*", "f", "idmp"},
			{"XCFGSET", "s", "IDMP-DURATION", "50", "IDMP-MAXSIZE", "7"},
		}},
		{"stream deleted and made again", [][]string{
			{"DEL", "s"}, {"XADD", "s", "1-1", "f", "v"},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := snapEngine(t)
			sn, err := e.Snapshot(nil)
			if err != nil {
				t.Fatal(err)
			}
			want := snapCommands(t, sn)
			// Once while the commands are written, once after.
			during := make(chan string, 1)
			go func() {
				var b strings.Builder
				sn.Commands(func(cmd ...string) error {
					b.WriteString(strings.Join(cmd, " "))
					b.WriteByte('\n')
					return nil
				})
				during <- b.String()
			}()
			for _, cmd := range tc.cmds {
				if _, err := e.Do(context.Background(), cmd...); err != nil {
					t.Fatalf("%v: %v", cmd, err)
				}
			}
			if err := instream.Check(e); err != nil {
				t.Fatalf("after the changes: %v", err)
			}
			if got := <-during; got != want {
				t.Errorf("commands written during the changes differ:\n%s", diffLines(want, got))
			}
			if got := snapCommands(t, sn); got != want {
				t.Errorf("commands written after the changes differ:\n%s", diffLines(want, got))
			}
			// The engine changed: a snapshot now must differ.
			now, err := e.Snapshot(nil)
			if err != nil {
				t.Fatal(err)
			}
			if snapCommands(t, now) == want {
				t.Errorf("the changes %v did not change the snapshot", tc.cmds)
			}
		})
	}
}

// diffLines returns the first lines where want and got differ.
func diffLines(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := range max(len(w), len(g)) {
		a, b := "", ""
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			return fmt.Sprintf("line %d:\nwant %q\n got %q", i+1, a, b)
		}
	}
	return "(same lines)"
}
