package redisstreams

import (
	"strconv"

	"github.com/instream/instream"
)

// Each typed call is built into the command the engine's Do accepts for
// it by one function named after the command (xaddArgs, ...), next to
// the method that sends it. The checks the engine makes before looking at
// any stream are made here too, through the Validate methods of the
// argument types (argcheck.go has the few checks of plain arguments), so
// that the same bad arguments give the same errors without a round trip.

// needRefs checks that the server knows reference policies other than
// the default (Redis 8.2).
func (c *Client) needRefs(refs instream.RefPolicy) error {
	if refs == instream.KeepRef {
		return nil
	}
	return c.need(refsWord(refs), 8, 2)
}

// needAdd checks that the server knows what an add asks: reference
// policies (Redis 8.2) and idempotency (8.6).
func (c *Client) needAdd(a instream.AddArgs) error {
	if a.Producer != "" {
		if err := c.need("XADD IDMP", 8, 6); err != nil {
			return err
		}
	}
	return c.needRefs(a.Trim.Refs)
}

func refsWord(r instream.RefPolicy) string {
	switch r {
	case instream.DelRef:
		return "DELREF"
	case instream.Acked:
		return "ACKED"
	}
	return "KEEPREF"
}

// appendTrim appends the trim options of XADD and XTRIM.
func appendTrim(args []any, t instream.TrimArgs) []any {
	op := "="
	if t.Approx {
		op = "~"
	}
	switch t.Strategy {
	case instream.TrimMaxLen:
		args = append(args, "MAXLEN", op, t.MaxLen)
	case instream.TrimMinID:
		args = append(args, "MINID", op, t.MinID.String())
	default:
		return args
	}
	if t.Approx && t.Limit != 0 {
		args = append(args, "LIMIT", max(t.Limit, 0)) // LIMIT 0: no bound
	}
	if t.Refs != instream.KeepRef {
		args = append(args, refsWord(t.Refs))
	}
	return args
}

// trimArgsLen is the number of arguments appendTrim appends, at most.
func trimArgsLen(t instream.TrimArgs) int {
	if t.Strategy == instream.NoTrim {
		return 0
	}
	return 6
}

func xaddArgs(key string, a instream.AddArgs) []any {
	args := make([]any, 0, 7+trimArgsLen(a.Trim)+2*len(a.Fields))
	args = append(args, "XADD", key)
	if a.NoMkStream {
		args = append(args, "NOMKSTREAM")
	}
	switch {
	case a.Producer != "" && a.AutoIdempotency:
		args = append(args, "IDMPAUTO", a.Producer)
	case a.Producer != "":
		args = append(args, "IDMP", a.Producer, a.IdempotencyID)
	}
	args = appendTrim(args, a.Trim)
	switch {
	case a.AutoSeq:
		args = append(args, strconv.FormatUint(a.ID.Ms, 10)+"-*")
	case a.ID.IsZero():
		args = append(args, "*")
	default:
		args = append(args, a.ID.String())
	}
	for _, f := range a.Fields {
		args = append(args, f.Name, f.Value)
	}
	return args
}

// Add is [instream.Engine.Add] over XADD.
func (c *Client) Add(key string, args instream.AddArgs) (instream.ID, error) {
	id, err := c.add(key, args)
	if err != nil {
		err = wrap(err, "add to %q", key)
	}
	return id, err
}

func (c *Client) add(key string, args instream.AddArgs) (instream.ID, error) {
	if c.closed() {
		return instream.ID{}, instream.ErrClosed
	}
	if err := args.Validate(); err != nil {
		return instream.ID{}, err
	}
	if err := c.needAdd(args); err != nil {
		return instream.ID{}, err
	}
	v, err := c.do(bg, xaddArgs(key, args)...)
	if err != nil {
		return instream.ID{}, err
	}
	if v == nil { // NOMKSTREAM on a missing stream
		return instream.ID{}, instream.ErrNoStream
	}
	return asID(v)
}

// Range is [instream.Engine.Range] over XRANGE.
func (c *Client) Range(key string, start, end instream.ID, count int) ([]instream.Entry, error) {
	ens, err := c.xrange("XRANGE", key, start, end, count)
	if err != nil {
		err = wrap(err, "range of %q", key)
	}
	return ens, err
}

// RevRange is [instream.Engine.RevRange] over XREVRANGE.
func (c *Client) RevRange(key string, end, start instream.ID, count int) ([]instream.Entry, error) {
	ens, err := c.xrange("XREVRANGE", key, end, start, count)
	if err != nil {
		err = wrap(err, "reverse range of %q", key)
	}
	return ens, err
}

// xrange sends XRANGE or XREVRANGE, whose bounds come in the order of
// the command: from is XREVRANGE's end.
func (c *Client) xrange(cmd, key string, from, to instream.ID, count int) ([]instream.Entry, error) {
	if c.closed() {
		return nil, instream.ErrClosed
	}
	start, end := from, to
	if cmd == "XREVRANGE" {
		start, end = to, from
	}
	if err := checkRange(start, end, count); err != nil {
		return nil, err
	}
	args := []any{cmd, key, from.String(), to.String()}
	if count > 0 {
		args = append(args, "COUNT", count)
	}
	v, err := c.do(bg, args...)
	if err != nil {
		return nil, err
	}
	return decodeEntries(v)
}

// Len is [instream.Engine.Len] over XLEN.
func (c *Client) Len(key string) (int64, error) {
	v, err := c.do(bg, "XLEN", key)
	if err != nil {
		return 0, wrap(err, "length of %q", key)
	}
	return intReply("XLEN", v)
}

func intReply(what string, v any) (int64, error) {
	n, ok := asInt(v)
	if !ok {
		return 0, errReply(what, v)
	}
	return n, nil
}

func appendIDs(args []any, ids []instream.ID) []any {
	for _, id := range ids {
		args = append(args, id.String())
	}
	return args
}

// DeleteEntries is [instream.Engine.DeleteEntries] over XDEL.
func (c *Client) DeleteEntries(key string, ids ...instream.ID) (int64, error) {
	if c.closed() {
		return 0, instream.ErrClosed
	}
	if len(ids) == 0 {
		return 0, wrap(invalid("no IDs"), "delete entries of %q", key)
	}
	v, err := c.do(bg, appendIDs([]any{"XDEL", key}, ids)...)
	if err != nil {
		return 0, wrap(err, "delete entries of %q", key)
	}
	return intReply("XDEL", v)
}

// Trim is [instream.Engine.Trim] over XTRIM.
func (c *Client) Trim(key string, args instream.TrimArgs) (int64, error) {
	n, err := c.trim(key, args)
	if err != nil {
		err = wrap(err, "trim %q", key)
	}
	return n, err
}

func (c *Client) trim(key string, args instream.TrimArgs) (int64, error) {
	if c.closed() {
		return 0, instream.ErrClosed
	}
	if err := args.Validate(); err != nil {
		return 0, err
	}
	if args.Strategy == instream.NoTrim {
		return 0, invalid("Strategy is NoTrim")
	}
	if err := c.needRefs(args.Refs); err != nil {
		return 0, err
	}
	v, err := c.do(bg, appendTrim([]any{"XTRIM", key}, args)...)
	if err != nil {
		return 0, err
	}
	return intReply("XTRIM", v)
}

func xsetidArgs(key string, a instream.SetIDArgs) []any {
	args := []any{"XSETID", key, a.LastID.String()}
	if a.EntriesAdded != nil {
		args = append(args, "ENTRIESADDED", *a.EntriesAdded)
	}
	if !a.MaxDeletedID.IsZero() {
		args = append(args, "MAXDELETEDID", a.MaxDeletedID.String())
	}
	return args
}

// SetID is [instream.Engine.SetID] over XSETID.
func (c *Client) SetID(key string, args instream.SetIDArgs) error {
	err := c.setID(key, args)
	if err != nil {
		err = wrap(err, "set id of %q", key)
	}
	return err
}

func (c *Client) setID(key string, args instream.SetIDArgs) error {
	if c.closed() {
		return instream.ErrClosed
	}
	if err := args.Validate(); err != nil {
		return err
	}
	_, err := c.do(bg, xsetidArgs(key, args)...)
	return err
}

// DeleteStreams is [instream.Engine.DeleteStreams] over DEL. Several keys
// are deleted by one pipelined DEL each, so that keys in different
// cluster slots work; the call is then not atomic.
func (c *Client) DeleteStreams(keys ...string) (int64, error) {
	n, err := c.countKeys("DEL", keys)
	if len(keys) == 0 && err == nil {
		err = wrap(invalid("no keys"), "delete streams")
	}
	return n, err
}

// Exists is [instream.Engine.Exists] over EXISTS, one per key as
// DeleteStreams.
func (c *Client) Exists(keys ...string) (int64, error) {
	n, err := c.countKeys("EXISTS", keys)
	if len(keys) == 0 && err == nil {
		err = wrap(invalid("no keys"), "exists")
	}
	return n, err
}

func (c *Client) countKeys(cmd string, keys []string) (int64, error) {
	if c.closed() {
		return 0, instream.ErrClosed
	}
	switch len(keys) {
	case 0:
		return 0, nil
	case 1:
		v, err := c.do(bg, cmd, keys[0])
		if err != nil {
			return 0, wrap(err, "%s %q", cmd, keys[0])
		}
		return intReply(cmd, v)
	}
	pipe := c.rdb.Pipeline()
	for _, k := range keys {
		pipe.Do(bg, cmd, k)
	}
	cmds, err := pipe.Exec(bg)
	if err != nil {
		return 0, wrap(replyError(err), "%s %d keys", cmd, len(keys))
	}
	var n int64
	for _, cmd := range cmds {
		k, _ := cmd.(interface{ Int64() (int64, error) }).Int64()
		n += k
	}
	return n, nil
}

// Type is [instream.Engine.Type] over TYPE: "stream" or "none", or the
// type of a key that holds something else.
func (c *Client) Type(key string) (string, error) {
	v, err := c.do(bg, "TYPE", key)
	if err != nil {
		return "", wrap(err, "type of %q", key)
	}
	s, ok := asString(v)
	if !ok {
		return "", errReply("TYPE", v)
	}
	return s, nil
}
