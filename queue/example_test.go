package queue_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/instream/instream"
	"github.com/instream/instream/queue"
)

// This example runs a queue with one handler: a job that fails once and
// is retried, and a poison job that goes to the dead-letter stream.
func Example() {
	e := instream.New(instream.Options{})
	defer e.Close()
	q, err := queue.New(e, queue.Options{Stream: "jobs", Group: "workers", Concurrency: 1})
	if err != nil {
		log.Fatal(err)
	}
	for _, job := range []string{"resize", "flaky", "poison"} {
		_, err := q.Publish(queue.PublishArgs{
			Fields:   []instream.Field{{Name: "job", Value: job}},
			Producer: "api", IdempotencyID: job, // publishing it again adds nothing
		})
		if err != nil {
			log.Fatal(err)
		}
	}

	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		done <- q.Run(ctx, func(ctx context.Context, m queue.Message) error {
			job, _ := m.Get("job")
			fmt.Println("handling", job, "delivery", m.Delivery)
			switch {
			case job == "flaky" && m.Delivery == 1:
				return queue.RetryAfter(10*time.Millisecond, errors.New("busy"))
			case job == "poison":
				return fmt.Errorf("cannot parse: %w", queue.ErrSkipRetry)
			}
			return nil // acknowledged
		})
	}()
	for s, _ := q.Stats(); s.Acked+s.DeadLettered < 3; s, _ = q.Stats() {
		time.Sleep(5 * time.Millisecond)
	}
	stop()
	if err := <-done; err != nil {
		log.Fatal(err)
	}

	dead, err := e.Range("jobs:dead", instream.MinID, instream.MaxID, 0)
	if err != nil {
		log.Fatal(err)
	}
	dl, _ := queue.ParseDeadLetter(dead[0])
	fmt.Println("dead letter after", dl.Deliveries, "delivery:", dl.Error)
	s, err := q.Stats()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("acked %d, retried %d, dead-lettered %d, pending %d\n", s.Acked, s.Nacked, s.DeadLettered, s.Pending)
	// Output:
	// handling resize delivery 1
	// handling flaky delivery 1
	// handling poison delivery 1
	// handling flaky delivery 2
	// dead letter after 1 delivery: cannot parse: skip retry
	// acked 2, retried 1, dead-lettered 1, pending 0
}
