package resp

import (
	"strings"

	"github.com/instream/instream"
)

// WriteValue writes a reply the engine gives as Do's value, in the
// shape Redis gives the running command under the connection's protocol.
func (c *client) WriteValue(v any) {
	name, args := c.cmdName, c.cmdArgs
	w := c.w
	switch name {
	case "xadd":
		writeValue(w, v, false)
	case "xread", "xreadgroup":
		writeReadReply(w, v)
	case "xrange", "xrevrange", "xclaim", "xautoclaim":
		writeValue(w, v, true)
	case "xpending":
		writePending(w, v)
	case "xinfo", "xgroup":
		sub := ""
		if len(args) > 1 {
			sub = strings.ToLower(args[1])
		}
		switch {
		case sub == "help":
			writeStatuses(w, v)
		case name == "xinfo" && sub == "stream":
			writeInfoMap(w, v)
		case name == "xinfo":
			arr, _ := v.([]any)
			w.Array(len(arr))
			for _, m := range arr {
				writeInfoMap(w, m)
			}
		default:
			writeTop(w, v)
		}
	default:
		writeTop(w, v)
	}
}

// writeTop writes a reply whose top-level string is a status ("OK",
// TYPE's "stream").
func writeTop(w *Writer, v any) {
	if s, ok := v.(string); ok {
		w.Status(s)
		return
	}
	writeValue(w, v, false)
}

// writeValue writes v: strings as bulk strings, int64, arrays, and nil
// as a null (nullArray: a null array under RESP2, as for the fields of a
// deleted entry).
func writeValue(w *Writer, v any, nullArray bool) {
	switch x := v.(type) {
	case nil:
		if nullArray {
			w.NullArray()
		} else {
			w.Null()
		}
	case string:
		w.BulkString(x)
	case int64:
		w.Int(x)
	case int:
		w.Int(int64(x))
	case []any:
		w.Array(len(x))
		for _, e := range x {
			writeValue(w, e, nullArray)
		}
	case []string:
		w.Array(len(x))
		for _, e := range x {
			w.BulkString(e)
		}
	default:
		w.Error("ERR internal: unexpected reply type")
	}
}

// writeReadReply writes XREAD's and XREADGROUP's reply: a map of stream
// name to entries under RESP3, nil as a null array.
func writeReadReply(w *Writer, v any) {
	arr, ok := v.([]any)
	if !ok {
		writeValue(w, v, true)
		return
	}
	if w.Protocol() == 3 {
		w.Map(len(arr))
		for _, kv := range arr {
			pair, _ := kv.([]any)
			if len(pair) != 2 {
				w.Error("ERR internal: unexpected reply shape")
				continue
			}
			writeValue(w, pair[0], true)
			writeValue(w, pair[1], true)
		}
		return
	}
	writeValue(w, v, true)
}

// writePending writes XPENDING: the summary's consumer list is a null
// array when empty, its IDs null bulk strings.
func writePending(w *Writer, v any) {
	arr, ok := v.([]any)
	if !ok || len(arr) != 4 {
		writeValue(w, v, false)
		return
	}
	if _, isCount := arr[0].(int64); !isCount {
		writeValue(w, v, false)
		return
	}
	w.Array(4)
	writeValue(w, arr[0], false)
	writeValue(w, arr[1], false)
	writeValue(w, arr[2], false)
	writeValue(w, arr[3], true)
}

// writeStatuses writes a HELP reply: an array of simple strings.
func writeStatuses(w *Writer, v any) {
	arr, _ := v.([]any)
	w.Array(len(arr))
	for _, e := range arr {
		s, _ := e.(string)
		w.Status(s)
	}
}

// writeInfoMap writes an XINFO reply given as alternating names and
// values: a map under RESP3. The "groups" and "consumers" of XINFO
// STREAM FULL are arrays of such maps.
func writeInfoMap(w *Writer, v any) {
	arr, ok := v.([]any)
	if !ok || len(arr)%2 != 0 {
		writeValue(w, v, false)
		return
	}
	w.Map(len(arr) / 2)
	for i := 0; i < len(arr); i += 2 {
		writeValue(w, arr[i], false)
		key, _ := arr[i].(string)
		val := arr[i+1]
		if sub, ok := val.([]any); ok && (key == "groups" || key == "consumers") {
			w.Array(len(sub))
			for _, m := range sub {
				writeInfoMap(w, m)
			}
			continue
		}
		writeValue(w, val, false)
	}
}

// The client is the instream.ReplyWriter of the commands it runs: the
// replies that carry entries are encoded straight from the engine's
// results, with nothing boxed.

func (c *client) WriteID(id instream.ID) { c.w.ID(id) }

func (c *client) WriteEntries(ens []instream.Entry) { writeEntries(c.w, ens) }

func (c *client) WriteStreams(res []instream.StreamEntries) {
	c.streamsHeader(len(res))
	for _, se := range res {
		c.streamHeader(se.Key)
		writeEntries(c.w, se.Entries)
	}
}

func (c *client) WriteGroupEntries(res []instream.GroupEntries) {
	w := c.w
	c.streamsHeader(len(res))
	for _, ge := range res {
		c.streamHeader(ge.Key)
		w.Array(len(ge.Entries))
		for _, en := range ge.Entries {
			if en.Deleted {
				w.Array(2)
				w.ID(en.ID)
				w.NullArray()
				continue
			}
			writeEntry(w, en.Entry)
		}
	}
}

// streamsHeader starts a read reply of n streams: a map under RESP3.
func (c *client) streamsHeader(n int) {
	if c.w.Protocol() == 3 {
		c.w.Map(n)
		return
	}
	c.w.Array(n)
}

// streamHeader starts one stream of a read reply.
func (c *client) streamHeader(key string) {
	if c.w.Protocol() != 3 {
		c.w.Array(2)
	}
	c.w.BulkString(key)
}

// writeEntries writes entries as an array of [id, [name, value, ...]].
func writeEntries(w *Writer, ens []instream.Entry) {
	w.Array(len(ens))
	for _, en := range ens {
		writeEntry(w, en)
	}
}

func writeEntry(w *Writer, en instream.Entry) {
	w.Array(2)
	w.ID(en.ID)
	w.Array(2 * len(en.Fields))
	for _, f := range en.Fields {
		w.BulkString(f.Name)
		w.BulkString(f.Value)
	}
}

var _ instream.ReplyWriter = (*client)(nil)
