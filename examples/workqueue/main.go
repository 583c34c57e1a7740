// Command workqueue runs an in-process work queue on instream: producers
// add jobs to a stream, a consumer group of workers takes them with
// blocking group reads and acknowledges each one, one worker dies holding
// jobs it was handed, and a janitor claims those once they have been idle
// long enough. It ends on its own when every job has been acknowledged
// exactly once, and prints a summary.
//
//	go run ./examples/workqueue
package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"sort"
	"sync"
	"time"

	"github.com/instream/instream"
)

const (
	stream    = "jobs"
	group     = "workers"
	producers = 3
	perProd   = 20
	total     = producers * perProd
	deadAfter = 2                      // batches the flaky worker takes before dying
	minIdle   = 400 * time.Millisecond // when the janitor may take over a job
)

// tally records who did what, for the summary.
type tally struct {
	mu      sync.Mutex
	acks    map[instream.ID]int // acknowledgements per job
	byName  map[string]int      // jobs done per worker
	claimed int                 // jobs the janitor took over
	held    int                 // jobs the flaky worker died holding
	done    chan struct{}       // closed once every job is acknowledged
}

func (t *tally) ack(e *instream.Engine, who string, en instream.Entry) {
	n, err := e.Ack(stream, group, en.ID)
	if err != nil {
		log.Fatal(err)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.acks[en.ID] += int(n)
	t.byName[who]++
	fmt.Printf("%-8s done %s (%s)\n", who, en.ID, job(en))
	if len(t.acks) == total {
		close(t.done)
	}
}

func job(en instream.Entry) string {
	if v, ok := en.Get("job"); ok {
		return v
	}
	return "?"
}

func main() {
	log.SetFlags(0)
	e := instream.New(instream.Options{})
	defer e.Close()
	if err := e.CreateGroup(stream, instream.GroupArgs{Group: group, MkStream: true}); err != nil {
		log.Fatal(err)
	}
	t := &tally{acks: map[instream.ID]int{}, byName: map[string]int{}, done: make(chan struct{})}
	ctx, stop := context.WithTimeout(context.Background(), 20*time.Second)
	defer stop()
	start := time.Now()
	var wg sync.WaitGroup

	for p := range producers {
		wg.Go(func() {
			for i := range perProd {
				name := fmt.Sprintf("p%d-job%02d", p, i)
				id, err := e.Add(stream, instream.AddArgs{Fields: []instream.Field{{Name: "job", Value: name}}})
				if err != nil {
					log.Fatal(err)
				}
				if i%5 == 0 {
					fmt.Printf("producer %d added %s as %s\n", p, name, id)
				}
				if i%4 == 3 { // jobs come in bursts of four
					time.Sleep(time.Duration(40+10*p) * time.Millisecond)
				}
			}
		})
	}

	worker := func(name string, flaky bool) {
		for batch := 1; ; batch++ {
			// Wait for new jobs; the group hands each one to one worker.
			res, err := e.ReadGroup(ctx, instream.ReadGroupArgs{
				Group: group, Consumer: name, Count: 3,
				Streams: []instream.GroupStream{{Key: stream}},
			})
			if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
				return
			}
			if err != nil {
				log.Fatal(err)
			}
			for _, en := range res[0].Entries {
				if flaky && batch > deadAfter {
					t.mu.Lock()
					t.held = len(res[0].Entries)
					t.mu.Unlock()
					fmt.Printf("%-8s DIES holding %d jobs from %s on\n", name, len(res[0].Entries), en.ID)
					return
				}
				time.Sleep(10 * time.Millisecond) // the work
				t.ack(e, name, en.Entry)
			}
		}
	}
	for _, w := range []struct {
		name  string
		flaky bool
	}{{"alice", false}, {"bob", false}, {"flaky", true}} {
		wg.Go(func() { worker(w.name, w.flaky) })
	}

	// The janitor takes over jobs idle for minIdle: delivered, never
	// acknowledged, their worker gone.
	wg.Go(func() {
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			res, err := e.AutoClaim(stream, instream.AutoClaimArgs{Group: group, Consumer: "janitor", MinIdle: minIdle, Count: 10})
			if err != nil {
				log.Fatal(err)
			}
			for _, en := range res.Claimed {
				fmt.Printf("%-8s claimed %s (%s), idle over %v\n", "janitor", en.ID, job(en.Entry), minIdle)
				t.mu.Lock()
				t.claimed++
				t.mu.Unlock()
				t.ack(e, "janitor", en.Entry)
			}
		}
	})

	select {
	case <-t.done:
	case <-ctx.Done():
	}
	stop()
	wg.Wait()

	sum, err := e.PendingSummary(stream, group)
	if err != nil {
		log.Fatal(err)
	}
	n, err := e.Len(stream)
	if err != nil {
		log.Fatal(err)
	}
	once := true
	for _, c := range t.acks {
		once = once && c == 1
	}
	names := make([]string, 0, len(t.byName))
	for name := range t.byName {
		names = append(names, name)
	}
	sort.Strings(names)
	fmt.Printf("\nsummary after %v:\n", time.Since(start).Round(10*time.Millisecond))
	fmt.Printf("  jobs added:        %d\n", n)
	fmt.Printf("  jobs acknowledged: %d (each exactly once: %v)\n", len(t.acks), once)
	for _, name := range names {
		fmt.Printf("  %-8s           %d\n", name+":", t.byName[name])
	}
	fmt.Printf("  flaky died holding %d, janitor claimed %d\n", t.held, t.claimed)
	fmt.Printf("  still pending:     %d\n", sum.Count)
	if len(t.acks) != total || !once || sum.Count != 0 || int(n) != total {
		fmt.Println("FAILED")
		os.Exit(1)
	}
	fmt.Println("OK: every job processed and acknowledged exactly once")
}
