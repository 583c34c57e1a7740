package aof

// Hooks for the black-box tests.
var (
	FileHeader = fileHeader
	SplitArgs  = splitArgs
	Repr       = repr
	FileSyncs  = &fileSyncs
)

// ParseManifest parses a manifest and returns its lines in Redis's
// order, as "name seq type".
func ParseManifest(b []byte) ([]string, error) {
	m, err := parseManifest(b)
	if err != nil {
		return nil, err
	}
	var out []string
	add := func(fi fileInfo) { out = append(out, fi.name+" "+itoa(fi.seq)+" "+string(fi.typ)) }
	if m.base != nil {
		add(*m.base)
	}
	for _, fi := range m.history {
		add(fi)
	}
	for _, fi := range m.incr {
		add(fi)
	}
	return out, nil
}

// FormatManifest renders a manifest of one base and the given
// incremental files.
func FormatManifest(base string, baseSeq int64, incr map[string]int64, order []string) []byte {
	m := &manifest{base: &fileInfo{name: base, seq: baseSeq, typ: typeBase}}
	for _, n := range order {
		m.incr = append(m.incr, fileInfo{name: n, seq: incr[n], typ: typeIncr})
	}
	return m.format()
}

func itoa(n int64) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

// AppendRecord encodes a record with its checksum, as Append does.
func AppendRecord(b []byte, cmds [][]string) []byte {
	return appendRecord(b, cmds, bodyLen(cmds))
}

// WriteChunk is how many buffered bytes make a caller of Wait write.
const WriteChunk = writeChunk

// MaxPostpone is how long records may wait unwritten under Everysec and
// No before Wait blocks.
const MaxPostpone = maxPostpone

// LockInProcess is the lock of systems and filesystems without flock(2).
var LockInProcess = lockInProcess
