package aof_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/instream/instream/aof"
	"github.com/instream/instream/aof/crashfs"
)

func resp(args ...string) string {
	var b strings.Builder
	b.WriteString("*" + itoa(len(args)) + "\r\n")
	for _, a := range args {
		b.WriteString("$" + itoa(len(a)) + "\r\n" + a + "\r\n")
	}
	return b.String()
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

// redisDir writes a directory as redis-server 7.0 lays it out, with the
// given base and incremental contents.
func redisDir(fs *crashfs.FS, base string, incrs ...string) aof.Options {
	fs.MkdirAll("/r/appendonlydir")
	m := "file appendonly.aof.1.base.aof seq 1 type b\n"
	fs.WriteFile("/r/appendonlydir/appendonly.aof.1.base.aof", []byte(base))
	for i, c := range incrs {
		n := "appendonly.aof." + itoa(i+1) + ".incr.aof"
		m += "file " + n + " seq " + itoa(i+1) + " type i\n"
		fs.WriteFile("/r/appendonlydir/"+n, []byte(c))
	}
	fs.WriteFile("/r/appendonlydir/appendonly.aof.manifest", []byte(m))
	return aof.Options{FS: fs, Dir: "/r"}
}

func TestRead_redisFormat(t *testing.T) {
	base := resp("SELECT", "0") + resp("XADD", "s", "1-1", "f", "v") + resp("XSETID", "s", "1-1", "ENTRIESADDED", "1", "MAXDELETEDID", "0-0")
	incr := resp("SELECT", "0") + "#TS:1700000000\r\n" + resp("xadd", "s", "2-1", "a", "b") +
		resp("MULTI") + resp("XADD", "s", "3-1", "c", "d") + resp("XDEL", "s", "1-1") + resp("EXEC")
	want := [][][]string{
		{{"XADD", "s", "1-1", "f", "v"}},
		{{"XSETID", "s", "1-1", "ENTRIESADDED", "1", "MAXDELETEDID", "0-0"}},
		{{"xadd", "s", "2-1", "a", "b"}},
		{{"XADD", "s", "3-1", "c", "d"}, {"XDEL", "s", "1-1"}},
	}
	tests := []struct {
		name    string
		base    string
		incrs   []string
		want    [][][]string
		cut     *aof.Cut
		wantErr string
	}{
		{name: "whole", base: base, incrs: []string{incr}, want: want},
		{name: "empty base and incr", base: "", incrs: []string{""}, want: nil},
		{name: "two incrs", base: base, incrs: []string{incr[:len(incr)-len(resp("MULTI"))-len(resp("XADD", "s", "3-1", "c", "d"))-len(resp("XDEL", "s", "1-1"))-len(resp("EXEC"))], resp("MULTI") + resp("XADD", "s", "3-1", "c", "d") + resp("XDEL", "s", "1-1") + resp("EXEC")}, want: want},
		{
			name: "torn inside MULTI", base: base, incrs: []string{incr[:len(incr)-3]}, want: want[:3],
			cut: &aof.Cut{File: "appendonly.aof.1.incr.aof", Offset: int64(strings.Index(incr, "*1\r\n$5\r\nMULTI")), Bytes: int64(len(incr) - 3 - strings.Index(incr, "*1\r\n$5\r\nMULTI"))},
		},
		{
			name: "MULTI without EXEC", base: base, incrs: []string{incr[:len(incr)-len(resp("EXEC"))]}, want: want[:3],
			cut: &aof.Cut{File: "appendonly.aof.1.incr.aof", Offset: int64(strings.Index(incr, "*1\r\n$5\r\nMULTI")), Bytes: int64(len(incr) - len(resp("EXEC")) - strings.Index(incr, "*1\r\n$5\r\nMULTI"))},
		},
		{name: "torn base before an incr", base: base[:len(base)-2], incrs: []string{incr}, wantErr: "appendonly.aof.1.base.aof"},
		{name: "torn incr before the last", base: base, incrs: []string{incr[:len(incr)-2], resp("XADD", "s", "9-1", "f", "v")}, wantErr: "appendonly.aof.1.incr.aof"},
		{name: "garbage", base: base, incrs: []string{resp("XADD", "s", "2-1", "a", "b") + "+OK\r\n"}, wantErr: "expected '*'"},
		{name: "bad bulk end", base: base, incrs: []string{"*1\r\n$4\r\nPINGxx"}, wantErr: "CRLF"},
		{name: "other database", base: base, incrs: []string{resp("SELECT", "3")}, wantErr: "SELECT 3"},
		{name: "rdb base", base: "REDIS0010\xfa\x09redis-ver", wantErr: "RDB format"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := redisDir(crashfs.New(), tt.base, tt.incrs...)
			got, rec, err := collect(t, opts)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Read = %v, want an error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) || !reflect.DeepEqual(rec.Cut, tt.cut) {
				t.Fatalf("Read = %q, Cut %+v; want %q, Cut %+v", got, rec.Cut, tt.want, tt.cut)
			}
		})
	}
	opts := redisDir(crashfs.New(), "REDIS0010", "")
	if _, _, err := collect(t, opts); !errors.Is(err, aof.ErrRDBBase) {
		t.Fatalf("RDB base: %v, want ErrRDBBase", err)
	}
}

// Open on a directory Redis wrote appends to a new incremental file of
// its own, so Redis's file stays as Redis wrote it.
func TestOpen_redisDir(t *testing.T) {
	fs := crashfs.New()
	incr := resp("SELECT", "0") + resp("XADD", "s", "1-1", "f", "v")
	opts := redisDir(fs, "", incr)
	l, got, _ := open(t, opts)
	if len(got) != 1 {
		t.Fatalf("replayed %q", got)
	}
	if _, err := l.Append([]string{"XADD", "s", "2-1", "f", "v"}); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	old, _ := fs.ReadFile("/r/appendonlydir/appendonly.aof.1.incr.aof")
	if string(old) != incr {
		t.Fatalf("Redis's incr file changed: %q", old)
	}
	m, _ := fs.ReadFile("/r/appendonlydir/appendonly.aof.manifest")
	if !strings.Contains(string(m), "file appendonly.aof.2.incr.aof seq 2 type i\n") {
		t.Fatalf("manifest = %q", m)
	}
	got, _, err := collect(t, opts)
	if err != nil || len(got) != 2 || got[1][0][2] != "2-1" {
		t.Fatalf("Read = %q, %v", got, err)
	}
}

// History files, which Redis lists until it deletes them, and files no
// manifest names are removed by Open; the manifest then lists neither.
func TestOpen_collects(t *testing.T) {
	fs := crashfs.New()
	opts := redisDir(fs, resp("XADD", "s", "2-1", "f", "v"), resp("XADD", "s", "3-1", "f", "v"))
	fs.WriteFile("/r/appendonlydir/appendonly.aof.manifest", []byte(
		"file appendonly.aof.1.base.aof seq 1 type b\nfile appendonly.aof.0.incr.aof seq 1 type h\nfile appendonly.aof.1.incr.aof seq 1 type i\n"))
	fs.WriteFile("/r/appendonlydir/appendonly.aof.0.incr.aof", []byte(resp("XADD", "s", "1-1", "f", "v")))
	fs.WriteFile("/r/appendonlydir/appendonly.aof.7.base.aof", []byte("left by a crashed rewrite"))
	fs.WriteFile("/r/appendonlydir/unrelated.txt", []byte("not ours"))
	l, got, _ := open(t, opts)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0][0][2] != "2-1" {
		t.Fatalf("replayed %q: a history file was loaded", got)
	}
	names, _ := fs.ReadDir("/r/appendonlydir")
	want := []string{"appendonly.aof.1.base.aof", "appendonly.aof.1.incr.aof", "appendonly.aof.2.incr.aof", "appendonly.aof.manifest", "unrelated.txt"}
	if !reflect.DeepEqual(names, want) {
		t.Fatalf("files = %q, want %q", names, want)
	}
	m, _ := fs.ReadFile("/r/appendonlydir/appendonly.aof.manifest")
	if strings.Contains(string(m), "type h") {
		t.Fatalf("manifest still lists history: %q", m)
	}
}
