package instream_test

import "testing"

// TestIdempotencyScript replays testdata/idmp_script.txt: Redis 8.6's
// idempotent production through Do, with the expected replies of Redis's
// tests and docs and the engine's choices where they leave a point open.
func TestIdempotencyScript(t *testing.T) {
	replay(t, "testdata/idmp_script.txt")
}
