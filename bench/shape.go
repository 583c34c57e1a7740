package bench

import (
	"strconv"

	"github.com/instream/instream"
)

// A Shape generates the entries of one memory test: entry i has the same
// fields in every implementation. The shapes are those of perf-anchors.md.
type Shape struct {
	Name string
	// Fields returns entry i's fields as name, value, name, value...
	Fields func(i int) []string
}

// Shapes lists the entry shapes of the memory comparison.
var Shapes = []Shape{ShapeA, ShapeAInt, ShapeB, ShapeC}

var (
	// ShapeA is one field v with an 8-character non-numeric value.
	ShapeA = Shape{"a", func(i int) []string { return []string{"v", letters8(i)} }}

	// ShapeAInt is one field v with an 8-digit value, which Redis stores
	// as an integer.
	ShapeAInt = Shape{"a-int", func(i int) []string {
		return []string{"v", strconv.Itoa(10_000_000 + i%90_000_000)}
	}}

	// ShapeB is the typical event: user=u<6 digits>, action=<one of four>,
	// ts=<13-digit ms>, with the same names in every entry.
	ShapeB = Shape{"b", func(i int) []string {
		return []string{"user", user(i), "action", actions[i%len(actions)], "ts", ts(i)}
	}}

	// ShapeC has the values of ShapeB, but each entry takes its names from
	// one of ten variants of the same lengths.
	ShapeC = Shape{"c", func(i int) []string {
		k := i % 10
		return []string{
			varNames[k][0], user(i),
			varNames[k][1], actions[i%len(actions)],
			varNames[k][2], ts(i),
		}
	}}
)

var actions = [...]string{"click", "view", "purchase", "login"}

// varNames are ShapeC's ten name variants, each the length of ShapeB's.
var varNames = func() (v [10][3]string) {
	for k := range v {
		d := strconv.Itoa(k)
		v[k] = [3]string{"use" + d, "actio" + d, "t" + d}
	}
	return v
}()

func letters8(i int) string {
	var b [8]byte
	x := uint64(i) * 0x9E3779B97F4A7C15 // spread neighbours apart
	for j := range b {
		b[j] = 'a' + byte(x%26)
		x /= 26
	}
	return string(b[:])
}

func user(i int) string {
	s := strconv.Itoa(i % 1_000_000)
	return "u" + "000000"[len(s):] + s
}

func ts(i int) string { return strconv.FormatInt(1_700_000_000_000+int64(i), 10) }

// BaseMs is the millisecond of the first explicit ID.
const BaseMs = 1_700_000_000_000

// EntryID returns the explicit ID of entry i: four entries per millisecond.
func EntryID(i int) instream.ID {
	return instream.ID{Ms: BaseMs + uint64(i/4), Seq: uint64(i % 4)}
}

// Fields converts name, value pairs to instream fields.
func Fields(kv []string) []instream.Field {
	f := make([]instream.Field, len(kv)/2)
	for j := range f {
		f[j] = instream.Field{Name: kv[2*j], Value: kv[2*j+1]}
	}
	return f
}
