package aof_test

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/instream/instream/aof"
)

// redisServer is a redis-server 7.0 run by a test, with AOF on in the
// multi-part layout and AOF-format bases.
type redisServer struct {
	cmd  *exec.Cmd
	conn net.Conn
	r    *bufio.Reader
	log  string
}

func startRedis(t *testing.T, dir, dirName string, appendonly bool) *redisServer {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("redis-server not on PATH: interop with Redis not tested")
	}
	sock := filepath.Join(dir, "redis.sock")
	logf := filepath.Join(dir, "redis.log")
	yes := map[bool]string{true: "yes", false: "no"}
	cmd := exec.Command(bin, "--port", "0", "--unixsocket", sock, "--save", "",
		"--appendonly", yes[appendonly], "--dir", dir, "--appenddirname", dirName,
		"--aof-use-rdb-preamble", "no", "--appendfsync", "always", "--logfile", logf)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &redisServer{cmd: cmd, log: logf}
	t.Cleanup(func() { s.stop() })
	for deadline := time.Now().Add(10 * time.Second); ; {
		c, err := net.Dial("unix", sock)
		if err == nil {
			s.conn, s.r = c, bufio.NewReader(c)
			break
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(logf)
			t.Fatalf("redis-server did not start: %v\n%s", err, b)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Wait for loading to end: commands answer LOADING until then.
	for deadline := time.Now().Add(10 * time.Second); ; {
		_, err := s.do("PING")
		if err == nil {
			break
		}
		if time.Now().After(deadline) || !strings.HasPrefix(err.Error(), "LOADING") {
			b, _ := os.ReadFile(logf)
			t.Fatalf("redis-server: %v\n%s", err, b)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return s
}

func (s *redisServer) stop() {
	if s.conn != nil {
		s.conn.Close()
	}
	if s.cmd.ProcessState == nil {
		s.cmd.Process.Kill()
		s.cmd.Wait()
	}
}

// shutdown stops the server the way that flushes its AOF.
func (s *redisServer) shutdown(t *testing.T) {
	t.Helper()
	s.do("SHUTDOWN")
	if err := s.cmd.Wait(); err != nil {
		t.Fatalf("redis-server exit: %v", err)
	}
}

func (s *redisServer) logText() string {
	b, _ := os.ReadFile(s.log)
	return string(b)
}

type redisError string

func (e redisError) Error() string { return string(e) }

func (s *redisServer) do(args ...string) (any, error) {
	var b []byte
	b = fmt.Appendf(b, "*%d\r\n", len(args))
	for _, a := range args {
		b = fmt.Appendf(b, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := s.conn.Write(b); err != nil {
		return nil, err
	}
	return s.reply()
}

func (s *redisServer) must(t *testing.T, args ...string) any {
	t.Helper()
	v, err := s.do(args...)
	if err != nil {
		t.Fatalf("%q: %v", args, err)
	}
	return v
}

func (s *redisServer) reply() (any, error) {
	line, err := s.r.ReadString('\n')
	if err != nil {
		return nil, err
	}
	line = strings.TrimSuffix(line, "\r\n")
	switch line[0] {
	case '+':
		return line[1:], nil
	case '-':
		return nil, redisError(line[1:])
	case ':':
		return strconv.ParseInt(line[1:], 10, 64)
	case '$':
		n, _ := strconv.Atoi(line[1:])
		if n < 0 {
			return nil, nil
		}
		buf := make([]byte, n+2)
		if _, err := ioReadFull(s.r, buf); err != nil {
			return nil, err
		}
		return string(buf[:n]), nil
	case '*':
		n, _ := strconv.Atoi(line[1:])
		if n < 0 {
			return nil, nil
		}
		out := make([]any, n)
		for i := range out {
			v, err := s.reply()
			var re redisError
			if err != nil && !errors.As(err, &re) {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	}
	return nil, fmt.Errorf("bad reply line %q", line)
}

func ioReadFull(r *bufio.Reader, b []byte) (int, error) {
	n := 0
	for n < len(b) {
		m, err := r.Read(b[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// state returns what must survive a reload of key: XRANGE, XINFO STREAM
// FULL without the consumers' seen and active times (set by the clock at
// the moment a command runs), and XPENDING's summary.
func (s *redisServer) state(t *testing.T, key string, groups ...string) []any {
	t.Helper()
	out := []any{s.must(t, "XRANGE", key, "-", "+"), stripTimes(s.must(t, "XINFO", "STREAM", key, "FULL"))}
	for _, g := range groups {
		out = append(out, s.must(t, "XPENDING", key, g))
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
	ref := startRedis(t, t.TempDir(), "appendonlydir", false)
	for _, r := range interopRecords {
		if len(r) > 1 {
			ref.must(t, "MULTI")
		}
		for _, c := range r {
			ref.must(t, c...)
		}
		if len(r) > 1 {
			ref.must(t, "EXEC")
		}
	}
	want := append(ref.state(t, "s", "g", "h"), ref.state(t, "t")...)

	dir := t.TempDir()
	opts := aof.Options{Dir: dir, DirName: "ours", Fsync: aof.Always}
	l, _, _ := open(t, opts)
	half := 6
	for _, r := range interopRecords[:half] {
		seq, err := l.Append(r...)
		if err == nil {
			err = l.Wait(seq)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	// A rewrite whose base holds the first half as plain commands.
	rw, err := l.BeginRewrite()
	if err != nil {
		t.Fatal(err)
	}
	if err := rw.Cut(); err != nil {
		t.Fatal(err)
	}
	if err := rw.WriteBase(func(w *aof.BaseWriter) error {
		for _, r := range interopRecords[:half] {
			for _, c := range r {
				if err := w.Add(c...); err != nil {
					return err
				}
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

	srv := startRedis(t, dir, "ours", true)
	got := append(srv.state(t, "s", "g", "h"), srv.state(t, "t")...)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("redis-server loaded our directory as\n%v\nwant\n%v", got, want)
	}
	logText := srv.logText()
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
	src := startRedis(t, dir, "theirs", true)
	src.must(t, "XADD", "s", "*", "k", "v")
	src.must(t, "XADD", "s", "*", "k", "w")
	src.must(t, "XGROUP", "CREATE", "s", "g", "0")
	src.must(t, "XREADGROUP", "GROUP", "g", "alice", "COUNT", "1", "STREAMS", "s", ">")
	src.must(t, "BGREWRITEAOF")
	for deadline := time.Now().Add(10 * time.Second); ; {
		info := src.must(t, "INFO", "persistence").(string)
		if strings.Contains(info, "aof_rewrite_in_progress:0") && strings.Contains(info, "aof_rewrite_scheduled:0") && strings.Contains(src.logText(), "Background AOF rewrite finished successfully") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("BGREWRITEAOF did not finish")
		}
		time.Sleep(20 * time.Millisecond)
	}
	src.must(t, "XREADGROUP", "GROUP", "g", "bob", "NOACK", "STREAMS", "s", ">")
	src.must(t, "XADD", "s", "MAXLEN", "~", "1", "*", "k", "x")
	src.must(t, "MULTI")
	src.must(t, "XADD", "s", "*", "k", "y")
	src.must(t, "XAUTOCLAIM", "s", "g", "carol", "0", "0")
	src.must(t, "EXEC")
	src.must(t, "XGROUP", "CREATECONSUMER", "s", "g", "dave")
	want := src.state(t, "s", "g")
	src.shutdown(t)

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
	ref := startRedis(t, t.TempDir(), "appendonlydir", false)
	for _, r := range got {
		if len(r) > 1 {
			ref.must(t, "MULTI")
		}
		for _, c := range r {
			ref.must(t, c...)
		}
		if len(r) > 1 {
			ref.must(t, "EXEC")
		}
	}
	if replayed := ref.state(t, "s", "g"); !reflect.DeepEqual(replayed, want) {
		t.Fatalf("replaying what Read yields gives\n%v\nwant\n%v", replayed, want)
	}

	l, _, _ := open(t, opts)
	if _, err := l.Append([]string{"XADD", "s", "9999999999999-0", "k", "z"}); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	again := startRedis(t, dir, "theirs", true)
	if n := again.must(t, "XLEN", "s"); n != want[1].([]any)[1].(int64)+1 {
		t.Fatalf("after our append, Redis loads XLEN %v\n%s", n, again.logText())
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
	rw, err := l.BeginRewrite()
	if err != nil {
		t.Fatal(err)
	}
	if err := rw.Cut(); err != nil {
		t.Fatal(err)
	}
	const n = 3000 // about 300 KB: several chunks
	err = rw.WriteBase(func(w *aof.BaseWriter) error {
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
	srv := startRedis(t, dir, "ours", true)
	if v := srv.must(t, "XLEN", "big"); v != int64(n) { // +2 added, -2 deleted
		t.Fatalf("XLEN = %v, want %d\n%s", v, n, srv.logText())
	}
	first := srv.must(t, "XRANGE", "big", "-", "+", "COUNT", "1").([]any)[0].([]any)[0]
	last := srv.must(t, "XREVRANGE", "big", "+", "-", "COUNT", "1").([]any)[0].([]any)[0]
	if first != "3-1" || last != fmt.Sprintf("%d-1", n+2) {
		t.Fatalf("Redis holds [%v, %v], want [3-1, %d-1]", first, last, n+2)
	}
	// Redis cuts after the last whole command, which may leave a MULTI
	// without its EXEC (never applied); this package cuts before the
	// record. The data is the same.
	const cutLine = "Truncating the AOF appendonly.aof.2.incr.aof at offset "
	logText := srv.logText()
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
