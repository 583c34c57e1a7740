package aof_test

import (
	"errors"
	"fmt"
	iofs "io/fs"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/instream/instream/aof"
	"github.com/instream/instream/aof/crashfs"
)

// failOp makes every op of fs fail with crashfs.ErrInjected while the
// returned switch is on; it starts off.
func failOp(fs *crashfs.FS, op crashfs.Op) *atomic.Bool {
	var failing atomic.Bool
	fs.SetFault(func(o crashfs.Op, name string) error {
		if failing.Load() && o == op {
			return crashfs.ErrInjected
		}
		return nil
	})
	return &failing
}

// cutRewrite begins a rewrite of l and cuts it: later appends go to a
// new incremental file.
func cutRewrite(t *testing.T, l *aof.Log) *aof.Rewrite {
	t.Helper()
	rw, err := l.BeginRewrite()
	if err != nil {
		t.Fatal(err)
	}
	if err := rw.Cut(); err != nil {
		t.Fatal(err)
	}
	return rw
}

// record returns the i-th test record: one XADD, or every third an XADD
// and an XCLAIM logged together.
func record(i int) [][]string {
	id := fmt.Sprintf("%d-1", i+1)
	add := []string{"XADD", "s", id, "f", fmt.Sprintf("v%d", i)}
	if i%3 != 2 {
		return [][]string{add}
	}
	return [][]string{add, {"XCLAIM", "s", "g", "c", "0", id, "TIME", "1000", "RETRYCOUNT", "1", "FORCE", "JUSTID", "LASTID", id}}
}

// collect reads the log in opts and returns its records.
func collect(t *testing.T, opts aof.Options) ([][][]string, *aof.Recovery, error) {
	t.Helper()
	var got [][][]string
	rec, err := aof.Read(opts, func(cmds [][]string) error {
		got = append(got, cmds)
		return nil
	})
	return got, rec, err
}

func open(t *testing.T, opts aof.Options) (*aof.Log, [][][]string, *aof.Recovery) {
	t.Helper()
	var got [][][]string
	l, rec, err := aof.Open(opts, func(cmds [][]string) error {
		got = append(got, cmds)
		return nil
	})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return l, got, rec
}

func appendN(t *testing.T, l *aof.Log, from, to int) {
	t.Helper()
	for i := from; i < to; i++ {
		seq, err := l.Append(record(i)...)
		if err != nil {
			t.Fatalf("Append(%d): %v", i, err)
		}
		if err := l.Wait(seq); err != nil {
			t.Fatalf("Wait(%d): %v", seq, err)
		}
	}
}

func wantRecords(t *testing.T, got [][][]string, n int) {
	t.Helper()
	if len(got) != n {
		t.Fatalf("got %d records, want %d", len(got), n)
	}
	for i, r := range got {
		if !reflect.DeepEqual(r, record(i)) {
			t.Fatalf("record %d = %q, want %q", i, r, record(i))
		}
	}
}

func TestLog_roundTrip(t *testing.T) {
	for _, p := range []aof.Policy{aof.Always, aof.Everysec, aof.No} {
		t.Run("fsync="+p.String(), func(t *testing.T) {
			opts := aof.Options{Dir: t.TempDir(), Fsync: p}
			l, got, _ := open(t, opts)
			if len(got) != 0 {
				t.Fatalf("new log replayed %d records", len(got))
			}
			appendN(t, l, 0, 50)
			if err := l.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			l, got, rec := open(t, opts)
			wantRecords(t, got, 50)
			if rec.Cut != nil || rec.Records != 50 {
				t.Fatalf("Recovery = %+v, want 50 records and no cut", rec)
			}
			appendN(t, l, 50, 60)
			if err := l.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			got, _, err := collect(t, opts)
			if err != nil {
				t.Fatal(err)
			}
			wantRecords(t, got, 60)
			if _, err := l.Append(record(0)...); !errors.Is(err, aof.ErrClosed) {
				t.Fatalf("Append after Close = %v, want ErrClosed", err)
			}
		})
	}
}

// The files are laid out and named as Redis 7.0 names them.
func TestLog_layout(t *testing.T) {
	fs := crashfs.New()
	opts := aof.Options{FS: fs, Dir: "/d", DirName: "x", FileName: "f.aof"}
	l, _, _ := open(t, opts)
	appendN(t, l, 0, 3)
	size, _ := l.Size()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	var total int64
	for _, n := range []string{"f.aof.1.base.aof", "f.aof.1.incr.aof"} {
		b, _ := fs.ReadFile("/d/x/" + n)
		total += int64(len(b))
	}
	if size != total {
		t.Fatalf("Size = %d, files hold %d bytes", size, total)
	}
	names, err := fs.ReadDir("/d/x")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"f.aof.1.base.aof", "f.aof.1.incr.aof", "f.aof.manifest"}
	if !reflect.DeepEqual(names, want) {
		t.Fatalf("files = %q, want %q", names, want)
	}
	m, _ := fs.ReadFile("/d/x/f.aof.manifest")
	if !strings.HasPrefix(string(m), "file f.aof.1.base.aof seq 1 type b\nfile f.aof.1.incr.aof seq 1 type i\n#instream crc32c ") {
		t.Fatalf("manifest = %q", m)
	}
	incr, _ := fs.ReadFile("/d/x/f.aof.1.incr.aof")
	wantIncr := aof.FileHeader + "#R 45 "
	if !strings.HasPrefix(string(incr), wantIncr) || !strings.Contains(string(incr), "*5\r\n$4\r\nXADD\r\n$1\r\ns\r\n$3\r\n1-1\r\n$1\r\nf\r\n$2\r\nv0\r\n") {
		t.Fatalf("incr file = %q", incr)
	}
	if !strings.Contains(string(incr), "*1\r\n$5\r\nMULTI\r\n") || !strings.Contains(string(incr), "*1\r\n$4\r\nEXEC\r\n") {
		t.Fatalf("a record of two commands is not a MULTI/EXEC: %q", incr)
	}
}

func TestLog_concurrentAlways(t *testing.T) {
	opts := aof.Options{Dir: t.TempDir(), Fsync: aof.Always}
	l, _, _ := open(t, opts)
	const writers, each = 16, 50
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				seq, err := l.Append([]string{"XADD", "s", fmt.Sprintf("%d-%d", w+1, i+1), "f", "v"})
				if err == nil {
					err = l.Wait(seq)
				}
				if err != nil {
					t.Errorf("writer %d: %v", w, err)
					return
				}
			}
		})
	}
	wg.Wait()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	got, _, err := collect(t, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != writers*each {
		t.Fatalf("got %d records, want %d", len(got), writers*each)
	}
	next := make([]int, writers)
	for _, r := range got {
		var w, i int
		fmt.Sscanf(r[0][2], "%d-%d", &w, &i)
		if i != next[w-1]+1 {
			t.Fatalf("writer %d: record %d after %d", w, i, next[w-1])
		}
		next[w-1] = i
	}
}

func TestLog_appendEmpty(t *testing.T) {
	l, _, _ := open(t, aof.Options{FS: crashfs.New(), Dir: "/d"})
	defer l.Close()
	if _, err := l.Append(); !errors.Is(err, aof.ErrEmptyRecord) {
		t.Fatalf("Append() = %v, want ErrEmptyRecord", err)
	}
}

// AppendRESP takes records already encoded, as Append would encode them,
// and refuses bytes that cannot be commands (it checks their ends only).
func TestLog_appendRESP(t *testing.T) {
	opts := aof.Options{FS: crashfs.New(), Dir: "/d", Fsync: aof.Always}
	l, _, _ := open(t, opts)
	var want [][][]string
	for i := range 6 {
		var b []byte
		b = aof.AppendRecord(b, record(i)) // with its checksum line
		seq, err := l.AppendRESP(b[strings.Index(string(b), "\n")+1:])
		if err == nil {
			err = l.Wait(seq)
		}
		if err != nil {
			t.Fatalf("AppendRESP(%d): %v", i, err)
		}
		want = append(want, record(i))
	}
	for _, bad := range []string{"", "*1\r\n", "$4\r\nPING\r\n", "*1\r\n$4\r\nPING", "*1\r\n$4\r\nPING\r\nx"} {
		if _, err := l.AppendRESP([]byte(bad)); !errors.Is(err, aof.ErrBadRecord) {
			t.Errorf("AppendRESP(%q) = %v, want ErrBadRecord", bad, err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	got, rec, err := collect(t, opts)
	if err != nil || rec.Cut != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("Read = %q, %+v, %v; want %q", got, rec, err, want)
	}
}

func TestNeedRewrite(t *testing.T) {
	const mb = 1 << 20
	tests := []struct {
		size, base int64
		percent    int
		min        int64
		want       bool
	}{
		{size: 63 * mb, base: 1, percent: 100, min: 64 * mb, want: false},
		{size: 65 * mb, base: 0, percent: 100, min: 64 * mb, want: true},
		{size: 65 * mb, base: 40 * mb, percent: 100, min: 64 * mb, want: false},
		{size: 80 * mb, base: 40 * mb, percent: 100, min: 64 * mb, want: true},
		{size: 80 * mb, base: 40 * mb, percent: 0, min: 64 * mb, want: false},
		{size: 90 * mb, base: 60 * mb, percent: 50, min: 64 * mb, want: true},
	}
	for _, tt := range tests {
		if got := aof.NeedRewrite(tt.size, tt.base, tt.percent, tt.min); got != tt.want {
			t.Errorf("NeedRewrite(%d, %d, %d, %d) = %v, want %v", tt.size, tt.base, tt.percent, tt.min, got, tt.want)
		}
	}
}

func TestParsePolicy(t *testing.T) {
	for _, p := range []aof.Policy{aof.Always, aof.Everysec, aof.No} {
		got, err := aof.ParsePolicy(p.String())
		if err != nil || got != p {
			t.Errorf("ParsePolicy(%q) = %v, %v", p.String(), got, err)
		}
	}
	// redis-server reads appendfsync in any case.
	for s, want := range map[string]aof.Policy{"ALWAYS": aof.Always, "EveRySec": aof.Everysec, "No": aof.No} {
		if got, err := aof.ParsePolicy(s); err != nil || got != want {
			t.Errorf("ParsePolicy(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	if _, err := aof.ParsePolicy("sometimes"); err == nil {
		t.Error("ParsePolicy(sometimes) succeeded")
	}
}

// Open refuses options it cannot use before it touches the filesystem:
// an unknown policy, and a directory or file name that is a path (as
// redis-server refuses in appenddirname and appendfilename).
func TestOpen_badOptions(t *testing.T) {
	for _, o := range []aof.Options{
		{Fsync: aof.Policy(7)},
		{DirName: "../escape"},
		{DirName: "a/b"},
		{FileName: "sub/appendonly.aof"},
		{DirName: `a\b`},
		{FileName: `sub\appendonly.aof`},
	} {
		fs := crashfs.New()
		o.FS, o.Dir = fs, "/d"
		l, _, err := aof.Open(o, nil)
		if !errors.Is(err, aof.ErrBadOptions) {
			if l != nil {
				l.Close()
			}
			t.Errorf("Open(%+v) = %v, want ErrBadOptions", o, err)
			continue
		}
		dir := o.DirName
		if dir == "" {
			dir = "appendonlydir"
		}
		if _, err := fs.ReadDir(filepath.Join("/d", dir)); !errors.Is(err, iofs.ErrNotExist) {
			t.Errorf("Open(%+v) failed but created its directory (%v)", o, err)
		}
	}
}

// Annotations (commands named "#…") are written as one line each, which
// Redis's loader skips, and read back as they were: inside a record,
// alone, and in a base file. One that would not fit Redis's 1024-byte
// line buffer, or whose name holds a space or line break, is refused.
func TestLog_annotations(t *testing.T) {
	opts := aof.Options{FS: crashfs.New(), Dir: "/d", Fsync: aof.Always}
	l, _, _ := open(t, opts)
	note := []string{"#n", "a b", "x\r\ny", "", "é\x00\""}
	longest := []string{"#n", strings.Repeat("x", 1016)} // 1023 bytes with its line end
	want := [][][]string{
		{{"XADD", "s", "1-1", "f", "v"}, note},
		{note},
		{longest},
	}
	for _, r := range want {
		seq, err := l.Append(r...)
		if err == nil {
			err = l.Wait(seq)
		}
		if err != nil {
			t.Fatalf("Append(%q): %v", r, err)
		}
	}
	seq, err := l.AppendRESP([]byte("#n \"z\"\r\n"))
	if err == nil {
		err = l.Wait(seq)
	}
	if err != nil {
		t.Fatalf("AppendRESP of an annotation: %v", err)
	}
	want = append(want, [][]string{{"#n", "z"}})
	bad := [][]string{{"#"}, {"#a b"}, {"#a\nb"}, {"#n", strings.Repeat("x", 1017)}}
	for _, b := range bad {
		if _, err := l.Append(b); !errors.Is(err, aof.ErrBadAnnotation) {
			t.Errorf("Append(%.20q) = %v, want ErrBadAnnotation", b, err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if got, _, err := collect(t, opts); err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("Read = %q, %v; want %q", got, err, want)
	}

	l, _, _ = open(t, opts)
	rw := cutRewrite(t, l)
	if err := rw.WriteBase(func(w *aof.BaseWriter) error {
		for _, b := range bad {
			if err := w.Add(b...); !errors.Is(err, aof.ErrBadAnnotation) {
				t.Errorf("BaseWriter.Add(%.20q) = %v, want ErrBadAnnotation", b, err)
			}
		}
		if err := w.Add("XADD", "s", "1-1", "f", "v"); err != nil {
			return err
		}
		return w.Add(note...)
	}); err != nil {
		t.Fatal(err)
	}
	if err := rw.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	want = [][][]string{{{"XADD", "s", "1-1", "f", "v"}}, {note}}
	if got, _, err := collect(t, opts); err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("Read after the rewrite = %q, %v; want %q", got, err, want)
	}
}
