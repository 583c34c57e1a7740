package instream

import (
	"context"
	"errors"
	"math"
	"strings"
)

// RedisError is an error reply from Do. Its Error method returns exactly
// the text Redis sends (without the leading '-'), for example
// "NOGROUP No such consumer group 'g' for key name 's'". When the reply
// stems from a typed-API error, Unwrap returns it, so errors.Is works.
type RedisError struct {
	Msg string // the reply text, such as "ERR syntax error"
	Err error  // the typed-API error behind the reply, or nil
}

func (e *RedisError) Error() string { return e.Msg }
func (e *RedisError) Unwrap() error { return e.Err }
func (e *RedisError) RedisError()   {} // go-redis's marker: redis.HasErrorPrefix and friends see it

// replyErr makes an error reply. A CR or LF in msg becomes a space, as in
// Redis, so that user-supplied names cannot break the reply line.
func replyErr(msg string) *RedisError {
	return &RedisError{Msg: strings.Map(func(r rune) rune {
		if r == '\r' || r == '\n' {
			return ' '
		}
		return r
	}, msg)}
}

// Error texts shared by several commands.
var (
	errSyntax       = replyErr("ERR syntax error")
	errNotInt       = replyErr("ERR value is not an integer or out of range")
	errInvalidID    = replyErr("ERR Invalid stream ID specified as stream command argument")
	errBadStart     = replyErr("ERR invalid start ID for the interval")
	errBadEnd       = replyErr("ERR invalid end ID for the interval")
	errNoSuchKey    = replyErr("ERR no such key")
	errEmptyCommand = replyErr("ERR empty command")
)

// replyOK is the "+OK" simple-string reply.
const replyOK = "OK"

// command is one entry of the command table.
type command struct {
	// arity is Redis's: n means exactly n arguments (the name included),
	// -n means at least n.
	arity int
	run   func(e target, ctx context.Context, args []string) (any, error)
}

// commands maps lower-case command names to their implementation.
var commands map[string]command

func init() {
	commands = map[string]command{
		"xadd":        {-5, doXAdd},
		"xrange":      {-4, doXRange},
		"xrevrange":   {-4, doXRevRange},
		"xlen":        {2, doXLen},
		"xdel":        {-3, doXDel},
		"xtrim":       {-4, doXTrim},
		"xsetid":      {-3, doXSetID},
		"xinfo":       {-2, doXInfo},
		"del":         {-2, doDel},
		"exists":      {-2, doExists},
		"type":        {2, doType},
		"xread":       {-4, doXRead},
		"xreadgroup":  {-7, doXReadGroup},
		"xgroup":      {-2, doXGroup},
		"xack":        {-4, doXAck},
		"xpending":    {-3, doXPending},
		"xclaim":      {-6, doXClaim},
		"xautoclaim":  {-6, doXAutoClaim},
		"xdelex":      {-5, doXDelEx},
		"xackdel":     {-6, doXAckDel},
		"xcfgset":     {-2, doXCfgSet},
		"xidmprecord": {5, doXIdmpRecord},
		"xnack":       {-7, doXNack},
	}
}

// Do runs one Redis command, given as Redis receives it (args[0] is the
// command name, in any case), and returns its reply in RESP2 shape:
// string for simple and bulk strings, int64 for integers, []any for
// arrays and nil for a null reply. An error reply is a *RedisError whose
// Error method returns Redis's exact text.
//
// Do is built on the typed API and is safe for concurrent use. ctx only
// matters to blocking commands (XREAD and XREADGROUP with BLOCK), which
// refuse a nil ctx.
func (e *Engine) Do(ctx context.Context, args ...string) (any, error) {
	return do(e, ctx, args)
}

// target is what a command runs on: the Engine, or the Tx of an Update
// (EXEC), whose Read and ReadGroup never wait.
type target interface {
	Add(key string, args AddArgs) (ID, error)
	Trim(key string, args TrimArgs) (int64, error)
	Range(key string, start, end ID, count int) ([]Entry, error)
	RevRange(key string, end, start ID, count int) ([]Entry, error)
	Len(key string) (int64, error)
	DeleteEntries(key string, ids ...ID) (int64, error)
	DeleteEntriesEx(key string, refs RefPolicy, ids ...ID) ([]DeleteResult, error)
	SetID(key string, args SetIDArgs) error
	Info(key string) (StreamInfo, error)
	InfoFull(key string, count int) (StreamFullInfo, error)
	TryRead(args ReadArgs) ([]StreamEntries, error)
	Read(ctx context.Context, args ReadArgs) ([]StreamEntries, error)
	TryReadGroup(args ReadGroupArgs) ([]GroupEntries, error)
	ReadGroup(ctx context.Context, args ReadGroupArgs) ([]GroupEntries, error)
	CreateGroup(key string, args GroupArgs) error
	SetGroupID(key string, args GroupArgs) error
	DestroyGroup(key, group string) (bool, error)
	CreateConsumer(key string, args ConsumerArgs) (bool, error)
	DeleteConsumer(key string, args ConsumerArgs) (int64, error)
	Groups(key string) ([]GroupInfo, error)
	Group(key, group string) (GroupInfo, error)
	Consumers(key, group string) ([]ConsumerInfo, error)
	Ack(key, group string, ids ...ID) (int64, error)
	AckDelete(key, group string, refs RefPolicy, ids ...ID) ([]DeleteResult, error)
	PendingSummary(key, group string) (PendingSummary, error)
	Pending(key string, args PendingArgs) ([]PendingEntry, error)
	Claim(key string, args ClaimArgs) ([]GroupEntry, error)
	AutoClaim(key string, args AutoClaimArgs) (AutoClaimResult, error)
	DeleteStreams(keys ...string) (int64, error)
	Exists(keys ...string) (int64, error)
	Type(key string) (string, error)
	SetConfig(key string, args ConfigArgs) error
	RecordIdempotency(key string, rec IdempotencyRecord) error
	Nack(key string, args NackArgs) (int64, error)
}

func do(e target, ctx context.Context, args []string) (any, error) {
	if len(args) == 0 {
		return nil, errEmptyCommand
	}
	name := strings.ToLower(args[0])
	cmd, ok := commands[name]
	if !ok {
		return nil, unknownCommand(args)
	}
	if (cmd.arity > 0 && len(args) != cmd.arity) || len(args) < -cmd.arity {
		return nil, wrongArity(name)
	}
	reply, err := cmd.run(e, ctx, args)
	if err != nil {
		var re *RedisError
		if !errors.As(err, &re) {
			err = genericReply(err)
		}
	}
	return reply, err
}

// genericReply turns a typed-API error that no command mapped into a
// reply: errors every command shares, else a plain ERR line.
func genericReply(err error) error {
	switch {
	case errors.Is(err, ErrClosed):
		return &RedisError{Msg: "ERR engine closed", Err: err}
	case errors.Is(err, ErrLogFailed):
		// Redis's text, with the cause where it puts strerror.
		cause := err
		if u, ok := err.(interface{ Unwrap() []error }); ok && len(u.Unwrap()) == 2 {
			cause = u.Unwrap()[1]
		}
		return replyErr("MISCONF Errors writing to the AOF file: " + cause.Error())
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	}
	return &RedisError{Msg: "ERR " + err.Error(), Err: err}
}

func wrongArity(name string) *RedisError {
	return replyErr("ERR wrong number of arguments for '" + name + "' command")
}

// unknownCommand builds Redis's reply to a command it does not know: the
// name and the first arguments, quoted, up to about 128 bytes, each up to
// its first NUL byte as Redis's C formatting prints it.
func unknownCommand(args []string) *RedisError {
	var b strings.Builder
	for _, a := range args[1:] {
		if b.Len() >= 128 {
			break
		}
		room := 128 - b.Len()
		if a = cstr(a); len(a) > room {
			a = a[:room]
		}
		b.WriteString("'" + a + "' ")
	}
	name := cstr128(args[0])
	return replyErr("ERR unknown command '" + name + "', with args beginning with: " + b.String())
}

// parseInt parses an integer argument as Redis does: strict signed 64-bit
// decimal, no '+', no spaces, no leading zeros.
func parseInt(s string) (int64, bool) {
	return parseStrictInt(s)
}

// parseIDArg parses an ID argument. In strict mode "-" and "+" are
// invalid; otherwise they mean MinID and MaxID. A missing sequence part
// becomes defSeq.
func parseIDArg(s string, strict bool, defSeq uint64) (ID, bool) {
	if !strict {
		switch s {
		case "-":
			return MinID, true
		case "+":
			return MaxID, true
		}
	}
	if s == "-" || s == "+" {
		return ID{}, false
	}
	return parseID(s, defSeq)
}

// parseRangeStart parses a range start that may be exclusive ("(id"):
// XRANGE, XREVRANGE, XPENDING and XAUTOCLAIM starts.
func parseRangeStart(s string) (ID, error) {
	if len(s) > 1 && s[0] == '(' {
		id, ok := parseIDArg(s[1:], true, 0)
		if !ok {
			return ID{}, errInvalidID
		}
		next, ok := id.Next()
		if !ok {
			return ID{}, errBadStart
		}
		return next, nil
	}
	id, ok := parseIDArg(s, false, 0)
	if !ok {
		return ID{}, errInvalidID
	}
	return id, nil
}

// parseRangeEnd parses a range end that may be exclusive ("(id").
func parseRangeEnd(s string) (ID, error) {
	if len(s) > 1 && s[0] == '(' {
		id, ok := parseIDArg(s[1:], true, math.MaxUint64)
		if !ok {
			return ID{}, errInvalidID
		}
		prev, ok := id.Prev()
		if !ok {
			return ID{}, errBadEnd
		}
		return prev, nil
	}
	id, ok := parseIDArg(s, false, math.MaxUint64)
	if !ok {
		return ID{}, errInvalidID
	}
	return id, nil
}

// replyID formats an ID as a bulk string reply.
func replyID(id ID) any { return id.String() }

// replyEntry formats an entry as [id, [name, value, ...]].
func replyEntry(en Entry) []any {
	fv := make([]any, 0, 2*len(en.Fields))
	for _, f := range en.Fields {
		fv = append(fv, f.Name, f.Value)
	}
	return []any{en.ID.String(), fv}
}

// replyEntries formats entries as an array of replyEntry. The pairs and
// the field lists of all entries share two backing arrays, and the IDs
// one buffer, so a reply costs few allocations beyond boxing each value.
func replyEntries(ens []Entry) []any {
	nf := 0
	for _, en := range ens {
		nf += 2 * len(en.Fields)
	}
	fvs := make([]any, 0, nf)
	pairs := make([]any, 2*len(ens))
	out := make([]any, len(ens))
	var ids strings.Builder
	ids.Grow(24 * len(ens))
	var num [41]byte
	for i, en := range ens {
		start := ids.Len()
		ids.Write(en.ID.AppendTo(num[:0]))
		from := len(fvs)
		for _, f := range en.Fields {
			fvs = append(fvs, f.Name, f.Value)
		}
		// A Builder never changes bytes it has written, so the substring
		// stays valid when later writes grow it.
		pair := pairs[2*i : 2*i+2 : 2*i+2]
		pair[0], pair[1] = ids.String()[start:], fvs[from:len(fvs):len(fvs)]
		out[i] = pair
	}
	return out
}

var _ target = (*Tx)(nil)
