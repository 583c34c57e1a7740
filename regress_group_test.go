package instream_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/instream/instream"
)

// doFormatted runs a command line through Do and formats the reply as the
// scripts do.
func doFormatted(t *testing.T, e *instream.Engine, cmd string) string {
	t.Helper()
	got := formatReply(e.Do(t.Context(), strings.Fields(cmd)...))
	check(t, e)
	return got
}

// TestMiniredisRegressions covers the consumer-group bugs of miniredis
// listed in peers.md §1.6 (items 5-18), one subtest each.
func TestMiniredisRegressions(t *testing.T) {
	type step struct{ cmd, want string }
	tests := []struct {
		name  string
		steps []step
	}{
		{"5 XCLAIM honours min-idle-time", []step{
			{"XREADGROUP GROUP g alice STREAMS s >", "[[s [[1-0 [f 1-0]] [2-0 [f 2-0]] [3-0 [f 3-0]]]]]"},
			{"XCLAIM s g bob 3600000 1-0", "[]"},
			{"XPENDING s g - + 1", "[[1-0 alice :0 :1]]"},
		}},
		{"6 JUSTID does not count a delivery", []step{
			{"XREADGROUP GROUP g alice COUNT 2 STREAMS s >", "[[s [[1-0 [f 1-0]] [2-0 [f 2-0]]]]]"},
			{"XCLAIM s g bob 0 1-0 JUSTID", "[1-0]"},
			{"XAUTOCLAIM s g carol 0 0 JUSTID", "[0-0 [1-0 2-0] []]"},
			{"XPENDING s g - + 10", "[[1-0 carol :0 :1] [2-0 carol :0 :1]]"},
		}},
		{"7 FORCE creates no phantom for a missing entry", []step{
			{"XCLAIM s g bob 0 99-1 2-0 FORCE JUSTID", "[2-0]"},
			{"XPENDING s g", "[:1 2-0 2-0 [[bob 1]]]"},
		}},
		{"8 LASTID is an option, and IDs are validated", []step{
			{"XREADGROUP GROUP g alice COUNT 1 STREAMS s >", "[[s [[1-0 [f 1-0]]]]]"},
			{"XCLAIM s g bob 0 1-0 LASTID 2-0", "[[1-0 [f 1-0]]]"},
			{"XINFO GROUPS s", "[[name g consumers :2 pending :1 last-delivered-id 2-0 entries-read :1 lag :2]]"},
			{"XCLAIM s g bob 0 1-0 LASTID nope", "!ERR Invalid stream ID specified as stream command argument"},
			{"XCLAIM s g bob 0 nope", "!ERR Unrecognized XCLAIM option 'nope'"},
		}},
		{"9 claims purge deleted entries; XAUTOCLAIM lists them and bounds COUNT", []step{
			{"XREADGROUP GROUP g alice STREAMS s >", "[[s [[1-0 [f 1-0]] [2-0 [f 2-0]] [3-0 [f 3-0]]]]]"},
			{"XDEL s 1-0 2-0", "!(not run)"},
			{"XCLAIM s g bob 0 1-0", "[]"},
			{"XAUTOCLAIM s g bob 0 0", "[0-0 [[3-0 [f 3-0]]] [2-0]]"},
			{"XPENDING s g", "[:1 3-0 3-0 [[bob 1]]]"},
			{"XAUTOCLAIM s g bob 0 0 COUNT 0", "!ERR COUNT must be > 0"},
			{"XAUTOCLAIM s g bob 0 0 COUNT -1", "!ERR COUNT must be > 0"},
		}},
		{"10 history honours COUNT and returns deleted entries as nil", []step{
			{"XREADGROUP GROUP g alice STREAMS s >", "[[s [[1-0 [f 1-0]] [2-0 [f 2-0]] [3-0 [f 3-0]]]]]"},
			{"XDEL s 1-0", "!(not run)"},
			{"XREADGROUP GROUP g alice COUNT 2 STREAMS s 0", "[[s [[1-0 nil] [2-0 [f 2-0]]]]]"},
			{"XACK s g 1-0", ":1"},
		}},
		{"11 a read with nothing to return creates the consumer", []step{
			{"XGROUP SETID s g $", "OK"},
			{"XREADGROUP GROUP g idle STREAMS s >", "nil"},
			{"XINFO CONSUMERS s g", "[[name idle pending :0 idle :0 inactive :-1]]"},
		}},
		{"12 NOACK adds nothing pending", []step{
			{"XREADGROUP GROUP g alice NOACK STREAMS s >", "[[s [[1-0 [f 1-0]] [2-0 [f 2-0]] [3-0 [f 3-0]]]]]"},
			{"XINFO CONSUMERS s g", "[[name alice pending :0 idle :0 inactive :-1]]"},
			{"XPENDING s g", "[:0 nil nil nil]"},
		}},
		{"13 GROUP need not come first", []step{
			{"XREADGROUP COUNT 1 NOACK GROUP g alice STREAMS s >", "[[s [[1-0 [f 1-0]]]]]"},
		}},
		{"14 XACK counts an entry that was deleted", []step{
			{"XREADGROUP GROUP g alice STREAMS s >", "[[s [[1-0 [f 1-0]] [2-0 [f 2-0]] [3-0 [f 3-0]]]]]"},
			{"XDEL s 2-0", "!(not run)"},
			{"XACK s g 2-0", ":1"},
			{"XPENDING s g", "[:2 1-0 3-0 [[alice 2]]]"},
		}},
		{"15 XPENDING counts deleted entries", []step{
			{"XREADGROUP GROUP g alice STREAMS s >", "[[s [[1-0 [f 1-0]] [2-0 [f 2-0]] [3-0 [f 3-0]]]]]"},
			{"XDEL s 1-0 3-0", "!(not run)"},
			{"XPENDING s g", "[:3 1-0 3-0 [[alice 3]]]"},
			{"XPENDING s g - + 10 alice", "[[1-0 alice :0 :1] [2-0 alice :0 :1] [3-0 alice :0 :1]]"},
		}},
		{"16 XINFO GROUPS reports entries-read and lag, groups by name", []step{
			{"XGROUP CREATE s b $", "OK"},
			{"XGROUP CREATE s a 0", "OK"},
			{"XREADGROUP GROUP g alice STREAMS s >", "[[s [[1-0 [f 1-0]] [2-0 [f 2-0]] [3-0 [f 3-0]]]]]"},
			{"XINFO GROUPS s", "[[name a consumers :0 pending :0 last-delivered-id 0-0 entries-read nil lag :3] " +
				"[name b consumers :0 pending :0 last-delivered-id 3-0 entries-read nil lag :0] " +
				"[name g consumers :1 pending :3 last-delivered-id 3-0 entries-read :3 lag :0]]"},
		}},
		{"17 XINFO CONSUMERS times come from reads", []step{
			{"XREADGROUP GROUP g alice COUNT 1 STREAMS s >", "[[s [[1-0 [f 1-0]]]]]"},
			{"XINFO CONSUMERS s g", "[[name alice pending :1 idle :0 inactive :0]]"},
		}},
		{"18 XGROUP CREATE rejects a malformed ID", []step{
			{"XGROUP CREATE s h notanid", "!ERR Invalid stream ID specified as stream command argument"},
			{"XINFO GROUPS s", "[[name g consumers :0 pending :0 last-delivered-id 0-0 entries-read nil lag :3]]"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, _ := newClockEngine(t)
			add(t, e, "s", "1-0", "2-0", "3-0")
			mustCreateGroup(t, e, "s", instream.GroupArgs{Group: "g"})
			for _, st := range tt.steps {
				if f := strings.Fields(st.cmd); f[0] == "XDEL" {
					for _, a := range f[2:] {
						if n, err := e.DeleteEntries(f[1], id(a)); n != 1 || err != nil {
							t.Fatalf("DeleteEntries(%s) = %d, %v", a, n, err)
						}
					}
					continue
				}
				if got := doFormatted(t, e, st.cmd); got != st.want {
					t.Errorf("%s\n got %s\nwant %s", st.cmd, got, st.want)
				}
			}
		})
	}
}

// Names in error replies: CR and LF become spaces, a NUL byte ends the
// name (spec §3.1).
func TestNoGroupNames(t *testing.T) {
	e, _ := newClockEngine(t)
	add(t, e, "s\r\n", "1-0")
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"XREADGROUP", "GROUP", "g\nx", "c", "STREAMS", "s\r\n", ">"},
			"NOGROUP No such key 's  ' or consumer group 'g x' in XREADGROUP with GROUP option"},
		{[]string{"XPENDING", "s\r\n", "g\x00hidden"}, "NOGROUP No such key 's  ' or consumer group 'g'"},
		{[]string{"XCLAIM", "s\r\n", "g", "c", "0", "1-0"}, "NOGROUP No such key 's  ' or consumer group 'g'"},
		{[]string{"XGROUP", "SETID", "s\r\n", "g\r", "0"}, "NOGROUP No such consumer group 'g ' for key name 's  '"},
	}
	for _, tt := range tests {
		_, err := e.Do(t.Context(), tt.args...)
		if err == nil || err.Error() != tt.want {
			t.Errorf("Do(%q) error = %v, want %q", tt.args, err, tt.want)
		}
		if !errors.Is(err, instream.ErrNoGroup) {
			t.Errorf("Do(%q) error = %v, want one that wraps ErrNoGroup", tt.args, err)
		}
	}
}

func TestXGroupHelp(t *testing.T) {
	e, _ := newClockEngine(t)
	got, err := e.Do(t.Context(), "xgroup", "HELP")
	if err != nil {
		t.Fatal(err)
	}
	lines := got.([]any)
	if len(lines) != 17 || lines[0] != "XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:" ||
		lines[15] != "HELP" || lines[16] != "    Print this help." {
		t.Errorf("XGROUP HELP = %q", lines)
	}
}
