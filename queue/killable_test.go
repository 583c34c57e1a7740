package queue_test

import (
	"context"
	"errors"
	"sync"

	"github.com/instream/instream"
	"github.com/instream/instream/queue"
)

// killable is a Backend that fails every call once killed, as the
// connection of a process that died would: nothing it does after that
// reaches the engine. It wraps the backend in a named field, not an
// embedded one, so that a method added to Backend fails to compile here
// instead of passing through to the engine after the kill.
type killable struct {
	b      queue.Backend
	once   sync.Once
	killed chan struct{}
	onRead func([]instream.GroupEntries) // if not nil, sees what each read returns
}

var _ queue.Backend = (*killable)(nil)

var errKilled = errors.New("killed")

func newKillable(b queue.Backend) *killable {
	return &killable{b: b, killed: make(chan struct{})}
}

func (k *killable) kill() { k.once.Do(func() { close(k.killed) }) }

func (k *killable) dead() bool {
	select {
	case <-k.killed:
		return true
	default:
		return false
	}
}

func (k *killable) Add(key string, args instream.AddArgs) (instream.ID, error) {
	if k.dead() {
		return instream.ID{}, errKilled
	}
	return k.b.Add(key, args)
}

func (k *killable) CreateGroup(key string, args instream.GroupArgs) error {
	if k.dead() {
		return errKilled
	}
	return k.b.CreateGroup(key, args)
}

func (k *killable) Group(key, group string) (instream.GroupInfo, error) {
	if k.dead() {
		return instream.GroupInfo{}, errKilled
	}
	return k.b.Group(key, group)
}

func (k *killable) ReadGroup(ctx context.Context, args instream.ReadGroupArgs) ([]instream.GroupEntries, error) {
	if k.dead() {
		return nil, errKilled
	}
	// A read that started before the kill ends with it.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-k.killed:
			cancel()
		case <-ctx.Done():
		}
	}()
	res, err := k.b.ReadGroup(ctx, args)
	if k.dead() {
		return nil, errKilled // what it read is lost with the process
	}
	if k.onRead != nil {
		k.onRead(res)
	}
	return res, err
}

func (k *killable) Ack(key, group string, ids ...instream.ID) (int64, error) {
	if k.dead() {
		return 0, errKilled
	}
	return k.b.Ack(key, group, ids...)
}

func (k *killable) Claim(key string, args instream.ClaimArgs) ([]instream.GroupEntry, error) {
	if k.dead() {
		return nil, errKilled
	}
	return k.b.Claim(key, args)
}

func (k *killable) AutoClaim(key string, args instream.AutoClaimArgs) (instream.AutoClaimResult, error) {
	if k.dead() {
		return instream.AutoClaimResult{}, errKilled
	}
	return k.b.AutoClaim(key, args)
}

func (k *killable) Pending(key string, args instream.PendingArgs) ([]instream.PendingEntry, error) {
	if k.dead() {
		return nil, errKilled
	}
	return k.b.Pending(key, args)
}

func (k *killable) Nack(key string, args instream.NackArgs) (int64, error) {
	if k.dead() {
		return 0, errKilled
	}
	return k.b.Nack(key, args)
}

func (k *killable) AckAdd(key string, args instream.AckAddArgs) (instream.ID, bool, error) {
	if k.dead() {
		return instream.ID{}, false, errKilled
	}
	return k.b.AckAdd(key, args)
}
