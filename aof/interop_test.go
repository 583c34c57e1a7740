package aof_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/instream/instream/aof"
	"github.com/instream/instream/internal/redisaof"
)

// state returns what must survive a reload of key: XRANGE, XINFO STREAM
// FULL without the consumers' seen and active times (set by the clock at
// the moment a command runs), and XPENDING's summary.
func serverState(t *testing.T, s *redisaof.Server, key string, groups ...string) []any {
	t.Helper()
	out := []any{s.Must(t, "XRANGE", key, "-", "+"), stripTimes(s.Must(t, "XINFO", "STREAM", key, "FULL"))}
	for _, g := range groups {
		out = append(out, s.Must(t, "XPENDING", key, g))
	}
	return out
}

func stripTimes(v any) any {
	switch v := v.(type) {
	case []any:
		var out []any
		for i := 0; i < len(v); i++ {
			if s, ok := v[i].(string); ok && (s == "seen-time" || s == "active-time") && i+1 < len(v) {
				i++
				continue
			}
			out = append(out, stripTimes(v[i]))
		}
		return out
	}
	return v
}

// interopRecords are records in the form the engine will log: effects
// with concrete IDs, group reads as XCLAIM … FORCE JUSTID LASTID, NOACK
// reads as XGROUP SETID … ENTRIESREAD, several effects of one call as one
// record.
var interopRecords = [][][]string{
	{{"XADD", "s", "1700000000000-0", "name", "a", "n", "1"}},
	{{"XADD", "s", "1700000000001-0", "name", "b"}},
	{{"XADD", "s", "1700000000001-1", "name", "c"}},
	{{"XGROUP", "CREATE", "s", "g", "0", "ENTRIESREAD", "0"}},
	{{"XGROUP", "CREATE", "s", "h", "$", "ENTRIESREAD", "3"}},
	{
		{"XCLAIM", "s", "g", "alice", "0", "1700000000000-0", "TIME", "1700000005000", "RETRYCOUNT", "1", "FORCE", "JUSTID", "LASTID", "1700000000000-0"},
		{"XCLAIM", "s", "g", "alice", "0", "1700000000001-0", "TIME", "1700000005000", "RETRYCOUNT", "1", "FORCE", "JUSTID", "LASTID", "1700000000001-0"},
	},
	{{"XGROUP", "SETID", "s", "g", "1700000000001-1", "ENTRIESREAD", "3"}},
	{{"XGROUP", "CREATECONSUMER", "s", "g", "bob"}},
	{{"XCLAIM", "s", "g", "bob", "0", "1700000000000-0", "TIME", "1700000009000", "RETRYCOUNT", "2", "FORCE", "JUSTID", "LASTID", "1700000000001-1"}},
	{{"XACK", "s", "g", "1700000000001-0"}},
	{{"XADD", "s", "MAXLEN", "=", "3", "1700000000002-0", "name", "d"}, {"XDEL", "s", "1700000000001-1"}},
	{{"XADD", "t", "5-5", "x", ""}},
	{{"XTRIM", "t", "MINID", "=", "6-0"}},
	{{"XSETID", "t", "9-9", "ENTRIESADDED", "7", "MAXDELETEDID", "5-5"}},
}

// A directory this package wrote, a rewrite included, loads into
// redis-server 7.0 and gives the state the same commands give when run
// directly.
func TestInterop_redisLoadsOurs(t *testing.T) {
	ref := redisaof.Start(t, t.TempDir(), "appendonlydir", false)
	for _, r := range interopRecords {
		if len(r) > 1 {
			ref.Must(t, "MULTI")
		}
		for _, c := range r {
			ref.Must(t, c...)
		}
		if len(r) > 1 {
			ref.Must(t, "EXEC")
		}
	}
	want := append(serverState(t, ref, "s", "g", "h"), serverState(t, ref, "t")...)

	dir := t.TempDir()
	opts := aof.Options{Dir: dir, DirName: "ours", Fsync: aof.Always}
	l, _, _ := open(t, opts)
	half := 6
	// Annotations, which Redis's loader must skip: in every record, in
	// MULTI too, and in the base, up to the longest line it reads whole.
	notes := [][]string{{"#n", "s", "1", "2"}, {"#n", strings.Repeat("x", 1016)}}
	for i, r := range interopRecords[:half] {
		seq, err := l.Append(slices.Concat(r, notes[i%2:i%2+1])...)
		if err == nil {
			err = l.Wait(seq)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	// A rewrite whose base holds the first half as plain commands.
	rw := cutRewrite(t, l)
	if err := rw.WriteBase(func(w *aof.BaseWriter) error {
		for i, r := range interopRecords[:half] {
			for _, c := range r {
				if err := w.Add(c...); err != nil {
					return err
				}
			}
			if err := w.Add(notes[i%2]...); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := rw.Commit(); err != nil {
		t.Fatal(err)
	}
	for _, r := range interopRecords[half:] {
		if _, err := l.Append(r...); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}

	srv := redisaof.Start(t, dir, "ours", true)
	got := append(serverState(t, srv, "s", "g", "h"), serverState(t, srv, "t")...)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("redis-server loaded our directory as\n%v\nwant\n%v", got, want)
	}
	logText := srv.LogText()
	if !strings.Contains(logText, "DB loaded from base file appendonly.aof.2.base.aof") ||
		!strings.Contains(logText, "DB loaded from incr file appendonly.aof.2.incr.aof") || strings.Contains(logText, "Truncating") {
		t.Fatalf("redis-server log:\n%s", logText)
	}
	if check, err := exec.LookPath("redis-check-aof"); err == nil {
		out, err := exec.Command(check, filepath.Join(dir, "ours", "appendonly.aof.manifest")).CombinedOutput()
		if err != nil || !strings.Contains(string(out), "is valid") {
			t.Fatalf("redis-check-aof: %v\n%s", err, out)
		}
	}
}

// What redis-server 7.0 writes (with aof-use-rdb-preamble no), a rewrite
// included, reads back record by record; replayed into a fresh server it
// rebuilds the same state; and after this package appended to it, Redis
// still loads it.
func TestInterop_weLoadRedis(t *testing.T) {
	dir := t.TempDir()
	src := redisaof.Start(t, dir, "theirs", true)
	src.Must(t, "XADD", "s", "*", "k", "v")
	src.Must(t, "XADD", "s", "*", "k", "w")
	src.Must(t, "XGROUP", "CREATE", "s", "g", "0")
	src.Must(t, "XREADGROUP", "GROUP", "g", "alice", "COUNT", "1", "STREAMS", "s", ">")
	src.Must(t, "BGREWRITEAOF")
	for deadline := time.Now().Add(10 * time.Second); ; {
		info := src.Must(t, "INFO", "persistence").(string)
		if strings.Contains(info, "aof_rewrite_in_progress:0") && strings.Contains(info, "aof_rewrite_scheduled:0") && strings.Contains(src.LogText(), "Background AOF rewrite finished successfully") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("BGREWRITEAOF did not finish")
		}
		time.Sleep(20 * time.Millisecond)
	}
	src.Must(t, "XREADGROUP", "GROUP", "g", "bob", "NOACK", "STREAMS", "s", ">")
	src.Must(t, "XADD", "s", "MAXLEN", "~", "1", "*", "k", "x")
	src.Must(t, "MULTI")
	src.Must(t, "XADD", "s", "*", "k", "y")
	src.Must(t, "XAUTOCLAIM", "s", "g", "carol", "0", "0")
	src.Must(t, "EXEC")
	src.Must(t, "XGROUP", "CREATECONSUMER", "s", "g", "dave")
	want := serverState(t, src, "s", "g")
	src.Shutdown(t)

	opts := aof.Options{Dir: dir, DirName: "theirs"}
	got, rec, err := collect(t, opts)
	if err != nil || rec.Cut != nil {
		t.Fatalf("Read: %v, cut %+v", err, rec.Cut)
	}
	multi := false
	for _, r := range got {
		multi = multi || len(r) > 1
	}
	if !multi {
		t.Fatalf("no MULTI/EXEC record read from %q", got)
	}
	ref := redisaof.Start(t, t.TempDir(), "appendonlydir", false)
	for _, r := range got {
		if len(r) > 1 {
			ref.Must(t, "MULTI")
		}
		for _, c := range r {
			ref.Must(t, c...)
		}
		if len(r) > 1 {
			ref.Must(t, "EXEC")
		}
	}
	if replayed := serverState(t, ref, "s", "g"); !reflect.DeepEqual(replayed, want) {
		t.Fatalf("replaying what Read yields gives\n%v\nwant\n%v", replayed, want)
	}

	l, _, _ := open(t, opts)
	if _, err := l.Append([]string{"XADD", "s", "9999999999999-0", "k", "z"}); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	again := redisaof.Start(t, dir, "theirs", true)
	if n := again.Must(t, "XLEN", "s"); n != want[1].([]any)[1].(int64)+1 {
		t.Fatalf("after our append, Redis loads XLEN %v\n%s", n, again.LogText())
	}
}

// A base of several checksummed chunks, and a last incremental file torn
// inside a record, load into redis-server 7.0 as they load here: every
// base entry, and the incremental records before the tear.
func TestInterop_chunksAndTornTail(t *testing.T) {
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Skip("redis-server not on PATH: interop with Redis not tested")
	}
	dir := t.TempDir()
	opts := aof.Options{Dir: dir, DirName: "ours", Fsync: aof.Always}
	l, _, _ := open(t, opts)
	rw := cutRewrite(t, l)
	const n = 3000 // about 300 KB: several chunks
	err := rw.WriteBase(func(w *aof.BaseWriter) error {
		for i := range n {
			if err := w.Add("XADD", "big", fmt.Sprintf("%d-1", i+1), "payload", strings.Repeat("x", 64), "i", strconv.Itoa(i)); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		err = rw.Commit()
	}
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if _, err := l.Append([]string{"XADD", "big", fmt.Sprintf("%d-1", n+i+1), "tail", "y"}, []string{"XDEL", "big", fmt.Sprintf("%d-1", i+1)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	base, _ := os.ReadFile(filepath.Join(dir, "ours", "appendonly.aof.2.base.aof"))
	if c := strings.Count(string(base), "\n#R "); c < 3 {
		t.Fatalf("base has %d chunks, want several", c)
	}
	incrPath := filepath.Join(dir, "ours", "appendonly.aof.2.incr.aof")
	incr, _ := os.ReadFile(incrPath)
	if err := os.WriteFile(incrPath, incr[:len(incr)-20], 0o644); err != nil {
		t.Fatal(err)
	}
	got, rec, err := collect(t, opts)
	if err != nil || rec.Cut == nil || len(got) != n+2 {
		t.Fatalf("Read: %d records, cut %+v, %v", len(got), rec.Cut, err)
	}
	srv := redisaof.Start(t, dir, "ours", true)
	if v := srv.Must(t, "XLEN", "big"); v != int64(n) { // +2 added, -2 deleted
		t.Fatalf("XLEN = %v, want %d\n%s", v, n, srv.LogText())
	}
	first := srv.Must(t, "XRANGE", "big", "-", "+", "COUNT", "1").([]any)[0].([]any)[0]
	last := srv.Must(t, "XREVRANGE", "big", "+", "-", "COUNT", "1").([]any)[0].([]any)[0]
	if first != "3-1" || last != fmt.Sprintf("%d-1", n+2) {
		t.Fatalf("Redis holds [%v, %v], want [3-1, %d-1]", first, last, n+2)
	}
	// Redis cuts after the last whole command, which may leave a MULTI
	// without its EXEC (never applied); this package cuts before the
	// record. The data is the same.
	const cutLine = "Truncating the AOF appendonly.aof.2.incr.aof at offset "
	logText := srv.LogText()
	i := strings.Index(logText, cutLine)
	if i < 0 {
		t.Fatalf("redis-server did not report the torn tail:\n%s", logText)
	}
	var redisCut int64
	fmt.Sscanf(logText[i+len(cutLine):], "%d", &redisCut)
	if redisCut < rec.Cut.Offset || redisCut > int64(len(incr)) {
		t.Fatalf("redis-server cut at %d, this package at %d", redisCut, rec.Cut.Offset)
	}
}
