package instream

import (
	"encoding/binary"
	"math/bits"
)

// autoIID derives IDMPAUTO's idempotency ID from an entry's fields, the
// way Redis 8.6 does except for the hash function: each pair is hashed
// over name‖value (no separator) and the 128-bit hashes are combined
// with XOR, so the result ignores pair order, ("a","bc") and ("ab","c")
// collide, and pairs given twice cancel out. Redis uses XXH3-128, which
// the standard library lacks; this uses FNV-1a 128. The ID is the 16
// bytes of the hash, big-endian. ok is false when the combined hash is
// zero, which Redis refuses.
func autoIID(fields []Field) (iid string, ok bool) {
	var hi, lo uint64
	for _, f := range fields {
		h, l := fnv128aString(fnvOffsetHi, fnvOffsetLo, f.Name)
		h, l = fnv128aString(h, l, f.Value)
		hi, lo = hi^h, lo^l
	}
	if hi == 0 && lo == 0 {
		return "", false
	}
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], hi)
	binary.BigEndian.PutUint64(b[8:], lo)
	return string(b[:]), true
}

// FNV-1a 128's offset basis; its prime is 2^88 + 0x13b.
const (
	fnvOffsetHi = 0x6c62272e07bb0142
	fnvOffsetLo = 0x62b821756295c58d
	fnvPrimeLo  = 0x13b
	fnvPrimeSh  = 24 // 2^88 = 2^(64+24)
)

// fnv128aString continues an FNV-1a 128 hash (hi, lo) over s.
func fnv128aString(hi, lo uint64, s string) (uint64, uint64) {
	for i := 0; i < len(s); i++ {
		lo ^= uint64(s[i])
		h, l := bits.Mul64(lo, fnvPrimeLo)
		hi = h + hi*fnvPrimeLo + lo<<fnvPrimeSh
		lo = l
	}
	return hi, lo
}
