//go:build !race

package instream

// raceEnabled reports whether the race detector is on (see
// entries_race_test.go).
const raceEnabled = false
