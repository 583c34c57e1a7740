package instream_test

import "testing"

// TestXNackScript replays testdata/xnack_script.txt: Redis 8.8's XNACK
// through Do, with the worked examples and edge cases of its
// documentation and the engine's choices where Redis leaves them open.
func TestXNackScript(t *testing.T) {
	replay(t, "testdata/xnack_script.txt")
}

// TestReadCapsScript replays testdata/readcap_script.txt: Redis 8.10's
// MAXCOUNT and MAXSIZE on XREAD and XREADGROUP through Do.
func TestReadCapsScript(t *testing.T) {
	replay(t, "testdata/readcap_script.txt")
}
