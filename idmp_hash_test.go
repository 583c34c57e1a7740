package instream

import (
	"encoding/binary"
	"hash/fnv"
	"testing"
)

// The inline FNV-1a 128 of autoIID is the standard library's.
func TestFNV128a(t *testing.T) {
	for _, s := range []string{"", "a", "ab", "field1value", "\x00\xff", string(make([]byte, 1000))} {
		h := fnv.New128a()
		h.Write([]byte(s))
		want := h.Sum(nil)
		hi, lo := fnv128aString(fnvOffsetHi, fnvOffsetLo, s)
		var got [16]byte
		binary.BigEndian.PutUint64(got[:8], hi)
		binary.BigEndian.PutUint64(got[8:], lo)
		if string(got[:]) != string(want) {
			t.Errorf("fnv128a(%q) = %x, want %x", s, got, want)
		}
	}
}

func BenchmarkAutoIID(b *testing.B) {
	fs := []Field{{"name", "resize"}, {"payload", "0123456789012345678901234567890123456789"}}
	b.ReportAllocs()
	for b.Loop() {
		autoIID(fs)
	}
}
