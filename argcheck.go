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

// checkPendingArgs validates args and returns them with End resolved.
func checkPendingArgs(args PendingArgs) (PendingArgs, error) {
	if args.End.IsZero() {
		args.End = MaxID
	}
	if err := checkBounds(args.Start, args.End); err != nil {
		return args, err
	}
	if !args.ByConsumer && args.Consumer != "" {
		return args, invalid("Consumer is set but ByConsumer is not")
	}
	if err := checkCount("Count", args.Count); err != nil {
		return args, err
	}
	return args, checkDuration("MinIdle", args.MinIdle)
}

func checkClaimArgs(args ClaimArgs) error {
	if err := checkConsumer(args.Consumer, args.anyName); err != nil {
		return err
	}
	if err := checkDuration("MinIdle", args.MinIdle); err != nil {
		return err
	}
	if err := checkDuration("Idle", args.Idle); err != nil {
		return err
	}
	switch {
	case args.Idle != 0 && !args.Time.IsZero():
		return invalid("both Idle and Time are set")
	case args.RetryCount != nil && *args.RetryCount < 0:
		return invalid("RetryCount %d is negative", *args.RetryCount)
	}
	return nil
}

func checkAutoClaimArgs(args AutoClaimArgs) error {
	if err := checkConsumer(args.Consumer, args.anyName); err != nil {
		return err
	}
	if err := checkCount("Count", args.Count); err != nil {
		return err
	}
	return checkDuration("MinIdle", args.MinIdle)
}
