package instream_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/instream/instream"
)

// rdAdd adds an entry {f: id} with the given ID.
func rdAdd(t testing.TB, e *instream.Engine, key, id string) {
	t.Helper()
	if _, err := e.Add(key, instream.AddArgs{ID: instream.MustParseID(id), Fields: []instream.Field{{Name: "f", Value: id}}}); err != nil {
		t.Fatalf("Add(%q, %s): %v", key, id, err)
	}
}

// summary renders a read result as "key:id,id key:id" for comparisons.
func summary(res []instream.StreamEntries) string {
	if res == nil {
		return "nil"
	}
	s := ""
	for i, se := range res {
		if i > 0 {
			s += " "
		}
		s += se.Key + ":"
		for j, en := range se.Entries {
			if j > 0 {
				s += ","
			}
			s += en.ID.String()
		}
	}
	return s
}

func TestEngine_TryRead(t *testing.T) {
	id := instream.MustParseID
	tests := []struct {
		name string
		args instream.ReadArgs
		want string
	}{
		{"after zero", instream.ReadArgs{Streams: []instream.ReadStream{{Key: "a"}}}, "a:1-1,2-1,3-1"},
		{"after middle", instream.ReadArgs{Streams: []instream.ReadStream{{Key: "a", After: id("1-1")}}}, "a:2-1,3-1"},
		{"after between", instream.ReadArgs{Streams: []instream.ReadStream{{Key: "a", After: id("2-0")}}}, "a:2-1,3-1"},
		{"after last", instream.ReadArgs{Streams: []instream.ReadStream{{Key: "a", After: id("3-1")}}}, "nil"},
		{"after max", instream.ReadArgs{Streams: []instream.ReadStream{{Key: "a", After: instream.MaxID}}}, "nil"},
		{"count", instream.ReadArgs{Streams: []instream.ReadStream{{Key: "a"}}, Count: 2}, "a:1-1,2-1"},
		{"count per stream", instream.ReadArgs{Streams: []instream.ReadStream{{Key: "a"}, {Key: "b"}}, Count: 1}, "a:1-1 b:5-0"},
		{"missing stream", instream.ReadArgs{Streams: []instream.ReadStream{{Key: "zz"}}}, "nil"},
		{"missing omitted", instream.ReadArgs{Streams: []instream.ReadStream{{Key: "zz"}, {Key: "b"}}}, "b:5-0"},
		{"order of arguments", instream.ReadArgs{Streams: []instream.ReadStream{{Key: "b"}, {Key: "a", After: id("2-1")}}}, "b:5-0 a:3-1"},
		{"duplicate key", instream.ReadArgs{Streams: []instream.ReadStream{{Key: "b"}, {Key: "b"}}}, "b:5-0 b:5-0"},
		{"new", instream.ReadArgs{Streams: []instream.ReadStream{{Key: "a", New: true}}}, "nil"},
		{"last", instream.ReadArgs{Streams: []instream.ReadStream{{Key: "a", Last: true}}, Count: 5}, "a:3-1"},
		{"last of missing", instream.ReadArgs{Streams: []instream.ReadStream{{Key: "zz", Last: true}}}, "nil"},
		// Newest semantics: the last existing entry, even when the last
		// generated ID was deleted.
		{"last after tail delete", instream.ReadArgs{Streams: []instream.ReadStream{{Key: "c", Last: true}}}, "c:1-0"},
		{"empty stream", instream.ReadArgs{Streams: []instream.ReadStream{{Key: "d"}}}, "nil"},
		{"empty stream last", instream.ReadArgs{Streams: []instream.ReadStream{{Key: "d", Last: true}}}, "nil"},
		{"deleted tail below after", instream.ReadArgs{Streams: []instream.ReadStream{{Key: "c", After: id("1-0")}}}, "nil"},
	}
	e := newEngine(t)
	for _, id := range []string{"1-1", "2-1", "3-1"} {
		rdAdd(t, e, "a", id)
	}
	rdAdd(t, e, "b", "5-0")
	rdAdd(t, e, "c", "1-0")
	rdAdd(t, e, "c", "2-0")
	if _, err := e.DeleteEntries("c", id("2-0")); err != nil {
		t.Fatal(err)
	}
	rdAdd(t, e, "d", "1-0")
	if _, err := e.DeleteEntries("d", id("1-0")); err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := e.TryRead(tt.args)
			if err != nil {
				t.Fatalf("TryRead(%+v): %v", tt.args, err)
			}
			if s := summary(got); s != tt.want {
				t.Errorf("TryRead(%+v) = %s, want %s", tt.args, s, tt.want)
			}
			checked(t, e)
		})
	}
}

func TestEngine_TryRead_fields(t *testing.T) {
	e := newEngine(t)
	fields := []instream.Field{{Name: "x", Value: "1"}, {Name: "x", Value: "2"}, {Name: "", Value: ""}}
	id, err := e.Add("s", instream.AddArgs{Fields: fields})
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.TryRead(instream.ReadArgs{Streams: []instream.ReadStream{{Key: "s"}}})
	want := []instream.StreamEntries{{Key: "s", Entries: []instream.Entry{{ID: id, Fields: fields}}}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("TryRead = %v, %v, want %v", got, err, want)
	}
}

func TestEngine_TryRead_errors(t *testing.T) {
	e := newEngine(t)
	tests := []struct {
		name string
		args instream.ReadArgs
		want error
	}{
		{"no streams", instream.ReadArgs{}, instream.ErrInvalidArgument},
		{"new and last", instream.ReadArgs{Streams: []instream.ReadStream{{Key: "a", New: true, Last: true}}}, instream.ErrInvalidArgument},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := e.TryRead(tt.args); !errors.Is(err, tt.want) {
				t.Errorf("TryRead(%+v) error = %v, want %v", tt.args, err, tt.want)
			}
			if _, err := e.Read(t.Context(), tt.args); !errors.Is(err, tt.want) {
				t.Errorf("Read(%+v) error = %v, want %v", tt.args, err, tt.want)
			}
		})
	}
	e.Close()
	args := instream.ReadArgs{Streams: []instream.ReadStream{{Key: "a"}}}
	if _, err := e.TryRead(args); !errors.Is(err, instream.ErrClosed) {
		t.Errorf("TryRead after Close: error = %v, want ErrClosed", err)
	}
	if _, err := e.Read(t.Context(), args); !errors.Is(err, instream.ErrClosed) {
		t.Errorf("Read after Close: error = %v, want ErrClosed", err)
	}
}

// Read with data at hand answers at once, and a done ctx wins before any
// state is looked at.
func TestEngine_Read_immediate(t *testing.T) {
	e := newEngine(t)
	rdAdd(t, e, "a", "1-0")
	args := instream.ReadArgs{Streams: []instream.ReadStream{{Key: "a"}}}
	got, err := e.Read(t.Context(), args)
	if err != nil || summary(got) != "a:1-0" {
		t.Errorf("Read = %s, %v, want a:1-0", summary(got), err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if got, err := e.Read(ctx, args); got != nil || err != context.Canceled {
		t.Errorf("Read(cancelled ctx) = %s, %v, want nil, context.Canceled", summary(got), err)
	}
}

// doReply renders a Do reply for comparisons.
func doReply(v any, err error) string {
	if err != nil {
		return "error: " + err.Error()
	}
	return fmt.Sprint(v)
}

func TestDo_XRead(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		// Parse errors, checked against redis-server 7.0.15 except where
		// the newer model differs (the Unbalanced text, "+", the overflow).
		{"arity", []string{"XREAD", "STREAMS", "a"}, "error: ERR wrong number of arguments for 'xread' command"},
		{"streams without keys", []string{"XREAD", "COUNT", "1", "STREAMS"}, "error: ERR syntax error"},
		{"no streams", []string{"XREAD", "COUNT", "1", "BLOCK", "0"}, "error: ERR syntax error"},
		{"block not int", []string{"XREAD", "BLOCK", "abc", "STREAMS", "a", "0"}, "error: ERR timeout is not an integer or out of range"},
		{"block leading zero", []string{"XREAD", "BLOCK", "01", "STREAMS", "a", "0"}, "error: ERR timeout is not an integer or out of range"},
		{"block negative", []string{"XREAD", "BLOCK", "-1", "STREAMS", "a", "0"}, "error: ERR timeout is negative"},
		{"block overflow", []string{"XREAD", "BLOCK", "9223372036854775807", "STREAMS", "a", "0"}, "error: ERR timeout is out of range"},
		{"second block bad", []string{"XREAD", "BLOCK", "1", "BLOCK", "x", "STREAMS", "a", "0"}, "error: ERR timeout is not an integer or out of range"},
		{"count not int", []string{"XREAD", "COUNT", "x", "STREAMS", "a", "0"}, "error: ERR value is not an integer or out of range"},
		{"gt", []string{"XREAD", "STREAMS", "a", ">"}, "error: ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option."},
		{"group", []string{"XREAD", "GROUP", "g", "c", "STREAMS", "a", "0"}, "error: ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead."},
		{"group one arg", []string{"XREAD", "GROUP", "g", "STREAMS", "a", "0"}, "error: ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead."},
		{"noack", []string{"XREAD", "NOACK", "STREAMS", "a", "0"}, "error: ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead."},
		{"unbalanced", []string{"XREAD", "STREAMS", "a", "b", "0"}, "error: ERR Unbalanced 'xread' list of streams: for each stream key an ID, '+', or '$' must be specified."},
		{"bad id", []string{"XREAD", "STREAMS", "a", "b"}, "error: ERR Invalid stream ID specified as stream command argument"},
		{"bad seq", []string{"XREAD", "STREAMS", "a", "0-x"}, "error: ERR Invalid stream ID specified as stream command argument"},
		{"minus", []string{"XREAD", "STREAMS", "a", "-"}, "error: ERR Invalid stream ID specified as stream command argument"},
		{"second id bad", []string{"XREAD", "STREAMS", "a", "b", "0", ">"}, "error: ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option."},
		{"unknown option", []string{"XREAD", "FOO", "STREAMS", "a", "0"}, "error: ERR syntax error"},
		// Replies.
		{"all", []string{"XREAD", "STREAMS", "a", "0"}, "[[a [[1-1 [f 1-1]] [2-1 [f 2-1]]]]]"},
		{"ms only", []string{"xread", "streams", "a", "1"}, "[[a [[1-1 [f 1-1]] [2-1 [f 2-1]]]]]"},
		{"count", []string{"XREAD", "count", "1", "STREAMS", "a", "0"}, "[[a [[1-1 [f 1-1]]]]]"},
		{"count negative", []string{"XREAD", "COUNT", "-5", "STREAMS", "a", "a", "0", "1-1"}, "[[a [[1-1 [f 1-1]] [2-1 [f 2-1]]]] [a [[2-1 [f 2-1]]]]]"},
		{"nothing", []string{"XREAD", "STREAMS", "a", "2-1"}, "[]"},
		{"dollar", []string{"XREAD", "STREAMS", "a", "$"}, "[]"},
		{"plus", []string{"XREAD", "COUNT", "3", "STREAMS", "a", "+"}, "[[a [[2-1 [f 2-1]]]]]"},
		{"max id", []string{"XREAD", "STREAMS", "a", "18446744073709551615-18446744073709551615"}, "[]"},
		{"block with data", []string{"XREAD", "BLOCK", "0", "STREAMS", "zz", "a", "0", "2-0"}, "[[a [[2-1 [f 2-1]]]]]"},
	}
	e := newEngine(t)
	rdAdd(t, e, "a", "1-1")
	rdAdd(t, e, "a", "2-1")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := e.Do(t.Context(), tt.args...)
			got := doReply(v, err)
			if tt.want == "[]" {
				// A nil reply prints as [] through fmt; tell it apart.
				if v != nil || err != nil {
					t.Errorf("Do(%q) = %s, want nil", tt.args, got)
				}
				return
			}
			if got != tt.want {
				t.Errorf("Do(%q) = %s, want %s", tt.args, got, tt.want)
			}
		})
	}
}

// TestEngine_TryRead_callerOwnsEntries checks the ownership contract of
// TryRead and Range: changing, or appending to, what they return changes
// neither the stream nor the neighbouring entries.
func TestEngine_TryRead_callerOwnsEntries(t *testing.T) {
	e := newEngine(t)
	rdAdd(t, e, "a", "1-1")
	rdAdd(t, e, "a", "2-1")
	res, err := e.TryRead(streams(instream.ReadStream{Key: "a"}))
	if err != nil || len(res) != 1 || len(res[0].Entries) != 2 {
		t.Fatalf("TryRead = %s, %v, want a:1-1,2-1", summary(res), err)
	}
	first := res[0].Entries[0]
	first.Fields[0].Value = "changed"
	_ = append(first.Fields, instream.Field{Name: "extra", Value: "x"})
	if got := res[0].Entries[1].Fields; len(got) != 1 || got[0] != (instream.Field{Name: "f", Value: "2-1"}) {
		t.Errorf("second entry after appending to the first = %v, want [{f 2-1}]", got)
	}
	ens, err := e.Range("a", instream.MinID, instream.MaxID, 0)
	if err != nil || len(ens) != 2 || ens[0].Fields[0].Value != "1-1" {
		t.Errorf("Range after changing TryRead's result = %v, %v, want 1-1 with f=1-1 first", ens, err)
	}
	checked(t, e)
}
