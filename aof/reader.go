package aof

import (
	"bytes"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"path/filepath"
	"strings"
)

// ErrUnsupported is returned for a command the log cannot stand for, such
// as a SELECT of a database other than 0.
var ErrUnsupported = errors.New("unsupported in an aof file")

// Recovery reports what reading a directory found.
type Recovery struct {
	// Records is the number of records handed to the callback.
	Records int
	// Cut describes the torn tail of the last incremental file, or is nil.
	Cut *Cut
}

// Cut describes a torn tail: the bytes from Offset to the end of File,
// which hold no complete record (a write cut short by a crash, or a MULTI
// without its EXEC).
type Cut struct {
	File   string
	Offset int64
	Bytes  int64
}

// Read replays the log in opts's directory without changing it: the base
// file, then the incremental files in order, each record handed to fn as
// its commands (MULTI and EXEC removed, SELECT 0 dropped). A torn tail in
// the last incremental file ends the replay and is described in the
// result; damage elsewhere is a [*CorruptError]. An error from fn stops
// the replay and is returned in a [*RecordError], with the file and
// offset of the record. The
// commands passed to fn must not be modified; their strings may be kept.
func Read(opts Options, fn func(cmds [][]string) error) (*Recovery, error) {
	opts = opts.withDefaults()
	m, err := readManifest(opts)
	if err != nil {
		return nil, err
	}
	return replay(opts, m, fn)
}

func readManifest(opts Options) (*manifest, error) {
	r, err := opts.FS.Open(opts.manifestPath())
	if err != nil {
		return nil, fmt.Errorf("aof: open manifest: %w", err)
	}
	b, err := io.ReadAll(r)
	r.Close()
	if err != nil {
		return nil, fmt.Errorf("aof: read manifest: %w", err)
	}
	m, err := parseManifest(b)
	if err != nil {
		return nil, fmt.Errorf("aof: %s: %w: %v", opts.manifestName(), ErrCorrupt, err)
	}
	return m, nil
}

func replay(opts Options, m *manifest, fn func([][]string) error) (*Recovery, error) {
	rec := &Recovery{}
	var files []fileInfo
	if m.base != nil {
		files = append(files, *m.base)
	}
	files = append(files, m.incr...)
	// A torn tail is cut in the last incremental file that holds records:
	// the files after it can only be new ones, opened by a rewrite before
	// the writer moved to them, and empty.
	tearable := -1
	for i := len(files) - 1; i >= 0 && files[i].typ == typeIncr; i-- {
		tearable = i
		empty, err := holdsNoRecord(opts.FS, opts.path(files[i].name))
		if err != nil {
			return rec, err
		}
		if !empty {
			break
		}
	}
	for i, fi := range files {
		fr := fileReader{
			name:     fi.name,
			base:     fi.typ == typeBase,
			mayTear:  i == tearable,
			fn:       fn,
			recovery: rec,
		}
		if err := fr.read(opts.FS, filepath.Join(opts.dir(), fi.name)); err != nil {
			return rec, err
		}
	}
	return rec, nil
}

// holdsNoRecord reports whether the file at p is empty or holds only the
// header.
func holdsNoRecord(fsys FS, p string) (bool, error) {
	size, err := fsys.Size(p)
	if err != nil || size > int64(len(fileHeader)) {
		return false, nil // a missing file is reported when it is read
	}
	r, err := fsys.Open(p)
	if err != nil {
		return false, fmt.Errorf("aof: %w", err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		return false, fmt.Errorf("aof: read %s: %w", p, err)
	}
	return bytes.HasPrefix([]byte(fileHeader), b), nil
}

// fileReader reads one file of the log.
type fileReader struct {
	name     string
	base     bool
	mayTear  bool // the last incremental file: a torn tail is cut, not fatal
	fn       func([][]string) error
	recovery *Recovery

	size    int64
	w       window
	multi   [][]string // commands of an open MULTI that Redis wrote
	inTx    bool
	txStart int64 // where that MULTI begins
	// A checksum line skipped as one Redis kept alone, until a whole
	// command of Redis's follows it: a cut before then takes the line.
	aloneLine bool
	lineStart int64
}

func (fr *fileReader) read(fsys FS, path string) error {
	size, err := fsys.Size(path)
	if err != nil {
		return fmt.Errorf("aof: %s is listed in the manifest: %w", fr.name, err)
	}
	fr.size = size
	if size == 0 {
		return nil
	}
	r, err := fsys.Open(path)
	if err != nil {
		return fmt.Errorf("aof: open %s: %w", fr.name, err)
	}
	defer r.Close()
	fr.w = window{r: r, buf: make([]byte, 0, 256<<10)}
	fr.w.ensure(len(fileHeader))
	if fr.w.err != nil {
		return fr.ioErr()
	}
	d := fr.w.data()
	switch {
	case bytes.HasPrefix(d, []byte("REDIS")):
		if fr.base {
			return fmt.Errorf("aof: %s: %w", fr.name, ErrRDBBase)
		}
		return fr.corrupt(0, "RDB data in an incremental file")
	case bytes.HasPrefix(d, []byte(fileHeader)):
		fr.w.consume(len(fileHeader))
		return fr.readChecked()
	case len(d) < len(fileHeader) && bytes.HasPrefix([]byte(fileHeader), d):
		return fr.torn(0, "file header cut short")
	}
	return fr.readRedis()
}

// readChecked reads a file this package wrote: a checksum line, then the
// bytes it covers, up to the end. In an incremental file, the commands
// Redis appends when it runs on the directory may come between records:
// they are read as in a file Redis wrote, without checksums. A damaged
// checksum line cannot pass for one of them: one flipped bit does not
// turn '#' (0x23) into '*' (0x2A), nor "#R " into "#TS:". Nor can a
// damaged record pass for a checksum line Redis kept alone: the engine
// writes no SELECT, and a record that verifies is read as one.
func (fr *fileReader) readChecked() error {
	for {
		start := fr.w.off
		if !fr.w.ensure(1) {
			if fr.base && fr.w.err == nil {
				return fr.corrupt(start, "base file cut short: no end line")
			}
			if fr.w.err == nil && fr.inTx {
				return fr.torn(fr.txStart, "MULTI without EXEC at the end of the file")
			}
			return fr.ioErr()
		}
		if !fr.base && fr.w.data()[0] == '*' {
			if end, err := fr.redisCommand(); end || err != nil {
				return err
			}
			continue
		}
		line, found := fr.w.line(maxRecordLine)
		if !found {
			if fr.w.err != nil {
				return fr.ioErr()
			}
			if fr.w.eof && len(fr.w.data()) < maxRecordLine {
				return fr.torn(start, "record line cut short")
			}
			return fr.damaged(start, "bad record line")
		}
		if fr.base && string(line) == baseEnd {
			fr.w.consume(len(line))
			if fr.w.ensure(1) {
				return fr.corrupt(fr.w.off, "bytes after the base file's end line")
			}
			return fr.ioErr()
		}
		if !fr.base && isTimestampLine(line) {
			fr.w.consume(len(line)) // Redis's loader skips it too
			continue
		}
		n, sum, ok := parseRecordLine(line)
		if !ok {
			return fr.damaged(start, "bad record line")
		}
		if fr.inTx {
			return fr.corrupt(start, "record inside a MULTI that Redis wrote")
		}
		fr.w.consume(len(line))
		if !fr.w.ensure(n) {
			if fr.w.err != nil {
				return fr.ioErr()
			}
			if fr.skipLoneLine(start) {
				continue
			}
			if verifiedRecordIn(fr.w.data()) || redisAppendIn(fr.w.data()) {
				// A torn write leaves nothing whole after it: the length
				// itself is damaged.
				return fr.corrupt(start, "record length runs past the end of the file, before complete records")
			}
			return fr.torn(start, "record cut short")
		}
		body := fr.w.data()[:n]
		if crc32.Checksum(body, castagnoli) != sum {
			if fr.skipLoneLine(start) {
				continue
			}
			return fr.corrupt(start, "checksum mismatch")
		}
		s := string(body)
		fr.w.consume(n)
		if err := fr.yieldChunk(start, s); err != nil {
			return err
		}
	}
}

// verifiedRecordIn reports whether b holds a checksum line followed by the
// bytes it covers.
func verifiedRecordIn(b []byte) bool {
	for i := 0; ; i++ {
		j := bytes.Index(b[i:], []byte(recordPrefix))
		if j < 0 {
			return false
		}
		i += j
		k := bytes.IndexByte(b[i:min(len(b), i+maxRecordLine)], '\n')
		if k < 0 {
			continue
		}
		n, sum, ok := parseRecordLine(b[i : i+k+1])
		body := b[i+k+1:]
		if ok && n <= len(body) && crc32.Checksum(body[:n], castagnoli) == sum {
			return true
		}
	}
}

// selectCmd begins every run of commands Redis appends to a file (after
// a start or a rewrite it has no database selected, checked on 7.0.15);
// this package never writes it.
const selectCmd = "*2\r\n$6\r\nSELECT\r\n"

// redisAppendIn reports whether b, read from the start of a record's
// body, holds commands Redis appended: a SELECT where a command begins.
// The walk goes from command to command (and over '#' lines), so that a
// value holding SELECT's bytes, in a torn record, does not count.
func redisAppendIn(b []byte) bool {
	for len(b) > 0 {
		if b[0] == '#' {
			i := bytes.IndexByte(b, '\n')
			if i < 0 {
				return false
			}
			b = b[i+1:]
			continue
		}
		if bytes.HasPrefix(b, []byte(selectCmd)) {
			return true
		}
		_, n, err := parseCommand(b)
		if err != nil {
			return false // torn, or not commands: no append after it
		}
		b = b[n:]
	}
	return false
}

// skipLoneLine reports, for the checksum line at start, consumed, whose
// record does not follow whole, whether a crash tore the record right
// after the line and Redis appended there. Redis skips the line as an
// annotation; so does the reader, as none of the record's bytes are left.
func (fr *fileReader) skipLoneLine(start int64) bool {
	if fr.base || !fr.redisRunAhead() {
		return false
	}
	fr.aloneLine, fr.lineStart = true, start
	return true
}

// redisRunAhead reports whether a run of Redis's appends begins at the
// window's start: SELECT, after a "#TS:" line if there is one.
func (fr *fileReader) redisRunAhead() bool {
	fr.w.ensure(maxRecordLine + len(selectCmd)) // less at the end of the file
	d := fr.w.data()
	if len(d) > 0 && d[0] == '#' {
		if i := bytes.IndexByte(d[:min(len(d), maxRecordLine)], '\n'); i >= 0 && isTimestampLine(d[:i+1]) {
			d = d[i+1:]
		}
	}
	return bytes.HasPrefix(d, []byte(selectCmd))
}

// isTimestampLine reports whether line is "#TS:<unix seconds>\r\n",
// which Redis writes with aof-timestamp-enabled yes.
func isTimestampLine(line []byte) bool {
	digits, ok := bytes.CutPrefix(line, []byte("#TS:"))
	if !ok {
		return false
	}
	digits, ok = bytes.CutSuffix(digits, []byte("\r\n"))
	if !ok || len(digits) == 0 {
		return false
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// yieldChunk hands the records of a verified chunk to the callback: each
// command alone, or MULTI … EXEC as one record. An annotation line is
// handed on as a command whose name begins with '#'.
func (fr *fileReader) yieldChunk(start int64, s string) error {
	var tx [][]string
	inTx := false
	for i := 0; i < len(s); {
		var args []string
		if s[i] == '#' {
			end := strings.Index(s[i:], "\r\n")
			ok := end >= 0
			if ok {
				args, ok = parseNote(s[i : i+end])
			}
			if !ok {
				return fr.corrupt(start, "checksummed record holds a bad annotation")
			}
			i += end + 2
		} else {
			var n int
			var err error
			if args, n, err = parseCommand(s[i:]); err != nil {
				return fr.corrupt(start, "checksummed record does not parse: "+err.Error())
			}
			i += n
		}
		switch {
		case isCmd(args, "MULTI"):
			if inTx {
				return fr.corrupt(start, "nested MULTI")
			}
			inTx, tx = true, nil
		case isCmd(args, "EXEC"):
			if !inTx {
				return fr.corrupt(start, "EXEC without MULTI")
			}
			inTx = false
			if err := fr.yield(start, tx); err != nil {
				return err
			}
		case inTx:
			tx = append(tx, args)
		default:
			if err := fr.yield(start, [][]string{args}); err != nil {
				return err
			}
		}
	}
	if inTx {
		return fr.corrupt(start, "MULTI without EXEC inside a checksummed record")
	}
	return nil
}

// readRedis reads a file Redis wrote: RESP commands and '#' annotations,
// with no checksums, under the rules of Redis's own loader.
func (fr *fileReader) readRedis() error {
	for {
		d := fr.w.data()
		if len(d) == 0 {
			if fr.w.fill() {
				continue
			}
			if fr.w.err != nil {
				return fr.ioErr()
			}
			if fr.inTx {
				return fr.torn(fr.txStart, "MULTI without EXEC at the end of the file")
			}
			return nil
		}
		if bytes.HasPrefix(d, []byte(recordPrefix)) || bytes.HasPrefix(d, []byte("#instream")) {
			// Redis never writes these: this file's header is damaged.
			return fr.corrupt(0, "a file of this package's format with a damaged header")
		}
		if d[0] == '#' {
			// Redis skips annotations, one cut short at the end included.
			line, found := fr.w.line(maxRecord)
			if !found {
				if fr.w.err != nil {
					return fr.ioErr()
				}
				fr.w.consume(len(fr.w.data()))
				continue
			}
			fr.w.consume(len(line))
			continue
		}
		if end, err := fr.redisCommand(); end || err != nil {
			return err
		}
	}
}

// redisCommand reads the command at the window's start as Redis's loader
// does: SELECT 0 dropped, the commands between MULTI and EXEC handed on
// as one record. It reports whether reading the file ends there, at a
// torn tail, damage or an error.
func (fr *fileReader) redisCommand() (end bool, err error) {
	start := fr.w.off
	args, n, err := parseCommand(fr.w.data())
	for err == errShort && fr.w.fill() {
		args, n, err = parseCommand(fr.w.data())
	}
	if err == errShort {
		if fr.w.err != nil {
			return true, fr.ioErr()
		}
		if fr.inTx {
			return true, fr.torn(fr.txStart, "command cut short inside MULTI")
		}
		return true, fr.torn(start, "command cut short")
	}
	if err != nil {
		var fe *formatError
		errors.As(err, &fe)
		return true, fr.damaged(start, fmt.Sprintf("bad RESP at offset %d: %s", start+int64(fe.at), fe.reason))
	}
	fr.w.consume(n)
	fr.aloneLine = false
	switch {
	case isCmd(args, "SELECT"):
		if len(args) != 2 || args[1] != "0" {
			return true, fmt.Errorf("aof: %s at offset %d: SELECT %s: only database 0 can be read: %w",
				fr.name, start, strings.Join(args[1:], " "), ErrUnsupported)
		}
	case isCmd(args, "MULTI"):
		if fr.inTx {
			return true, fr.corrupt(start, "nested MULTI")
		}
		fr.inTx, fr.multi, fr.txStart = true, nil, start
	case isCmd(args, "EXEC"):
		if !fr.inTx {
			return true, fr.corrupt(start, "EXEC without MULTI")
		}
		fr.inTx = false
		if err := fr.yield(fr.txStart, fr.multi); err != nil {
			return true, err
		}
	case fr.inTx:
		fr.multi = append(fr.multi, args)
	default:
		if err := fr.yield(start, [][]string{args}); err != nil {
			return true, err
		}
	}
	return false, nil
}

func (fr *fileReader) yield(at int64, cmds [][]string) error {
	if len(cmds) == 0 {
		return nil // an empty MULTI/EXEC changes nothing
	}
	if err := fr.fn(cmds); err != nil {
		return &RecordError{File: fr.name, Offset: at, Err: err}
	}
	fr.recovery.Records++
	return nil
}

// torn handles a file that ends inside a record starting at off: cut in
// the last incremental file, from the open MULTI or the checksum line
// kept alone before it if there is one, damage anywhere else.
func (fr *fileReader) torn(off int64, reason string) error {
	if fr.inTx {
		off = min(off, fr.txStart)
	}
	if fr.aloneLine {
		off = min(off, fr.lineStart)
	}
	if !fr.mayTear {
		return fr.corrupt(off, reason+" (not at the end of the last incremental file)")
	}
	fr.recovery.Cut = &Cut{File: fr.name, Offset: off, Bytes: fr.size - off}
	return nil
}

// damaged handles bytes that are not a record at off. A crash can leave
// zeros where the last write was to go; zeros up to the end are a torn
// tail, anything else is damage.
func (fr *fileReader) damaged(off int64, reason string) error {
	if fr.mayTear && fr.restIsZero(off) {
		return fr.torn(off, reason)
	}
	return fr.corrupt(off, reason)
}

// restIsZero reports whether every byte from off to the end is zero; it
// consumes the window.
func (fr *fileReader) restIsZero(off int64) bool {
	if off < fr.w.off {
		return false
	}
	fr.w.consume(int(off - fr.w.off))
	for {
		for _, c := range fr.w.data() {
			if c != 0 {
				return false
			}
		}
		fr.w.consume(len(fr.w.data()))
		if !fr.w.fill() {
			return fr.w.err == nil
		}
	}
}

func (fr *fileReader) corrupt(off int64, reason string) error {
	return &CorruptError{File: fr.name, Offset: off, Reason: reason}
}

func (fr *fileReader) ioErr() error {
	if fr.w.err == nil {
		return nil
	}
	return fmt.Errorf("aof: read %s at offset %d: %w", fr.name, fr.w.off, fr.w.err)
}

func isCmd(args []string, name string) bool {
	return len(args) > 0 && len(args[0]) == len(name) && strings.EqualFold(args[0], name)
}

// window is a read buffer over a file that knows the file offset of what
// it holds.
type window struct {
	r   io.Reader
	buf []byte
	pos int   // start of the unconsumed bytes in buf
	off int64 // file offset of buf[pos]
	eof bool
	err error
}

func (w *window) data() []byte { return w.buf[w.pos:] }

func (w *window) consume(n int) {
	w.pos += n
	w.off += int64(n)
}

// fill reads more bytes and reports whether it got any.
func (w *window) fill() bool {
	for !w.eof && w.err == nil {
		if w.pos > 0 {
			n := copy(w.buf, w.buf[w.pos:])
			w.buf, w.pos = w.buf[:n], 0
		}
		if len(w.buf) == cap(w.buf) {
			w.buf = append(w.buf, make([]byte, cap(w.buf))...)[:len(w.buf)]
		}
		n, err := w.r.Read(w.buf[len(w.buf):cap(w.buf)])
		w.buf = w.buf[:len(w.buf)+n]
		if err == io.EOF {
			w.eof = true
		} else if err != nil {
			w.err = err
		}
		if n > 0 {
			return true
		}
	}
	return false
}

// ensure reports whether at least n unconsumed bytes are available.
func (w *window) ensure(n int) bool {
	for len(w.data()) < n {
		if !w.fill() {
			return false
		}
	}
	return true
}

// line returns the unconsumed bytes up to and including the first '\n'
// within max bytes, reading more if needed.
func (w *window) line(max int) ([]byte, bool) {
	for {
		d := w.data()
		if i := bytes.IndexByte(d[:min(len(d), max)], '\n'); i >= 0 {
			return d[:i+1], true
		}
		if len(d) >= max || !w.fill() {
			return nil, false
		}
	}
}
