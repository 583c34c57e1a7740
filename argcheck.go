package instream

import (
	"fmt"
	"time"
)

// The typed API's argument rule (documented once, in doc.go): a zero
// value means the natural default, and a value that cannot mean what was
// written is ErrInvalidArgument, wrapped with the field's name. These
// helpers word those errors alike.

// invalid wraps ErrInvalidArgument with a message naming the field.
func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalidArgument}, args...)...)
}

// checkCount rejects a negative count; 0 means no limit.
func checkCount(name string, n int) error {
	if n < 0 {
		return invalid("%s %d is negative", name, n)
	}
	return nil
}

// checkBounds rejects a range whose start is above its end: a range
// given backwards (RevRange takes its end bound first).
func checkBounds(start, end ID) error {
	if end.Less(start) {
		return invalid("start %v is above end %v", start, end)
	}
	return nil
}

// checkDuration rejects a negative duration.
func checkDuration(name string, d time.Duration) error {
	if d < 0 {
		return invalid("%s %v is negative", name, d)
	}
	return nil
}

// checkConsumer rejects the empty consumer name, which calls that create
// consumers would otherwise create quietly. Do passes anyName, since
// Redis accepts "" as a name.
func checkConsumer(name string, anyName bool) error {
	if name == "" && !anyName {
		return invalid("Consumer is empty")
	}
	return nil
}
