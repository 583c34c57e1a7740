package bench

import (
	"context"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/instream/instream"
)

// A DurableOpener opens one side of the durable-publish comparison on a
// fresh store in dir (an empty directory, removed after the run).
//
// A new instream side (say, persistent Add under appendfsync always) is one
// such function, listed in durableSides.
type DurableOpener func(ctx context.Context, dir string) (DurableRun, error)

// DurableRun is one opened side of the durable-publish comparison.
type DurableRun struct {
	// Add makes one add (or publish) for the given producer, and returns
	// only once it is as durable as the side claims. Producers call it
	// concurrently, each with its own producer number in [0, producers).
	Add func(producer int) error
	// Len reports how many adds the store holds, to check the run.
	Len func() (int64, error)
	// Close releases the store.
	Close func() error
}

// DurableSide is one instream configuration set against JetStream's
// durable publish.
type DurableSide struct {
	// Name says what is measured, shown beside the figure; Impl is a
	// short form for benchmark names.
	Name, Impl string
	Open       DurableOpener
}

// durableSides are the instream sides of the durable-publish comparison:
// the persistent engine's Add under appendfsync always, and the
// in-memory Add as the baseline.
var durableSides = []DurableSide{
	{Name: "persist Add, appendfsync always (group commit)", Impl: "instream-always", Open: openPersistAdds},
	{Name: "in-memory Add (not durable)", Impl: "instream-memory", Open: openMemoryAdds},
}

// durableJetStream is JetStream's side: file storage, fsync on every write.
var durableJetStream = DurableSide{Name: "file storage, SyncAlways, sync publish", Impl: "jetstream", Open: openJetStreamPublish}

// durableRate opens side on a fresh temporary store and makes n adds,
// spread evenly over producers goroutines; it returns the adds per second
// from the start of the first to the return of the last, having checked
// that the store holds all n.
func durableRate(ctx context.Context, open DurableOpener, producers, n int) (float64, error) {
	if producers < 1 || n < producers {
		return 0, fmt.Errorf("durable run: %d adds over %d producers", n, producers)
	}
	dir, err := os.MkdirTemp("", "instream-bench-durable-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	run, err := open(ctx, dir)
	if err != nil {
		return 0, err
	}
	run.Close = sync.OnceValue(run.Close)
	defer run.Close()

	var (
		wg    sync.WaitGroup
		start = make(chan struct{})
		errs  = make(chan error, producers)
	)
	for p := range producers {
		share := n / producers
		if p < n%producers {
			share++
		}
		wg.Go(func() {
			<-start
			for range share {
				if err := run.Add(p); err != nil {
					errs <- fmt.Errorf("producer %d: %w", p, err)
					return
				}
			}
		})
	}
	t0 := time.Now()
	close(start)
	wg.Wait()
	d := time.Since(t0)
	close(errs)
	if err := <-errs; err != nil {
		return 0, err
	}
	got, err := run.Len()
	if err != nil {
		return 0, err
	}
	if got != int64(n) {
		return 0, fmt.Errorf("durable run: the store holds %d adds, want %d", got, n)
	}
	if err := run.Close(); err != nil {
		return 0, err
	}
	return float64(n) / d.Seconds(), nil
}

// openMemoryAdds is the baseline instream side: the in-memory engine's Add
// of shape-b entries, which is not durable at all.
func openMemoryAdds(_ context.Context, _ string) (DurableRun, error) {
	e := instream.New(instream.Options{})
	_, fields := fieldPool()
	return DurableRun{
		Add: func(p int) error {
			_, err := e.Add("s", instream.AddArgs{Fields: fields[p%len(fields)]})
			return err
		},
		Len:   func() (int64, error) { return e.Len("s") },
		Close: e.Close,
	}, nil
}
