package compat

import (
	"context"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"

	"github.com/instream/instream"
)

// The generator builds random command sequences over a few streams,
// groups and consumers. It mostly uses explicit IDs, kept roughly
// ascending per stream so that most XADDs succeed, and sends a share of
// malformed commands so that error texts are compared too.

var (
	genKeys      = []string{"s1", "s2", "s3"}
	genGroups    = []string{"g1", "g2"}
	genConsumers = []string{"c1", "c2", "c3"}
	genFields    = []string{"f1", "f2", "f3", "name", ""}
	genValues    = []string{"v1", "v2", "1", "100", "", "hello world", "-5", "007"}
)

// junk holds the words malformed commands are made of: bad numbers, bad
// and odd IDs, and option words out of place. It leaves out the 8.2+
// words (KEEPREF, DELREF, ACKED, IDS, CLAIM, IDMP: rows 19-21) and BLOCK
// (a valid BLOCK would make Redis wait).
var junk = []string{
	"abc", "-1", "1.5", "", "-", "+", "*", "$", ">", "(", "(1", "1-*", "0-0",
	"0", "99999999999999999999", "MAXLEN", "MINID", "LIMIT", "COUNT",
	"STREAMS", "GROUP", "NOACK", "JUSTID", "FORCE", "IDLE", "TIME", "LASTID",
	"RETRYCOUNT", "FULL", "MKSTREAM", "ENTRIESREAD", "ENTRIESADDED",
	"MAXDELETEDID", "NOMKSTREAM", "=", "-5", "007", "1--0", " 12", "+5",
	"18446744073709551615-18446744073709551615", "18446744073709551616",
	"9223372036854775808", "-9223372036854775808", "9223372036854775807",
	"-0", "+1", "01", " 1", "1 ",
}

// quirkyIDs are IDs that Redis's two-stage parser accepts or rejects in
// surprising ways (spec §1.3).
var quirkyIDs = []string{
	"007", "+5", " 12", "1--0", "00000000000000000000000000017", "14-+1", "15- 1",
	"-0", "-5", "16-", "13 ", "0x10", "1-2-3", "18446744073709551616", "2-18446744073709551615",
	"3-18446744073709551616", strings.Repeat("1", 128), "1-" + strings.Repeat("0", 126),
	"18446744073709551615", "(5",
}

// templates are malformed commands worth sending as they are.
var templates = [][]string{
	{"XREAD", "BLOCK", "abc", "STREAMS", "s1", "0"},
	{"XREAD", "BLOCK", "-1", "STREAMS", "s1", "0"},
	{"XREADGROUP", "GROUP", "g1", "c1", "BLOCK", "x", "STREAMS", "s1", ">"},
	{"XREADGROUP", "GROUP", "g1", "c1", "BLOCK", "-5", "STREAMS", "s1", ">"},
	{"XTRIM", "s1", "MAXLEN", "~"},
	{"XTRIM", "s1", "MAXLEN", "="},
	{"XTRIM", "s1", "MAXLEN", "5", "MINID"},
	{"XTRIM", "s1", "LIMIT", "5"},
	{"XTRIM", "s1", "LIMIT", "0", "MAXLEN", "1"},
	{"XADD", "s1", "MAXLEN", "~", "-1", "1-0", "f", "v"},
	{"XADD", "s1", "LIMIT", "5", "1-0", "f", "v"},
	{"XADD", "s1", "LIMIT", "0", "1-0", "f", "v"},
	{"XADD", "s1", "MAXLEN", "5", "LIMIT", "5", "1-0", "f", "v"},
	{"XADD", "s1", "MAXLEN", "5", "MINID", "1", "1-0", "f", "v"},
	{"XADD", "s1", "MAXLEN", "a", "b", "c"},
	{"XADD", "s1", "0", "f", "v"},
	{"XADD", "s1", "NOMKSTREAM", "0-0", "f", "v"},
	{"XADD", "s1", "1-0", "f"},
	{"XADD", "s1", "5-18446744073709551615", "f", "v"},
	{"XADD", "s1", "5-*", "f", "v"},
	{"XADD", "s1", "18446744073709551615-18446744073709551615", "f", "v"},
	{"XADD", "s1", "*", "f", "v"},
	{"XINFO", "STREAM", "s1", "FULL", "COUNT"},
	{"XINFO", "STREAM", "s1", "FOO"},
	{"XINFO", "STREAM", "s1", "FULL", "COUNT", "-1"},
	{"XINFO", "FOO"},
	{"XINFO", "HELP", "x"},
	{"XGROUP", "FOO"},
	{"XGROUP", strings.Repeat("F", 200)}, // Redis cuts the echo at 128 bytes
	{"XINFO", strings.Repeat("F", 200)},
	{"XGROUP", "FO\x00O"}, // and at a NUL byte
	{"XINFO", "FO\x00O", "s1"},
	{"XGROUP", "HELP", "x"},
	{"XGROUP", "CREATE", "s1", "g1"},
	{"XGROUP", "CREATE", "s1", "g1", "0", "MKSTREAM", "MKSTREAM", "MKSTREAM", "MKSTREAM"},
	{"XGROUP", "CREATE", "s1", "g1", "0", "ENTRIESREAD", "-2"},
	{"XGROUP", "SETID", "s1", "g1", "0", "FOO"},
	{"XPENDING", "s1", "g1", "-", "+"},
	{"XPENDING", "s1", "g1", "IDLE", "abc", "-", "+", "10"},
	{"XPENDING", "s1", "g1", "IDLE", "5", "-", "+"},
	{"XPENDING", "s1", "g1", "-", "+", "10", "c1", "extra", "args"},
	{"XCLAIM", "s1", "g1", "c1", "abc", "1-0"},
	{"XCLAIM", "s1", "g1", "c1", "0", "1-0", "IDLE"},
	{"XCLAIM", "s1", "g1", "c1", "0", "1-0", "FORCE", "2-0"},
	{"XCLAIM", "s1", "g1", "c1", "0", "JUSTID"},
	{"XAUTOCLAIM", "s1", "g1", "c1", "0", "0", "COUNT", "0"},
	{"XAUTOCLAIM", "s1", "g1", "c1", "x", "0"},
	{"XAUTOCLAIM", "s1", "g1", "c1", "0", "(18446744073709551615-18446744073709551615"},
	{"XRANGE", "s1", "(18446744073709551615-18446744073709551615", "+"},
	{"XRANGE", "s1", "-", "(0-0"},
	{"XRANGE", "s1", "(-", "+"},
	{"XRANGE", "s1", "-", "+", "COUNT"},
	{"XRANGE", "s1", "-", "+", "COUNT", "0"},
	{"XREAD", "STREAMS", "s1", "s2", "0"},
	{"XREADGROUP", "GROUP", "g1", "c1", "STREAMS", "s1", "s2", ">"},
	{"XREADGROUP", "STREAMS", "s1", ">"},
	{"XREADGROUP", "GROUP", "g1", "c1", "STREAMS", "s1", "$"},
	{"XREAD", "STREAMS", "s1", ">"},
	{"XREAD", "GROUP", "g1", "c1", "STREAMS", "s1", "0"},
	{"XREAD", "NOACK", "STREAMS", "s1", "0"},
	{"XSETID", "s1", "5-0", "ENTRIESADDED", "-1"},
	{"XSETID", "s1", "5-0", "MAXDELETEDID", "6-0"},
	{"XSETID", "s1", "5-0", "FOO", "1"},
	{"XSETID", "nokey", "5-0"},
	{"XLEN"},
	{"XLEN", "s1", "s2"},
	{"TYPE", "s1", "s2"},
	{"XUNKNOWN", "s1", "a"},
	{"XUNKNOWN", strings.Repeat("a", 60), strings.Repeat("b", 60), strings.Repeat("c", 60)},
	{strings.Repeat("Z", 140), "x"},
	// COUNT 576460752303423487 is valid, but Redis then fails to allocate
	// COUNT IDs ("ERR Insufficient memory ..."): memory-dependent, not sent.
	{"XAUTOCLAIM", "s1", "g1", "c1", "0", "0", "COUNT", "1000000"},
	{"XAUTOCLAIM", "s1", "g1", "c1", "0", "0", "COUNT", "576460752303423488"},
	{"XAUTOCLAIM", "s1", "g1", "c1", "0", "0", "COUNT", "-1"},
	{"XREADGROUP", "GROUP", "g1", "c1", "BLOCK", "1", "STREAMS", "s1", "0"},
	{"XREAD", "COUNT", "9223372036854775807", "STREAMS", "s1", "0"},
	{"XRANGE", "s1", "-", "+", "COUNT", "-9223372036854775808"},
	{"XADD", "s1", "MAXLEN", "9223372036854775807", "*", "f", "v"},
	{"XGROUP", "CREATE", "s1", "g1", "0", "ENTRIESREAD", "9223372036854775807"},
	{"XSETID", "s1", "18446744073709551615-18446744073709551615"},
	{"XCLAIM", "s1", "g1", "c1", "0", "1-0", "1-0", "1-0"},
	{"XCLAIM", "s1", "g1", "c1", "0", "1-0", "FORCE", "JUSTID", "RETRYCOUNT", "9223372036854775807"},
}

// gen is a seeded random command-sequence generator.
type gen struct {
	r      *rand.Rand
	on     map[string]bool // which commands the engine implements
	layout bool            // generate ~ trimming
	last   map[string][2]uint64
	star   map[string]bool    // streams fed with "*": their IDs are near now
	groups map[[2]string]bool // (key, group) pairs probably created
	added  map[string]int     // entries added per stream, roughly
	tx     bool               // generate transactions (the wire targets serve them)
}

// kg returns a stream and group, mostly a pair that probably exists.
func (g *gen) kg() (string, string) {
	if len(g.groups) > 0 && g.p(0.8) {
		pairs := make([][2]string, 0, len(g.groups))
		for p := range g.groups {
			pairs = append(pairs, p)
		}
		sort.Slice(pairs, func(i, j int) bool { return pairs[i][0]+pairs[i][1] < pairs[j][0]+pairs[j][1] })
		p := pairs[g.n(len(pairs))]
		return p[0], p[1]
	}
	return g.key(), g.group()
}

func newGen(seed int64, on map[string]bool, layout bool) *gen {
	return &gen{
		r:      rand.New(rand.NewPCG(uint64(seed), 0x696e73747265616d)),
		on:     on,
		layout: layout,
		last:   map[string][2]uint64{},
		star:   map[string]bool{},
		groups: map[[2]string]bool{},
		added:  map[string]int{},
	}
}

func (g *gen) n(k int) int               { return g.r.IntN(k) }
func (g *gen) p(x float64) bool          { return g.r.Float64() < x }
func (g *gen) pick(xs []string) string   { return xs[g.n(len(xs))] }
func (g *gen) key() string               { return g.pick(genKeys) }
func (g *gen) group() string             { return g.pick(genGroups) }
func (g *gen) consumer() string          { return g.pick(genConsumers) }
func (g *gen) num(lo, hi int) string     { return strconv.Itoa(lo + g.n(hi-lo+1)) }
func (g *gen) kw(s string) string        { return g.cased(s) }
func (g *gen) oneOf(xs ...string) string { return g.pick(xs) }
func fmtID(ms, seq uint64) string {
	return strconv.FormatUint(ms, 10) + "-" + strconv.FormatUint(seq, 10)
}
func (g *gen) maybe(x float64, s ...string) []string {
	if g.p(x) {
		return s
	}
	return nil
}

// cased returns a keyword in upper case mostly, else lower or mixed case.
func (g *gen) cased(s string) string {
	switch g.n(8) {
	case 0:
		return strings.ToLower(s)
	case 1:
		if len(s) > 1 {
			return strings.ToLower(s[:1]) + s[1:]
		}
	}
	return s
}

// longest returns the stream that got the most entries, roughly.
func (g *gen) longest() string {
	best := genKeys[0]
	for _, k := range genKeys {
		if g.added[k] > g.added[best] {
			best = k
		}
	}
	return best
}

// newID returns an ID above the last one generated for key, mostly.
func (g *gen) newID(key string) string {
	if g.star[key] && g.p(0.8) {
		return "*"
	}
	l := g.last[key]
	if g.p(0.6) || l == [2]uint64{} {
		l = [2]uint64{l[0] + 1 + uint64(g.n(3)), uint64(g.n(2))}
	} else {
		l[1]++
	}
	g.last[key] = l
	if l[1] == 0 && g.p(0.3) {
		return strconv.FormatUint(l[0], 10)
	}
	return fmtID(l[0], l[1])
}

// refID returns an ID near the stream's entries: existing, deleted or
// never there.
func (g *gen) refID(key string) string {
	if g.p(0.03) {
		return g.pick(quirkyIDs)
	}
	l := g.last[key]
	ms := uint64(g.n(int(l[0]) + 3))
	if g.p(0.25) {
		return strconv.FormatUint(ms, 10)
	}
	return fmtID(ms, uint64(g.n(3)))
}

func (g *gen) rangeBound(key string, start bool) string {
	switch g.n(6) {
	case 0:
		if start {
			return "-"
		}
		return "+"
	case 1:
		return "(" + g.refID(key)
	case 2:
		return g.oneOf("-", "+")
	}
	return g.refID(key)
}

func (g *gen) fieldValues() []string {
	var out []string
	for range 1 + g.n(3) {
		out = append(out, g.pick(genFields), g.pick(genValues))
	}
	return out
}

func (g *gen) trimArgs(key string, withLimit bool) []string {
	var out []string
	minid := g.p(0.4)
	if minid {
		out = append(out, g.kw("MINID"))
	} else {
		out = append(out, g.kw("MAXLEN"))
	}
	approx := false
	switch g.n(3) {
	case 0:
		out = append(out, "=")
	case 1:
		if g.layout {
			out = append(out, "~")
			approx = true
		}
	}
	switch {
	case minid:
		out = append(out, g.refID(key))
	case g.p(0.5):
		out = append(out, g.num(0, 8))
	default:
		out = append(out, g.num(0, g.added[key]+5))
	}
	if approx && withLimit && g.p(0.4) {
		out = append(out, g.kw("LIMIT"), g.oneOf("0", "1", "5", "100", "150", "250", "1000"))
	}
	return out
}

// cmdKinds lists each well-formed command kind with its weight; the name
// is the key of gen.on.
var cmdKinds = []struct {
	name   string
	weight int
	make   func(g *gen) step
}{
	{"XADD", 22, (*gen).xadd},
	{"XADD bulk", 1, (*gen).xaddBulk},
	{"XRANGE", 6, (*gen).xrange},
	{"XREVRANGE", 4, (*gen).xrevrange},
	{"XLEN", 2, func(g *gen) step { return step{{"XLEN", g.key()}} }},
	{"XDEL", 5, (*gen).xdel},
	{"XTRIM", 4, func(g *gen) step {
		k := g.key()
		if g.layout && g.p(0.5) {
			k = g.longest()
		}
		return step{append([]string{"XTRIM", k}, g.trimArgs(k, true)...)}
	}},
	{"XSETID", 2, (*gen).xsetid},
	{"XREAD", 5, (*gen).xread},
	{"XGROUP CREATE", 8, (*gen).xgroupCreate},
	{"XGROUP SETID", 2, (*gen).xgroupSetID},
	{"XGROUP DESTROY", 1, func(g *gen) step {
		k, grp := g.kg()
		delete(g.groups, [2]string{k, grp})
		return step{{"XGROUP", g.kw("DESTROY"), k, grp}}
	}},
	{"XGROUP CREATECONSUMER", 1, func(g *gen) step {
		k, grp := g.kg()
		return step{{"XGROUP", g.kw("CREATECONSUMER"), k, grp, g.consumer()}}
	}},
	{"XGROUP DELCONSUMER", 1, func(g *gen) step {
		k, grp := g.kg()
		return step{{"XGROUP", g.kw("DELCONSUMER"), k, grp, g.consumer()}}
	}},
	{"XGROUP HELP", 1, func(g *gen) step { return step{{"XGROUP", g.kw("HELP")}} }},
	{"XREADGROUP", 12, (*gen).xreadgroup},
	{"XACK", 6, (*gen).xack},
	{"XPENDING", 6, (*gen).xpending},
	{"XCLAIM", 5, (*gen).xclaim},
	{"XAUTOCLAIM", 4, (*gen).xautoclaim},
	{"XINFO STREAM", 3, func(g *gen) step { return step{{"XINFO", g.kw("STREAM"), g.key()}} }},
	{"XINFO STREAM FULL", 2, func(g *gen) step {
		a := []string{"XINFO", g.kw("STREAM"), g.key(), g.kw("FULL")}
		if g.p(0.4) {
			a = append(a, g.kw("COUNT"), g.num(-1, 3))
		}
		return step{a}
	}},
	{"XINFO GROUPS", 2, func(g *gen) step { return step{{"XINFO", g.kw("GROUPS"), g.key()}} }},
	{"XINFO CONSUMERS", 2, func(g *gen) step {
		k, grp := g.kg()
		return step{{"XINFO", g.kw("CONSUMERS"), k, grp}}
	}},
	{"XINFO HELP", 1, func(g *gen) step { return step{{"XINFO", g.kw("HELP")}} }},
	{"DEL", 1, func(g *gen) step {
		a := []string{"DEL", g.key()}
		if g.p(0.3) {
			a = append(a, g.key())
		}
		for _, k := range a[1:] {
			delete(g.last, k)
			delete(g.star, k)
			delete(g.added, k)
			for _, grp := range genGroups {
				delete(g.groups, [2]string{k, grp})
			}
		}
		return step{a}
	}},
	{"EXISTS", 1, func(g *gen) step { return step{{"EXISTS", g.key(), g.key()}} }},
	{"TYPE", 1, func(g *gen) step { return step{{"TYPE", g.oneOf("s1", "s2", "s3", "nokey")}} }},
}

func (g *gen) xadd() step {
	k := g.key()
	a := []string{"XADD", k}
	a = append(a, g.maybe(0.1, g.kw("NOMKSTREAM"))...)
	if g.p(0.25) {
		a = append(a, g.trimArgs(k, true)...)
	}
	switch x := g.n(20); {
	case x < 1:
		a = append(a, "*")
		g.star[k] = true
	case x < 2:
		a = append(a, strconv.FormatUint(g.last[k][0]+uint64(g.n(2)), 10)+"-*")
	case x < 4:
		a = append(a, g.refID(k))
	default:
		a = append(a, g.newID(k))
	}
	return step{append(a, g.fieldValues()...)}
}

// xaddBulk adds 30 to 250 entries to one stream in one step, with values
// of mixed sizes and integer-looking values, so that streams cross
// Redis's node boundaries (100 entries, 4096 bytes): approximate trimming
// and radix-tree-keys depend on them.
func (g *gen) xaddBulk() step {
	k := g.key()
	var s step
	sameFields := g.p(0.5)
	for range 30 + g.n(221) {
		a := []string{"XADD", k, g.newID(k)}
		for j := range 1 + g.n(3) {
			f := "f" + strconv.Itoa(j)
			if !sameFields && g.p(0.3) {
				f = g.pick(genFields)
			}
			var v string
			switch g.n(3) {
			case 0:
				v = strconv.Itoa(g.n(100000) - 5000)
			case 1:
				v = strings.Repeat("x", g.n(8))
			default:
				v = strings.Repeat("y", g.n(300))
			}
			a = append(a, f, v)
		}
		s = append(s, a)
	}
	g.added[k] += len(s)
	return s
}

func (g *gen) xrange() step {
	k := g.key()
	a := []string{"XRANGE", k, g.rangeBound(k, true), g.rangeBound(k, false)}
	if g.p(0.3) {
		a = append(a, g.kw("COUNT"), g.num(-1, 4))
	}
	return step{a}
}

func (g *gen) xrevrange() step {
	k := g.key()
	a := []string{"XREVRANGE", k, g.rangeBound(k, false), g.rangeBound(k, true)}
	if g.p(0.3) {
		a = append(a, g.kw("COUNT"), g.num(-1, 4))
	}
	return step{a}
}

func (g *gen) xdel() step {
	k := g.key()
	a := []string{"XDEL", k}
	for range 1 + g.n(3) {
		a = append(a, g.refID(k))
	}
	return step{a}
}

func (g *gen) xsetid() step {
	k := g.key()
	l := g.last[k]
	id := fmtID(l[0]+uint64(g.n(3)), uint64(g.n(3)))
	if g.p(0.2) {
		id = g.refID(k)
	}
	a := []string{"XSETID", k, id}
	if g.p(0.3) {
		a = append(a, g.kw("ENTRIESADDED"), g.num(0, 12))
	}
	if g.p(0.3) {
		a = append(a, g.kw("MAXDELETEDID"), g.refID(k))
	}
	return step{a}
}

// smallBlock returns, sometimes, a BLOCK of a few ms. Nothing writes
// while a sequence waits, so a read with nothing to serve simply times out
// with nil on both sides (no wake-up model is involved, §10 row 7).
func (g *gen) smallBlock() []string {
	if g.p(0.1) {
		return []string{g.kw("BLOCK"), g.num(1, 3)}
	}
	return nil
}

// readID is an XREAD ID: never "+" (rows 3, 4).
func (g *gen) readID(k string) string {
	switch g.n(5) {
	case 0:
		return "$"
	case 1:
		return "0"
	case 2:
		return "0-0"
	}
	return g.refID(k)
}

func (g *gen) xread() step {
	a := []string{"XREAD"}
	if g.p(0.4) {
		a = append(a, g.kw("COUNT"), g.num(-1, 3))
	}
	a = append(a, g.smallBlock()...)
	keys := []string{g.key()}
	if g.p(0.3) {
		keys = append(keys, g.key())
	}
	a = append(a, g.kw("STREAMS"))
	a = append(a, keys...)
	for _, k := range keys {
		a = append(a, g.readID(k))
	}
	return step{a}
}

func (g *gen) groupID(k string) string {
	switch g.n(5) {
	case 0:
		return "$"
	case 1, 2:
		return "0"
	case 3:
		return "0-0"
	}
	return g.refID(k)
}

func (g *gen) xgroupCreate() step {
	k, grp := g.key(), g.group()
	a := []string{"XGROUP", g.kw("CREATE"), k, grp, g.groupID(k)}
	if g.p(0.5) {
		a = append(a, g.kw("MKSTREAM"))
		g.groups[[2]string{k, grp}] = true
	}
	if g.p(0.1) {
		a = append(a, g.kw("ENTRIESREAD"), g.num(-1, 5))
	}
	return step{a}
}

func (g *gen) xgroupSetID() step {
	k, grp := g.kg()
	id := g.groupID(k)
	if g.p(0.2) {
		id = g.oneOf("-", "+")
	}
	a := []string{"XGROUP", g.kw("SETID"), k, grp, id}
	if g.p(0.15) {
		a = append(a, g.kw("ENTRIESREAD"), g.num(-1, 5))
	}
	return step{a}
}

func needsCompanion(a []string) bool {
	switch strings.ToUpper(a[0]) {
	case "XREADGROUP", "XCLAIM", "XAUTOCLAIM":
		return true
	}
	return false
}

// withCompanions returns the step for a command: the command alone, or
// for XREADGROUP, XCLAIM and XAUTOCLAIM the row-12 companions first,
// read from the command's final arguments (malformed ones included).
func withCompanions(a []string) step {
	var s step
	switch strings.ToUpper(a[0]) {
	case "XCLAIM", "XAUTOCLAIM":
		if len(a) >= 4 {
			s = append(s, ensureConsumer(a[1], a[2], a[3]))
		}
	case "XREADGROUP":
		grp, c, keys := "", "", []string(nil)
		for i := 1; i < len(a); i++ {
			switch strings.ToUpper(a[i]) {
			case "GROUP":
				if grp == "" && i+2 < len(a) {
					grp, c = a[i+1], a[i+2]
					i += 2
				}
			case "STREAMS":
				rest := a[i+1:]
				keys = rest[:len(rest)/2]
				i = len(a)
			}
		}
		seen := map[string]bool{}
		for _, k := range keys {
			if grp != "" && !seen[k] {
				seen[k] = true
				s = append(s, ensureConsumer(k, grp, c))
			}
		}
	}
	return append(s, a)
}

// ensureConsumer is the row-12 companion of XREADGROUP, XCLAIM and
// XAUTOCLAIM: it makes sure the consumer exists before they run.
func ensureConsumer(k, grp, c string) []string {
	return []string{"XGROUP", "CREATECONSUMER", k, grp, c}
}

func (g *gen) xreadgroup() step {
	k0, grp := g.kg()
	c := g.consumer()
	a := []string{"XREADGROUP", g.kw("GROUP"), grp, c}
	if g.p(0.5) {
		a = append(a, g.kw("COUNT"), g.num(-1, 3))
	}
	a = append(a, g.maybe(0.15, g.kw("NOACK"))...)
	a = append(a, g.smallBlock()...)
	keys := []string{k0}
	if g.p(0.25) {
		keys = append(keys, g.key())
	}
	a = append(a, g.kw("STREAMS"))
	a = append(a, keys...)
	for _, k := range keys {
		switch x := g.n(20); {
		case x < 15:
			a = append(a, ">")
		case x < 18:
			a = append(a, "0")
		default:
			a = append(a, g.refID(k))
		}
	}
	return step{a}
}

func (g *gen) xack() step {
	k, grp := g.kg()
	a := []string{"XACK", k, grp}
	for range 1 + g.n(3) {
		a = append(a, g.refID(k))
	}
	return step{a}
}

func (g *gen) xpending() step {
	k, grp := g.kg()
	a := []string{"XPENDING", k, grp}
	if g.p(0.4) {
		return step{a}
	}
	if g.p(0.2) {
		a = append(a, g.kw("IDLE"), g.oneOf("0", "1000000", "-5"))
	}
	a = append(a, g.rangeBound(k, true), g.rangeBound(k, false), g.num(-1, 6))
	if g.p(0.4) {
		a = append(a, g.consumer())
	}
	return step{a}
}

func (g *gen) xclaim() step {
	k, grp := g.kg()
	c := g.consumer()
	a := []string{"XCLAIM", k, grp, c, g.oneOf("0", "0", "1000000", "-3")}
	for range g.n(4) {
		a = append(a, g.refID(k))
	}
	if g.p(0.15) {
		a = append(a, g.kw("IDLE"), g.oneOf("0", "5000000", "99999999999999999"))
	}
	if g.p(0.1) {
		a = append(a, g.kw("TIME"), g.oneOf("1", "99999999999999"))
	}
	if g.p(0.1) {
		a = append(a, g.kw("RETRYCOUNT"), g.num(-1, 5))
	}
	a = append(a, g.maybe(0.15, g.kw("FORCE"))...)
	a = append(a, g.maybe(0.25, g.kw("JUSTID"))...)
	if g.p(0.1) {
		a = append(a, g.kw("LASTID"), g.refID(k))
	}
	return step{a}
}

func (g *gen) xautoclaim() step {
	k, grp := g.kg()
	c := g.consumer()
	start := g.oneOf("0", "-", "0-0", g.refID(k), "("+g.refID(k))
	a := []string{"XAUTOCLAIM", k, grp, c, g.oneOf("0", "0", "1000000", "-3"), start}
	if g.p(0.4) {
		a = append(a, g.kw("COUNT"), g.num(1, 4))
	}
	a = append(a, g.maybe(0.25, g.kw("JUSTID"))...)
	return step{a}
}

// step returns the next step: mostly a well-formed command, else a
// malformed one.
func (g *gen) step() step {
	for {
		var s step
		isTx := false
		switch x := g.n(100); {
		case g.tx && x < 6 && g.p(0.5):
			s, isTx = g.transaction(), true
		case x < 4:
			s = step{append([]string(nil), templates[g.n(len(templates))]...)}
		case x < 16:
			s = g.malformed()
		default:
			s = g.wellFormed()
		}
		if s == nil {
			continue
		}
		if last := s[len(s)-1]; !isTx && (len(s) == 1 || needsCompanion(last)) {
			s = withCompanions(last)
		}
		if !g.allowed(s) {
			continue
		}
		for _, c := range s {
			if g.n(4) == 0 {
				c[0] = strings.ToLower(c[0])
			}
		}
		return s
	}
}

// allowed reports whether every command of s is implemented by the engine
// and not excluded by an open finding.
func (g *gen) allowed(s step) bool {
	for _, c := range s {
		if !g.on[countKey(c)] && knownKind(countKey(c)) {
			return false
		}
		if !safeBlock(c) {
			return false
		}
	}
	return true
}

// safeBlockValues are the BLOCK values a sequence may send: a few ms, or
// values both versions reject at once. Anything else could make Redis
// wait for ever (0, and 7.0 accepts out-of-range values: §10 row 22).
var safeBlockValues = map[string]bool{"1": true, "2": true, "3": true,
	"abc": true, "x": true, "-1": true, "-5": true, "1.5": true, "": true}

// safeBlock reports whether an XREAD or XREADGROUP (malformed ones
// included) has only safe BLOCK values before STREAMS.
func safeBlock(a []string) bool {
	name := strings.ToUpper(a[0])
	if name != "XREAD" && name != "XREADGROUP" {
		return true
	}
	for i := 1; i < len(a); i++ {
		switch strings.ToUpper(a[i]) {
		case "STREAMS":
			return true
		case "BLOCK":
			if i+1 < len(a) && !safeBlockValues[a[i+1]] {
				return false
			}
		}
	}
	return true
}

func knownKind(k string) bool {
	for _, ck := range cmdKinds {
		if ck.name == k {
			return true
		}
	}
	return false
}

func (g *gen) wellFormed() step {
	// With -compat.layout, more long streams, so that ~ trims remove
	// whole nodes often.
	weight := func(name string, w int) int {
		if name == "XADD bulk" && g.layout {
			return 5
		}
		return w
	}
	total := 0
	for _, ck := range cmdKinds {
		if g.on[ck.name] {
			total += weight(ck.name, ck.weight)
		}
	}
	if total == 0 {
		return nil
	}
	x := g.n(total)
	for _, ck := range cmdKinds {
		if !g.on[ck.name] {
			continue
		}
		if w := weight(ck.name, ck.weight); x < w {
			return ck.make(g)
		} else {
			x -= w
		}
	}
	return nil
}

// malformed mutates the main command of a well-formed step: truncates it,
// replaces or inserts a junk word, or appends one.
func (g *gen) malformed() step {
	s := g.wellFormed()
	if s == nil {
		return nil
	}
	i := len(s) - 1
	a := append([]string(nil), s[i]...)
	name := strings.ToUpper(a[0])
	// The consumer argument (index 3) of XREADGROUP, XCLAIM and XAUTOCLAIM
	// stays in place so that the row-12 companion still covers it.
	lo := 1
	if name == "XREADGROUP" || name == "XCLAIM" || name == "XAUTOCLAIM" {
		lo = 4
	}
	w := g.pick(junk)
	if (name == "XREAD" || name == "XREADGROUP") && w == "+" {
		w = "-" // rows 3, 4
	}
	if len(a) <= lo {
		a = append(a, w)
	} else {
		switch g.n(4) {
		case 0:
			a = a[:1+g.n(len(a)-1)]
		case 1:
			a[lo+g.n(len(a)-lo)] = w
		case 2:
			j := lo + g.n(len(a)-lo+1)
			a = append(a[:j], append([]string{w}, a[j:]...)...)
		default:
			a = append(a, w)
		}
	}
	s[i] = a
	return s
}

// sequence returns n steps.
func (g *gen) sequence(n int) []step {
	out := make([]step, 0, n)
	// Most sequences start with groups, so that group commands get past
	// NOGROUP often.
	if g.on["XGROUP CREATE"] && g.p(0.9) {
		for _, k := range genKeys[:1+g.n(3)] {
			out = append(out, step{{"XGROUP", "CREATE", k, "g1", g.oneOf("0", "$", "0-0"), "MKSTREAM"}})
			g.groups[[2]string{k, "g1"}] = true
		}
	}
	for len(out) < n {
		out = append(out, g.step())
	}
	return out
}

// implemented probes the engine: a command whose well-formed probe gets
// "ERR unknown command" or "ERR not implemented" is still a stub, and the
// generator leaves it out.
func implemented(ctx context.Context) (on map[string]bool, missing []string) {
	e := instream.New(instream.Options{})
	defer e.Close()
	e.Do(ctx, "XADD", "p", "1-0", "f", "v")
	e.Do(ctx, "XGROUP", "CREATE", "p", "g", "0")
	probes := map[string][]string{
		"XADD":                  {"XADD", "q", "1-0", "f", "v"},
		"XADD bulk":             {"XADD", "q", "2-0", "f", "v"},
		"XRANGE":                {"XRANGE", "p", "-", "+"},
		"XREVRANGE":             {"XREVRANGE", "p", "+", "-"},
		"XLEN":                  {"XLEN", "p"},
		"XDEL":                  {"XDEL", "p", "9-0"},
		"XTRIM":                 {"XTRIM", "p", "MAXLEN", "5"},
		"XSETID":                {"XSETID", "p", "5-0"},
		"XREAD":                 {"XREAD", "STREAMS", "p", "0"},
		"XGROUP CREATE":         {"XGROUP", "CREATE", "p", "g2", "0"},
		"XGROUP SETID":          {"XGROUP", "SETID", "p", "g", "0"},
		"XGROUP DESTROY":        {"XGROUP", "DESTROY", "p", "nog"},
		"XGROUP CREATECONSUMER": {"XGROUP", "CREATECONSUMER", "p", "g", "c"},
		"XGROUP DELCONSUMER":    {"XGROUP", "DELCONSUMER", "p", "g", "c"},
		"XGROUP HELP":           {"XGROUP", "HELP"},
		"XREADGROUP":            {"XREADGROUP", "GROUP", "g", "c", "STREAMS", "p", ">"},
		"XACK":                  {"XACK", "p", "g", "1-0"},
		"XPENDING":              {"XPENDING", "p", "g"},
		"XCLAIM":                {"XCLAIM", "p", "g", "c", "0", "1-0"},
		"XAUTOCLAIM":            {"XAUTOCLAIM", "p", "g", "c", "0", "0"},
		"XINFO STREAM":          {"XINFO", "STREAM", "p"},
		"XINFO STREAM FULL":     {"XINFO", "STREAM", "p", "FULL"},
		"XINFO GROUPS":          {"XINFO", "GROUPS", "p"},
		"XINFO CONSUMERS":       {"XINFO", "CONSUMERS", "p", "g"},
		"XINFO HELP":            {"XINFO", "HELP"},
		"DEL":                   {"DEL", "q"},
		"EXISTS":                {"EXISTS", "p"},
		"TYPE":                  {"TYPE", "p"},
	}
	on = map[string]bool{}
	for _, ck := range cmdKinds {
		_, err := e.Do(ctx, probes[ck.name]...)
		if err != nil && (strings.HasPrefix(err.Error(), "ERR unknown command") ||
			strings.HasPrefix(err.Error(), "ERR not implemented")) {
			missing = append(missing, ck.name)
			continue
		}
		on[ck.name] = true
	}
	return on, missing
}
