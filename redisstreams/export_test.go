package redisstreams

// SetAutoClaimChunk sets the largest COUNT of one XAUTOCLAIM and returns
// a function that restores it. Tests that call it must not run in
// parallel.
func SetAutoClaimChunk(n int) (restore func()) {
	old := autoClaimChunk
	autoClaimChunk = n
	return func() { autoClaimChunk = old }
}
