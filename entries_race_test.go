//go:build race

package instream

// raceEnabled reports whether the race detector is on: it makes the model
// tests about ten times slower, so they take fewer steps.
const raceEnabled = true
