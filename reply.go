package instream

import "context"

// ReplyWriter receives the reply of a command run by [Engine.DoTo]. The
// commands that return many strings (XADD, XRANGE, XREVRANGE, XREAD,
// XREADGROUP) hand over their typed results, so a server can encode them
// without building Do's []any; every other reply comes through
// WriteValue, as Do returns it. DoTo calls exactly one method, once, and
// only when the command succeeds. The values passed are the caller's for
// the duration of the call only if it keeps them.
type ReplyWriter interface {
	// WriteID gets XADD's new ID, a bulk string in Do's reply.
	WriteID(id ID)
	// WriteEntries gets the entries of XRANGE and XREVRANGE: an array
	// of [id, [name, value, ...]].
	WriteEntries(ens []Entry)
	// WriteStreams gets a non-empty XREAD reply: an array of
	// [key, entries] (a map under RESP3).
	WriteStreams(res []StreamEntries)
	// WriteGroupEntries gets a non-empty XREADGROUP reply outside its
	// CLAIM mode: as WriteStreams, where a deleted entry of the history
	// is [id, nil] (a null array under RESP2). Replies in CLAIM mode come
	// through WriteValue.
	WriteGroupEntries(res []GroupEntries)
	// WriteValue gets every other reply, in Do's shape.
	WriteValue(v any)
}

// DoTo runs one Redis command as [Engine.Do] does and hands its reply to
// w instead of returning it; an error reply is returned, as by Do, and
// then w gets nothing. It is the server's path: the replies of the
// commands that read or add entries reach w typed, with no []any built.
func (e *Engine) DoTo(ctx context.Context, w ReplyWriter, args ...string) error {
	return doTo(e, ctx, w, args)
}

func doTo(e target, ctx context.Context, w ReplyWriter, args []string) error {
	cmd, emit, err := lookup(args)
	if err != nil {
		return err
	}
	if emit != nil {
		return replyError(emit(e, ctx, args, w))
	}
	v, err := cmd.run(e, ctx, args)
	if err != nil {
		return replyError(err)
	}
	w.WriteValue(v)
	return nil
}

// emitter runs a command that hands its reply to a ReplyWriter.
type emitter func(e target, ctx context.Context, args []string, w ReplyWriter) error

// emitters holds the commands whose replies reach a ReplyWriter typed;
// their entries in commands have no run function.
var emitters = map[string]emitter{
	"xadd":       doXAdd,
	"xrange":     doXRange,
	"xrevrange":  doXRevRange,
	"xread":      doXRead,
	"xreadgroup": doXReadGroup,
}

// anyReply is the ReplyWriter behind Do: it builds Do's reply.
type anyReply struct{ v any }

func (r *anyReply) WriteID(id ID)            { r.v = replyID(id) }
func (r *anyReply) WriteEntries(ens []Entry) { r.v = replyEntries(ens) }
func (r *anyReply) WriteValue(v any)         { r.v = v }

func (r *anyReply) WriteStreams(res []StreamEntries) {
	out := make([]any, len(res))
	for i, se := range res {
		out[i] = []any{se.Key, replyEntries(se.Entries)}
	}
	r.v = out
}

func (r *anyReply) WriteGroupEntries(res []GroupEntries) { r.v = replyGroupEntries(res) }
