package instream

import (
	"errors"
	"strconv"
)

// Log is where an engine with persistence sends its changes. Each call
// that changes state produces one record: the commands that reproduce
// its effect on a Redis server (see "Persistence" in the package
// documentation), in order. Package persist provides one, writing
// Redis's append-only file format.
//
// The engine calls Err and Append while the call holds the locks of the
// streams it changed, so that each stream's records come in the order of
// its changes, and a change of several streams is one record; they must
// be quick and must not call the engine. Calls on different streams run
// in parallel, so a Log must be safe for concurrent use. The engine calls
// Wait after releasing the locks.
type Log interface {
	// Err returns a non-nil error while the log cannot write: the engine
	// then refuses calls that change state, with ErrLogFailed.
	Err() error
	// Append takes one record and returns its sequence number. The
	// record is in the form Redis writes to its append-only file: each
	// command a RESP array of bulk strings, and a record of several
	// commands wrapped in MULTI and EXEC. It may also hold annotation
	// lines, which begin with '#' and which Redis's loader skips (the
	// counts of idempotent adds and duplicates, which no command sets),
	// or be one such line alone. Append must not keep rec (the engine
	// reuses it); a log that needs the record later copies it.
	Append(rec []byte) (seq uint64, err error)
	// Wait returns once record seq is as durable as the log's policy
	// promises.
	Wait(seq uint64) error
}

// recording is implemented by a Log that is not always recording: while
// Recording returns false, calls build no effects (package persist
// replays its log through the engine that way).
type recording interface{ Recording() bool }

// ErrLogFailed is returned by calls that change state on an engine whose
// Log failed to write or sync: the change was refused, or (if the call
// got as far as applying it) it is in memory but its durability is
// unknown. Reads go on. Do answers it with Redis's MISCONF text.
var ErrLogFailed = errors.New("persistence log cannot write; changes are refused until it can")

// A tx encodes each effect as it is recorded, into t.fx, which always
// begins with a MULTI: a record of one command (and any annotations) is
// handed on without it, one of several with it and an EXEC appended, so
// neither case copies.
const (
	multiCmd = "*1\r\n$5\r\nMULTI\r\n"
	execCmd  = "*1\r\n$4\r\nEXEC\r\n"
	// maxKeptFx bounds the effects buffer a tx keeps between calls: a
	// large Update batch does not pin its record's memory.
	maxKeptFx = 64 << 10
)

// record encodes one command of the call's effects.
func (t *tx) record(cmd ...string) {
	b := t.fxStart(len(cmd))
	for _, a := range cmd {
		b = appendBulk(b, a)
	}
	t.fx = b
}

// maxNoteLine bounds an annotation line, its line end included: Redis's
// loader reads lines into 1024 bytes, and would read the rest of a longer
// one as a command.
const maxNoteLine = 1023

// beginNote readies t.fx for an annotation line (appendNote) and returns
// it and where the line begins.
func (t *tx) beginNote() ([]byte, int) {
	if len(t.fx) == 0 {
		t.fx = append(t.fx, multiCmd...)
	}
	return t.fx, len(t.fx)
}

// endNote keeps the annotation line b holds from at, unless it is too
// long for Redis's loader: then the call records nothing for it.
func (t *tx) endNote(b []byte, at int) {
	if len(b)-at > maxNoteLine {
		b = b[:at]
		if at == len(multiCmd) {
			b = b[:0] // nothing else recorded
		}
	}
	t.fx = b
}

// appendNote appends cmd, whose name begins with '#', as an annotation
// line: the name, then each argument after a space, quoted as Go quotes
// strings (so with no line break). Redis's loader skips lines that begin
// with '#'; package aof reads them back as cmd.
func appendNote(b []byte, cmd []string) []byte {
	b = append(b, cmd[0]...)
	for _, a := range cmd[1:] {
		b = append(b, ' ')
		b = strconv.AppendQuote(b, a)
	}
	return append(b, '\r', '\n')
}

// noteFits reports whether the annotation cmd fits Redis's loader.
func noteFits(cmd []string) bool { return len(appendNote(nil, cmd)) <= maxNoteLine }

// fxStart begins a command of n arguments and returns t.fx to append
// them to.
func (t *tx) fxStart(n int) []byte {
	if len(t.fx) == 0 {
		t.fx = append(t.fx, multiCmd...)
	}
	t.fxN++
	b := append(t.fx, '*')
	b = appendDecimal(b, n)
	return append(b, '\r', '\n')
}

// appendEffects hands the call's effects, if any, to the log as one
// record, and forgets them.
func (t *tx) appendEffects(seq *uint64, err *error) {
	if len(t.fx) == 0 {
		return
	}
	rec := t.fx[len(multiCmd):]
	if t.fxN > 1 {
		t.fx = append(t.fx, execCmd...)
		rec = t.fx
	}
	*seq, *err = t.e.opts.Log.Append(rec)
	t.fx, t.fxN = t.fx[:0], 0
	if cap(t.fx) > maxKeptFx {
		t.fx = nil
	}
}

// appendBulk appends s as a RESP bulk string.
func appendBulk[T string | []byte](b []byte, s T) []byte {
	b = append(b, '$')
	b = appendDecimal(b, len(s))
	b = append(b, '\r', '\n')
	b = append(b, s...)
	return append(b, '\r', '\n')
}

// appendBulkString is appendBulk for a string, with fewer checks of b's
// capacity for the usual short lengths: every XADD's fields go through it.
func appendBulkString(b []byte, s string) []byte {
	switch n := len(s); {
	case n < 10:
		b = append(b, '$', byte('0'+n), '\r', '\n')
	case n < 100:
		b = append(b, '$', twoDigits[2*n], twoDigits[2*n+1], '\r', '\n')
	default:
		b = append(b, '$')
		b = appendDecimal(b, n)
		b = append(b, '\r', '\n')
	}
	b = append(b, s...)
	return append(b, '\r', '\n')
}

// appendIntBulk appends v's decimal text as a RESP bulk string.
func appendIntBulk(b []byte, v int64) []byte {
	var text [20]byte
	return appendBulk(b, strconv.AppendInt(text[:0], v, 10))
}

// appendIDBulk appends id's text as a RESP bulk string. The text of the
// milliseconds, which change far less often than adds come, is kept from
// the last call.
func (t *tx) appendIDBulk(b []byte, id ID) []byte {
	n := t.idLen(id)
	seq := n - t.idMsLen - 1
	if n >= 10 && n < 100 {
		b = append(b, '$', twoDigits[2*n], twoDigits[2*n+1], '\r', '\n')
	} else {
		b = append(b, '$')
		b = appendDecimal(b, n)
		b = append(b, '\r', '\n')
	}
	b = append(b, t.idMsText[:t.idMsLen]...)
	if seq == 1 {
		return append(b, '-', byte('0'+id.Seq), '\r', '\n')
	}
	b = append(b, '-')
	at := len(b)
	b = append(b, make([]byte, seq+2)...)
	putDecimal(b[at:at+seq], id.Seq)
	b[len(b)-2], b[len(b)-1] = '\r', '\n'
	return b
}

// idLen returns the length of id's text, keeping the text of its
// milliseconds for appendIDBulk.
func (t *tx) idLen(id ID) int {
	if id.Ms != t.idMs || t.idMsLen == 0 {
		t.idMs, t.idMsLen = id.Ms, decimalDigits(id.Ms)
		putDecimal(t.idMsText[:t.idMsLen], id.Ms)
	}
	if id.Seq < 10 {
		return t.idMsLen + 2
	}
	return t.idMsLen + 1 + decimalDigits(id.Seq)
}

// decimalDigits returns the number of decimal digits of v.
func decimalDigits(v uint64) int {
	n := 1
	for ; v >= 100; v /= 100 {
		n += 2
	}
	if v >= 10 {
		n++
	}
	return n
}

// putDecimal writes v in decimal into b, which is exactly as long as its
// digits.
func putDecimal(b []byte, v uint64) {
	i := len(b)
	for v >= 100 {
		q := v / 100
		d := v - q*100
		i -= 2
		b[i], b[i+1] = twoDigits[2*d], twoDigits[2*d+1]
		v = q
	}
	if v >= 10 {
		b[i-2], b[i-1] = twoDigits[2*v], twoDigits[2*v+1]
		return
	}
	b[i-1] = byte('0' + v)
}

const twoDigits = "00010203040506070809" +
	"10111213141516171819" +
	"20212223242526272829" +
	"30313233343536373839" +
	"40414243444546474849" +
	"50515253545556575859" +
	"60616263646566676869" +
	"70717273747576777879" +
	"80818283848586878889" +
	"90919293949596979899"

// appendDecimal appends n in decimal, the usual one or two digits without
// a call into strconv.
func appendDecimal(b []byte, n int) []byte {
	switch {
	case n >= 0 && n < 10:
		return append(b, byte('0'+n))
	case n >= 10 && n < 100:
		return append(b, twoDigits[2*n], twoDigits[2*n+1])
	}
	return strconv.AppendInt(b, int64(n), 10)
}
