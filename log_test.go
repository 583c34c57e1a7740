package instream_test

import (
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/instream/instream"
)

// recLog is a Log that keeps a copy of every record, as the contract
// asks: the engine reuses the bytes it hands to Append.
type recLog struct {
	mu   sync.Mutex
	recs []string
	err  error
}

func (l *recLog) Err() error { return l.err }

func (l *recLog) Append(rec []byte) (uint64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.recs = append(l.recs, string(rec))
	return uint64(len(l.recs)), nil
}

func (l *recLog) Wait(uint64) error { return nil }

// wantRecs checks that the log holds exactly the records want.
func wantRecs(t *testing.T, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("records %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("record %d = %q, want %q", i, got[i], want[i])
		}
	}
}

// resp encodes commands as Redis writes them to its append-only file.
func resp(cmds ...[]string) string {
	var b strings.Builder
	for _, c := range cmds {
		b.WriteString("*" + strconv.Itoa(len(c)) + "\r\n")
		for _, a := range c {
			b.WriteString("$" + strconv.Itoa(len(a)) + "\r\n" + a + "\r\n")
		}
	}
	return b.String()
}

func multi(cmds ...[]string) string {
	return resp(append(append([][]string{{"MULTI"}}, cmds...), []string{"EXEC"})...)
}

func TestLog_records(t *testing.T) {
	long := strings.Repeat("v", 1000)
	tests := []struct {
		name string
		do   func(e *instream.Engine) error
		want []string
	}{
		{"add", func(e *instream.Engine) error {
			_, err := e.Add("s", instream.AddArgs{ID: instream.ID{Ms: 1, Seq: 2}, Fields: []instream.Field{{Name: "f", Value: "v"}}})
			return err
		}, []string{resp([]string{"XADD", "s", "1-2", "f", "v"})}},
		{"ID digits", func(e *instream.Engine) error {
			for _, id := range []instream.ID{{Ms: 9, Seq: 10}, {Ms: 99, Seq: 100}, {Ms: 99, Seq: 1000}, {Ms: 1_700_000_000_123, Seq: 12345}, {Ms: 1<<64 - 1, Seq: 1<<64 - 1}} {
				if _, err := e.Add("s", instream.AddArgs{ID: id, Fields: []instream.Field{{Name: "", Value: long}}}); err != nil {
					return err
				}
			}
			return nil
		}, []string{
			resp([]string{"XADD", "s", "9-10", "", long}),
			resp([]string{"XADD", "s", "99-100", "", long}),
			resp([]string{"XADD", "s", "99-1000", "", long}),
			resp([]string{"XADD", "s", "1700000000123-12345", "", long}),
			resp([]string{"XADD", "s", "18446744073709551615-18446744073709551615", "", long}),
		}},
		{"argument lengths", func(e *instream.Engine) error {
			var fields []instream.Field
			for _, n := range []int{0, 9, 10, 99, 100, 999, 1000} {
				fields = append(fields, instream.Field{Name: strings.Repeat("n", n), Value: strings.Repeat("v", 1099-n)})
			}
			for _, key := range []string{"", strings.Repeat("k", 10), strings.Repeat("k", 100)} {
				for _, n := range []int{1, 4, 5, 49, 50} {
					if _, err := e.Add(key, instream.AddArgs{ID: instream.ID{Ms: uint64(n), Seq: 9}, Fields: fields[:min(n, len(fields))]}); err != nil {
						return err
					}
				}
			}
			return nil
		}, func() []string {
			var want []string
			for _, key := range []string{"", strings.Repeat("k", 10), strings.Repeat("k", 100)} {
				for _, n := range []int{1, 4, 5, 49, 50} {
					cmd := []string{"XADD", key, strconv.Itoa(n) + "-9"}
					for _, m := range []int{0, 9, 10, 99, 100, 999, 1000}[:min(n, 7)] {
						cmd = append(cmd, strings.Repeat("n", m), strings.Repeat("v", 1099-m))
					}
					want = append(want, resp(cmd))
				}
			}
			return want
		}()},
		{"add and trim", func(e *instream.Engine) error {
			for i := range 3 {
				args := instream.AddArgs{ID: instream.ID{Ms: uint64(i + 1)}, Fields: []instream.Field{{Name: "f", Value: "v"}}}
				if i == 2 {
					args.Trim = instream.TrimArgs{Strategy: instream.TrimMaxLen, MaxLen: 1, Refs: instream.DelRef}
				}
				if _, err := e.Add("s", args); err != nil {
					return err
				}
			}
			return nil
		}, []string{
			resp([]string{"XADD", "s", "1-0", "f", "v"}),
			resp([]string{"XADD", "s", "2-0", "f", "v"}),
			resp([]string{"XADD", "s", "DELREF", "MINID", "=", "2-1", "3-0", "f", "v"}),
		}},
		{"one batch, one record", func(e *instream.Engine) error {
			return e.Update(func(x *instream.Tx) error {
				if _, err := x.Add("a", instream.AddArgs{ID: instream.ID{Ms: 5}, Fields: []instream.Field{{Name: "f", Value: "1"}}}); err != nil {
					return err
				}
				_, err := x.Add("b", instream.AddArgs{ID: instream.ID{Ms: 6}, Fields: []instream.Field{{Name: "f", Value: "2"}}})
				return err
			})
		}, []string{multi([]string{"XADD", "a", "5-0", "f", "1"}, []string{"XADD", "b", "6-0", "f", "2"})}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := &recLog{}
			e := instream.New(instream.Options{Log: l})
			defer e.Close()
			if err := tt.do(e); err != nil {
				t.Fatal(err)
			}
			wantRecs(t, l.recs, tt.want)
		})
	}
}

// A change is refused, and nothing recorded, while the log fails.
func TestLog_refusedWhileFailing(t *testing.T) {
	l := &recLog{err: errors.New("disk full")}
	e := instream.New(instream.Options{Log: l})
	defer e.Close()
	_, err := e.Add("s", instream.AddArgs{Fields: []instream.Field{{Name: "f", Value: "v"}}})
	if !errors.Is(err, instream.ErrLogFailed) || len(l.recs) != 0 {
		t.Fatalf("Add = %v with %d records, want ErrLogFailed and none", err, len(l.recs))
	}
}

// readTwo adds 1-0 and 2-0 to s and reads both into consumer c of a new
// group g.
func readTwo(t *testing.T, e *instream.Engine) {
	t.Helper()
	for ms := uint64(1); ms <= 2; ms++ {
		if _, err := e.Add("s", instream.AddArgs{ID: instream.ID{Ms: ms}, Fields: []instream.Field{{Name: "f", Value: "v"}}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.CreateGroup("s", instream.GroupArgs{Group: "g"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.TryReadGroup(instream.ReadGroupArgs{Group: "g", Consumer: "c", Streams: []instream.GroupStream{{Key: "s"}}}); err != nil {
		t.Fatal(err)
	}
}

// A group read is logged as the XCLAIM of each delivery and the group's
// move, in one record; an ack as XACK of the IDs it acknowledged.
func TestLog_readAndAck(t *testing.T) {
	l := &recLog{}
	e := instream.New(instream.Options{Log: l, Clock: instream.NewManualClock(time.UnixMilli(1_700_000_000_123))})
	defer e.Close()
	readTwo(t, e)
	if _, err := e.Ack("s", "g", instream.ID{Ms: 1}, instream.ID{Ms: 3}, instream.ID{Ms: 2}); err != nil {
		t.Fatal(err)
	}
	claim := func(id string) []string {
		return []string{"XCLAIM", "s", "g", "c", "0", id, "TIME", "1700000000123", "RETRYCOUNT", "1", "FORCE", "JUSTID", "LASTID", "2-0"}
	}
	want := []string{
		multi([]string{"XGROUP", "CREATECONSUMER", "s", "g", "c"}, claim("1-0"), claim("2-0"), []string{"XGROUP", "SETID", "s", "g", "2-0", "ENTRIESREAD", "2"}),
		resp([]string{"XACK", "s", "g", "1-0", "2-0"}),
	}
	got := l.recs[len(l.recs)-len(want):]
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("record %d = %q, want %q", i, got[i], want[i])
		}
	}
}

// XDELEX and XACKDEL are logged with the IDs that changed something, as
// XDEL and XACK are: DelRef dropping the references of an entry already
// gone counts, an ID nothing holds does not, and a call that changed
// nothing is not logged.
func TestLog_deleteEx(t *testing.T) {
	l := &recLog{}
	e := instream.New(instream.Options{Log: l})
	defer e.Close()
	readTwo(t, e)
	if _, err := e.DeleteEntries("s", instream.ID{Ms: 1}); err != nil {
		t.Fatal(err)
	}
	n := len(l.recs)
	for _, call := range []func() ([]instream.DeleteResult, error){
		func() ([]instream.DeleteResult, error) {
			return e.DeleteEntriesEx("s", instream.DelRef, instream.ID{Ms: 1}, instream.ID{Ms: 9})
		},
		func() ([]instream.DeleteResult, error) {
			return e.DeleteEntriesEx("s", instream.KeepRef, instream.ID{Ms: 9})
		},
		func() ([]instream.DeleteResult, error) {
			return e.AckDelete("s", "g", instream.KeepRef, instream.ID{Ms: 8}, instream.ID{Ms: 2})
		},
		func() ([]instream.DeleteResult, error) {
			return e.AckDelete("s", "g", instream.KeepRef, instream.ID{Ms: 2})
		},
	} {
		if _, err := call(); err != nil {
			t.Fatal(err)
		}
	}
	wantRecs(t, l.recs[n:], []string{
		resp([]string{"XDELEX", "s", "DELREF", "IDS", "1", "1-0"}),
		resp([]string{"XACKDEL", "s", "g", "KEEPREF", "IDS", "1", "2-0"}),
	})
}

// An idempotent add, a duplicate and SetIdempotencyCounts record the
// stream's counts of idempotent adds and duplicates as an annotation,
// which Redis's loader skips; one too long for its loader is left out.
func TestLog_idempotencyCounts(t *testing.T) {
	long := strings.Repeat("k", 1000)
	note := func(key, added, dups string) string {
		return "#idmp-counts " + strconv.Quote(key) + " " + strconv.Quote(added) + " " + strconv.Quote(dups) + "\r\n"
	}
	withNote := func(rec, n string) string { // n goes before the EXEC
		return strings.TrimSuffix(rec, "*1\r\n$4\r\nEXEC\r\n") + n + "*1\r\n$4\r\nEXEC\r\n"
	}
	tests := []struct {
		name, key string
		want      []string
	}{
		{"short key", "s\n1", []string{
			withNote(multi([]string{"XADD", "s\n1", "1000-0", "f", "v"}, []string{"XIDMPRECORD", "s\n1", "p", "a", "1000-0"}), note("s\n1", "1", "0")),
			note("s\n1", "1", "1"),
			note("s\n1", "7", "9"),
		}},
		{"key too long for Redis's loader", long, []string{
			multi([]string{"XADD", long, "1000-0", "f", "v"}, []string{"XIDMPRECORD", long, "p", "a", "1000-0"}),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := &recLog{}
			e := instream.New(instream.Options{Log: l, Clock: instream.NewManualClock(time.UnixMilli(1000))})
			defer e.Close()
			args := instream.AddArgs{Producer: "p", IdempotencyID: "a", Fields: []instream.Field{{Name: "f", Value: "v"}}}
			for range 2 {
				if _, err := e.AddIdempotent(tt.key, args); err != nil {
					t.Fatal(err)
				}
			}
			for range 2 { // the second changes nothing: no record
				if err := e.SetIdempotencyCounts(tt.key, 7, 9); err != nil {
					t.Fatal(err)
				}
			}
			wantRecs(t, l.recs, tt.want)
			info, err := e.Info(tt.key)
			if err != nil || info.IdempotentAdds != 7 || info.Duplicates != 9 {
				t.Errorf("Info = %d adds, %d duplicates, %v; want 7, 9", info.IdempotentAdds, info.Duplicates, err)
			}
		})
	}
}
