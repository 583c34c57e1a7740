package instream_test

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/instream/instream"
)

// testNow is the fixed clock of the tests: every "*" ID has this ms part
// unless the stream's last ID is newer.
const testNow = 1_700_000_000_000

// newEngine returns an engine on a fixed clock, closed when t ends.
func newEngine(t testing.TB) *instream.Engine {
	t.Helper()
	e := instream.New(instream.Options{Now: func() time.Time { return time.UnixMilli(testNow) }})
	t.Cleanup(func() { e.Close() })
	return e
}

// splitCmd splits a command written in a table: on "|" if it has one (for
// arguments with spaces or empty ones), else on spaces.
func splitCmd(s string) []string {
	if strings.Contains(s, "|") {
		return strings.Split(s, "|")
	}
	return strings.Fields(s)
}

// step is one command of a scenario and what Redis answers to it.
type step struct {
	cmd  string
	want any    // the reply, when err is ""
	err  string // the exact error text
}

// runSteps runs steps on e through Do, checking each reply and the
// engine's invariants after each call.
func runSteps(t *testing.T, e *instream.Engine, steps []step) {
	t.Helper()
	for _, st := range steps {
		args := splitCmd(st.cmd)
		got, err := e.Do(t.Context(), args...)
		switch {
		case st.err != "":
			if err == nil || err.Error() != st.err {
				t.Errorf("Do(%q) = %#v, %v; want error %q", st.cmd, got, err, st.err)
			}
			var re *instream.RedisError
			if err != nil && !errors.As(err, &re) {
				t.Errorf("Do(%q) error %T is not a *RedisError", st.cmd, err)
			}
		case err != nil:
			t.Errorf("Do(%q) error %q, want %s", st.cmd, err, show(st.want))
		case !reflect.DeepEqual(got, st.want):
			t.Errorf("Do(%q) = %s, want %s", st.cmd, show(got), show(st.want))
		}
		if err := instream.Check(e); err != nil {
			t.Fatalf("after Do(%q): %v", st.cmd, err)
		}
	}
}

// show prints a reply with its Go types, so that nil, "" and [] differ.
func show(v any) string {
	switch v := v.(type) {
	case nil:
		return "nil"
	case []any:
		parts := make([]string, len(v))
		for i, x := range v {
			parts[i] = show(x)
		}
		return "[" + strings.Join(parts, " ") + "]"
	case string:
		return fmt.Sprintf("%q", v)
	}
	return fmt.Sprintf("%T(%v)", v, v)
}

// TestDoStream runs scenarios whose replies were taken from redis-server
// 7.0.15, except where the spec's newer behaviour differs (marked).
func TestDoStream(t *testing.T) {
	tests := []struct {
		name  string
		steps []step
	}{
		{name: "XADD option errors", steps: []step{
			{"xadd s MAXLEN ~ 2 LIMIT -1 * a 1", nil, "ERR The LIMIT argument must be >= 0."},
			{"xadd s MAXLEN ~ 2 LIMIT x * a 1", nil, "ERR value is not an integer or out of range"},
			{"xadd s LIMIT -1 * a 1", nil, "ERR The LIMIT argument must be >= 0."},
			{"xadd s MAXLEN = * a 1", nil, "ERR value is not an integer or out of range"},
			{"xadd s MAXLEN ~ * a 1", nil, "ERR value is not an integer or out of range"},
			{"xadd s MAXLEN a b", nil, "ERR value is not an integer or out of range"},
			{"xadd s MAXLEN ~ 1 MAXLEN * a 1", nil, "ERR syntax error, MAXLEN and MINID options at the same time are not compatible"},
			{"xadd s MAXLEN 1 MINID 5 * a 1", nil, "ERR syntax error, MAXLEN and MINID options at the same time are not compatible"},
			{"xadd s MINID 1 MINID 5 * a 1", nil, "ERR syntax error, MAXLEN and MINID options at the same time are not compatible"},
			{"xadd s MAXLEN 5 LIMIT * a 1", nil, "ERR value is not an integer or out of range"},
			{"xadd s LIMIT 0 * f v", nil, "ERR syntax error, LIMIT cannot be used without the special ~ option"},
			{"xadd s LIMIT 5 * f v", nil, "ERR syntax error, LIMIT cannot be used without specifying a trimming strategy"},
			{"xadd s MAXLEN 5 LIMIT 0 LIMIT 1 * a 1", nil, "ERR syntax error, LIMIT cannot be used without the special ~ option"},
			{"xadd s maxlen -1 * a 1", nil, "ERR The MAXLEN argument must be >= 0."},
			{"xadd s maxlen 01 * a 1", nil, "ERR value is not an integer or out of range"},
			{"xadd s maxlen +1 * a 1", nil, "ERR value is not an integer or out of range"},
			{"xadd s maxlen 9223372036854775808 * a 1", nil, "ERR value is not an integer or out of range"},
			{"xadd s minid - * a 1", nil, "ERR Invalid stream ID specified as stream command argument"},
			{"xadd s minid + * a 1", nil, "ERR Invalid stream ID specified as stream command argument"},
			{"xadd s minid 5-* * a 1", nil, "ERR Invalid stream ID specified as stream command argument"},
			{"xadd s minid (5 * a 1", nil, "ERR Invalid stream ID specified as stream command argument"},
			{"xadd s LIMIT 5 bad f v", nil, "ERR Invalid stream ID specified as stream command argument"},
			{"xadd s * a", nil, "ERR wrong number of arguments for 'xadd' command"},
			{"xadd s 5-* a 1 b", nil, "ERR wrong number of arguments for 'xadd' command"},
			{"xadd s NOMKSTREAM MAXLEN 5", nil, "ERR wrong number of arguments for 'xadd' command"},
			{"xadd s FOO a 1", nil, "ERR Invalid stream ID specified as stream command argument"},
			{"xadd s - a 1", nil, "ERR Invalid stream ID specified as stream command argument"},
			{"xadd s + a 1", nil, "ERR Invalid stream ID specified as stream command argument"},
			{"xadd s $ a 1", nil, "ERR Invalid stream ID specified as stream command argument"},
			{"xadd s > a 1", nil, "ERR Invalid stream ID specified as stream command argument"},
			{"xadd s *-1 a 1", nil, "ERR Invalid stream ID specified as stream command argument"},
			{"xadd s *-* a 1", nil, "ERR Invalid stream ID specified as stream command argument"},
			{"xadd|s|5- *|a|1", nil, "ERR Invalid stream ID specified as stream command argument"},
			{"xadd s 6-+* a 1", nil, "ERR Invalid stream ID specified as stream command argument"},
			{"xadd s 2- a 1", nil, "ERR Invalid stream ID specified as stream command argument"},
			{"exists s", int64(0), ""},
		}},
		{name: "XADD 0-0 rules", steps: []step{
			{"xadd s 0-0 a 1", nil, "ERR The ID specified in XADD must be greater than 0-0"},
			{"xadd s 0 a 1", nil, "ERR The ID specified in XADD must be greater than 0-0"},
			{"xadd s NOMKSTREAM 0 a 1", nil, "ERR The ID specified in XADD must be greater than 0-0"},
			{"xadd s 00-0 a 1", nil, "ERR The ID specified in XADD must be greater than 0-0"},
			{"exists s", int64(0), ""},
			{"xadd s 0-* a 1", "0-1", ""},
			{"xadd s 0-* a 1", "0-2", ""},
			{"xadd s 0-0 a 1", nil, "ERR The ID specified in XADD must be greater than 0-0"},
			{"xadd s 0-* a 1", "0-3", ""},
			{"xrange s - +", []any{[]any{"0-1", []any{"a", "1"}}, []any{"0-2", []any{"a", "1"}}, []any{"0-3", []any{"a", "1"}}}, ""},
		}},
		{name: "XADD explicit and partial IDs", steps: []step{
			{"xadd s 1 a 1", "1-0", ""},
			{"xadd s 1 a 1", nil, "ERR The ID specified in XADD is equal or smaller than the target stream top item"},
			{"xadd s 1-1 a 1", "1-1", ""},
			{"xadd s 1-0 a 1", nil, "ERR The ID specified in XADD is equal or smaller than the target stream top item"},
			{"xadd s 2-* a 1", "2-0", ""},
			{"xadd s 2-* a 1", "2-1", ""},
			{"xadd s 1-* a 1", nil, "ERR The ID specified in XADD is equal or smaller than the target stream top item"},
			{"xadd s 00003-* a 1", "3-0", ""},
			{"xadd|s| 4-*|a|1", "4-0", ""},
			{"xadd s 007 a 1", "7-0", ""},
			{"xadd s +8-+1 a 1", "8-1", ""},
			{"xadd s 9--0 a 1", "9-0", ""},
			{"xrange s - +", []any{[]any{"1-0", []any{"a", "1"}}, []any{"1-1", []any{"a", "1"}}, []any{"2-0", []any{"a", "1"}}, []any{"2-1", []any{"a", "1"}}, []any{"3-0", []any{"a", "1"}}, []any{"4-0", []any{"a", "1"}}, []any{"7-0", []any{"a", "1"}}, []any{"8-1", []any{"a", "1"}}, []any{"9-0", []any{"a", "1"}}}, ""},
			{"xinfo stream s", []any{"length", int64(9), "radix-tree-keys", int64(1), "radix-tree-nodes", int64(2), "last-generated-id", "9-0", "max-deleted-entry-id", "0-0", "entries-added", int64(9), "recorded-first-entry-id", "1-0", "groups", int64(0), "first-entry", []any{"1-0", []any{"a", "1"}}, "last-entry", []any{"9-0", []any{"a", "1"}}}, ""},
		}},
		{name: "XADD equal or smaller uses last ID", steps: []step{
			{"xadd s 666 a 1", "666-0", ""},
			{"xdel s 666", int64(1), ""},
			{"xadd s 665 a 1", nil, "ERR The ID specified in XADD is equal or smaller than the target stream top item"},
			{"xadd s 666 a 1", nil, "ERR The ID specified in XADD is equal or smaller than the target stream top item"},
			{"xadd s 666-* a 1", "666-1", ""},
			{"xadd s 667 a 1", "667-0", ""},
			{"xlen s", int64(2), ""},
		}},
		{name: "XADD exhausted ID space", steps: []step{
			{"xadd s 18446744073709551615-18446744073709551615 a 1", "18446744073709551615-18446744073709551615", ""},
			{"xadd s * a 1", nil, "ERR The stream has exhausted the last possible ID, unable to add more items"},
			{"xadd s 18446744073709551615-* a 1", nil, "ERR The stream has exhausted the last possible ID, unable to add more items"},
			{"xadd s 1-1 a 1", nil, "ERR The stream has exhausted the last possible ID, unable to add more items"},
			{"xadd t 18446744073709551615-18446744073709551614 a 1", "18446744073709551615-18446744073709551614", ""},
			{"xadd t 18446744073709551615-* a 1", "18446744073709551615-18446744073709551615", ""},
			{"xadd t * a 1", nil, "ERR The stream has exhausted the last possible ID, unable to add more items"},
			{"xadd u 5-18446744073709551614 a 1", "5-18446744073709551614", ""},
			{"xadd u 5-* a 1", "5-18446744073709551615", ""},
			{"xadd u * a 1", "1700000000000-0", ""},
			// Spec §10 row 1: 7.0.15 answers "Elements are too large" here.
			{"xadd v 5-18446744073709551615 a 1", "5-18446744073709551615", ""},
			{"xadd v 5-* a 1", nil, "ERR The ID specified in XADD is equal or smaller than the target stream top item"},
			{"xadd v * a 1", "1700000000000-0", ""},
			{"xadd w 1700000000000-18446744073709551615 a 1", "1700000000000-18446744073709551615", ""},
			{"xadd w * a 1", "1700000000001-0", ""},
			{"xrange u - +", []any{[]any{"5-18446744073709551614", []any{"a", "1"}}, []any{"5-18446744073709551615", []any{"a", "1"}}, []any{"1700000000000-0", []any{"a", "1"}}}, ""},
		}},
		{name: "XADD NOMKSTREAM", steps: []step{
			{"xadd s NOMKSTREAM * a 1", nil, ""},
			{"exists s", int64(0), ""},
			{"xadd s NOMKSTREAM NOMKSTREAM MAXLEN 5 1-1 a 1", nil, ""},
			{"exists s", int64(0), ""},
			{"xadd s 1-1 a 1", "1-1", ""},
			{"xadd s nomkstream 2-1 a 1", "2-1", ""},
			{"xadd s NOMKSTREAM NOMKSTREAM 2-1 a 1", nil, "ERR The ID specified in XADD is equal or smaller than the target stream top item"},
			{"xlen s", int64(2), ""},
		}},
		{name: "XADD fields", steps: []step{
			{"xadd|s|1|a|1|a|2|||b|", "1-0", ""},
			{"xadd s 2 MAXLEN 5 NOMKSTREAM x", "2-0", ""},
			{"xadd s 3 f", nil, "ERR wrong number of arguments for 'xadd' command"},
			{"xrange s - +", []any{[]any{"1-0", []any{"a", "1", "a", "2", "", "", "b", ""}}, []any{"2-0", []any{"MAXLEN", "5", "NOMKSTREAM", "x"}}}, ""},
		}},
		{name: "XADD trims", steps: []step{
			{"xadd s 1 a 1", "1-0", ""},
			{"xadd s 2 a 2", "2-0", ""},
			{"xadd s 3 a 3", "3-0", ""},
			{"xadd s MAXLEN 2 4 a 4", "4-0", ""},
			{"xrange s - +", []any{[]any{"3-0", []any{"a", "3"}}, []any{"4-0", []any{"a", "4"}}}, ""},
			{"xadd s maxlen = 1 5 a 5", "5-0", ""},
			{"xrange s - +", []any{[]any{"5-0", []any{"a", "5"}}}, ""},
			{"xadd s MINID 7 6 a 6", "6-0", ""},
			{"xlen s", int64(0), ""},
			{"exists s", int64(1), ""},
			{"xadd s MinId = 7 7 a 7", "7-0", ""},
			{"xrange s - +", []any{[]any{"7-0", []any{"a", "7"}}}, ""},
			{"xadd s MAXLEN 0 8 a 8", "8-0", ""},
			{"xlen s", int64(0), ""},
			{"xadd s MAXLEN ~ 5 LIMIT 3 LIMIT 0 9 a 9", "9-0", ""},
			{"xlen s", int64(1), ""},
			{"xinfo stream s", []any{"length", int64(1), "radix-tree-keys", int64(1), "radix-tree-nodes", int64(2), "last-generated-id", "9-0", "max-deleted-entry-id", "0-0", "entries-added", int64(9), "recorded-first-entry-id", "9-0", "groups", int64(0), "first-entry", []any{"9-0", []any{"a", "9"}}, "last-entry", []any{"9-0", []any{"a", "9"}}}, ""},
			{"xadd m MAXLEN 0 1 a 1", "1-0", ""},
			{"exists m", int64(1), ""},
			{"xinfo stream m", []any{"length", int64(0), "radix-tree-keys", int64(0), "radix-tree-nodes", int64(1), "last-generated-id", "1-0", "max-deleted-entry-id", "0-0", "entries-added", int64(1), "recorded-first-entry-id", "0-0", "groups", int64(0), "first-entry", nil, "last-entry", nil}, ""},
		}},
		{name: "XRANGE bounds", steps: []step{
			{"xadd s 5-0 a 1", "5-0", ""},
			{"xadd s 5-3 b 2", "5-3", ""},
			{"xadd s 6-0 c 3", "6-0", ""},
			{"xrange s - +", []any{[]any{"5-0", []any{"a", "1"}}, []any{"5-3", []any{"b", "2"}}, []any{"6-0", []any{"c", "3"}}}, ""},
			{"xrange s 5 5", []any{[]any{"5-0", []any{"a", "1"}}, []any{"5-3", []any{"b", "2"}}}, ""},
			{"xrange s 5-1 5-3", []any{[]any{"5-3", []any{"b", "2"}}}, ""},
			{"xrange s - (6", []any{[]any{"5-0", []any{"a", "1"}}, []any{"5-3", []any{"b", "2"}}, []any{"6-0", []any{"c", "3"}}}, ""},
			{"xrange s - (5", []any{[]any{"5-0", []any{"a", "1"}}, []any{"5-3", []any{"b", "2"}}}, ""},
			{"xrange s (5 +", []any{[]any{"5-3", []any{"b", "2"}}, []any{"6-0", []any{"c", "3"}}}, ""},
			{"xrange s (5-0 +", []any{[]any{"5-3", []any{"b", "2"}}, []any{"6-0", []any{"c", "3"}}}, ""},
			{"xrange s (5-3 (6-0", []any{}, ""},
			{"xrange s - (0", []any{}, ""},
			{"xrange s + -", []any{}, ""},
			{"xrange s 6 5", []any{}, ""},
			{"xrange s 0 18446744073709551615", []any{[]any{"5-0", []any{"a", "1"}}, []any{"5-3", []any{"b", "2"}}, []any{"6-0", []any{"c", "3"}}}, ""},
			{"xrange s (0 x", nil, "ERR Invalid stream ID specified as stream command argument"},
			{"xrange s x (0", nil, "ERR Invalid stream ID specified as stream command argument"},
			{"xrange s (- +", nil, "ERR Invalid stream ID specified as stream command argument"},
			{"xrange s - (+", nil, "ERR Invalid stream ID specified as stream command argument"},
			{"xrange s ( +", nil, "ERR Invalid stream ID specified as stream command argument"},
			{"xrange s - (", nil, "ERR Invalid stream ID specified as stream command argument"},
			{"xrange s * +", nil, "ERR Invalid stream ID specified as stream command argument"},
			{"xrange s - $", nil, "ERR Invalid stream ID specified as stream command argument"},
			{"xrange s 5-* +", nil, "ERR Invalid stream ID specified as stream command argument"},
			{"xrange s (18446744073709551615-18446744073709551615 +", nil, "ERR invalid start ID for the interval"},
			{"xrange s (18446744073709551615 +", []any{}, ""},
			{"xrange s - (0-0", nil, "ERR invalid end ID for the interval"},
			{"xrange missing x +", nil, "ERR Invalid stream ID specified as stream command argument"},
			{"xrange missing - (0-0", nil, "ERR invalid end ID for the interval"},
			{"xrange missing - +", []any{}, ""},
		}},
		{name: "XRANGE COUNT", steps: []step{
			{"xadd s 1 a 1", "1-0", ""},
			{"xadd s 2 a 2", "2-0", ""},
			{"xadd s 3 a 3", "3-0", ""},
			{"xrange s - + COUNT 2", []any{[]any{"1-0", []any{"a", "1"}}, []any{"2-0", []any{"a", "2"}}}, ""},
			{"xrange s - + count 1 COUNT 2", []any{[]any{"1-0", []any{"a", "1"}}, []any{"2-0", []any{"a", "2"}}}, ""},
			{"xrange s - + CoUnT 5", []any{[]any{"1-0", []any{"a", "1"}}, []any{"2-0", []any{"a", "2"}}, []any{"3-0", []any{"a", "3"}}}, ""},
			{"xrange s - + COUNT 0", nil, ""},
			{"xrange s - + COUNT -5", nil, ""},
			{"xrange s 5 + COUNT 0", nil, ""},
			{"xrange missing - + COUNT 0", []any{}, ""},
			{"xrange s - + COUNT", nil, "ERR syntax error"},
			{"xrange s - + FOO 1", nil, "ERR syntax error"},
			{"xrange s - + COUNT 1 FOO", nil, "ERR syntax error"},
			{"xrange s - + COUNT x", nil, "ERR value is not an integer or out of range"},
			{"xrange s - + COUNT 01", nil, "ERR value is not an integer or out of range"},
			{"xrange s - + COUNT 1.5", nil, "ERR value is not an integer or out of range"},
			{"xrange s x + FOO", nil, "ERR Invalid stream ID specified as stream command argument"},
			{"xrange s - + FOO x", nil, "ERR syntax error"},
			{"xrevrange s + - COUNT 2", []any{[]any{"3-0", []any{"a", "3"}}, []any{"2-0", []any{"a", "2"}}}, ""},
			{"xrevrange s + - COUNT 0", nil, ""},
			{"xrevrange missing + - COUNT 0", []any{}, ""},
			{"xrevrange s + - COUNT", nil, "ERR syntax error"},
		}},
		{name: "XREVRANGE bounds", steps: []step{
			{"xadd s 5-0 a 1", "5-0", ""},
			{"xadd s 5-3 b 2", "5-3", ""},
			{"xadd s 6-0 c 3", "6-0", ""},
			{"xrevrange s + -", []any{[]any{"6-0", []any{"c", "3"}}, []any{"5-3", []any{"b", "2"}}, []any{"5-0", []any{"a", "1"}}}, ""},
			{"xrevrange s (6 -", []any{[]any{"6-0", []any{"c", "3"}}, []any{"5-3", []any{"b", "2"}}, []any{"5-0", []any{"a", "1"}}}, ""},
			{"xrevrange s 5 5", []any{[]any{"5-3", []any{"b", "2"}}, []any{"5-0", []any{"a", "1"}}}, ""},
			{"xrevrange s + (5-0", []any{[]any{"6-0", []any{"c", "3"}}, []any{"5-3", []any{"b", "2"}}}, ""},
			{"xrevrange s - +", []any{}, ""},
			{"xrevrange s (0-0 x", nil, "ERR Invalid stream ID specified as stream command argument"},
			{"xrevrange s x (18446744073709551615-18446744073709551615", nil, "ERR invalid start ID for the interval"},
			{"xrevrange s (0-0 -", nil, "ERR invalid end ID for the interval"},
			{"xrevrange s + (18446744073709551615-18446744073709551615", nil, "ERR invalid start ID for the interval"},
			{"xrevrange missing + -", []any{}, ""},
		}},
		{name: "XLEN", steps: []step{
			{"xlen s", int64(0), ""},
			{"xadd s 1 a 1", "1-0", ""},
			{"xadd s 2 a 1", "2-0", ""},
			{"xlen s", int64(2), ""},
			{"xdel s 1", int64(1), ""},
			{"xlen s", int64(1), ""},
			{"xlen s x", nil, "ERR wrong number of arguments for 'xlen' command"},
		}},
		{name: "XDEL", steps: []step{
			{"xdel missing bad", int64(0), ""},
			{"xdel missing 1-0", int64(0), ""},
			{"xadd s 1-0 a 1", "1-0", ""},
			{"xadd s 2-0 a 1", "2-0", ""},
			{"xadd s 3-0 a 1", "3-0", ""},
			{"xdel s bad", nil, "ERR Invalid stream ID specified as stream command argument"},
			{"xdel s 2-0 -", nil, "ERR Invalid stream ID specified as stream command argument"},
			{"xdel s +", nil, "ERR Invalid stream ID specified as stream command argument"},
			{"xdel s 2-*", nil, "ERR Invalid stream ID specified as stream command argument"},
			{"xlen s", int64(3), ""},
			{"xdel s 2 2-0 9-0", int64(1), ""},
			{"xinfo stream s", []any{"length", int64(2), "radix-tree-keys", int64(1), "radix-tree-nodes", int64(2), "last-generated-id", "3-0", "max-deleted-entry-id", "2-0", "entries-added", int64(3), "recorded-first-entry-id", "1-0", "groups", int64(0), "first-entry", []any{"1-0", []any{"a", "1"}}, "last-entry", []any{"3-0", []any{"a", "1"}}}, ""},
			{"xdel s 1-0", int64(1), ""},
			{"xinfo stream s", []any{"length", int64(1), "radix-tree-keys", int64(1), "radix-tree-nodes", int64(2), "last-generated-id", "3-0", "max-deleted-entry-id", "2-0", "entries-added", int64(3), "recorded-first-entry-id", "3-0", "groups", int64(0), "first-entry", []any{"3-0", []any{"a", "1"}}, "last-entry", []any{"3-0", []any{"a", "1"}}}, ""},
			{"xdel s 3-0", int64(1), ""},
			{"xinfo stream s", []any{"length", int64(0), "radix-tree-keys", int64(0), "radix-tree-nodes", int64(1), "last-generated-id", "3-0", "max-deleted-entry-id", "3-0", "entries-added", int64(3), "recorded-first-entry-id", "0-0", "groups", int64(0), "first-entry", nil, "last-entry", nil}, ""},
			{"exists s", int64(1), ""},
			{"xadd s 3-0 a 1", nil, "ERR The ID specified in XADD is equal or smaller than the target stream top item"},
			{"xadd s 4-0 a 1", "4-0", ""},
		}},
		{name: "XTRIM parsing", steps: []step{
			{"xtrim s MAXLEN 5 MINID", nil, "ERR syntax error"},
			{"xtrim s MAXLEN ~", nil, "ERR value is not an integer or out of range"},
			{"xtrim s MAXLEN =", nil, "ERR value is not an integer or out of range"},
			{"xtrim s MAXLEN 5 LIMIT", nil, "ERR syntax error"},
			{"xtrim s FOO 1 2", nil, "ERR syntax error"},
			{"xtrim s LIMIT 5 x", nil, "ERR syntax error"},
			{"xtrim s LIMIT 5 NOMKSTREAM", nil, "ERR syntax error"},
			{"xtrim s NOMKSTREAM MAXLEN 5", nil, "ERR syntax error"},
			{"xtrim s LIMIT 0 LIMIT 0", nil, "ERR syntax error, XTRIM must be called with a trimming strategy"},
			{"xtrim s LIMIT 5 LIMIT 0", nil, "ERR syntax error, XTRIM must be called with a trimming strategy"},
			{"xtrim s LIMIT 0 MAXLEN 1", nil, "ERR syntax error, LIMIT cannot be used without the special ~ option"},
			{"xtrim s MAXLEN 1 LIMIT 3", nil, "ERR syntax error, LIMIT cannot be used without the special ~ option"},
			{"xtrim missing MAXLEN 1 LIMIT 3", nil, "ERR syntax error, LIMIT cannot be used without the special ~ option"},
			{"xtrim missing MAXLEN 1", int64(0), ""},
			{"xtrim missing MAXLEN ~ 1 LIMIT 3", int64(0), ""},
			{"xtrim s MINID 1 *", nil, "ERR syntax error"},
			{"xtrim s * MINID 1", nil, "ERR syntax error"},
			{"xtrim s maxlen -1", nil, "ERR The MAXLEN argument must be >= 0."},
			{"xtrim s maxlen x", nil, "ERR value is not an integer or out of range"},
			{"xtrim s minid 2-*", nil, "ERR Invalid stream ID specified as stream command argument"},
			{"xtrim s minid (2", nil, "ERR Invalid stream ID specified as stream command argument"},
			{"xtrim s minid -", nil, "ERR Invalid stream ID specified as stream command argument"},
			{"xtrim s MAXLEN 1 MAXLEN 2", nil, "ERR syntax error, MAXLEN and MINID options at the same time are not compatible"},
			{"xtrim s MINID 1 MAXLEN 2", nil, "ERR syntax error, MAXLEN and MINID options at the same time are not compatible"},
			{"xtrim s MAXLEN ~ 2 LIMIT -1", nil, "ERR The LIMIT argument must be >= 0."},
			{"xtrim s MAXLEN ~ 2 LIMIT x", nil, "ERR value is not an integer or out of range"},
			{"xtrim s MAXLEN 1 FOO", nil, "ERR syntax error"},
			{"xtrim s MAXLEN", nil, "ERR wrong number of arguments for 'xtrim' command"},
		}},
		{name: "XTRIM exact", steps: []step{
			{"xadd s 1-0 a 1", "1-0", ""},
			{"xadd s 2-0 a 1", "2-0", ""},
			{"xadd s 3-0 a 1", "3-0", ""},
			{"xadd s 4-0 a 1", "4-0", ""},
			{"xtrim s MAXLEN = 5", int64(0), ""},
			{"xtrim s MINID 0", int64(0), ""},
			{"xtrim s MINID 1", int64(0), ""},
			{"xtrim s minid = 2-1", int64(2), ""},
			{"xrange s - +", []any{[]any{"3-0", []any{"a", "1"}}, []any{"4-0", []any{"a", "1"}}}, ""},
			{"xtrim s maxlen 1", int64(1), ""},
			{"xrange s - +", []any{[]any{"4-0", []any{"a", "1"}}}, ""},
			{"xtrim s MAXLEN 0", int64(1), ""},
			{"xinfo stream s", []any{"length", int64(0), "radix-tree-keys", int64(0), "radix-tree-nodes", int64(1), "last-generated-id", "4-0", "max-deleted-entry-id", "0-0", "entries-added", int64(4), "recorded-first-entry-id", "0-0", "groups", int64(0), "first-entry", nil, "last-entry", nil}, ""},
			{"exists s", int64(1), ""},
			{"xtrim s MAXLEN 0", int64(0), ""},
		}},
		{name: "XTRIM approximate", steps: []step{
			{"xadd s 1-0 a 1", "1-0", ""},
			{"xadd s 2-0 a 1", "2-0", ""},
			{"xadd s 3-0 a 1", "3-0", ""},
			{"xtrim s maxlen ~ 0", int64(3), ""},
			{"xlen s", int64(0), ""},
			{"exists s", int64(1), ""},
		}},
		{name: "XSETID parsing", steps: []step{
			{"xsetid missing 5", nil, "ERR no such key"},
			{"xsetid missing bad", nil, "ERR Invalid stream ID specified as stream command argument"},
			{"xsetid missing 5 FOO", nil, "ERR syntax error"},
			{"xsetid missing 5 ENTRIESADDED", nil, "ERR syntax error"},
			{"xsetid missing 5 ENTRIESADDED -1", nil, "ERR entries_added must be positive"},
			{"xsetid missing 5 ENTRIESADDED x", nil, "ERR value is not an integer or out of range"},
			{"xsetid missing 5 MAXDELETEDID 6", nil, "ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id"},
			{"xsetid missing 5 MAXDELETEDID 6 ENTRIESADDED -1", nil, "ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id"},
			{"xsetid missing 5 ENTRIESADDED -1 MAXDELETEDID 6", nil, "ERR entries_added must be positive"},
			{"xsetid missing 5 MAXDELETEDID 4 FOO", nil, "ERR syntax error"},
			{"xsetid missing 5 MAXDELETEDID x", nil, "ERR Invalid stream ID specified as stream command argument"},
			{"xsetid missing 5 MAXDELETEDID +", nil, "ERR Invalid stream ID specified as stream command argument"},
			{"xsetid missing +", nil, "ERR Invalid stream ID specified as stream command argument"},
			{"xsetid missing -", nil, "ERR Invalid stream ID specified as stream command argument"},
			{"xsetid missing 5-*", nil, "ERR Invalid stream ID specified as stream command argument"},
			{"xsetid missing *", nil, "ERR Invalid stream ID specified as stream command argument"},
			{"xsetid missing $", nil, "ERR Invalid stream ID specified as stream command argument"},
			{"xsetid s", nil, "ERR wrong number of arguments for 'xsetid' command"},
		}},
		{name: "XSETID", steps: []step{
			{"xadd s 1-0 a 1", "1-0", ""},
			{"xadd s 2-0 a 1", "2-0", ""},
			{"xadd s 3-0 a 1", "3-0", ""},
			{"xsetid s 2-5", nil, "ERR The ID specified in XSETID is smaller than the target stream top item"},
			{"xsetid s 3", "OK", ""},
			{"xsetid s 3 ENTRIESADDED 2", nil, "ERR The entries_added specified in XSETID is smaller than the target stream length"},
			{"xsetid s 3 ENTRIESADDED 3", "OK", ""},
			{"xsetid s 3 entriesadded 3 maxdeletedid 2", "OK", ""},
			{"xsetid s 99 ENTRIESADDED 01", nil, "ERR value is not an integer or out of range"},
			{"xsetid s 99 ENTRIESADDED", nil, "ERR syntax error"},
			{"xinfo stream s", []any{"length", int64(3), "radix-tree-keys", int64(1), "radix-tree-nodes", int64(2), "last-generated-id", "3-0", "max-deleted-entry-id", "2-0", "entries-added", int64(3), "recorded-first-entry-id", "1-0", "groups", int64(0), "first-entry", []any{"1-0", []any{"a", "1"}}, "last-entry", []any{"3-0", []any{"a", "1"}}}, ""},
			{"xsetid s 3-0 MAXDELETEDID 0", "OK", ""},
			{"xsetid s 10-0 ENTRIESADDED 7 MAXDELETEDID 9", "OK", ""},
			{"xinfo stream s", []any{"length", int64(3), "radix-tree-keys", int64(1), "radix-tree-nodes", int64(2), "last-generated-id", "10-0", "max-deleted-entry-id", "9-0", "entries-added", int64(7), "recorded-first-entry-id", "1-0", "groups", int64(0), "first-entry", []any{"1-0", []any{"a", "1"}}, "last-entry", []any{"3-0", []any{"a", "1"}}}, ""},
			{"xadd s 10-0 a 1", nil, "ERR The ID specified in XADD is equal or smaller than the target stream top item"},
			{"xadd s * a 1", "1700000000000-0", ""},
		}},
		{name: "XSETID on an empty stream", steps: []step{
			{"xadd e MAXLEN 0 5-0 a 1", "5-0", ""},
			{"xsetid e 0-0", "OK", ""},
			{"xinfo stream e", []any{"length", int64(0), "radix-tree-keys", int64(0), "radix-tree-nodes", int64(1), "last-generated-id", "0-0", "max-deleted-entry-id", "0-0", "entries-added", int64(1), "recorded-first-entry-id", "0-0", "groups", int64(0), "first-entry", nil, "last-entry", nil}, ""},
			{"xadd e 0-* a 1", "0-1", ""},
			{"xadd e MAXLEN 0 7-0 a 1", "7-0", ""},
			{"xsetid e 6-0 ENTRIESADDED 0", "OK", ""},
			{"xinfo stream e", []any{"length", int64(0), "radix-tree-keys", int64(0), "radix-tree-nodes", int64(1), "last-generated-id", "6-0", "max-deleted-entry-id", "0-0", "entries-added", int64(0), "recorded-first-entry-id", "0-0", "groups", int64(0), "first-entry", nil, "last-entry", nil}, ""},
		}},
		{name: "DEL EXISTS TYPE", steps: []step{
			{"type s", "none", ""},
			{"exists s", int64(0), ""},
			{"xadd s 5-0 a 1", "5-0", ""},
			{"type s", "stream", ""},
			{"exists s s missing", int64(2), ""},
			{"del s s missing", int64(1), ""},
			{"del s", int64(0), ""},
			{"exists s", int64(0), ""},
			{"xadd s 1-0 a 1", "1-0", ""},
			{"xinfo stream s", []any{"length", int64(1), "radix-tree-keys", int64(1), "radix-tree-nodes", int64(2), "last-generated-id", "1-0", "max-deleted-entry-id", "0-0", "entries-added", int64(1), "recorded-first-entry-id", "1-0", "groups", int64(0), "first-entry", []any{"1-0", []any{"a", "1"}}, "last-entry", []any{"1-0", []any{"a", "1"}}}, ""},
			{"del", nil, "ERR wrong number of arguments for 'del' command"},
			{"exists", nil, "ERR wrong number of arguments for 'exists' command"},
			{"type", nil, "ERR wrong number of arguments for 'type' command"},
			{"type a b", nil, "ERR wrong number of arguments for 'type' command"},
		}},
		// Spec §10 row 15: 7.0.15 accepts these; 7.2+ checks the stream's
		// current max_deleted_entry_id.
		{name: "XSETID below max deleted ID", steps: []step{
			{"xadd s 1-0 a 1", "1-0", ""},
			{"xadd s 2-0 a 1", "2-0", ""},
			{"xadd s 3-0 a 1", "3-0", ""},
			{"xdel s 3-0", int64(1), ""},
			{"xsetid s 2-0", nil, "ERR The ID specified in XSETID is smaller than current max_deleted_entry_id"},
			{"xsetid s 2-5 MAXDELETEDID 2", nil, "ERR The ID specified in XSETID is smaller than current max_deleted_entry_id"},
			{"xsetid s 3-0", "OK", ""},
			{"xsetid s 3-0 MAXDELETEDID 2-0", "OK", ""}, // it may move back
			{"xsetid s 2-5", "OK", ""},
			{"xsetid s 2-0", "OK", ""},
			{"xsetid s 1-9", nil, "ERR The ID specified in XSETID is smaller than current max_deleted_entry_id"},
			{"xdel s 1-0 2-0", int64(2), ""},
			{"xsetid s 0-0", nil, "ERR The ID specified in XSETID is smaller than current max_deleted_entry_id"},
			{"xsetid s 2-0 MAXDELETEDID 0-0", "OK", ""},
			{"xinfo stream s", []any{"length", int64(0), "radix-tree-keys", int64(0), "radix-tree-nodes", int64(1), "last-generated-id", "2-0", "max-deleted-entry-id", "2-0", "entries-added", int64(3), "recorded-first-entry-id", "0-0", "groups", int64(0), "first-entry", nil, "last-entry", nil}, ""},
		}},
		// Redis 8.2 options; 7.0.15 takes them for an ID or a syntax error.
		{name: "XADD and XTRIM reference options", steps: []step{
			{"xadd s KEEPREF 1 a 1", "1-0", ""},
			{"xadd s delref 2 a 1", "2-0", ""},
			{"xadd s Acked 3 a 1", "3-0", ""},
			{"xadd s MAXLEN 2 ACKED 4 a 1", "4-0", ""},
			{"xadd s ACKED MAXLEN 2 5 a 1", "5-0", ""},
			{"xlen s", int64(2), ""},
			{"xadd s ACKED ACKED 6 a 1", nil, "ERR syntax error"},
			{"xadd s KEEPREF DELREF 6 a 1", nil, "ERR syntax error"},
			{"xadd s 6 ACKED 1", "6-0", ""}, // after the ID it is a field
			{"xrange s 6 6", []any{[]any{"6-0", []any{"ACKED", "1"}}}, ""},
			{"xtrim s MAXLEN 1 ACKED", int64(2), ""},
			{"xtrim s KEEPREF MINID 7", int64(1), ""},
			{"xtrim s MAXLEN 0 DELREF DELREF", nil, "ERR syntax error"},
			{"xtrim s ACKED LIMIT 0", nil, "ERR syntax error, XTRIM must be called with a trimming strategy"},
			{"xtrim s ACKED", nil, "ERR wrong number of arguments for 'xtrim' command"},
			{"xtrim s ACKED LIMIT 1", nil, "ERR syntax error, LIMIT cannot be used without specifying a trimming strategy"},
			{"xtrim s MAXLEN 0 REFS", nil, "ERR syntax error"},
			{"xlen s", int64(0), ""},
		}},
		// Option words are case-insensitive, the lone "*" and "~"/"=" are
		// exact.
		{name: "case of options", steps: []step{
			{"XaDd s NoMkStReAm * a 1", nil, ""},
			{"XADD s MaXlEn = 1 1 a 1", "1-0", ""},
			{"xadd s mInId ~ 0 lImIt 10 2 a 1", "2-0", ""},
			{"XRANGE s - + cOuNt 1", []any{[]any{"1-0", []any{"a", "1"}}}, ""},
			{"XTRIM s MiNiD = 2", int64(1), ""},
			{"XSETID s 5 EnTrIeSaDdEd 9 MaXdElEtEdId 1", "OK", ""},
			{"XINFO sTrEaM s", []any{"length", int64(1), "radix-tree-keys", int64(1), "radix-tree-nodes", int64(2), "last-generated-id", "5-0", "max-deleted-entry-id", "1-0", "entries-added", int64(9), "recorded-first-entry-id", "2-0", "groups", int64(0), "first-entry", []any{"2-0", []any{"a", "1"}}, "last-entry", []any{"2-0", []any{"a", "1"}}}, ""},
			{"XLEN s", int64(1), ""},
			{"TyPe s", "stream", ""},
		}},
		{name: "XINFO", steps: []step{
			{"xinfo", nil, "ERR wrong number of arguments for 'xinfo' command"},
			{"xinfo help", []any{"XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:", "CONSUMERS <key> <groupname>", "    Show consumers of <groupname>.", "GROUPS <key>", "    Show the stream consumer groups.", "STREAM <key> [FULL [COUNT <count>]", "    Show information about the stream.", "HELP", "    Print this help."}, ""}, // spec §10 row 16: 7.0 says "Prints"
			{"xinfo HELP x", nil, "ERR wrong number of arguments for 'xinfo|help' command"},
			{"xinfo foo", nil, "ERR unknown subcommand 'foo'. Try XINFO HELP."},
			{"xinfo FoO bar", nil, "ERR unknown subcommand 'FoO'. Try XINFO HELP."},
			{"xinfo stream", nil, "ERR wrong number of arguments for 'xinfo|stream' command"},
			{"xinfo STREAM", nil, "ERR wrong number of arguments for 'xinfo|stream' command"},
			{"xinfo groups", nil, "ERR wrong number of arguments for 'xinfo|groups' command"},
			{"xinfo groups k x", nil, "ERR wrong number of arguments for 'xinfo|groups' command"},
			{"xinfo consumers k", nil, "ERR wrong number of arguments for 'xinfo|consumers' command"},
			{"xinfo consumers k g x", nil, "ERR wrong number of arguments for 'xinfo|consumers' command"},
			{"xinfo stream missing", nil, "ERR no such key"},
			{"xinfo stream missing FULL COUNT x", nil, "ERR no such key"},
			{"xinfo stream missing bogus", nil, "ERR no such key"},
			{"xadd s 1-0 a 1", "1-0", ""},
			{"xinfo stream s bogus", nil, "ERR unknown subcommand or wrong number of arguments for 'stream'. Try XINFO HELP."},
			{"xinfo Stream s bogus", nil, "ERR unknown subcommand or wrong number of arguments for 'Stream'. Try XINFO HELP."},
			{"xinfo stream s full count", nil, "ERR unknown subcommand or wrong number of arguments for 'stream'. Try XINFO HELP."},
			{"xinfo stream s full count x", nil, "ERR value is not an integer or out of range"},
			{"xinfo stream s full COUNT -1 x", nil, "ERR unknown subcommand or wrong number of arguments for 'stream'. Try XINFO HELP."},
			{"xinfo stream s full foo 1", nil, "ERR unknown subcommand or wrong number of arguments for 'stream'. Try XINFO HELP."},
			{"xinfo stream s FULL COUNT 01", nil, "ERR value is not an integer or out of range"},
			{"xinfo stream s FULL x", nil, "ERR unknown subcommand or wrong number of arguments for 'stream'. Try XINFO HELP."},
			{"xinfo stream s", []any{"length", int64(1), "radix-tree-keys", int64(1), "radix-tree-nodes", int64(2), "last-generated-id", "1-0", "max-deleted-entry-id", "0-0", "entries-added", int64(1), "recorded-first-entry-id", "1-0", "groups", int64(0), "first-entry", []any{"1-0", []any{"a", "1"}}, "last-entry", []any{"1-0", []any{"a", "1"}}}, ""},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			runSteps(t, newEngine(t), tt.steps)
		})
	}
}

// TestDoSentinels checks that Do's error replies that stem from the typed
// API keep its sentinel error for errors.Is.
func TestDoSentinels(t *testing.T) {
	tests := []struct {
		name  string
		setup []string
		cmd   string
		text  string
		want  error
	}{
		{"XADD too small", []string{"xadd s 5 a 1"}, "xadd s 5 a 1",
			"ERR The ID specified in XADD is equal or smaller than the target stream top item", instream.ErrIDTooSmall},
		{"XADD ms-* too small", []string{"xadd s 5-18446744073709551615 a 1"}, "xadd s 5-* a 1",
			"ERR The ID specified in XADD is equal or smaller than the target stream top item", instream.ErrIDTooSmall},
		{"XADD exhausted", []string{"xadd s 18446744073709551615-18446744073709551615 a 1"}, "xadd s * a 1",
			"ERR The stream has exhausted the last possible ID, unable to add more items", instream.ErrIDExhausted},
		{"XSETID missing key", nil, "xsetid s 5",
			"ERR no such key", instream.ErrNoStream},
		{"XSETID below top", []string{"xadd s 5 a 1"}, "xsetid s 4",
			"ERR The ID specified in XSETID is smaller than the target stream top item", instream.ErrSetIDTooSmall},
		{"XSETID below max deleted", []string{"xadd s 5 a 1", "xdel s 5"}, "xsetid s 4",
			"ERR The ID specified in XSETID is smaller than current max_deleted_entry_id", instream.ErrSetIDTooSmall},
		{"XSETID entries added", []string{"xadd s 5 a 1"}, "xsetid s 5 ENTRIESADDED 0",
			"ERR The entries_added specified in XSETID is smaller than the target stream length", instream.ErrEntriesAddedTooSmall},
		{"XINFO STREAM missing key", nil, "xinfo stream s",
			"ERR no such key", instream.ErrNoStream},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEngine(t)
			for _, c := range tt.setup {
				if _, err := e.Do(t.Context(), splitCmd(c)...); err != nil {
					t.Fatalf("Do(%q): %v", c, err)
				}
			}
			_, err := e.Do(t.Context(), splitCmd(tt.cmd)...)
			if err == nil || err.Error() != tt.text {
				t.Fatalf("Do(%q) error = %v, want %q", tt.cmd, err, tt.text)
			}
			if !errors.Is(err, tt.want) {
				t.Errorf("errors.Is(Do(%q), %v) = false", tt.cmd, tt.want)
			}
		})
	}
}

// TestDoClosed checks that every command of this file fails on a closed
// engine, with ErrClosed reachable through errors.Is.
func TestDoClosed(t *testing.T) {
	e := newEngine(t)
	if _, err := e.Do(t.Context(), "xadd", "s", "1", "a", "1"); err != nil {
		t.Fatal(err)
	}
	e.Close()
	for _, c := range []string{
		"xadd s 2 a 1", "xrange s - +", "xrevrange s + -", "xrange s - + COUNT 0",
		"xlen s", "xdel s 1", "xdel s bad", "xtrim s MAXLEN 0", "xsetid s 9",
		"xinfo stream s", "xinfo stream s FULL", "del s", "exists s", "type s",
	} {
		got, err := e.Do(t.Context(), splitCmd(c)...)
		if !errors.Is(err, instream.ErrClosed) || got != nil {
			t.Errorf("Do(%q) on a closed engine = %s, %v; want nil, ErrClosed", c, show(got), err)
		}
	}
}
