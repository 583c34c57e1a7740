package redisstreams

import (
	"fmt"

	"github.com/instream/instream"
)

// The checks of the engine's plain arguments (the argument types have
// Validate methods), with the engine's texts.

// invalid wraps instream.ErrInvalidArgument with a message naming the
// argument.
func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{instream.ErrInvalidArgument}, args...)...)
}

func checkCount(name string, n int) error {
	if n < 0 {
		return invalid("%s %d is negative", name, n)
	}
	return nil
}

// checkRange checks the bounds of Range and RevRange, start first.
func checkRange(start, end instream.ID, count int) error {
	if end.Less(start) {
		return invalid("start %v is above end %v", start, end)
	}
	return checkCount("count", count)
}

func checkDeleteEx(refs instream.RefPolicy, ids []instream.ID) error {
	switch {
	case len(ids) == 0:
		return invalid("no IDs")
	case refs > instream.Acked:
		return invalid("unknown ref policy %d", refs)
	}
	return nil
}
