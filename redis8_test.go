package instream_test

import (
	"testing"
)

// TestRedis8Script replays testdata/redis8_script.txt: Redis 8.2 and 8.4
// stream additions (spec §8), with expected replies taken from the spec's
// [T] facts, since no 8.x server is at hand. A block header may end in
// "nodes=N" to set Options.NodeMaxEntries.
func TestRedis8Script(t *testing.T) {
	replay(t, "testdata/redis8_script.txt")
}
