package queue

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/instream/instream"
)

// Handler handles one message. It returns nil to acknowledge it, or an
// error to have it retried (see [RetryAfter] and [ErrSkipRetry]). ctx is
// cancelled when the pool gives the message back at its shutdown
// deadline; the handler should then return soon, since Run waits for it.
type Handler func(ctx context.Context, m Message) error

// Message is a delivered message.
type Message struct {
	ID     instream.ID
	Fields []instream.Field
	// Delivery counts this message's deliveries so far, this one
	// included: 1 the first time.
	Delivery int64
}

// Get returns the value of the message's first field named name, and
// whether it has one.
func (m Message) Get(name string) (string, bool) {
	return instream.Entry{ID: m.ID, Fields: m.Fields}.Get(name)
}

// retryError is the error of RetryAfter.
type retryError struct {
	delay time.Duration
	err   error
}

func (e *retryError) Error() string { return e.err.Error() }
func (e *retryError) Unwrap() error { return e.err }

// RetryAfter returns err marked so that the message comes back after d
// instead of the BackOff delay (JetStream's NakWithDelay). A negative d
// is 0. If err is nil, a generic error is used; the delivery still counts
// against MaxDeliver.
func RetryAfter(d time.Duration, err error) error {
	if err == nil {
		err = errors.New("retry requested")
	}
	return &retryError{max(d, 0), err}
}

// retryDelay returns the delay err asks for, if any.
func retryDelay(err error) (time.Duration, bool) {
	var r *retryError
	if errors.As(err, &r) {
		return r.delay, true
	}
	return 0, false
}

// The fields a dead letter carries after the message's own.
const (
	fieldStream     = "queue-stream"
	fieldGroup      = "queue-group"
	fieldID         = "queue-id"
	fieldDeliveries = "queue-deliveries"
	fieldError      = "queue-error"
	deadFields      = 5
)

// DeadLetter is an entry of a dead-letter stream, decoded.
type DeadLetter struct {
	Stream, Group string
	ID            instream.ID      // the message's ID in Stream
	Fields        []instream.Field // the message's own fields
	Deliveries    int64
	Error         string // the last error, as text
}

// deadEntry returns the fields of the dead letter of m.
func deadEntry(stream, group string, m Message, deliveries int64, cause error) []instream.Field {
	f := slices.Grow(slices.Clone(m.Fields), deadFields)
	return append(f,
		instream.Field{Name: fieldStream, Value: stream},
		instream.Field{Name: fieldGroup, Value: group},
		instream.Field{Name: fieldID, Value: m.ID.String()},
		instream.Field{Name: fieldDeliveries, Value: strconv.FormatInt(deliveries, 10)},
		instream.Field{Name: fieldError, Value: fmt.Sprint(cause)})
}

// ParseDeadLetter decodes an entry of a dead-letter stream, and reports
// whether it is one.
func ParseDeadLetter(en instream.Entry) (DeadLetter, bool) {
	n := len(en.Fields) - deadFields
	if n < 0 {
		return DeadLetter{}, false
	}
	f := en.Fields[n:]
	names := []string{fieldStream, fieldGroup, fieldID, fieldDeliveries, fieldError}
	for i, name := range names {
		if f[i].Name != name {
			return DeadLetter{}, false
		}
	}
	id, err := instream.ParseID(f[2].Value)
	if err != nil {
		return DeadLetter{}, false
	}
	count, err := strconv.ParseInt(f[3].Value, 10, 64)
	if err != nil {
		return DeadLetter{}, false
	}
	return DeadLetter{Stream: f[0].Value, Group: f[1].Value, ID: id,
		Fields: en.Fields[:n:n], Deliveries: count, Error: f[4].Value}, true
}
