package redisstreams

import (
	"fmt"
	"time"

	"github.com/instream/instream"
)

// Replies come from go-redis's Do, RESP2 or RESP3: strings, int64,
// []any, map[any]any (RESP3 maps) and nil. The decoders below turn them
// into the engine's types and fail, rather than guess, on any other
// shape, so that a reply is either decoded whole or not at all.

// errReply is returned for a reply of an unexpected shape.
func errReply(what string, v any) error {
	return fmt.Errorf("%w for %s: %T", ErrBadReply, what, v)
}

func asInt(v any) (int64, bool) {
	n, ok := v.(int64)
	return n, ok
}

func asString(v any) (string, bool) {
	s, ok := v.(string)
	return s, ok
}

func asID(v any) (instream.ID, error) {
	s, ok := v.(string)
	if !ok {
		return instream.ID{}, errReply("an ID", v)
	}
	id, err := instream.ParseID(s)
	if err != nil {
		return instream.ID{}, fmt.Errorf("%w: %w", ErrBadReply, err)
	}
	return id, nil
}

// asArray accepts an array reply; a null reply is an empty array.
func asArray(v any) ([]any, bool) {
	switch a := v.(type) {
	case []any:
		return a, true
	case nil:
		return nil, true
	}
	return nil, false
}

// asMap turns a RESP3 map, or a RESP2 array of name/value pairs, into a
// map by name.
func asMap(v any) (map[string]any, bool) {
	switch m := v.(type) {
	case map[any]any:
		out := make(map[string]any, len(m))
		for k, val := range m {
			name, ok := k.(string)
			if !ok {
				return nil, false
			}
			out[name] = val
		}
		return out, true
	case map[string]any:
		return m, true
	case []any:
		if len(m)%2 != 0 {
			return nil, false
		}
		out := make(map[string]any, len(m)/2)
		for i := 0; i < len(m); i += 2 {
			name, ok := m[i].(string)
			if !ok {
				return nil, false
			}
			out[name] = m[i+1]
		}
		return out, true
	}
	return nil, false
}

// decodeFields turns a flat name/value array into fields, in order.
func decodeFields(v any) ([]instream.Field, error) {
	a, ok := v.([]any)
	if !ok || len(a)%2 != 0 {
		return nil, errReply("entry fields", v)
	}
	out := make([]instream.Field, len(a)/2)
	for i := range out {
		name, ok1 := a[2*i].(string)
		value, ok2 := a[2*i+1].(string)
		if !ok1 || !ok2 {
			return nil, errReply("entry fields", v)
		}
		out[i] = instream.Field{Name: name, Value: value}
	}
	return out, nil
}

// decodeEntry decodes [id, fields]; a nil fields part (an entry gone from
// a history read) gives nil Fields and gone true.
func decodeEntry(v any) (en instream.Entry, gone bool, err error) {
	a, ok := v.([]any)
	if !ok || len(a) < 2 {
		return en, false, errReply("an entry", v)
	}
	if en.ID, err = asID(a[0]); err != nil {
		return en, false, err
	}
	if a[1] == nil {
		return en, true, nil
	}
	en.Fields, err = decodeFields(a[1])
	return en, false, err
}

// decodeEntries decodes an array of entries into a non-nil slice.
func decodeEntries(v any) ([]instream.Entry, error) {
	a, ok := asArray(v)
	if !ok {
		return nil, errReply("entries", v)
	}
	out := make([]instream.Entry, 0, len(a))
	for _, x := range a {
		en, gone, err := decodeEntry(x)
		if err != nil {
			return nil, err
		}
		if gone {
			continue // XCLAIM of an entry deleted meanwhile, before Redis 7
		}
		out = append(out, en)
	}
	return out, nil
}

// decodeIDs decodes an array of IDs into a non-nil slice.
func decodeIDs(v any) ([]instream.ID, error) {
	a, ok := asArray(v)
	if !ok {
		return nil, errReply("IDs", v)
	}
	out := make([]instream.ID, len(a))
	for i, x := range a {
		id, err := asID(x)
		if err != nil {
			return nil, err
		}
		out[i] = id
	}
	return out, nil
}

// keyedReply splits the reply of XREAD or XREADGROUP, an array of [key,
// entries] in RESP2 and a map of key to entries in RESP3, into its parts
// in the order of keys (the call's streams). A RESP3 map has lost the
// order, and a key given twice in one call appears once.
func keyedReply(v any, keys []string) ([]string, []any, error) {
	switch r := v.(type) {
	case nil:
		return nil, nil, nil
	case []any:
		outKeys := make([]string, len(r))
		parts := make([]any, len(r))
		for i, x := range r {
			kv, ok := x.([]any)
			if !ok || len(kv) != 2 {
				return nil, nil, errReply("a stream of a read", x)
			}
			k, ok := kv[0].(string)
			if !ok {
				return nil, nil, errReply("a stream name", kv[0])
			}
			outKeys[i], parts[i] = k, kv[1]
		}
		return outKeys, parts, nil
	case map[any]any:
		var outKeys []string
		var parts []any
		seen := map[string]bool{}
		for _, k := range keys {
			if p, ok := r[k]; ok && !seen[k] {
				seen[k] = true
				outKeys, parts = append(outKeys, k), append(parts, p)
			}
		}
		if len(outKeys) != len(r) {
			return nil, nil, errReply("a read", v)
		}
		return outKeys, parts, nil
	}
	return nil, nil, errReply("a read", v)
}

// idOrZero decodes an ID that Redis may report as nil.
func idOrZero(v any) (instream.ID, error) {
	if v == nil {
		return instream.ID{}, nil
	}
	return asID(v)
}

func ms(d time.Duration) int64 { return d.Milliseconds() }

func msDuration(n int64) time.Duration { return time.Duration(n) * time.Millisecond }
