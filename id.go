package instream

import (
	"errors"
	"math"
	"strconv"
)

// ID identifies a stream entry: a millisecond part and a sequence part,
// ordered first by Ms and then by Seq. IDs are comparable with ==.
// The zero ID (0-0) is never the ID of an entry.
type ID struct {
	Ms, Seq uint64
}

// MinID is the smallest ID, 0-0 (Redis's "-" range bound).
var MinID = ID{}

// MaxID is the largest ID (Redis's "+" range bound).
var MaxID = ID{math.MaxUint64, math.MaxUint64}

// ErrInvalidID is returned when a string is not a valid stream ID.
var ErrInvalidID = errors.New("invalid stream id")

// maxIDLen is the longest ID argument Redis accepts, in bytes.
const maxIDLen = 127

// ParseID parses an ID in the form "ms-seq", or "ms" meaning "ms-0".
// It accepts exactly what Redis accepts in an ID argument, including its
// quirks: each part may carry leading spaces, a '+' sign or leading zeros
// ("007-+1" is 7-1). Redis's tokens "-", "+", "*", "$" and ">" are not IDs.
func ParseID(s string) (ID, error) {
	id, ok := parseID(s, 0)
	if !ok {
		return ID{}, &parseError{s}
	}
	return id, nil
}

// MustParseID is like ParseID but panics if s is not a valid ID.
// It is meant for tests and constants.
func MustParseID(s string) ID {
	id, err := ParseID(s)
	if err != nil {
		panic(err)
	}
	return id
}

type parseError struct{ in string }

func (e *parseError) Error() string { return "parse stream id " + strconv.Quote(e.in) + ": invalid" }
func (e *parseError) Unwrap() error { return ErrInvalidID }

// parseID parses s as Redis's streamParseID does, using defSeq when the
// sequence part is missing. It knows no tokens: "-" and "+" are invalid
// here, and parseIDArg maps them where a range allows them.
func parseID(s string, defSeq uint64) (ID, bool) {
	if len(s) > maxIDLen {
		return ID{}, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] == '-' {
			ms, ok := parseIDPart(s[:i])
			if !ok {
				return ID{}, false
			}
			seq, ok := parseIDPart(s[i+1:])
			return ID{ms, seq}, ok
		}
	}
	ms, ok := parseIDPart(s)
	return ID{ms, defSeq}, ok
}

// parseIDPart converts one part of an ID the way Redis does: a strict
// signed 64-bit parse, and when that fails, C's strtoull (leading white
// space, an optional sign, digits, all of the string, no overflow; a '-'
// negates modulo 2^64). A negative result of the strict parse is invalid.
func parseIDPart(s string) (uint64, bool) {
	if v, ok := parseStrictInt(s); ok {
		return uint64(v), v >= 0
	}
	i := 0
	for i < len(s) && isCSpace(s[i]) {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	if i == len(s) {
		return 0, false
	}
	var v uint64
	for ; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if v > (math.MaxUint64-d)/10 {
			return 0, false
		}
		v = v*10 + d
	}
	if neg {
		v = -v
	}
	return v, true
}

func isCSpace(c byte) bool {
	return c == ' ' || (c >= '\t' && c <= '\r')
}

// parseStrictInt parses a signed 64-bit decimal the way Redis's string2ll
// does: no sign but '-', no spaces, no leading zeros except "0" itself.
func parseStrictInt(s string) (int64, bool) {
	if len(s) == 0 || len(s) > 20 {
		return 0, false
	}
	if s == "0" {
		return 0, true
	}
	digits := s
	if s[0] == '-' {
		digits = s[1:]
	}
	if len(digits) == 0 || digits[0] < '1' || digits[0] > '9' {
		return 0, false
	}
	v, err := strconv.ParseInt(s, 10, 64)
	return v, err == nil
}

// String returns the ID in its canonical "ms-seq" form.
func (id ID) String() string {
	return string(id.AppendTo(make([]byte, 0, 41)))
}

// AppendTo appends the canonical form of id to b and returns the result.
func (id ID) AppendTo(b []byte) []byte {
	b = strconv.AppendUint(b, id.Ms, 10)
	b = append(b, '-')
	return strconv.AppendUint(b, id.Seq, 10)
}

// Compare returns -1, 0 or +1 as id is less than, equal to or greater than o.
func (id ID) Compare(o ID) int {
	switch {
	case id.Ms < o.Ms:
		return -1
	case id.Ms > o.Ms:
		return 1
	case id.Seq < o.Seq:
		return -1
	case id.Seq > o.Seq:
		return 1
	}
	return 0
}

// Less reports whether id sorts before o.
func (id ID) Less(o ID) bool {
	return id.Ms < o.Ms || (id.Ms == o.Ms && id.Seq < o.Seq)
}

// IsZero reports whether id is 0-0.
func (id ID) IsZero() bool { return id == ID{} }

// Next returns the ID right after id. It reports false, with 0-0, when id
// is MaxID.
func (id ID) Next() (ID, bool) {
	if id.Seq < math.MaxUint64 {
		return ID{id.Ms, id.Seq + 1}, true
	}
	if id.Ms < math.MaxUint64 {
		return ID{id.Ms + 1, 0}, true
	}
	return ID{}, false
}

// Prev returns the ID right before id. It reports false, with MaxID, when
// id is 0-0.
func (id ID) Prev() (ID, bool) {
	if id.Seq > 0 {
		return ID{id.Ms, id.Seq - 1}, true
	}
	if id.Ms > 0 {
		return ID{id.Ms - 1, math.MaxUint64}, true
	}
	return MaxID, false
}

// MarshalText implements encoding.TextMarshaler.
func (id ID) MarshalText() ([]byte, error) { return id.AppendTo(nil), nil }

// UnmarshalText implements encoding.TextUnmarshaler using ParseID.
func (id *ID) UnmarshalText(b []byte) error {
	v, err := ParseID(string(b))
	if err != nil {
		return err
	}
	*id = v
	return nil
}
