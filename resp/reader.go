package resp

import (
	"bytes"
	"errors"
	"io"
	"math"
	"os"
	"strconv"
)

// Limits of Redis 7 that the reader applies.
const (
	// MaxBulkLen is Redis's default proto-max-bulk-len: a longer bulk
	// string is a protocol error.
	MaxBulkLen = 512 << 20
	// MaxQueryLen is Redis's default client-query-buffer-limit: a client
	// whose unprocessed input grows beyond it is disconnected.
	MaxQueryLen = 1 << 30
	// maxInline bounds an inline command line and a length line, as
	// Redis's PROTO_INLINE_MAX_SIZE does.
	maxInline = 64 << 10
	// Before authentication Redis accepts only small commands.
	maxUnauthArgs = 10
	maxUnauthBulk = 16384
	// readChunk is the smallest read from the connection.
	readChunk = 16 << 10
)

// ProtocolError is malformed input: the connection gets Error() as an
// error reply and is closed, as Redis does.
type ProtocolError struct{ Msg string }

func (e *ProtocolError) Error() string { return "ERR Protocol error: " + e.Msg }

// ErrQueryBufferLimit is returned by [Reader.ReadCommand] when a command
// exceeds [MaxQueryLen] bytes; Redis closes such a client without reply.
var ErrQueryBufferLimit = errors.New("resp: query buffer limit reached")

func protoErr(msg string) error { return &ProtocolError{Msg: msg} }

// Reader reads commands as a Redis server does: RESP multibulk arrays
// and inline commands, pipelined. Nothing is allocated from a length the
// client sends: the buffer grows only with the bytes that arrive.
type Reader struct {
	rd  io.Reader
	buf []byte
	r   int // start of unread data in buf
	w   int // end of data in buf

	// Parse state of the command being read, so that a command arriving
	// in many pieces is parsed once. Offsets are relative to r.
	inCmd  bool
	nargs  int   // args announced by the multibulk header
	pos    int   // next byte to parse
	spans  []int // start, end of each arg read so far
	strict bool  // unauthenticated limits apply
	args   []string
	err    error // sticky read error
}

// NewReader returns a Reader reading from rd.
func NewReader(rd io.Reader) *Reader { return &Reader{rd: rd} }

// SetUnauthenticated makes the reader apply Redis's limits for clients
// that must still authenticate (at most 10 args, bulks of 16 KiB).
func (r *Reader) SetUnauthenticated(on bool) { r.strict = on }

// ReadCommand returns the next command's arguments. Empty commands (an
// empty inline line, "*0" or "*-1") are skipped, as Redis does. The
// returned slice is reused by the next call; the strings are not. A
// malformed command gives a *ProtocolError; a read error is returned as
// is (io.EOF when the client closed between commands).
func (r *Reader) ReadCommand() ([]string, error) {
	for {
		args, done, err := r.parse()
		if err != nil {
			return nil, err
		}
		if done {
			if len(args) == 0 {
				continue
			}
			return args, nil
		}
		if err := r.fill(); err != nil {
			return nil, err
		}
	}
}

// fill reads more input, compacting or growing the buffer as needed.
func (r *Reader) fill() error {
	if r.err != nil {
		return r.err
	}
	if r.w-r.r >= MaxQueryLen {
		return ErrQueryBufferLimit
	}
	if r.r > 0 && (r.r == r.w || len(r.buf)-r.w < readChunk) {
		copy(r.buf, r.buf[r.r:r.w])
		r.w -= r.r
		r.r = 0
	}
	if len(r.buf)-r.w < readChunk {
		nb := make([]byte, max(2*len(r.buf), r.w+readChunk))
		copy(nb, r.buf[:r.w])
		r.buf = nb
	}
	n, err := r.rd.Read(r.buf[r.w:])
	r.w += n
	if err != nil && n == 0 {
		if err == io.EOF && r.w > r.r {
			err = io.ErrUnexpectedEOF
		}
		r.err = err
		return err
	}
	return nil
}

// parse tries to parse one command from the buffer. done is false when
// more input is needed.
func (r *Reader) parse() (args []string, done bool, err error) {
	data := r.buf[r.r:r.w]
	if len(data) == 0 {
		return nil, false, nil
	}
	if !r.inCmd {
		if data[0] != '*' {
			return r.parseInline(data)
		}
		line, next, ok := lengthLine(data, 0)
		if !ok {
			if len(data) > maxInline {
				return nil, false, protoErr("too big mbulk count string")
			}
			return nil, false, nil
		}
		n, ok := parseLen(line[1:])
		if !ok || n > math.MaxInt32 {
			return nil, false, protoErr("invalid multibulk length")
		}
		if n > maxUnauthArgs && r.strict {
			return nil, false, protoErr("unauthenticated multibulk length")
		}
		if n <= 0 {
			r.r += next
			return nil, true, nil
		}
		r.inCmd, r.nargs, r.pos, r.spans = true, int(n), next, r.spans[:0]
	}
	for len(r.spans)/2 < r.nargs {
		if r.pos >= len(data) {
			return nil, false, nil
		}
		if data[r.pos] != '$' {
			return nil, false, protoErr("expected '$', got '" + string(data[r.pos]) + "'")
		}
		line, next, ok := lengthLine(data, r.pos)
		if !ok {
			if len(data)-r.pos > maxInline {
				return nil, false, protoErr("too big bulk count string")
			}
			return nil, false, nil
		}
		n, ok := parseLen(line[1:])
		if !ok || n < 0 || n > MaxBulkLen {
			return nil, false, protoErr("invalid bulk length")
		}
		if n > maxUnauthBulk && r.strict {
			return nil, false, protoErr("unauthenticated bulk length")
		}
		// Redis skips the two bytes after the bulk without checking them.
		end := next + int(n) + 2
		if end > len(data) {
			if end-r.pos > MaxQueryLen {
				return nil, false, ErrQueryBufferLimit
			}
			return nil, false, nil
		}
		r.spans = append(r.spans, next, next+int(n))
		r.pos = end
	}
	// One string holds the whole command; the args are its substrings.
	whole := string(data[:r.pos])
	args = r.args[:0]
	for i := 0; i < len(r.spans); i += 2 {
		args = append(args, whole[r.spans[i]:r.spans[i+1]])
	}
	r.args = args
	r.r += r.pos
	r.inCmd = false
	return args, true, nil
}

// lengthLine finds the line at data[from:], up to its '\r' (Redis looks
// for '\r' and then skips two bytes). next is the offset after "\r\n".
func lengthLine(data []byte, from int) (line []byte, next int, ok bool) {
	i := bytes.IndexByte(data[from:], '\r')
	if i < 0 || from+i+2 > len(data) {
		return nil, 0, false
	}
	return data[from : from+i], from + i + 2, true
}

// parseLen parses a length as Redis's string2ll does: optional '-',
// decimal digits, no leading zeros, no '+', no spaces.
func parseLen(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	if len(b) == 1 && b[0] == '0' {
		return 0, true
	}
	neg := b[0] == '-'
	d := b
	if neg {
		d = b[1:]
	}
	if len(d) == 0 || d[0] < '1' || d[0] > '9' {
		return 0, false
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	return n, err == nil
}

// parseInline reads an inline command: a line split as redis-cli input
// is, with quotes and escapes.
func (r *Reader) parseInline(data []byte) ([]string, bool, error) {
	// Redis searches the line end in a C string, so a NUL hides it.
	scan := data
	if z := bytes.IndexByte(scan, 0); z >= 0 {
		scan = scan[:z]
	}
	i := bytes.IndexByte(scan, '\n')
	if i < 0 {
		if len(data) > maxInline {
			return nil, false, protoErr("too big inline request")
		}
		return nil, false, nil
	}
	line := data[:i]
	if len(line) > 0 && line[len(line)-1] == '\r' {
		line = line[:len(line)-1]
	}
	args, ok := splitArgs(line, r.args[:0])
	if !ok {
		return nil, false, protoErr("unbalanced quotes in request")
	}
	r.args = args
	r.r += i + 1
	return args, true, nil
}

// readAhead reads more input into the buffer while a command blocks. A
// read deadline stops it without ending the reader.
func (r *Reader) readAhead() error {
	err := r.fill()
	if err != nil && errors.Is(err, os.ErrDeadlineExceeded) {
		r.err = nil
	}
	return err
}
