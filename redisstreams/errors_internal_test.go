package redisstreams

import (
	"context"
	"errors"
	"io"
	"testing"

	"github.com/instream/instream"
	"github.com/redis/go-redis/v9"
)

// replyText is an error reply as go-redis returns one.
type replyText string

func (e replyText) Error() string { return string(e) }
func (replyText) RedisError()     {}

var _ redis.Error = replyText("")

func TestReplyError(t *testing.T) {
	tests := []struct {
		in   error
		want error // nil: an *instream.RedisError with no sentinel
	}{
		{replyText("NOGROUP No such key 's' or consumer group 'g' in XREADGROUP with GROUP option"), instream.ErrNoGroup},
		{replyText("UNBLOCKED the stream key no longer exists"), instream.ErrNoGroup},
		{replyText("BUSYGROUP Consumer Group name already exists"), instream.ErrGroupExists},
		{replyText("ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically."), instream.ErrNoStream},
		{replyText("ERR no such key"), instream.ErrNoStream},
		{replyText("ERR The ID specified in XADD is equal or smaller than the target stream top item"), instream.ErrIDTooSmall},
		{replyText("ERR The stream has exhausted the last possible ID, unable to add more items"), instream.ErrIDExhausted},
		{replyText("ERR The ID specified in XSETID is smaller than current max_deleted_entry_id"), instream.ErrSetIDTooSmall},
		{replyText("ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id"), instream.ErrInvalidArgument},
		{replyText("ERR The entries_added specified in XSETID is smaller than the target stream length"), instream.ErrEntriesAddedTooSmall},
		{replyText("CROSSSLOT Keys in request don't hash to the same slot"), ErrCrossSlot},
		{replyText("WRONGTYPE Operation against a key holding the wrong kind of value"), ErrWrongType},
		{replyText("ERR unknown command 'xdelex', with args beginning with: 's' "), ErrUnsupported},
		{replyText("MOVED 3999 127.0.0.1:6381"), ErrUnavailable},
		{replyText("LOADING Redis is loading the dataset in memory"), ErrUnavailable},
		{replyText("ERR syntax error"), nil},
	}
	for _, tt := range tests {
		got := replyError(tt.in)
		var re *instream.RedisError
		if !errors.As(got, &re) || re.Msg != tt.in.Error() {
			t.Errorf("replyError(%q) = %v, want an *instream.RedisError with the same text", tt.in, got)
			continue
		}
		if re.Err != tt.want && !errors.Is(re.Err, tt.want) {
			t.Errorf("replyError(%q) unwraps to %v, want %v", tt.in, re.Err, tt.want)
		}
	}
	if err := replyError(io.EOF); !errors.Is(err, ErrUnavailable) || !errors.Is(err, io.EOF) {
		t.Errorf("replyError(EOF) = %v, want ErrUnavailable wrapping EOF", err)
	}
	if err := replyError(context.Canceled); err != context.Canceled {
		t.Errorf("replyError(Canceled) = %v, want it unchanged", err)
	}
	if err := replyError(redis.ErrClosed); !errors.Is(err, instream.ErrClosed) {
		t.Errorf("replyError(redis.ErrClosed) = %v, want instream.ErrClosed", err)
	}
}

func TestParseVersion(t *testing.T) {
	tests := []struct {
		in   string
		want version
		ok   bool
	}{
		{"# Server\r\nredis_version:7.0.15\r\nredis_git_sha1:0\r\n", version{7, 0, 15}, true},
		{"redis_version:8.2.1\r\n", version{8, 2, 1}, true},
		{"redis_version:255.255.255\n", version{255, 255, 255}, true},
		{"redis_version:7.x\r\n", version{}, false},
		{"# Server\r\nvalkey_version:8.0.0\r\n", version{}, false},
	}
	for _, tt := range tests {
		got, ok := parseVersion(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseVersion(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
	if v := (version{8, 2, 0}); !v.atLeast(8, 2) || v.atLeast(8, 4) || !v.atLeast(7, 4) {
		t.Errorf("8.2.0: atLeast(8.2), !atLeast(8.4), atLeast(7.4) expected")
	}
}
