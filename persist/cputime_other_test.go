//go:build !linux

package persist_test

import "time"

// cpuTime is not measured outside Linux.
func cpuTime() int64 { return 0 }

// runQueueWait is not measured outside Linux.
func runQueueWait() time.Duration { return 0 }
