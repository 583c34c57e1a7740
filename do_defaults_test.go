package instream_test

import (
	"fmt"
	"testing"
)

// XAUTOCLAIM without COUNT claims 100 entries, Redis's default, although
// the typed API's zero Count means no limit.
func TestDo_XAutoClaimDefaultCount(t *testing.T) {
	e := newEngine(t)
	for i := 1; i <= 150; i++ {
		do(t, e, "XADD", "s", fmt.Sprintf("%d-0", i), "f", "v")
	}
	do(t, e, "XGROUP", "CREATE", "s", "g", "0")
	do(t, e, "XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">")
	reply := do(t, e, "XAUTOCLAIM", "s", "g", "d", "0", "0", "JUSTID").([]any)
	if next, ids := reply[0], reply[1].([]any); next != "101-0" || len(ids) != 100 {
		t.Errorf("XAUTOCLAIM = next %v, %d IDs; want 101-0 and 100", next, len(ids))
	}
}

// A reference policy without a trim changes nothing in XADD (Redis 8.2
// accepts it); the typed API calls it an error.
func TestDo_XAddRefsWithoutTrim(t *testing.T) {
	e := newEngine(t)
	for _, refs := range []string{"KEEPREF", "DELREF", "ACKED"} {
		if _, err := e.Do(t.Context(), "XADD", "s", refs, "*", "f", "v"); err != nil {
			t.Errorf("XADD s %s * f v: %v", refs, err)
		}
	}
	if n := do(t, e, "XLEN", "s"); n != int64(3) {
		t.Errorf("XLEN = %v, want 3", n)
	}
}
