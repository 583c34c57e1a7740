package aof_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/instream/instream/aof"
)

func TestParseManifest(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []string
		wantErr string
	}{
		{
			name: "redis 7.0 after a rewrite",
			in:   "file appendonly.aof.2.base.aof seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n",
			want: []string{"appendonly.aof.2.base.aof 2 b", "appendonly.aof.2.incr.aof 2 i"},
		},
		{
			name: "history, comments, keys in any order and case",
			in:   "# a comment\nfile b.1.base.rdb seq 1 type b\ntype h seq 1 file b.1.incr.aof\nFILE b.2.incr.aof SEQ 2 TYPE i\n",
			want: []string{"b.1.base.rdb 1 b", "b.1.incr.aof 1 h", "b.2.incr.aof 2 i"},
		},
		{
			name: "quoted names",
			in:   "file \"a b.1.base.aof\" seq 1 type b\nfile 'x\\'y.1.incr.aof' seq 1 type i\nfile \"t\\x41\\n.2.incr.aof\" seq 2 type i\n",
			want: []string{"a b.1.base.aof 1 b", "x'y.1.incr.aof 1 i", "tA\n.2.incr.aof 2 i"},
		},
		{name: "empty", in: "", wantErr: "empty"},
		{name: "no final newline", in: "file a seq 1 type b", wantErr: "newline"},
		{name: "blank line", in: "file a seq 1 type b\n\n", wantErr: "invalid format"},
		{name: "odd fields", in: "file a seq 1 type b x\n", wantErr: "invalid format"},
		{name: "missing seq", in: "file a sek 1 type b\n", wantErr: "invalid format"},
		{name: "zero seq", in: "file a seq 0 type b\n", wantErr: "invalid format"},
		{name: "path", in: "file ../a seq 1 type b\n", wantErr: "path"},
		{name: "two bases", in: "file a seq 1 type b\nfile b seq 2 type b\n", wantErr: "second base"},
		{name: "seq not ascending", in: "file a seq 2 type i\nfile b seq 2 type i\n", wantErr: "not above"},
		{name: "unknown type", in: "file a seq 1 type x\n", wantErr: "unknown file type"},
		{name: "unbalanced quote", in: "file \"a seq 1 type b\n", wantErr: "invalid format"},
		{name: "only history", in: "file a seq 1 type h\n", wantErr: "no base"},
		{name: "long line", in: "file " + strings.Repeat("a", 1100) + " seq 1 type b\n", wantErr: "too long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := aof.ParseManifest([]byte(tt.in))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseManifest(%q) error = %v, want one containing %q", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil || !slices.Equal(got, tt.want) {
				t.Fatalf("ParseManifest(%q) = %q, %v, want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

// A manifest this package writes round-trips, names needing quotes
// included, and a change to any of its bytes is detected or harmless to
// what it lists.
func TestFormatManifest(t *testing.T) {
	b := aof.FormatManifest("my aof.aof.3.base.aof", 3, map[string]int64{"x\"y.4.incr.aof": 4, "z.7.incr.aof": 7}, []string{"x\"y.4.incr.aof", "z.7.incr.aof"})
	want := []string{"my aof.aof.3.base.aof 3 b", "x\"y.4.incr.aof 4 i", "z.7.incr.aof 7 i"}
	got, err := aof.ParseManifest(b)
	if err != nil || !slices.Equal(got, want) {
		t.Fatalf("ParseManifest(%q) = %q, %v, want %q", b, got, err, want)
	}
	for i := range b {
		for bit := range 8 {
			c := slices.Clone(b)
			c[i] ^= 1 << bit
			got, err := aof.ParseManifest(c)
			if err == nil && !slices.Equal(got, want) {
				t.Errorf("flipping bit %d of byte %d (%q): parsed %q without error", bit, i, b[i], got)
			}
		}
	}
}

func TestSplitArgsRepr(t *testing.T) {
	for _, s := range []string{"plain", "a b", "q\"uote", "back\\slash", "nl\n", "\x01\xff", "tab\t", ""} {
		got, err := aof.SplitArgs(aof.Repr(s))
		if err != nil || len(got) != 1 || got[0] != s {
			t.Errorf("SplitArgs(Repr(%q)) = %q, %v", s, got, err)
		}
	}
}
