package aof

import (
	"errors"
	"fmt"
	"hash/crc32"
	"strconv"
	"strings"
)

// fileHeader begins every file this package writes. A file that begins
// with it must carry a checksum line before every record.
const fileHeader = "#instream aof 1\r\n"

// baseEnd ends every base file this package writes, so that a base cut
// at a record boundary is still found short.
const baseEnd = "#instream end\r\n"

// The line before each record: "#R <length> <crc32c as 8 hex digits>".
const (
	recordPrefix  = "#R "
	maxRecordLine = 32
	// maxRecord bounds a record's length, as Redis's proto-max-bulk-len
	// bounds an argument.
	maxRecord = 1 << 30
)

// Annotations. A command whose name begins with '#' is an annotation: it
// is written as one line, the name, then each argument after a space,
// quoted as Go quotes strings (so with no line break), and read back as
// the same command. Redis's loader skips every line that begins with
// '#', as long as it fits its 1024-byte line buffer: the engine keeps
// there what Redis keeps in its RDB snapshots only.
const maxNoteLine = 1023 // line end included

// ErrBadAnnotation is returned for an annotation whose name holds a space
// or a line break, or whose line would not fit Redis's loader.
var ErrBadAnnotation = errors.New("aof: an annotation must be one line of at most 1023 bytes, with a name of no spaces")

func isNote(args []string) bool { return len(args) > 0 && len(args[0]) > 0 && args[0][0] == '#' }

func appendNote(b []byte, args []string) []byte {
	b = append(b, args[0]...)
	for _, a := range args[1:] {
		b = append(b, ' ')
		b = strconv.AppendQuote(b, a)
	}
	return append(b, '\r', '\n')
}

// checkNotes checks the annotations among cmds.
func checkNotes(cmds ...[]string) error {
	for _, c := range cmds {
		if isNote(c) && (len(c[0]) < 2 || strings.ContainsAny(c[0], " \r\n") || len(appendNote(nil, c)) > maxNoteLine) {
			return ErrBadAnnotation
		}
	}
	return nil
}

// parseNote parses an annotation line, its line end left out.
func parseNote(line string) ([]string, bool) {
	name, rest, _ := strings.Cut(line, " ")
	if len(name) < 2 {
		return nil, false
	}
	args := []string{name}
	for rest != "" {
		q, err := strconv.QuotedPrefix(rest)
		if err != nil {
			return nil, false
		}
		a, err := strconv.Unquote(q)
		if err != nil {
			return nil, false
		}
		args = append(args, a)
		rest = rest[len(q):]
		if rest == "" {
			break
		}
		if rest[0] != ' ' || len(rest) == 1 {
			return nil, false
		}
		rest = rest[1:]
	}
	return args, true
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// ErrCorrupt is matched by every [*CorruptError].
var ErrCorrupt = errors.New("aof file is damaged")

// ErrRDBBase is returned when the base file is an RDB file: Redis wrote it
// with aof-use-rdb-preamble yes, and only AOF-format bases can be read.
var ErrRDBBase = errors.New("base file is in RDB format (aof-use-rdb-preamble yes); only AOF-format bases can be read")

// CorruptError reports damage in a file, or a torn tail anywhere but at
// the end of the last incremental file.
type CorruptError struct {
	File   string // the file's name inside the directory
	Offset int64  // where the damaged record begins
	Reason string
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("aof: %s at offset %d: %s", e.File, e.Offset, e.Reason)
}

// Unwrap makes errors.Is(err, ErrCorrupt) true.
func (e *CorruptError) Unwrap() error { return ErrCorrupt }

// RecordError is returned by [Read] and [Open] when the callback fails on
// a record: it names where the record is, so that it can be found, and
// wraps the callback's error.
type RecordError struct {
	File   string // the file's name inside the directory
	Offset int64  // where the record begins
	Err    error
}

func (e *RecordError) Error() string {
	return fmt.Sprintf("aof: %s at offset %d: %v", e.File, e.Offset, e.Err)
}

func (e *RecordError) Unwrap() error { return e.Err }

// appendCommand appends args as a RESP array of bulk strings, or as an
// annotation line if it is one.
func appendCommand(b []byte, args []string) []byte {
	if isNote(args) {
		return appendNote(b, args)
	}
	b = append(b, '*')
	b = appendLen(b, len(args))
	b = append(b, '\r', '\n')
	for _, a := range args {
		b = append(b, '$')
		b = appendLen(b, len(a))
		b = append(b, '\r', '\n')
		b = append(b, a...)
		b = append(b, '\r', '\n')
	}
	return b
}

var (
	cmdMulti = []string{"MULTI"}
	cmdExec  = []string{"EXEC"}
)

// appendRecord appends one record: its checksum line, then its commands,
// wrapped in MULTI/EXEC when there are several. n is bodyLen(cmds).
func appendRecord(b []byte, cmds [][]string, n int) []byte {
	at := len(b)
	b = appendRecordHead(b, n)
	if len(cmds) > 1 {
		b = appendCommand(b, cmdMulti)
	}
	for _, c := range cmds {
		b = appendCommand(b, c)
	}
	if len(cmds) > 1 {
		b = appendCommand(b, cmdExec)
	}
	sumRecord(b[at:], n)
	return b
}

// appendRecordHead appends the checksum line of a record of n bytes, with
// the checksum left as zeros for sumRecord.
func appendRecordHead(b []byte, n int) []byte {
	b = append(b, recordPrefix...)
	b = appendLen(b, n)
	return append(b, " 00000000\r\n"...)
}

// sumRecord fills in the checksum of rec, one record whose checksum line
// appendRecordHead wrote, its body of n bytes.
func sumRecord(rec []byte, n int) {
	body := len(rec) - n
	putHex32(rec[body-len("00000000\r\n"):], crc32.Checksum(rec[body:], castagnoli))
}

// appendLen appends n in decimal, the usual one to three digits without
// a call into strconv.
func appendLen(b []byte, n int) []byte {
	switch {
	case n < 10:
		return append(b, byte('0'+n))
	case n < 100:
		return append(b, byte('0'+n/10), byte('0'+n%10))
	case n < 1000: // a record's usual length
		return append(b, byte('0'+n/100), byte('0'+n/10%10), byte('0'+n%10))
	}
	return strconv.AppendInt(b, int64(n), 10)
}

// bodyLen returns the length of a record's commands.
func bodyLen(cmds [][]string) int {
	n := 0
	for _, c := range cmds {
		n += commandLen(c)
	}
	if len(cmds) > 1 {
		n += commandLen(cmdMulti) + commandLen(cmdExec)
	}
	return n
}

// recordLen returns the length of a record whose commands take n bytes,
// its checksum line included.
func recordLen(n int) int {
	return len(recordPrefix) + decimalLen(n) + len(" 00000000\r\n") + n
}

// commandLen returns the length of args encoded by appendCommand.
func commandLen(args []string) int {
	if isNote(args) {
		return len(appendNote(nil, args))
	}
	n := 3 + decimalLen(len(args))
	for _, a := range args {
		n += 5 + decimalLen(len(a)) + len(a)
	}
	return n
}

func decimalLen(n int) int {
	d := 1
	for n >= 10 {
		n /= 10
		d++
	}
	return d
}

// appendRecordLine appends the checksum line for body.
func appendRecordLine(b, body []byte) []byte {
	b = appendRecordHead(b, len(body))
	putHex32(b[len(b)-10:], crc32.Checksum(body, castagnoli))
	return b
}

// putHex32 writes v as 8 lower-case hex digits, a byte at a time from a
// table of the 256 two-digit pairs.
func putHex32(b []byte, v uint32) {
	_ = b[7]
	p := 2 * (v >> 24)
	b[0], b[1] = hexPairs[p], hexPairs[p+1]
	p = 2 * (v >> 16 & 0xff)
	b[2], b[3] = hexPairs[p], hexPairs[p+1]
	p = 2 * (v >> 8 & 0xff)
	b[4], b[5] = hexPairs[p], hexPairs[p+1]
	p = 2 * (v & 0xff)
	b[6], b[7] = hexPairs[p], hexPairs[p+1]
}

var hexPairs = func() string {
	const hex = "0123456789abcdef"
	b := make([]byte, 0, 512)
	for i := range 256 {
		b = append(b, hex[i>>4], hex[i&0xf])
	}
	return string(b)
}()

// parseRecordLine parses "#R <len> <crc>\r\n" (line includes the CRLF).
func parseRecordLine(line []byte) (n int, sum uint32, ok bool) {
	if len(line) < len(recordPrefix)+12 || string(line[:len(recordPrefix)]) != recordPrefix ||
		line[len(line)-2] != '\r' || line[len(line)-1] != '\n' {
		return 0, 0, false
	}
	f := line[len(recordPrefix) : len(line)-2]
	sp := -1
	for i, c := range f {
		if c == ' ' {
			sp = i
			break
		}
	}
	if sp < 1 || len(f)-sp-1 != 8 {
		return 0, 0, false
	}
	n64, err := strconv.ParseUint(string(f[:sp]), 10, 32)
	if err != nil || n64 > maxRecord || (len(f[:sp]) > 1 && f[0] == '0') {
		return 0, 0, false
	}
	sum = 0
	for _, c := range f[sp+1:] {
		switch {
		case c >= '0' && c <= '9':
			sum = sum<<4 | uint32(c-'0')
		case c >= 'a' && c <= 'f':
			sum = sum<<4 | uint32(c-'a'+10)
		default:
			return 0, 0, false // only the lower case this package writes
		}
	}
	return int(n64), sum, true
}
