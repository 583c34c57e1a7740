package instream

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
)

// ErrTxDone is returned by the methods of a Tx used after its Update
// returned.
var ErrTxDone = errors.New("transaction done")

// Update runs fn as one atomic batch of operations, as Redis runs the
// commands of a MULTI/EXEC: no other call of the engine runs between
// them, all of them happen at the same time (the clock is read once),
// and blocked readers are served only after fn returns, seeing the
// outcome of the whole batch: an Add and then a DeleteStreams of the
// same stream wake no reader. Update returns fn's error, or ErrClosed
// without running fn on a closed engine.
//
// There is no rollback: as with Redis's EXEC, the changes made before an
// error, or before a panic in fn, stay. Update releases the engine when
// fn returns or panics; the panic goes on to the caller.
//
// fn must use only tx, and only until it returns: tx's methods then
// fail with ErrTxDone. fn must not call the Engine's own methods, nor
// block waiting for another goroutine that does: the engine is held
// while fn runs, so that would deadlock. Update holds the whole engine,
// every stream, for fn's duration, so fn should be short.
func (e *Engine) Update(fn func(tx *Tx) error) (err error) {
	t, err := e.beginWrite()
	if err != nil {
		return err
	}
	x := &Tx{t: t}
	defer func() {
		x.done.Store(true)
		t.endWrite(&err) // the batch's effects are one record
	}()
	return fn(x)
}

// Tx is the handle of one Update batch. Its methods are the Engine's
// non-blocking ones, with the same names, arguments and results, applied
// inside the batch. A Tx is not safe for concurrent use.
type Tx struct {
	t    *tx
	done atomic.Bool // set when Update returns; atomic, since a leaked Tx may be used from anywhere
}

// open returns the live tx, or ErrTxDone.
func (x *Tx) open() (*tx, error) {
	if x.done.Load() {
		return nil, ErrTxDone
	}
	return x.t, nil
}

// Add is [Engine.Add] inside the batch.
func (x *Tx) Add(key string, args AddArgs) (ID, error) {
	t, err := x.open()
	if err != nil {
		return ID{}, err
	}
	return t.add(key, args)
}

// AddBatch is [Engine.AddBatch] inside the batch.
func (x *Tx) AddBatch(key string, batch []AddArgs) ([]ID, error) {
	t, err := x.open()
	if err != nil {
		return nil, err
	}
	return t.addBatch(key, batch)
}

// AddIdempotent is [Engine.AddIdempotent] inside the batch.
func (x *Tx) AddIdempotent(key string, args AddArgs) (AddResult, error) {
	t, err := x.open()
	if err != nil {
		return AddResult{}, err
	}
	return t.addIdempotent(key, args)
}

// IdempotencyRecords is [Engine.IdempotencyRecords] inside the batch.
func (x *Tx) IdempotencyRecords(key string) ([]IdempotencyRecord, error) {
	t, err := x.open()
	if err != nil {
		return nil, err
	}
	return t.idempotencyRecords(key)
}

// RecordIdempotency is [Engine.RecordIdempotency] inside the batch.
func (x *Tx) RecordIdempotency(key string, rec IdempotencyRecord) error {
	t, err := x.open()
	if err != nil {
		return err
	}
	return t.recordIdempotencyAPI(key, rec)
}

// SetIdempotencyCounts is [Engine.SetIdempotencyCounts] inside the batch.
func (x *Tx) SetIdempotencyCounts(key string, added, duplicates int64) error {
	t, err := x.open()
	if err != nil {
		return err
	}
	return t.setIdempotencyCounts(key, added, duplicates)
}

// SetConfig is [Engine.SetConfig] inside the batch.
func (x *Tx) SetConfig(key string, args ConfigArgs) error {
	t, err := x.open()
	if err != nil {
		return err
	}
	return t.setConfig(key, args)
}

// Trim is [Engine.Trim] inside the batch.
func (x *Tx) Trim(key string, args TrimArgs) (int64, error) {
	t, err := x.open()
	if err != nil {
		return 0, err
	}
	return t.trim(key, args)
}

// Range is [Engine.Range] inside the batch.
func (x *Tx) Range(key string, start, end ID, count int) ([]Entry, error) {
	t, err := x.open()
	if err != nil {
		return nil, err
	}
	return t.rangeEntries(key, start, end, count, false)
}

// RevRange is [Engine.RevRange] inside the batch.
func (x *Tx) RevRange(key string, end, start ID, count int) ([]Entry, error) {
	t, err := x.open()
	if err != nil {
		return nil, err
	}
	return t.rangeEntries(key, start, end, count, true)
}

// Len is [Engine.Len] inside the batch.
func (x *Tx) Len(key string) (int64, error) {
	t, err := x.open()
	if err != nil {
		return 0, err
	}
	return t.len(key), nil
}

// DeleteEntries is [Engine.DeleteEntries] inside the batch.
func (x *Tx) DeleteEntries(key string, ids ...ID) (int64, error) {
	t, err := x.open()
	if err != nil {
		return 0, err
	}
	return t.deleteEntries(key, ids)
}

// DeleteEntriesEx is [Engine.DeleteEntriesEx] inside the batch.
func (x *Tx) DeleteEntriesEx(key string, refs RefPolicy, ids ...ID) ([]DeleteResult, error) {
	t, err := x.open()
	if err != nil {
		return nil, err
	}
	return t.deleteEntriesEx(key, refs, ids)
}

// SetID is [Engine.SetID] inside the batch.
func (x *Tx) SetID(key string, args SetIDArgs) error {
	t, err := x.open()
	if err != nil {
		return err
	}
	return t.setID(key, args)
}

// Info is [Engine.Info] inside the batch.
func (x *Tx) Info(key string) (StreamInfo, error) {
	t, err := x.open()
	if err != nil {
		return StreamInfo{}, err
	}
	return t.info(key)
}

// InfoFull is [Engine.InfoFull] inside the batch.
func (x *Tx) InfoFull(key string, count int) (StreamFullInfo, error) {
	t, err := x.open()
	if err != nil {
		return StreamFullInfo{}, err
	}
	return t.infoFull(key, count)
}

// TryRead is [Engine.TryRead] inside the batch.
func (x *Tx) TryRead(args ReadArgs) ([]StreamEntries, error) {
	t, err := x.open()
	if err != nil {
		return nil, err
	}
	return t.tryRead(args)
}

// Read is [Engine.Read] inside the batch, except that it cannot wait:
// when no stream has anything, it returns nil and
// context.DeadlineExceeded at once, as if its deadline had passed, as
// Redis answers a BLOCK read inside MULTI/EXEC.
func (x *Tx) Read(ctx context.Context, args ReadArgs) ([]StreamEntries, error) {
	t, err := x.open()
	if err != nil {
		return nil, err
	}
	if ctx == nil {
		return nil, fmt.Errorf("read: %w", errNilContext)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	res, err := t.tryRead(args)
	if err == nil && res == nil {
		return nil, context.DeadlineExceeded
	}
	return res, err
}

// ReadGroup is [Engine.ReadGroup] inside the batch, except that, like
// [Tx.Read], it cannot wait: when nothing can be delivered, it returns
// nil and context.DeadlineExceeded at once.
func (x *Tx) ReadGroup(ctx context.Context, args ReadGroupArgs) ([]GroupEntries, error) {
	t, err := x.open()
	if err != nil {
		return nil, err
	}
	if ctx == nil {
		return nil, fmt.Errorf("read group %q: %w", args.Group, errNilContext)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	res, err := t.tryReadGroup(args)
	if err == nil && res == nil {
		return nil, context.DeadlineExceeded
	}
	return res, err
}

// TryReadGroup is [Engine.TryReadGroup] inside the batch.
func (x *Tx) TryReadGroup(args ReadGroupArgs) ([]GroupEntries, error) {
	t, err := x.open()
	if err != nil {
		return nil, err
	}
	return t.tryReadGroup(args)
}

// CreateGroup is [Engine.CreateGroup] inside the batch.
func (x *Tx) CreateGroup(key string, args GroupArgs) error {
	t, err := x.open()
	if err != nil {
		return err
	}
	return t.createGroup(key, args)
}

// SetGroupID is [Engine.SetGroupID] inside the batch.
func (x *Tx) SetGroupID(key string, args GroupArgs) error {
	t, err := x.open()
	if err != nil {
		return err
	}
	return t.setGroupID(key, args)
}

// DestroyGroup is [Engine.DestroyGroup] inside the batch.
func (x *Tx) DestroyGroup(key, group string) (bool, error) {
	t, err := x.open()
	if err != nil {
		return false, err
	}
	return t.destroyGroup(key, group)
}

// CreateConsumer is [Engine.CreateConsumer] inside the batch.
func (x *Tx) CreateConsumer(key string, args ConsumerArgs) (bool, error) {
	t, err := x.open()
	if err != nil {
		return false, err
	}
	return t.createConsumer(key, args)
}

// DeleteConsumer is [Engine.DeleteConsumer] inside the batch.
func (x *Tx) DeleteConsumer(key string, args ConsumerArgs) (int64, error) {
	t, err := x.open()
	if err != nil {
		return 0, err
	}
	return t.deleteConsumer(key, args)
}

// Groups is [Engine.Groups] inside the batch.
func (x *Tx) Groups(key string) ([]GroupInfo, error) {
	t, err := x.open()
	if err != nil {
		return nil, err
	}
	return t.groups(key)
}

// Group is [Engine.Group] inside the batch.
func (x *Tx) Group(key, group string) (GroupInfo, error) {
	t, err := x.open()
	if err != nil {
		return GroupInfo{}, err
	}
	return t.group(key, group)
}

// Consumers is [Engine.Consumers] inside the batch.
func (x *Tx) Consumers(key, group string) ([]ConsumerInfo, error) {
	t, err := x.open()
	if err != nil {
		return nil, err
	}
	return t.consumers(key, group)
}

// Ack is [Engine.Ack] inside the batch.
func (x *Tx) Ack(key, group string, ids ...ID) (int64, error) {
	t, err := x.open()
	if err != nil {
		return 0, err
	}
	return t.ack(key, group, ids)
}

// Nack is [Engine.Nack] inside the batch.
func (x *Tx) Nack(key string, args NackArgs) (int64, error) {
	t, err := x.open()
	if err != nil {
		return 0, err
	}
	return t.nack(key, args)
}

// AckDelete is [Engine.AckDelete] inside the batch.
func (x *Tx) AckDelete(key, group string, refs RefPolicy, ids ...ID) ([]DeleteResult, error) {
	t, err := x.open()
	if err != nil {
		return nil, err
	}
	return t.ackDelete(key, group, refs, ids)
}

// PendingSummary is [Engine.PendingSummary] inside the batch.
func (x *Tx) PendingSummary(key, group string) (PendingSummary, error) {
	t, err := x.open()
	if err != nil {
		return PendingSummary{}, err
	}
	return t.pendingSummary(key, group)
}

// Pending is [Engine.Pending] inside the batch.
func (x *Tx) Pending(key string, args PendingArgs) ([]PendingEntry, error) {
	t, err := x.open()
	if err != nil {
		return nil, err
	}
	return t.pending(key, args)
}

// Claim is [Engine.Claim] inside the batch.
func (x *Tx) Claim(key string, args ClaimArgs) ([]GroupEntry, error) {
	t, err := x.open()
	if err != nil {
		return nil, err
	}
	return t.claim(key, args)
}

// AutoClaim is [Engine.AutoClaim] inside the batch.
func (x *Tx) AutoClaim(key string, args AutoClaimArgs) (AutoClaimResult, error) {
	t, err := x.open()
	if err != nil {
		return AutoClaimResult{}, err
	}
	return t.autoClaim(key, args)
}

// DeleteStreams is [Engine.DeleteStreams] inside the batch.
func (x *Tx) DeleteStreams(keys ...string) (int64, error) {
	t, err := x.open()
	if err != nil {
		return 0, err
	}
	return t.deleteStreams(keys)
}

// Exists is [Engine.Exists] inside the batch.
func (x *Tx) Exists(keys ...string) (int64, error) {
	t, err := x.open()
	if err != nil {
		return 0, err
	}
	return t.exists(keys)
}

// Type is [Engine.Type] inside the batch.
func (x *Tx) Type(key string) (string, error) {
	t, err := x.open()
	if err != nil {
		return "", err
	}
	return t.typeOf(key), nil
}

// Keys is [Engine.Keys] inside the batch.
func (x *Tx) Keys() ([]string, error) {
	t, err := x.open()
	if err != nil {
		return nil, err
	}
	return t.keys(), nil
}

// Rename is [Engine.Rename] inside the batch.
func (x *Tx) Rename(key, newKey string, nx bool) (bool, error) {
	t, err := x.open()
	if err != nil {
		return false, err
	}
	return t.rename(key, newKey, nx)
}

// FlushAll is [Engine.FlushAll] inside the batch.
func (x *Tx) FlushAll() (int64, error) {
	t, err := x.open()
	if err != nil {
		return 0, err
	}
	return t.flushAll(), nil
}

// NodeLimits is [Engine.NodeLimits] inside the batch.
func (x *Tx) NodeLimits() (maxEntries, maxBytes int) {
	e := x.t.e
	if x.done.Load() {
		return e.NodeLimits() // it has no error to return
	}
	return e.opts.NodeMaxEntries, e.opts.NodeMaxBytes
}

// SetNodeLimits is [Engine.SetNodeLimits] inside the batch.
func (x *Tx) SetNodeLimits(maxEntries, maxBytes int) error {
	t, err := x.open()
	if err != nil {
		return err
	}
	return t.setNodeLimits(maxEntries, maxBytes)
}

// Do is [Engine.Do] inside the batch: one command of a MULTI/EXEC.
// XREAD and XREADGROUP with BLOCK do not wait: with nothing to read they
// answer nil, as after their timeout, as inside Redis's MULTI/EXEC.
func (x *Tx) Do(ctx context.Context, args ...string) (any, error) {
	if _, err := x.open(); err != nil {
		return nil, genericReply(err)
	}
	return do(x, ctx, args)
}

// DoTo is [Engine.DoTo] inside the batch, as Do is [Engine.Do].
func (x *Tx) DoTo(ctx context.Context, w ReplyWriter, args ...string) error {
	if _, err := x.open(); err != nil {
		return genericReply(err)
	}
	return doTo(x, ctx, w, args)
}
