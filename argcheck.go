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

// The Validate methods make the checks of the argument rule public, so
// that other implementations of [Streams] give the same errors without a
// round trip. Each reports whether its value obeys the rules of
// "Arguments and zero values" that can be checked without looking at a
// stream: it returns nil, or the error the engine's call returns for it,
// which wraps ErrInvalidArgument (ErrNoFields for an AddArgs without
// fields) and names the field.

// Validate checks an AddArgs as [Engine.Add] does before it looks at the
// stream.
func (a AddArgs) Validate() error {
	// Engine.Add makes these checks inline: it is the hottest path.
	switch {
	case len(a.Fields) == 0:
		return ErrNoFields
	case a.AutoSeq && a.ID.Seq != 0:
		return invalid("ID.Seq is set with AutoSeq")
	}
	return checkTrim(&a.Trim)
}

// Validate checks a TrimArgs as [Engine.Add] and [Engine.Trim] do.
// Trim also rejects the strategy NoTrim, which Add takes as no trim.
func (a TrimArgs) Validate() error { return checkTrim(&a) }

// Validate checks a SetIDArgs as [Engine.SetID] does.
func (a SetIDArgs) Validate() error { return checkSetIDArgs(a) }

// Validate checks a ReadArgs as [Engine.Read] and [Engine.TryRead] do.
func (a ReadArgs) Validate() error { return checkReadArgs(a) }

// Validate checks a ReadGroupArgs as [Engine.ReadGroup] and
// [Engine.TryReadGroup] do.
func (a ReadGroupArgs) Validate() error { return checkReadGroupArgs(a) }

// Validate checks a GroupArgs as [Engine.CreateGroup] does.
// [Engine.SetGroupID] also rejects MkStream.
func (a GroupArgs) Validate() error {
	_, err := checkGroupArgs(a, false)
	return err
}

// Validate checks a ConsumerArgs as [Engine.CreateConsumer] and
// [Engine.DeleteConsumer] do.
func (a ConsumerArgs) Validate() error { return checkConsumer(a.Consumer, a.anyName) }

// Validate checks a PendingArgs as [Engine.Pending] does.
func (a PendingArgs) Validate() error {
	_, err := checkPendingArgs(a)
	return err
}

// Validate checks a ClaimArgs as [Engine.Claim] does.
func (a ClaimArgs) Validate() error { return checkClaimArgs(a) }

// Validate checks an AutoClaimArgs as [Engine.AutoClaim] does.
func (a AutoClaimArgs) Validate() error { return checkAutoClaimArgs(a) }

func checkSetIDArgs(a SetIDArgs) error {
	if a.EntriesAdded != nil && *a.EntriesAdded < 0 {
		return invalid("EntriesAdded %d is negative", *a.EntriesAdded)
	}
	if a.LastID.Less(a.MaxDeletedID) {
		return invalid("MaxDeletedID %v is greater than LastID %v", a.MaxDeletedID, a.LastID)
	}
	return nil
}
