package resp_test

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/instream/instream/resp"
)

// The error texts are redis-server 7.0.15's, taken with raw bytes over TCP.
func TestReader_ProtocolErrors(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"bad multibulk length", "*abc\r\n", "ERR Protocol error: invalid multibulk length"},
		{"multibulk over int32", "*2147483648\r\n", "ERR Protocol error: invalid multibulk length"},
		{"multibulk plus sign", "*+1\r\n", "ERR Protocol error: invalid multibulk length"},
		{"multibulk leading zero", "*01\r\n", "ERR Protocol error: invalid multibulk length"},
		{"multibulk minus zero", "*-0\r\n", "ERR Protocol error: invalid multibulk length"},
		{"multibulk empty", "*\r\n", "ERR Protocol error: invalid multibulk length"},
		{"multibulk LF only", "*1\n$4\r\nPING\r\n", "ERR Protocol error: invalid multibulk length"},
		{"not a bulk", "*1\r\nfoo\r\n", "ERR Protocol error: expected '$', got 'f'"},
		{"negative bulk", "*2\r\n$-1\r\n", "ERR Protocol error: invalid bulk length"},
		{"bad bulk", "*1\r\n$abc\r\n", "ERR Protocol error: invalid bulk length"},
		{"bulk over 512MB", "*1\r\n$536870913\r\n", "ERR Protocol error: invalid bulk length"},
		{"bulk space", "*1\r\n$ 4\r\n", "ERR Protocol error: invalid bulk length"},
		{"too big mbulk count", "*" + strings.Repeat("1", 70000), "ERR Protocol error: too big mbulk count string"},
		{"too big bulk count", "*1\r\n$" + strings.Repeat("1", 70000), "ERR Protocol error: too big bulk count string"},
		{"too big inline", strings.Repeat("A", 70000), "ERR Protocol error: too big inline request"},
		{"unbalanced double", "ECHO \"abc\r\n", "ERR Protocol error: unbalanced quotes in request"},
		{"unbalanced single", "ECHO 'abc\r\n", "ERR Protocol error: unbalanced quotes in request"},
		{"quote then text", "ECHO \"a\"b\r\n", "ERR Protocol error: unbalanced quotes in request"},
		{"empty quotes then text", "ECHO \"\"x\r\n", "ERR Protocol error: unbalanced quotes in request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := resp.NewReader(strings.NewReader(tt.in)).ReadCommand()
			var pe *resp.ProtocolError
			if !errors.As(err, &pe) || pe.Error() != tt.want {
				t.Errorf("ReadCommand(%.40q) error = %v, want %q", tt.in, err, tt.want)
			}
		})
	}
}

func TestReader_Commands(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want [][]string
	}{
		{"multibulk", "*2\r\n$4\r\nECHO\r\n$3\r\nabc\r\n", [][]string{{"ECHO", "abc"}}},
		{"pipelined", "*1\r\n$4\r\nPING\r\n*1\r\n$4\r\nPING\r\n", [][]string{{"PING"}, {"PING"}}},
		// Redis skips the two bytes after a bulk without looking at them.
		{"bulk terminator unchecked", "*1\r\n$4\r\nPINGXX*1\r\n$4\r\nPING\r\n", [][]string{{"PING"}, {"PING"}}},
		{"empty commands skipped", "*0\r\n*-1\r\n\r\n*1\r\n$0\r\n\r\n", [][]string{{""}}},
		{"inline", "   PING   \r\n", [][]string{{"PING"}}},
		{"inline LF", "PING\n", [][]string{{"PING"}}},
		{"inline CR CR LF", "PING\r\r\n", [][]string{{"PING"}}},
		{"inline escapes", "ECHO \"\\x41\\n\"\r\n", [][]string{{"ECHO", "A\n"}}},
		{"inline bad hex", "ECHO \"\\xZZ\"\r\n", [][]string{{"ECHO", "xZZ"}}},
		{"inline single quote escape", "ECHO 'a\\'b'\r\n", [][]string{{"ECHO", "a'b"}}},
		{"inline quote inside word", "SET a\"b c\"d\r\n", nil}, // unbalanced: "d after the quote
		{"inline words", "XADD s * a \"b c\"\r\n", [][]string{{"XADD", "s", "*", "a", "b c"}}},
		{"inline line of 64KB", strings.Repeat("A", 65535) + "\r\n", [][]string{{strings.Repeat("A", 65535)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := resp.NewReader(strings.NewReader(tt.in))
			var got [][]string
			for {
				args, err := r.ReadCommand()
				if err != nil {
					break
				}
				got = append(got, append([]string(nil), args...))
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ReadCommand(%.60q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// oneByte returns its input one byte per Read, as a slow client sends it.
type oneByte struct{ r io.Reader }

func (o oneByte) Read(p []byte) (int, error) { return o.r.Read(p[:min(1, len(p))]) }

func TestReader_Pieces(t *testing.T) {
	in := "*3\r\n$4\r\nXADD\r\n$1\r\ns\r\n$5\r\nhello\r\nPING\r\n"
	r := resp.NewReader(oneByte{strings.NewReader(in)})
	a, err := r.ReadCommand()
	if err != nil || !reflect.DeepEqual(a, []string{"XADD", "s", "hello"}) {
		t.Fatalf("first command = %q, %v", a, err)
	}
	a, err = r.ReadCommand()
	if err != nil || !reflect.DeepEqual(a, []string{"PING"}) {
		t.Fatalf("second command = %q, %v", a, err)
	}
	if _, err := r.ReadCommand(); err != io.EOF {
		t.Errorf("at the end: %v, want io.EOF", err)
	}
}

// A huge announced length allocates nothing up front: the reader waits
// for the bytes, and its buffer grows only with what arrives.
func TestReader_NoUpfrontAllocation(t *testing.T) {
	in := "*2147483647\r\n$536870912\r\nabc"
	allocs := testing.AllocsPerRun(10, func() {
		r := resp.NewReader(strings.NewReader(in))
		if _, err := r.ReadCommand(); err == nil {
			t.Fatal("incomplete command returned")
		}
	})
	if allocs > 10 {
		t.Errorf("%v allocations to read a header announcing 2^31 args of 512MB", allocs)
	}
}

func TestReader_Unauthenticated(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"*11\r\n", "ERR Protocol error: unauthenticated multibulk length"},
		{"*1\r\n$16385\r\n", "ERR Protocol error: unauthenticated bulk length"},
	} {
		r := resp.NewReader(strings.NewReader(tt.in))
		r.SetUnauthenticated(true)
		_, err := r.ReadCommand()
		if err == nil || err.Error() != tt.want {
			t.Errorf("unauthenticated ReadCommand(%q) = %v, want %q", tt.in, err, tt.want)
		}
	}
}

func FuzzReader(f *testing.F) {
	for _, s := range []string{"*2\r\n$4\r\nECHO\r\n$3\r\nabc\r\n", "PING\r\n", "ECHO \"a\\x41\"\r\n",
		"*1\r\n$-1\r\n", "*3\r\n$1\r\na\r\n", "'a\\'b' c\n", "*1\r\n$4\r\nPINGXX"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		r := resp.NewReader(bytes.NewReader(in))
		n := 0
		for {
			args, err := r.ReadCommand()
			if err != nil {
				return
			}
			if len(args) == 0 {
				t.Fatal("empty command returned")
			}
			n += len(args)
			if n > len(in) {
				t.Fatalf("%d args from %d bytes", n, len(in))
			}
		}
	})
}
