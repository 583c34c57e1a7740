package resp

import (
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/instream/instream"
)

// Writer encodes replies in RESP2 or RESP3 into a buffer that Flush
// sends. Each method writes one value; aggregates (Array, Map, Set) are
// followed by their elements. Under RESP2, Map writes an array of 2n
// elements, Set an array, Double a bulk string, Null "$-1" and Verbatim
// a bulk string, as Redis does; so a command writes one shape for both
// protocols.
type Writer struct {
	w     io.Writer
	buf   []byte
	proto int
	num   [24]byte
}

// NewWriter returns a Writer speaking RESP2 to w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w, proto: 2} }

// SetProtocol selects RESP2 (2) or RESP3 (3).
func (w *Writer) SetProtocol(p int) { w.proto = p }

// Protocol returns 2 or 3.
func (w *Writer) Protocol() int { return w.proto }

// Buffered returns the number of bytes written and not yet flushed.
func (w *Writer) Buffered() int { return len(w.buf) }

// Flush sends the buffered replies.
func (w *Writer) Flush() error {
	if len(w.buf) == 0 {
		return nil
	}
	_, err := w.w.Write(w.buf)
	if cap(w.buf) > 1<<20 {
		w.buf = nil // do not keep a huge reply's buffer
	} else {
		w.buf = w.buf[:0]
	}
	return err
}

func (w *Writer) header(c byte, n int64) {
	w.buf = append(w.buf, c)
	w.buf = strconv.AppendInt(w.buf, n, 10)
	w.buf = append(w.buf, '\r', '\n')
}

// Status writes a simple string ("+OK"). s must not hold CR or LF.
func (w *Writer) Status(s string) {
	w.buf = append(w.buf, '+')
	w.buf = append(w.buf, s...)
	w.buf = append(w.buf, '\r', '\n')
}

// Error writes an error reply; msg starts with its code ("ERR ...").
// CR and LF become spaces, as in Redis.
func (w *Writer) Error(msg string) {
	w.buf = append(w.buf, '-')
	if strings.ContainsAny(msg, "\r\n") {
		msg = strings.NewReplacer("\r", " ", "\n", " ").Replace(msg)
	}
	w.buf = append(w.buf, msg...)
	w.buf = append(w.buf, '\r', '\n')
}

// Int writes an integer.
func (w *Writer) Int(n int64) { w.header(':', n) }

// Bulk writes a bulk string.
func (w *Writer) Bulk(b []byte) {
	w.header('$', int64(len(b)))
	w.buf = append(w.buf, b...)
	w.buf = append(w.buf, '\r', '\n')
}

// BulkString writes a bulk string.
func (w *Writer) BulkString(s string) {
	w.header('$', int64(len(s)))
	w.buf = append(w.buf, s...)
	w.buf = append(w.buf, '\r', '\n')
}

// ID writes a stream ID as a bulk string, without allocating.
func (w *Writer) ID(id instream.ID) {
	b := id.AppendTo(w.num[:0])
	w.Bulk(b)
}

// Null writes a null: "$-1" under RESP2, "_" under RESP3.
func (w *Writer) Null() {
	if w.proto == 3 {
		w.buf = append(w.buf, '_', '\r', '\n')
		return
	}
	w.buf = append(w.buf, "$-1\r\n"...)
}

// NullArray writes a null where Redis 2 sends a null array ("*-1"), as
// for an XREAD that timed out; under RESP3 it is "_".
func (w *Writer) NullArray() {
	if w.proto == 3 {
		w.buf = append(w.buf, '_', '\r', '\n')
		return
	}
	w.buf = append(w.buf, "*-1\r\n"...)
}

// Array starts an array of n elements.
func (w *Writer) Array(n int) { w.header('*', int64(n)) }

// Map starts a map of n key-value pairs: 2n elements follow.
func (w *Writer) Map(n int) {
	if w.proto == 3 {
		w.header('%', int64(n))
		return
	}
	w.header('*', 2*int64(n))
}

// Set starts a set of n elements.
func (w *Writer) Set(n int) {
	if w.proto == 3 {
		w.header('~', int64(n))
		return
	}
	w.header('*', int64(n))
}

// Double writes a floating-point number.
func (w *Writer) Double(f float64) {
	var s []byte
	switch {
	case math.IsInf(f, 1):
		s = []byte("inf")
	case math.IsInf(f, -1):
		s = []byte("-inf")
	default:
		s = strconv.AppendFloat(w.num[:0], f, 'g', 17, 64)
	}
	if w.proto == 3 {
		w.buf = append(w.buf, ',')
		w.buf = append(w.buf, s...)
		w.buf = append(w.buf, '\r', '\n')
		return
	}
	w.Bulk(s)
}

// Bool writes a boolean: "#t"/"#f" under RESP3, 1 or 0 under RESP2.
func (w *Writer) Bool(b bool) {
	if w.proto == 3 {
		if b {
			w.buf = append(w.buf, "#t\r\n"...)
		} else {
			w.buf = append(w.buf, "#f\r\n"...)
		}
		return
	}
	if b {
		w.Int(1)
	} else {
		w.Int(0)
	}
}

// Verbatim writes text as a RESP3 verbatim string of format "txt" (INFO,
// CLIENT LIST), or a bulk string under RESP2.
func (w *Writer) Verbatim(s string) {
	if w.proto == 3 {
		w.header('=', int64(len(s)+4))
		w.buf = append(w.buf, "txt:"...)
		w.buf = append(w.buf, s...)
		w.buf = append(w.buf, '\r', '\n')
		return
	}
	w.BulkString(s)
}
