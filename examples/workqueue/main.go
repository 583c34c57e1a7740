// Command workqueue runs an in-process work queue on instream's queue
// package: jobs are published (one of them twice, idempotently), two
// worker pools take them, one pool dies holding jobs, which the other
// gets once their lease expires, and a poison job that always fails goes
// to the dead-letter stream after its last delivery. It ends on its own
// when every job is settled, and prints a summary.
//
//	go run ./examples/workqueue
package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/instream/instream"
	"github.com/instream/instream/queue"
)

const jobs = 30

// dying is a backend that stops reaching the engine once killed, as the
// connection of a process that died would.
type dying struct {
	queue.Backend
	dead atomic.Bool
}

var errDead = errors.New("process died")

func (d *dying) ReadGroup(ctx context.Context, args instream.ReadGroupArgs) ([]instream.GroupEntries, error) {
	if d.dead.Load() {
		return nil, errDead
	}
	return d.Backend.ReadGroup(ctx, args)
}

func (d *dying) Ack(key, group string, ids ...instream.ID) (int64, error) {
	if d.dead.Load() {
		return 0, errDead
	}
	return d.Backend.Ack(key, group, ids...)
}

func (d *dying) Claim(key string, args instream.ClaimArgs) ([]instream.GroupEntry, error) {
	if d.dead.Load() {
		return nil, errDead
	}
	return d.Backend.Claim(key, args)
}

func main() {
	log.SetFlags(0)
	e := instream.New(instream.Options{})
	defer e.Close()
	opts := queue.Options{
		Stream: "jobs", Group: "workers", Concurrency: 2,
		MaxInFlight: 4,                      // fetched and not yet acknowledged, per pool
		AckWait:     300 * time.Millisecond, // a dead pool's jobs come back after this
		MaxDeliver:  3,                      // then the dead-letter stream, "jobs:dead"
		BackOff:     []time.Duration{50 * time.Millisecond, 100 * time.Millisecond},
	}
	q, err := queue.New(e, opts)
	if err != nil {
		log.Fatal(err)
	}
	for i := range jobs {
		name := fmt.Sprintf("job%02d", i)
		if i == 7 {
			name = "poison"
		}
		args := queue.PublishArgs{
			Fields:   []instream.Field{{Name: "job", Value: name}},
			Producer: "demo", IdempotencyID: name, // a retried publish adds nothing
		}
		for range 1 + i%10/9 { // job09, job19 and job29 are published twice
			if _, err := q.Publish(args); err != nil {
				log.Fatal(err)
			}
		}
	}

	var mu sync.Mutex
	done := map[string]int{}
	work := func(who string) queue.Handler {
		return func(ctx context.Context, m queue.Message) error {
			job, _ := m.Get("job")
			time.Sleep(20 * time.Millisecond) // the work
			if job == "poison" {
				fmt.Printf("%-7s fails  %s (delivery %d)\n", who, job, m.Delivery)
				return errors.New("cannot parse job")
			}
			mu.Lock()
			done[job]++
			mu.Unlock()
			fmt.Printf("%-7s done   %s (delivery %d)\n", who, job, m.Delivery)
			return nil
		}
	}

	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	// The flaky pool dies while its handlers are at work: its jobs stay
	// with it, unacknowledged, until their lease expires.
	d := &dying{Backend: e}
	flaky, err := queue.New(d, opts)
	if err != nil {
		log.Fatal(err)
	}
	var started, flakyDone atomic.Int64
	wg.Go(func() {
		err := flaky.Run(ctx, func(ctx context.Context, m queue.Message) error {
			if started.Add(1) == 5 {
				d.dead.Store(true)
				job, _ := m.Get("job")
				fmt.Printf("flaky   DIES   holding %s and whatever else it fetched\n", job)
			}
			if d.dead.Load() {
				return nil // what it does now never reaches the queue
			}
			err := work("flaky")(ctx, m)
			if err == nil && !d.dead.Load() {
				flakyDone.Add(1)
			}
			return err
		})
		if err != nil {
			fmt.Printf("flaky   stopped: %v\n", err)
		}
	})
	wg.Go(func() {
		if err := q.Run(ctx, work("steady")); err != nil {
			log.Fatal(err)
		}
	})

	start := time.Now()
	for {
		time.Sleep(50 * time.Millisecond)
		gi, err := e.Group("jobs", "workers")
		if err != nil {
			log.Fatal(err)
		}
		if gi.Pending == 0 && gi.Lag == 0 || time.Since(start) > 20*time.Second {
			break
		}
	}
	stop()
	wg.Wait()

	s, err := q.Stats()
	if err != nil {
		log.Fatal(err)
	}
	dead, err := e.Range("jobs:dead", instream.MinID, instream.MaxID, 0)
	if err != nil {
		log.Fatal(err)
	}
	n, err := e.Len("jobs")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("\nsummary after %v:\n", time.Since(start).Round(10*time.Millisecond))
	fmt.Printf("  jobs published:  %d (3 of them twice; IDMP kept one copy)\n", n)
	fmt.Printf("  jobs done:       %d\n", len(done))
	fmt.Printf("  steady pool:     %d delivered (%d of them redelivered), %d acked, %d retried\n",
		s.Delivered, s.Redelivered, s.Acked, s.Nacked)
	fmt.Printf("  flaky pool:      %d jobs done before it died (what it finished after is done again)\n", flakyDone.Load())
	for _, en := range dead {
		if dl, ok := queue.ParseDeadLetter(en); ok {
			job, _ := instream.Entry{Fields: dl.Fields}.Get("job")
			fmt.Printf("  dead letter:     %s (%s) after %d deliveries: %s\n", job, dl.ID, dl.Deliveries, dl.Error)
		}
	}
	fmt.Printf("  still pending:   %d, not yet delivered: %d\n", s.Pending, s.Lag)
	if n != jobs || len(done) != jobs-1 || len(dead) != 1 || s.Pending != 0 || s.Lag != 0 {
		fmt.Println("FAILED")
		os.Exit(1)
	}
	fmt.Println("OK: every job done, the poison job dead-lettered, nothing pending")
}
