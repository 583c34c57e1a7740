package instream_test

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/instream/instream"
)

const max64 = math.MaxUint64

// parseIDTests are Redis's answers (redis-server 7.0.15, XADD on a fresh
// key) to each input; ok false means "ERR Invalid stream ID".
var parseIDTests = []struct {
	in   string
	want instream.ID
	ok   bool
}{
	{"0", instream.ID{}, true},
	{"0-0", instream.ID{}, true},
	{"0-1", instream.ID{0, 1}, true},
	{"1", instream.ID{1, 0}, true},
	{"5-3", instream.ID{5, 3}, true},
	{"007", instream.ID{7, 0}, true},
	{"+5", instream.ID{5, 0}, true},
	{" 12", instream.ID{12, 0}, true},
	{"\t\n\v\f\r 3", instream.ID{3, 0}, true},
	{"00000000000000000000000000017", instream.ID{17, 0}, true},
	{"14-+1", instream.ID{14, 1}, true},
	{"15- 1", instream.ID{15, 1}, true},
	{"1-\t7", instream.ID{1, 7}, true},
	{"1--0", instream.ID{1, 0}, true},
	{"1-+0", instream.ID{1, 0}, true},
	{"1- -1", instream.ID{1, max64}, true},               // strtoull wraps
	{"1--18446744073709551615", instream.ID{1, 1}, true}, // likewise
	{"9223372036854775808", instream.ID{1 << 63, 0}, true},
	{"2-9223372036854775808", instream.ID{2, 1 << 63}, true},
	{"18446744073709551615", instream.ID{max64, 0}, true},
	{"18446744073709551615-18446744073709551615", instream.ID{max64, max64}, true},
	{strings.Repeat("0", 126) + "1", instream.ID{1, 0}, true}, // 127 bytes
	{"1-" + strings.Repeat("0", 124) + "2", instream.ID{1, 2}, true},
	{"", instream.ID{}, false},
	{" ", instream.ID{}, false},
	{"-", instream.ID{}, false},
	{"+", instream.ID{}, false},
	{"*", instream.ID{}, false},
	{"$", instream.ID{}, false},
	{">", instream.ID{}, false},
	{"5-*", instream.ID{}, false},
	{"-0", instream.ID{}, false},
	{"-5", instream.ID{}, false},
	{"- 1", instream.ID{}, false},
	{"-9223372036854775808", instream.ID{}, false},
	{"1--1", instream.ID{}, false}, // a valid negative int64 is refused
	{"16-", instream.ID{}, false},
	{"1-", instream.ID{}, false},
	{"1-0-", instream.ID{}, false},
	{"13 ", instream.ID{}, false},
	{"12 -3", instream.ID{}, false},
	{"0x10", instream.ID{}, false},
	{"1.5", instream.ID{}, false},
	{"1e3", instream.ID{}, false},
	{"1-2-3", instream.ID{}, false},
	{"++1", instream.ID{}, false},
	{"+-1", instream.ID{}, false},
	{"1-+-1", instream.ID{}, false},
	{"(5", instream.ID{}, false},
	{"١", instream.ID{}, false},
	{"18446744073709551616", instream.ID{}, false},
	{"3-18446744073709551616", instream.ID{}, false},
	{"99999999999999999999999", instream.ID{}, false},
	{strings.Repeat("0", 127) + "1", instream.ID{}, false}, // 128 bytes
	{"1-" + strings.Repeat("0", 125) + "2", instream.ID{}, false},
}

func TestParseID(t *testing.T) {
	for _, tt := range parseIDTests {
		got, err := instream.ParseID(tt.in)
		if !tt.ok {
			if err == nil {
				t.Errorf("ParseID(%q) = %v, want an error", tt.in, got)
			} else if !errors.Is(err, instream.ErrInvalidID) {
				t.Errorf("ParseID(%q) error %v does not wrap ErrInvalidID", tt.in, err)
			} else if !strings.Contains(err.Error(), strconv.Quote(tt.in)) {
				t.Errorf("ParseID(%q) error %q does not quote the input", tt.in, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseID(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestMustParseID(t *testing.T) {
	if got := instream.MustParseID("5-3"); got != (instream.ID{5, 3}) {
		t.Errorf("MustParseID(%q) = %v, want 5-3", "5-3", got)
	}
	defer func() {
		if recover() == nil {
			t.Errorf("MustParseID(%q) did not panic", "x")
		}
	}()
	instream.MustParseID("x")
}

func TestIDString(t *testing.T) {
	tests := []struct {
		id   instream.ID
		want string
	}{
		{instream.ID{}, "0-0"},
		{instream.ID{1, 2}, "1-2"},
		{instream.MaxID, "18446744073709551615-18446744073709551615"},
	}
	for _, tt := range tests {
		if got := tt.id.String(); got != tt.want {
			t.Errorf("%#v.String() = %q, want %q", tt.id, got, tt.want)
		}
		if got := string(tt.id.AppendTo([]byte("x:"))); got != "x:"+tt.want {
			t.Errorf("%#v.AppendTo(x:) = %q, want %q", tt.id, got, "x:"+tt.want)
		}
		b, err := tt.id.MarshalText()
		if err != nil || string(b) != tt.want {
			t.Errorf("%#v.MarshalText() = %q, %v; want %q", tt.id, b, err, tt.want)
		}
		var back instream.ID
		if err := back.UnmarshalText(b); err != nil || back != tt.id {
			t.Errorf("UnmarshalText(%q) = %v, %v; want %v", b, back, err, tt.id)
		}
	}
	var id instream.ID
	if err := id.UnmarshalText([]byte("nope")); !errors.Is(err, instream.ErrInvalidID) {
		t.Errorf("UnmarshalText(nope) error = %v, want ErrInvalidID", err)
	}
}

func TestIDCompare(t *testing.T) {
	ids := []instream.ID{{}, {0, 1}, {0, max64}, {1, 0}, {1, 1}, {max64, 0}, instream.MaxID}
	for i, a := range ids {
		for j, b := range ids {
			want := 0
			if i < j {
				want = -1
			} else if i > j {
				want = 1
			}
			if got := a.Compare(b); got != want {
				t.Errorf("%v.Compare(%v) = %d, want %d", a, b, got, want)
			}
			if got := a.Less(b); got != (i < j) {
				t.Errorf("%v.Less(%v) = %v, want %v", a, b, got, i < j)
			}
		}
	}
	if !instream.MinID.IsZero() || (instream.ID{0, 1}).IsZero() {
		t.Errorf("IsZero wrong for MinID or 0-1")
	}
}

func TestIDNextPrev(t *testing.T) {
	tests := []struct {
		id, next instream.ID
		nextOK   bool
		prev     instream.ID
		prevOK   bool
	}{
		{instream.ID{}, instream.ID{0, 1}, true, instream.MaxID, false},
		{instream.ID{5, 3}, instream.ID{5, 4}, true, instream.ID{5, 2}, true},
		{instream.ID{5, 0}, instream.ID{5, 1}, true, instream.ID{4, max64}, true},
		{instream.ID{5, max64}, instream.ID{6, 0}, true, instream.ID{5, max64 - 1}, true},
		{instream.ID{max64, max64 - 1}, instream.MaxID, true, instream.ID{max64, max64 - 2}, true},
		{instream.MaxID, instream.ID{}, false, instream.ID{max64, max64 - 1}, true},
	}
	for _, tt := range tests {
		if got, ok := tt.id.Next(); got != tt.next || ok != tt.nextOK {
			t.Errorf("%v.Next() = %v, %v; want %v, %v", tt.id, got, ok, tt.next, tt.nextOK)
		}
		if got, ok := tt.id.Prev(); got != tt.prev || ok != tt.prevOK {
			t.Errorf("%v.Prev() = %v, %v; want %v, %v", tt.id, got, ok, tt.prev, tt.prevOK)
		}
	}
}

// FuzzParseID checks that ParseID never panics, that every accepted input
// gives an ID whose String is canonical and parses back to the same ID,
// and that an ID with a sequence part keeps both parts.
func FuzzParseID(f *testing.F) {
	for _, tt := range parseIDTests {
		f.Add(tt.in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		id, err := instream.ParseID(in)
		if err != nil {
			if !errors.Is(err, instream.ErrInvalidID) {
				t.Fatalf("ParseID(%q) error %v does not wrap ErrInvalidID", in, err)
			}
			if id != (instream.ID{}) {
				t.Fatalf("ParseID(%q) failed but returned %v", in, id)
			}
			return
		}
		if len(in) > 127 {
			t.Fatalf("ParseID(%q) accepted %d bytes", in, len(in))
		}
		s := id.String()
		back, err := instream.ParseID(s)
		if err != nil || back != id {
			t.Fatalf("ParseID(%q) = %v, but ParseID(%q) = %v, %v", in, id, s, back, err)
		}
		if again := back.String(); again != s {
			t.Fatalf("String not canonical: %q then %q", s, again)
		}
		if !strings.Contains(in, "-") && id.Seq != 0 {
			t.Fatalf("ParseID(%q) = %v, want sequence 0 when it is missing", in, id)
		}
	})
}
