package instream

import (
	"context"
	"errors"
	"math"
	"strings"
	"time"
)

// Error texts of the commands in this file, as Redis words them.
var (
	errTrimBoth          = replyErr("ERR syntax error, MAXLEN and MINID options at the same time are not compatible")
	errMaxLenNegative    = replyErr("ERR The MAXLEN argument must be >= 0.")
	errLimitNegative     = replyErr("ERR The LIMIT argument must be >= 0.")
	errLimitNoStrategy   = replyErr("ERR syntax error, LIMIT cannot be used without specifying a trimming strategy")
	errTrimNoStrategy    = replyErr("ERR syntax error, XTRIM must be called with a trimming strategy")
	errLimitNoApprox     = replyErr("ERR syntax error, LIMIT cannot be used without the special ~ option")
	errAddZeroID         = replyErr("ERR The ID specified in XADD must be greater than 0-0")
	errEntriesAddedNeg   = replyErr("ERR entries_added must be positive")
	errSetIDBelowGivenMD = replyErr("ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id")
)

// Replies that stem from typed-API errors keep the error in Err, so these
// are built per call by mapStreamErr.
const (
	msgIDExhausted       = "ERR The stream has exhausted the last possible ID, unable to add more items"
	msgIDTooSmall        = "ERR The ID specified in XADD is equal or smaller than the target stream top item"
	msgTooLarge          = "ERR Elements are too large to be stored"
	msgSetIDBelowMaxDel  = "ERR The ID specified in XSETID is smaller than current max_deleted_entry_id"
	msgSetIDBelowTop     = "ERR The ID specified in XSETID is smaller than the target stream top item"
	msgEntriesAddedSmall = "ERR The entries_added specified in XSETID is smaller than the target stream length"
)

// mapStreamErr turns a typed-API error into Redis's reply, keeping err
// reachable through errors.Is. Errors it does not know go to Do's generic
// mapping unchanged.
func mapStreamErr(err error) error {
	var msg string
	switch {
	case errors.Is(err, ErrNoStream):
		msg = errNoSuchKey.Msg
	case errors.Is(err, ErrIDExhausted):
		msg = msgIDExhausted
	case errors.Is(err, ErrIDTooSmall):
		msg = msgIDTooSmall
	case errors.Is(err, ErrTooLarge):
		msg = msgTooLarge
	case errors.Is(err, ErrSetIDBelowMaxDeleted):
		msg = msgSetIDBelowMaxDel
	case errors.Is(err, ErrSetIDTooSmall):
		msg = msgSetIDBelowTop
	case errors.Is(err, ErrEntriesAddedTooSmall):
		msg = msgEntriesAddedSmall
	default:
		return err
	}
	return &RedisError{Msg: msg, Err: err}
}

// trimOptions is what the option loop shared by XADD and XTRIM found.
type trimOptions struct {
	trim       TrimArgs
	noMkStream bool

	// XADD only: the ID argument.
	id      ID
	autoSeq bool // "ms-*"
	idGiven bool // false for "*"
	idPos   int  // index of the ID in args; len(args) if there is none

	// XADD only: IDMP producer iid, or IDMPAUTO producer.
	idmpGiven     bool
	autoIID       bool
	producer, iid string
}

// parseTrimOptions runs Redis's XADD/XTRIM option loop over args[i:]. For
// XADD the loop ends at the ID, which is parsed too; for XTRIM every
// argument must be an option. Then come the checks that need the whole
// option set, in Redis's order.
//
// KEEPREF, DELREF and ACKED (8.2) may appear anywhere among the options;
// giving a second one, even the same again, is a syntax error, as it is
// for XDELEX and XACKDEL.
func parseTrimOptions(args []string, i int, xadd bool) (trimOptions, error) {
	var o trimOptions
	var limit int64
	limitGiven, refGiven := false, false
	o.idPos = len(args)
loop:
	for ; i < len(args); i++ {
		more := len(args) - 1 - i
		opt := args[i]
		switch {
		case xadd && opt == "*":
			o.idPos = i
			break loop
		case more > 0 && (strings.EqualFold(opt, "maxlen") || strings.EqualFold(opt, "minid")):
			if o.trim.Strategy != NoTrim {
				return o, errTrimBoth
			}
			o.trim.Approx = false
			// "~" or "=" is the operator only when a threshold follows it.
			if next := args[i+1]; more >= 2 && (next == "~" || next == "=") {
				o.trim.Approx = next == "~"
				i++
			}
			i++
			if strings.EqualFold(opt, "maxlen") {
				n, ok := parseInt(args[i])
				if !ok {
					return o, errNotInt
				}
				if n < 0 {
					return o, errMaxLenNegative
				}
				o.trim.Strategy, o.trim.MaxLen = TrimMaxLen, n
			} else {
				id, ok := parseIDArg(args[i], true, 0)
				if !ok {
					return o, errInvalidID
				}
				o.trim.Strategy, o.trim.MinID = TrimMinID, id
			}
		case more > 0 && strings.EqualFold(opt, "limit"):
			n, ok := parseInt(args[i+1])
			if !ok {
				return o, errNotInt
			}
			if n < 0 {
				return o, errLimitNegative
			}
			limit, limitGiven = n, true
			i++
		case xadd && strings.EqualFold(opt, "nomkstream"):
			o.noMkStream = true
		case xadd && more >= 2 && strings.EqualFold(opt, "idmp"),
			xadd && more >= 1 && strings.EqualFold(opt, "idmpauto"):
			// Whatever follows is the producer and idempotency ID, even
			// "*" or a keyword.
			var err error
			if i, err = o.parseIDMP(args, i, len(opt) == len("idmpauto")); err != nil {
				return o, err
			}
		case strings.EqualFold(opt, "keepref"), strings.EqualFold(opt, "delref"), strings.EqualFold(opt, "acked"):
			if refGiven {
				return o, errSyntax
			}
			refGiven = true
			switch strings.ToLower(opt) {
			case "keepref":
				o.trim.Refs = KeepRef
			case "delref":
				o.trim.Refs = DelRef
			default:
				o.trim.Refs = Acked
			}
		case xadd:
			if err := o.parseAddID(opt); err != nil {
				return o, err
			}
			o.idPos = i
			break loop
		default:
			return o, errSyntax
		}
	}
	if o.idmpGiven && o.idGiven {
		return o, errIDMPExplicitID
	}
	switch {
	case limit != 0 && o.trim.Strategy == NoTrim:
		return o, errLimitNoStrategy
	case !xadd && o.trim.Strategy == NoTrim:
		return o, errTrimNoStrategy
	case limitGiven && !o.trim.Approx:
		return o, errLimitNoApprox
	case limitGiven && limit == 0:
		o.trim.Limit = -1 // an explicit LIMIT 0 means no bound
	case limitGiven:
		o.trim.Limit = limit
	}
	return o, nil
}

// parseAddID parses XADD's ID argument: an explicit ID, or "ms-*". The
// lone "*" never gets here.
func (o *trimOptions) parseAddID(s string) error {
	o.idGiven = true
	if len(s) > maxIDLen {
		return errInvalidID
	}
	if ms, ok := strings.CutSuffix(s, "-*"); ok && strings.IndexByte(ms, '-') < 0 {
		// Only the sequence may be "*"; the millisecond part parses as
		// any ID part does (so " 5-*" is 5-*).
		id, ok := parseIDArg(ms, true, 0)
		if !ok {
			return errInvalidID
		}
		o.id, o.autoSeq = id, true
		return nil
	}
	id, ok := parseIDArg(s, true, 0)
	if !ok {
		return errInvalidID
	}
	o.id = id
	return nil
}

// doXAdd: XADD key [NOMKSTREAM] [KEEPREF|DELREF|ACKED]
// [IDMPAUTO producer | IDMP producer iid]
// [MAXLEN|MINID [=|~] threshold [LIMIT count]] *|id field value [...]
func doXAdd(e target, _ context.Context, args []string, w ReplyWriter) error {
	o, err := parseTrimOptions(args, 2, true)
	if err != nil {
		return err
	}
	pairs := args[min(o.idPos+1, len(args)):]
	if len(pairs) == 0 || len(pairs)%2 != 0 {
		return wrongArity("xadd")
	}
	// Redis rejects an explicit 0-0 before it looks the key up, so no
	// empty stream is created, even with NOMKSTREAM.
	if o.idGiven && !o.autoSeq && o.id.IsZero() {
		return errAddZeroID
	}
	if o.trim.Strategy == NoTrim {
		o.trim.Refs = KeepRef // without a trim, the policy changes nothing
	}
	fields := make([]Field, len(pairs)/2)
	for j := range fields {
		fields[j] = Field{Name: pairs[2*j], Value: pairs[2*j+1]}
	}
	id, err := e.Add(args[1], AddArgs{
		ID:              o.id,
		AutoSeq:         o.autoSeq,
		Fields:          fields,
		NoMkStream:      o.noMkStream,
		Trim:            o.trim,
		Producer:        o.producer,
		IdempotencyID:   o.iid,
		AutoIdempotency: o.autoIID,
	})
	if err != nil {
		if o.noMkStream && errors.Is(err, ErrNoStream) {
			w.WriteValue(nil)
			return nil
		}
		return mapIDMPErr(err)
	}
	w.WriteID(id)
	return nil
}

// doXRange: XRANGE key start end [COUNT count]
func doXRange(e target, _ context.Context, args []string, w ReplyWriter) error {
	return xrange(e, args, false, w)
}

// doXRevRange: XREVRANGE key end start [COUNT count]
func doXRevRange(e target, _ context.Context, args []string, w ReplyWriter) error {
	return xrange(e, args, true, w)
}

func xrange(e target, args []string, rev bool, w ReplyWriter) error {
	key, startArg, endArg := args[1], args[2], args[3]
	if rev {
		startArg, endArg = endArg, startArg
	}
	// The start bound is parsed first, also for XREVRANGE where it is the
	// second argument.
	start, err := parseRangeStart(startArg)
	if err != nil {
		return err
	}
	end, err := parseRangeEnd(endArg)
	if err != nil {
		return err
	}
	count := int64(-1) // no COUNT (-1 stays apart from COUNT 0 below)
	for i := 4; i < len(args); i++ {
		if !strings.EqualFold(args[i], "count") || i+1 == len(args) {
			return errSyntax
		}
		n, ok := parseInt(args[i+1])
		if !ok {
			return errNotInt
		}
		count = max(n, 0)
		i++
	}
	if count == 0 {
		// COUNT 0 answers a nil array on an existing key, an empty array
		// on a missing one.
		n, err := e.Exists(key)
		if err != nil {
			return err
		}
		if n > 0 {
			w.WriteValue(nil)
			return nil
		}
		w.WriteValue([]any{})
		return nil
	}
	if end.Less(start) {
		// An empty range; the typed API calls it an error.
		if _, err := e.Len(key); err != nil {
			return err
		}
		w.WriteValue([]any{})
		return nil
	}
	var ens []Entry
	c := int(min(max(count, 0), math.MaxInt)) // 0: no COUNT
	if rev {
		ens, err = e.RevRange(key, end, start, c)
	} else {
		ens, err = e.Range(key, start, end, c)
	}
	if err != nil {
		return err
	}
	w.WriteEntries(ens)
	return nil
}

// doXLen: XLEN key
func doXLen(e target, _ context.Context, args []string) (any, error) {
	return intReply(e.Len(args[1]))
}

// doXDel: XDEL key id [id ...]
func doXDel(e target, _ context.Context, args []string) (any, error) {
	ids := make([]ID, 0, len(args)-2)
	for _, a := range args[2:] {
		id, ok := parseIDArg(a, true, 0)
		if !ok {
			// Redis looks the key up before it parses the IDs: a missing
			// key answers 0 whatever the IDs are.
			n, err := e.Exists(args[1])
			if err != nil {
				return nil, err
			}
			if n == 0 {
				return int64(0), nil
			}
			return nil, errInvalidID
		}
		ids = append(ids, id)
	}
	return intReply(e.DeleteEntries(args[1], ids...))
}

// doXTrim: XTRIM key MAXLEN|MINID [=|~] threshold [LIMIT count]
// [KEEPREF|DELREF|ACKED]
func doXTrim(e target, _ context.Context, args []string) (any, error) {
	o, err := parseTrimOptions(args, 2, false)
	if err != nil {
		return nil, err
	}
	n, err := e.Trim(args[1], o.trim)
	if err != nil {
		return nil, mapStreamErr(err)
	}
	return n, nil
}

// doXSetID: XSETID key last-id [ENTRIESADDED n] [MAXDELETEDID id]
func doXSetID(e target, _ context.Context, args []string) (any, error) {
	var sa SetIDArgs
	var ok bool
	if sa.LastID, ok = parseIDArg(args[2], true, 0); !ok {
		return nil, errInvalidID
	}
	for i := 3; i < len(args); i++ {
		more := len(args) - 1 - i
		switch {
		case more > 0 && strings.EqualFold(args[i], "entriesadded"):
			n, ok := parseInt(args[i+1])
			if !ok {
				return nil, errNotInt
			}
			if n < 0 {
				return nil, errEntriesAddedNeg
			}
			sa.EntriesAdded = &n
			i++
		case more > 0 && strings.EqualFold(args[i], "maxdeletedid"):
			id, ok := parseIDArg(args[i+1], true, 0)
			if !ok {
				return nil, errInvalidID
			}
			if sa.LastID.Less(id) {
				return nil, errSetIDBelowGivenMD
			}
			sa.MaxDeletedID = id
			i++
		default:
			return nil, errSyntax
		}
	}
	if err := e.SetID(args[1], sa); err != nil {
		return nil, mapStreamErr(err)
	}
	return replyOK, nil
}

// xinfoHelp is XINFO HELP's reply (the newer "Print this help." footer).
var xinfoHelp = []string{
	"XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
	"CONSUMERS <key> <groupname>",
	"    Show consumers of <groupname>.",
	"GROUPS <key>",
	"    Show the stream consumer groups.",
	"STREAM <key> [FULL [COUNT <count>]",
	"    Show information about the stream.",
	"HELP",
	"    Print this help.",
}

// unknownSubcommand is the reply to an unknown XINFO or XGROUP subcommand.
func unknownSubcommand(sub, container string) *RedisError {
	return replyErr("ERR unknown subcommand '" + cstr128(sub) + "'. Try " + container + " HELP.")
}

// subcommandSyntax is the reply to bad options inside a subcommand; sub
// keeps the case the user typed.
func subcommandSyntax(sub, container string) *RedisError {
	return replyErr("ERR unknown subcommand or wrong number of arguments for '" + cstr128(sub) + "'. Try " + container + " HELP.")
}

// cstr128 is s as Redis's "%.128s" prints it: up to its first NUL byte,
// and at most 128 bytes.
func cstr128(s string) string {
	s = cstr(s)
	if len(s) > 128 {
		s = s[:128]
	}
	return s
}

// helpReply is the reply to a HELP subcommand.
func helpReply(lines []string) []any {
	out := make([]any, len(lines))
	for i, l := range lines {
		out[i] = l
	}
	return out
}

// xinfoArity holds the arity of each XINFO subcommand, as Redis's
// command table does.
var xinfoArity = map[string]int{"help": 2, "stream": -3, "groups": 3, "consumers": 4}

// doXInfo: XINFO STREAM|GROUPS|CONSUMERS|HELP ...
func doXInfo(e target, _ context.Context, args []string) (any, error) {
	sub := strings.ToLower(args[1])
	a, ok := xinfoArity[sub]
	if !ok {
		return nil, unknownSubcommand(args[1], "XINFO")
	}
	if (a > 0 && len(args) != a) || len(args) < -a {
		return nil, wrongArity("xinfo|" + sub)
	}
	switch sub {
	case "help":
		return helpReply(xinfoHelp), nil
	case "groups":
		return doXInfoGroups(e, args)
	case "consumers":
		return doXInfoConsumers(e, args)
	}
	key := args[2]
	if len(args) == 3 {
		info, err := e.Info(key)
		if err != nil {
			return nil, mapStreamErr(err)
		}
		return replyStreamInfo(info), nil
	}
	// The key is looked up before the options are parsed.
	if n, err := e.Exists(key); err != nil {
		return nil, err
	} else if n == 0 {
		return nil, errNoSuchKey
	}
	if !strings.EqualFold(args[3], "full") || len(args) == 5 || len(args) > 6 ||
		(len(args) == 6 && !strings.EqualFold(args[4], "count")) {
		return nil, subcommandSyntax(args[1], "XINFO")
	}
	count := int64(10)
	if len(args) == 6 {
		n, ok := parseInt(args[5])
		if !ok {
			return nil, errNotInt
		}
		if n >= 0 {
			count = n
		}
	}
	return doXInfoStreamFull(e, key, int(min(count, math.MaxInt)))
}

// replyStreamInfo formats XINFO STREAM's sixteen name/value pairs.
func replyStreamInfo(info StreamInfo) []any {
	entry := func(en *Entry) any {
		if en == nil {
			return nil
		}
		return replyEntry(*en)
	}
	return append(replyStreamCounters(info),
		"groups", info.Groups,
		"first-entry", entry(info.FirstEntry),
		"last-entry", entry(info.LastEntry),
	)
}

// replyStreamCounters formats the first thirteen name/value pairs of
// XINFO STREAM, which its FULL form shares: the stream's counters, then
// Redis 8.6's six idempotency fields. The result has room for three more
// pairs.
func replyStreamCounters(info StreamInfo) []any {
	return append(make([]any, 0, 32),
		"length", info.Length,
		"radix-tree-keys", info.Nodes,
		"radix-tree-nodes", raxNodes(info.Nodes),
		"last-generated-id", replyID(info.LastGeneratedID),
		"max-deleted-entry-id", replyID(info.MaxDeletedEntryID),
		"entries-added", info.EntriesAdded,
		"recorded-first-entry-id", replyID(info.RecordedFirstEntryID),
		"idmp-duration", int64(info.IdempotencyDuration/time.Second),
		"idmp-maxsize", info.IdempotencyMaxSize,
		"pids-tracked", info.Producers,
		"iids-tracked", info.IdempotencyIDs,
		"iids-added", info.IdempotentAdds,
		"iids-duplicates", info.Duplicates,
	)
}

// raxNodes estimates Redis's radix-tree-nodes, the node count of the rax
// that indexes a stream's storage nodes, from the number of storage
// nodes. We have no rax, so this is a plausible stand-in: 1 when empty, 2
// for one storage node and 2n+2 beyond, which is what Redis 7.0 reports
// for streams whose IDs share the same millisecond prefix length (checked
// for 1 to 50 nodes). Other workloads give other counts in Redis.
func raxNodes(nodes int64) int64 {
	switch {
	case nodes <= 0:
		return 1
	case nodes == 1:
		return 2
	}
	return 2*nodes + 2
}

// doDel: DEL key [key ...]
func doDel(e target, _ context.Context, args []string) (any, error) {
	return intReply(e.DeleteStreams(args[1:]...))
}

// doExists: EXISTS key [key ...]
func doExists(e target, _ context.Context, args []string) (any, error) {
	return intReply(e.Exists(args[1:]...))
}

// doType: TYPE key
func doType(e target, _ context.Context, args []string) (any, error) {
	t, err := e.Type(args[1])
	if err != nil {
		return nil, err
	}
	return t, nil
}

// intReply turns a typed-API count into an integer reply.
func intReply(n int64, err error) (any, error) {
	if err != nil {
		return nil, err
	}
	return n, nil
}
