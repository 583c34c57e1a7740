//go:build !race

package instream

// checkStripes is off outside race builds (see stripecheck_race.go).
const checkStripes = false
