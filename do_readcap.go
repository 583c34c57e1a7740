package instream

import "math"

// Error texts of XREAD's and XREADGROUP's MAXCOUNT and MAXSIZE (Redis
// 8.10). Redis's tests show only the start of MAXCOUNT's; the others are
// the engine's own.
var (
	errMaxCount        = replyErr("ERR MAXCOUNT must be a positive integer")
	errMaxSize         = replyErr("ERR MAXSIZE must be a positive integer")
	errMaxCountBelowCt = replyErr("ERR MAXCOUNT must be greater than or equal to COUNT")
)

// parseCap parses the value of MAXCOUNT or MAXSIZE: a positive integer,
// else bad.
func parseCap(s string, bad error) (int, error) {
	n, ok := parseInt(s)
	if !ok || n <= 0 {
		return 0, bad
	}
	return int(min(n, math.MaxInt)), nil
}

// checkCapsDo applies Redis's rule that MAXCOUNT, when given with a
// COUNT, is not below it.
func checkCapsDo(count, maxCount int) error {
	if count > 0 && maxCount > 0 && maxCount < count {
		return errMaxCountBelowCt
	}
	return nil
}
