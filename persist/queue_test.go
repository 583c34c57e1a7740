package persist_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/instream/instream"
	"github.com/instream/instream/aof"
	"github.com/instream/instream/persist"
	"github.com/instream/instream/queue"
)

// TestQueue_survivesRestart is the work queue of a user trial, where
// Close dropped 24 jobs still queued: with persistence on, jobs that
// were published and not acknowledged before Close are delivered after
// a reopen, the acknowledged ones are not, and an idempotent publish of
// a job already published adds nothing.
func TestQueue_survivesRestart(t *testing.T) {
	const quick, slow = 26, 24
	dir := t.TempDir()
	open := func() *persist.DB {
		db, err := persist.Open(dir, persist.Options{Fsync: aof.Always})
		if err != nil {
			t.Fatal(err)
		}
		return db
	}
	newQueue := func(db *persist.DB) *queue.Queue {
		q, err := queue.New(db.Engine, queue.Options{Stream: "jobs", Group: "workers",
			Concurrency: 4, ShutdownTimeout: 20 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		return q
	}
	publish := func(q *queue.Queue, job string) instream.ID {
		id, err := q.Publish(queue.PublishArgs{Fields: []instream.Field{{Name: "job", Value: job}},
			Producer: "api", IdempotencyID: job})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}

	db := open()
	q := newQueue(db)
	var jobs []string
	ids := map[string]instream.ID{}
	for i := range quick + slow {
		job := fmt.Sprintf("quick-%02d", i)
		if i >= quick {
			job = fmt.Sprintf("slow-%02d", i)
		}
		jobs = append(jobs, job)
		ids[job] = publish(q, job)
	}
	// The quick jobs are acknowledged; the slow ones are still running
	// (or not started) at shutdown and are given back.
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- q.Run(ctx, func(ctx context.Context, m queue.Message) error {
			if job, _ := m.Get("job"); job[:4] == "slow" {
				<-ctx.Done()
				return ctx.Err()
			}
			return nil
		})
	}()
	waitAcked(t, q, quick)
	stop()
	if err := <-done; err != nil && err != queue.ErrShutdownTimeout {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db = open()
	defer db.Close()
	q = newQueue(db)
	s, err := q.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if left := s.Pending + s.Lag; left != slow {
		t.Fatalf("after reopen: %d pending + %d lag, want %d jobs left", s.Pending, s.Lag, slow)
	}
	for _, job := range jobs {
		if id := publish(q, job); id != ids[job] {
			t.Fatalf("publishing %s again after reopen: %v, want the first ID %v", job, id, ids[job])
		}
	}
	if n, _ := db.Len("jobs"); n != quick+slow {
		t.Fatalf("the stream holds %d jobs, want %d", n, quick+slow)
	}

	var mu sync.Mutex
	var handled []string
	ctx, stop = context.WithCancel(context.Background())
	go func() {
		done <- q.Run(ctx, func(_ context.Context, m queue.Message) error {
			job, _ := m.Get("job")
			mu.Lock()
			handled = append(handled, job)
			mu.Unlock()
			return nil
		})
	}()
	waitAcked(t, q, slow)
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	slices.Sort(handled)
	if want := jobs[quick:]; !slices.Equal(handled, want) {
		t.Fatalf("handled after reopen %v, want %v", handled, want)
	}
}

// waitAcked waits until q has acknowledged n messages, for 10 s at most.
func waitAcked(t *testing.T, q *queue.Queue, n int64) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		s, err := q.Stats() // fails until Run has created the group
		if err == nil && s.Acked >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d acknowledged after 10 s (%v), want %d", s.Acked, err, n)
		}
	}
}
