package instream

import "context"

// Streams is the typed API of an Engine as an interface, so that code
// written against it runs unchanged on another implementation of the same
// semantics, such as a Redis server or cluster (the redisstreams module).
// Each method has the contract of the Engine method of the same name.
//
// Implementations return the values and sentinel errors the Engine
// returns; those talking to a server also return errors of their own
// (lost connections, features the server lacks), which wrap nothing of
// this package.
type Streams interface {
	// Entries.
	Add(key string, args AddArgs) (ID, error)
	AddBatch(key string, batch []AddArgs) ([]ID, error)
	Range(key string, start, end ID, count int) ([]Entry, error)
	RevRange(key string, end, start ID, count int) ([]Entry, error)
	Len(key string) (int64, error)
	DeleteEntries(key string, ids ...ID) (int64, error)
	DeleteEntriesEx(key string, refs RefPolicy, ids ...ID) ([]DeleteResult, error)
	Trim(key string, args TrimArgs) (int64, error)
	SetID(key string, args SetIDArgs) error
	Info(key string) (StreamInfo, error)
	InfoFull(key string, count int) (StreamFullInfo, error)

	// Keys.
	DeleteStreams(keys ...string) (int64, error)
	Exists(keys ...string) (int64, error)
	Type(key string) (string, error)

	// Reads.
	TryRead(args ReadArgs) ([]StreamEntries, error)
	Read(ctx context.Context, args ReadArgs) ([]StreamEntries, error)

	// Consumer groups.
	CreateGroup(key string, args GroupArgs) error
	SetGroupID(key string, args GroupArgs) error
	DestroyGroup(key, group string) (bool, error)
	CreateConsumer(key string, args ConsumerArgs) (bool, error)
	DeleteConsumer(key string, args ConsumerArgs) (int64, error)
	Groups(key string) ([]GroupInfo, error)
	Group(key, group string) (GroupInfo, error)
	Consumers(key, group string) ([]ConsumerInfo, error)
	TryReadGroup(args ReadGroupArgs) ([]GroupEntries, error)
	ReadGroup(ctx context.Context, args ReadGroupArgs) ([]GroupEntries, error)

	// Pending lists.
	Ack(key, group string, ids ...ID) (int64, error)
	AckDelete(key, group string, refs RefPolicy, ids ...ID) ([]DeleteResult, error)
	PendingSummary(key, group string) (PendingSummary, error)
	Pending(key string, args PendingArgs) ([]PendingEntry, error)
	Claim(key string, args ClaimArgs) ([]GroupEntry, error)
	AutoClaim(key string, args AutoClaimArgs) (AutoClaimResult, error)
	Nack(key string, args NackArgs) (int64, error)

	// Both at once.
	AckAdd(key string, args AckAddArgs) (ID, bool, error)

	// Close releases the implementation; blocked reads and later calls
	// return ErrClosed.
	Close() error
}

var _ Streams = (*Engine)(nil)
