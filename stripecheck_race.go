//go:build race

package instream

// checkStripes makes race builds check that a call holding one stripe
// touches only keys of that stripe (tx.stripe).
const checkStripes = true
