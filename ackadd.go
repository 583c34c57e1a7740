package instream

import "fmt"

// AckAddArgs describes the acknowledgement of one pending entry paired
// with an add to a stream, made by [Engine.AckAdd] as one atomic step.
type AckAddArgs struct {
	// Group and ID name the pending entry to acknowledge.
	Group string
	ID    ID

	// Consumer, if not empty, requires the entry to be pending for that
	// consumer, and Deliveries, if not zero, requires its delivery count
	// to be that: the caller still holds the delivery it handled.
	Consumer   string
	Deliveries int64

	// To is the stream the entry Add describes goes to; it may be the
	// acknowledged entry's own stream.
	To  string
	Add AddArgs
}

// Validate checks an AckAddArgs as [Engine.AckAdd] does before it looks
// at a stream.
func (a AckAddArgs) Validate() error {
	switch {
	case a.Group == "":
		return invalid("empty Group")
	case a.ID.IsZero():
		return invalid("zero ID")
	case a.Deliveries < 0:
		return invalid("Deliveries %d is negative", a.Deliveries)
	}
	return a.Add.Validate()
}

// AckAdd acknowledges the pending entry args.ID of group args.Group on
// key and adds the entry args.Add to the stream args.To, as one atomic
// step: both happen or neither does, and no other call sees one without
// the other. It is what moving a message to a dead-letter stream, or
// forwarding it to the next stage of a pipeline, needs: a crash can
// neither lose the entry (acknowledged, never added) nor leave it to be
// handled again after its successor was added.
//
// If the entry is not pending, or not for args.Consumer, or not with
// args.Deliveries, nothing changes and AckAdd returns false. If the add
// fails, nothing is acknowledged. Otherwise it returns the added entry's
// ID (for an idempotent add that is a duplicate, the first entry's) and
// true. A missing stream or group is ErrNoGroup. Redis has no such
// command: over a Redis server it is one script.
func (e *Engine) AckAdd(key string, args AckAddArgs) (ID, bool, error) {
	if err := args.Validate(); err != nil {
		return ID{}, false, fmt.Errorf("ack-add in group %q on %q: %w", args.Group, key, err)
	}
	var id ID
	var done bool
	err := e.Update(func(tx *Tx) error {
		ps, err := tx.Pending(key, PendingArgs{Group: args.Group, Start: args.ID, End: args.ID, Count: 1})
		if err != nil {
			return err
		}
		if len(ps) == 0 || ps[0].ID != args.ID ||
			args.Consumer != "" && (ps[0].Nacked || ps[0].Consumer != args.Consumer) ||
			args.Deliveries != 0 && ps[0].Deliveries != args.Deliveries {
			return nil
		}
		if id, err = tx.Add(args.To, args.Add); err != nil {
			return err
		}
		_, err = tx.Ack(key, args.Group, args.ID) // cannot fail: the group was just found
		done = err == nil
		return err
	})
	return id, done, err
}
