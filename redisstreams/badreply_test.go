package redisstreams_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"

	"github.com/instream/instream"
	"github.com/instream/instream/redisstreams"
	"github.com/redis/go-redis/v9"
)

// fakeServer answers each command with the reply replies gives for its
// lower-case name, and "-ERR unknown command" when there is none (which
// makes go-redis fall back from HELLO to RESP2).
func fakeServer(t *testing.T, replies map[string]string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				r := bufio.NewReader(conn)
				for {
					args, err := readCommand(r)
					if err != nil {
						return
					}
					reply, ok := replies[strings.ToLower(args[0])]
					if !ok {
						reply = "-ERR unknown command '" + args[0] + "'\r\n"
					}
					if _, err := io.WriteString(conn, reply); err != nil {
						return
					}
				}
			}()
		}
	}()
	return l.Addr().String()
}

// readCommand reads one command sent as a RESP array of bulk strings.
func readCommand(r *bufio.Reader) ([]string, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return nil, err
	}
	n, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(line, "*")))
	if err != nil || n < 1 {
		return nil, fmt.Errorf("bad command header %q", line)
	}
	args := make([]string, n)
	for i := range args {
		if line, err = r.ReadString('\n'); err != nil {
			return nil, err
		}
		size, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(line, "$")))
		if err != nil {
			return nil, err
		}
		buf := make([]byte, size+2)
		if _, err := io.ReadFull(r, buf); err != nil {
			return nil, err
		}
		args[i] = string(buf[:size])
	}
	return args, nil
}

// A reply of the wrong shape gives ErrBadReply and nothing decoded, never
// part of a result.
func TestBadReply(t *testing.T) {
	addr := fakeServer(t, map[string]string{
		"client": "+OK\r\n",
		// The second entry's fields are an integer.
		"xrange": "*2\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n*2\r\n$3\r\n2-0\r\n:5\r\n",
		"xlen":   "$3\r\nabc\r\n",
		"xadd":   "$5\r\nnotid\r\n",
		"xinfo":  "*2\r\n$6\r\nlength\r\n$3\r\nabc\r\n",
		"info":   "$27\r\n# Server\r\nredis_version:x\r\n\r\n",
	})
	rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
	t.Cleanup(func() { rdb.Close() })
	c := redisstreams.New(rdb, redisstreams.Options{})
	t.Cleanup(func() { c.Close() })

	ens, err := c.Range("s", instream.MinID, instream.MaxID, 0)
	if !errors.Is(err, redisstreams.ErrBadReply) || ens != nil {
		t.Errorf("Range on a bad reply = %v, %v; want nil, ErrBadReply", ens, err)
	}
	n, err := c.Len("s")
	if !errors.Is(err, redisstreams.ErrBadReply) || n != 0 {
		t.Errorf("Len on a bad reply = %d, %v; want 0, ErrBadReply", n, err)
	}
	info, err := c.Info("s")
	if !errors.Is(err, redisstreams.ErrBadReply) {
		t.Errorf("Info on a bad reply = %+v, %v; want ErrBadReply", info, err)
	}
	id, err := c.Add("s", instream.AddArgs{Fields: []instream.Field{{Name: "f", Value: "v"}}})
	if !errors.Is(err, redisstreams.ErrBadReply) || !id.IsZero() {
		t.Errorf("Add on a reply that is no ID = %v, %v; want 0-0, ErrBadReply", id, err)
	}
	// A server whose version cannot be read: the features it gates fail
	// with ErrBadReply, not with a guess.
	_, err = c.DeleteEntriesEx("s", instream.KeepRef, instream.MustParseID("1-0"))
	if !errors.Is(err, redisstreams.ErrBadReply) {
		t.Errorf("DeleteEntriesEx with an unreadable version: %v, want ErrBadReply", err)
	}
	// A command the server does not know is unsupported.
	_, err = c.Trim("s", instream.TrimArgs{Strategy: instream.TrimMaxLen, MaxLen: 1})
	if !errors.Is(err, redisstreams.ErrUnsupported) {
		t.Errorf("Trim on a server without XTRIM: %v, want ErrUnsupported", err)
	}
}
