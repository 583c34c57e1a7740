package aof

import (
	"bytes"
	"errors"
	"fmt"
	"hash/crc32"
	"path/filepath"
	"strconv"
	"strings"
)

// Manifest file types, as Redis writes them.
const (
	typeBase    = 'b'
	typeHistory = 'h'
	typeIncr    = 'i'
)

// manifestMaxLine is Redis's limit on a manifest line, newline included.
const manifestMaxLine = 1024

// manifestSumPrefix begins the last line of a manifest this package
// writes: the CRC-32C of the lines before it. Redis skips it as a comment.
const manifestSumPrefix = "#instream crc32c "

type fileInfo struct {
	name string
	seq  int64
	typ  byte
}

// manifest lists the files of a directory in load order: the base (if
// any), then the incremental files by ascending seq. History files are
// leftovers of a finished rewrite; they are not loaded.
type manifest struct {
	base    *fileInfo
	history []fileInfo
	incr    []fileInfo
}

// parseManifest parses a manifest with the rules of Redis 7.0's loader:
// '#' lines are skipped, every other line must end in a newline and hold
// key/value pairs of which file, seq and type are required, at most one
// base, incremental seqs strictly ascending.
func parseManifest(b []byte) (*manifest, error) {
	if len(b) == 0 {
		return nil, errors.New("empty manifest")
	}
	m := &manifest{}
	var maxSeq int64
	all := b
	for lineNum := 1; len(b) > 0; lineNum++ {
		i := bytes.IndexByte(b, '\n')
		if i < 0 || i+1 > manifestMaxLine {
			return nil, fmt.Errorf("manifest line %d: too long or not ended by a newline", lineNum)
		}
		line := string(b[:i+1])
		b = b[i+1:]
		if strings.HasPrefix(line, manifestSumPrefix) {
			covered := all[:len(all)-len(b)-len(line)]
			if len(b) != 0 || line != string(appendManifestSum(nil, covered)) {
				return nil, fmt.Errorf("manifest line %d: checksum mismatch", lineNum)
			}
			continue
		}
		if line[0] == '#' {
			continue
		}
		line = strings.Trim(line, " \t\r\n")
		args, err := splitArgs(line)
		if err != nil || len(args) < 6 || len(args)%2 != 0 {
			return nil, fmt.Errorf("manifest line %d: invalid format: %q", lineNum, line)
		}
		var fi fileInfo
		for j := 0; j < len(args); j += 2 {
			switch strings.ToLower(args[j]) {
			case "file":
				fi.name = args[j+1]
				if fi.name != filepath.Base(fi.name) || strings.ContainsRune(fi.name, '/') {
					return nil, fmt.Errorf("manifest line %d: file %q is a path, not a file name", lineNum, fi.name)
				}
			case "seq":
				// Redis uses atoll: a bad number reads as 0, which it rejects.
				fi.seq, _ = strconv.ParseInt(args[j+1], 10, 64)
			case "type":
				if args[j+1] != "" {
					fi.typ = args[j+1][0]
				}
			}
		}
		if fi.name == "" || fi.seq == 0 || fi.typ == 0 {
			return nil, fmt.Errorf("manifest line %d: invalid format: %q", lineNum, line)
		}
		switch fi.typ {
		case typeBase:
			if m.base != nil {
				return nil, fmt.Errorf("manifest line %d: a second base file", lineNum)
			}
			m.base = &fi
		case typeHistory:
			m.history = append(m.history, fi)
		case typeIncr:
			if fi.seq <= maxSeq {
				return nil, fmt.Errorf("manifest line %d: incremental seq %d not above %d", lineNum, fi.seq, maxSeq)
			}
			maxSeq = fi.seq
			m.incr = append(m.incr, fi)
		default:
			return nil, fmt.Errorf("manifest line %d: unknown file type %q", lineNum, fi.typ)
		}
	}
	if m.base == nil && len(m.incr) == 0 {
		return nil, errors.New("manifest lists no base and no incremental file")
	}
	return m, nil
}

// format renders m as Redis does: base, history, then incremental files.
func (m *manifest) format() []byte {
	var b []byte
	line := func(fi fileInfo) {
		name := fi.name
		if needsRepr(name) {
			name = repr(name)
		}
		b = fmt.Appendf(b, "file %s seq %d type %c\n", name, fi.seq, fi.typ)
	}
	if m.base != nil {
		line(*m.base)
	}
	for _, fi := range m.history {
		line(fi)
	}
	for _, fi := range m.incr {
		line(fi)
	}
	return appendManifestSum(b, b)
}

func appendManifestSum(b, covered []byte) []byte {
	var sum [8]byte
	putHex32(sum[:], crc32.Checksum(covered, castagnoli))
	b = append(b, manifestSumPrefix...)
	b = append(b, sum[:]...)
	return append(b, '\n')
}

// files returns the names m refers to.
func (m *manifest) files() []string {
	var names []string
	if m.base != nil {
		names = append(names, m.base.name)
	}
	for _, fi := range m.history {
		names = append(names, fi.name)
	}
	for _, fi := range m.incr {
		names = append(names, fi.name)
	}
	return names
}

// splitArgs splits a line as Redis's sdssplitargs does: words separated
// by blanks, "double quoted" with C escapes and \xHH, or 'single quoted'
// with only \' escaped. A closing quote must be followed by a blank.
func splitArgs(s string) ([]string, error) {
	var args []string
	i := 0
	for {
		for i < len(s) && isSpace(s[i]) {
			i++
		}
		if i == len(s) {
			return args, nil
		}
		var cur []byte
		switch s[i] {
		case '"':
			i++
			for {
				if i >= len(s) {
					return nil, errors.New("unbalanced quotes")
				}
				c := s[i]
				if c == '\\' && i+3 < len(s) && s[i+1] == 'x' && isHex(s[i+2]) && isHex(s[i+3]) {
					v, _ := strconv.ParseUint(s[i+2:i+4], 16, 8)
					cur = append(cur, byte(v))
					i += 4
					continue
				}
				if c == '\\' && i+1 < len(s) {
					i++
					switch s[i] {
					case 'n':
						c = '\n'
					case 'r':
						c = '\r'
					case 't':
						c = '\t'
					case 'b':
						c = '\b'
					case 'a':
						c = '\a'
					default:
						c = s[i]
					}
					cur = append(cur, c)
					i++
					continue
				}
				if c == '"' {
					i++
					if i < len(s) && !isSpace(s[i]) {
						return nil, errors.New("closing quote must be followed by a space")
					}
					break
				}
				cur = append(cur, c)
				i++
			}
		case '\'':
			i++
			for {
				if i >= len(s) {
					return nil, errors.New("unbalanced quotes")
				}
				c := s[i]
				if c == '\\' && i+1 < len(s) && s[i+1] == '\'' {
					cur = append(cur, '\'')
					i += 2
					continue
				}
				if c == '\'' {
					i++
					if i < len(s) && !isSpace(s[i]) {
						return nil, errors.New("closing quote must be followed by a space")
					}
					break
				}
				cur = append(cur, c)
				i++
			}
		default:
			for i < len(s) && !isSpace(s[i]) {
				cur = append(cur, s[i])
				i++
			}
		}
		args = append(args, string(cur))
	}
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func isPrint(c byte) bool { return c >= 0x20 && c < 0x7f }

// needsRepr reports whether Redis would quote name in a manifest.
func needsRepr(name string) bool {
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c == '\\' || c == '"' || !isPrint(c) || isSpace(c) {
			return true
		}
	}
	return false
}

// repr quotes s as Redis's sdscatrepr does.
func repr(s string) string {
	b := []byte{'"'}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\', '"':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, `\n`...)
		case '\r':
			b = append(b, `\r`...)
		case '\t':
			b = append(b, `\t`...)
		case '\a':
			b = append(b, `\a`...)
		case '\b':
			b = append(b, `\b`...)
		default:
			if isPrint(c) {
				b = append(b, c)
			} else {
				b = fmt.Appendf(b, `\x%02x`, c)
			}
		}
	}
	return string(append(b, '"'))
}
