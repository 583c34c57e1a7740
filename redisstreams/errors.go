package redisstreams

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/instream/instream"
	"github.com/redis/go-redis/v9"
)

// These errors are the Client's own; the others it returns are
// instream's sentinels, as the engine returns them. Use errors.Is.
var (
	// ErrUnsupported is returned when a call needs a feature the server's
	// version lacks, such as XDELEX (Redis 8.2) on a Redis 7.0 server. The
	// wrapping error names the feature, the version it needs and the
	// server's. It wraps errors.ErrUnsupported.
	ErrUnsupported = fmt.Errorf("not supported by the server: %w", errors.ErrUnsupported)

	// ErrUnavailable is returned when the server cannot be reached or the
	// connection broke during the call: the call may or may not have taken
	// effect, and may be retried. The wrapping error carries go-redis's.
	ErrUnavailable = errors.New("redis server unavailable")

	// ErrBadReply is returned when a reply does not have the shape the
	// command has in Redis: a server speaking another dialect of the
	// protocol. Nothing of such a reply is returned.
	ErrBadReply = errors.New("unexpected reply from the server")

	// ErrCrossSlot is returned on a Redis Cluster when the keys of one
	// call hash to different slots. Keys that share a hash tag, such as
	// "{orders}.eu" and "{orders}.us", share a slot.
	ErrCrossSlot = errors.New("keys in different cluster slots")

	// ErrWrongType is returned when a key holds a value that is not a
	// stream.
	ErrWrongType = errors.New("key holds a value that is not a stream")
)

// replySentinels maps the starts of Redis's error lines to the sentinel
// errors the engine returns for the same condition.
var replySentinels = []struct {
	prefix string
	err    error
}{
	{"NOGROUP ", instream.ErrNoGroup},
	// Redis 7.0: a blocked XREADGROUP whose stream was deleted.
	{"UNBLOCKED the stream key no longer exists", instream.ErrNoGroup},
	{"BUSYGROUP ", instream.ErrGroupExists},
	{"CROSSSLOT ", ErrCrossSlot},
	{"WRONGTYPE ", ErrWrongType},
	{"ERR no such key", instream.ErrNoStream},
	{"ERR The XGROUP subcommand requires the key to exist", instream.ErrNoStream},
	{"ERR The ID specified in XADD is equal or smaller", instream.ErrIDTooSmall},
	{"ERR The stream has exhausted the last possible ID", instream.ErrIDExhausted},
	{"ERR Elements are too large to be stored", instream.ErrTooLarge},
	{"ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id", instream.ErrInvalidArgument},
	// Redis 7.2 and later.
	{"ERR The ID specified in XSETID is smaller than current max_deleted_entry_id", instream.ErrSetIDBelowMaxDeleted},
	{"ERR The ID specified in XSETID is smaller than", instream.ErrSetIDTooSmall},
	{"ERR The entries_added specified in XSETID is smaller", instream.ErrEntriesAddedTooSmall},
	{"ERR The MAXLEN argument must be", instream.ErrInvalidArgument},
	{"ERR The LIMIT argument must be", instream.ErrInvalidArgument},
	{"ERR COUNT must be", instream.ErrInvalidArgument},
	{"ERR value for ENTRIESREAD must be", instream.ErrInvalidArgument},
	{"ERR entries_added must be", instream.ErrInvalidArgument},
	{"ERR Invalid ", instream.ErrInvalidArgument},
	// A server that names a version it does not fully implement.
	{"ERR unknown command", ErrUnsupported},
	// The cluster or the server is changing hands or starting: retry.
	{"MOVED ", ErrUnavailable},
	{"ASK ", ErrUnavailable},
	{"TRYAGAIN ", ErrUnavailable},
	{"CLUSTERDOWN ", ErrUnavailable},
	{"LOADING ", ErrUnavailable},
	{"MASTERDOWN ", ErrUnavailable},
	{"READONLY ", ErrUnavailable},
	{"ERR min-idle-time", instream.ErrInvalidArgument},
	{"ERR timeout is", instream.ErrInvalidArgument},
}

// replyError turns an error of go-redis into the Client's: an error reply
// becomes an *instream.RedisError with Redis's text that unwraps to the
// engine's sentinel for it, if any; a broken or unreachable connection
// wraps ErrUnavailable; a context's error stays as it is.
func replyError(err error) error {
	var re redis.Error
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	case errors.Is(err, redis.ErrClosed):
		return fmt.Errorf("%w: the go-redis client is closed", instream.ErrClosed)
	case errors.As(err, &re):
		msg := re.Error()
		out := &instream.RedisError{Msg: msg}
		for _, s := range replySentinels {
			if strings.HasPrefix(msg, s.prefix) {
				out.Err = s.err
				break
			}
		}
		return out
	}
	return fmt.Errorf("%w: %w", ErrUnavailable, err)
}

// errUnsupported reports that feature needs Redis need and the server
// runs have.
func errUnsupported(feature, need string, have version) error {
	return fmt.Errorf("%w: %s needs Redis %s, the server runs %s", ErrUnsupported, feature, need, have)
}
