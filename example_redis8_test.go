package instream_test

import (
	"fmt"
	"log"
	"time"

	"github.com/instream/instream"
)

// This example reads with Redis 8.4's CLAIM: a worker takes over the jobs
// another worker left idle for too long before it reads new ones, in a
// single call.
func ExampleEngine_TryReadGroup_claim() {
	clock := instream.NewManualClock(time.UnixMilli(1_700_000_000_000))
	e := instream.New(instream.Options{Clock: clock})
	defer e.Close()
	add := func(ms uint64, job string) {
		if _, err := e.Add("jobs", instream.AddArgs{ID: instream.ID{Ms: ms}, Fields: []instream.Field{{Name: "job", Value: job}}}); err != nil {
			log.Fatal(err)
		}
	}
	add(1, "resize photo")
	if err := e.CreateGroup("jobs", instream.GroupArgs{Group: "workers"}); err != nil {
		log.Fatal(err)
	}
	jobs := []instream.GroupStream{{Key: "jobs"}}
	if _, err := e.TryReadGroup(instream.ReadGroupArgs{Group: "workers", Consumer: "bob", Streams: jobs}); err != nil {
		log.Fatal(err)
	}
	// bob dies; a minute later a new job arrives and carol reads.
	clock.Advance(time.Minute)
	add(2, "send mail")
	res, err := e.TryReadGroup(instream.ReadGroupArgs{
		Group: "workers", Consumer: "carol", Streams: jobs,
		Claim: true, MinIdle: 30 * time.Second,
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, en := range res[0].Entries {
		fmt.Printf("%v %q claimed=%v idle=%v deliveries=%d\n", en.ID, en.Fields[0].Value, en.Claimed, en.Idle, en.Deliveries)
	}
	// Output:
	// 1-0 "resize photo" claimed=true idle=1m0s deliveries=1
	// 2-0 "send mail" claimed=false idle=0s deliveries=0
}

// This example deletes entries only once every consumer group is done
// with them, as Redis 8.2's XACKDEL with ACKED does.
func ExampleEngine_AckDelete() {
	e := instream.New(instream.Options{})
	defer e.Close()
	if _, err := e.Add("events", instream.AddArgs{ID: instream.ID{Ms: 1}, Fields: []instream.Field{{Name: "k", Value: "v"}}}); err != nil {
		log.Fatal(err)
	}
	for _, g := range []string{"billing", "audit"} {
		if err := e.CreateGroup("events", instream.GroupArgs{Group: g}); err != nil {
			log.Fatal(err)
		}
		if _, err := e.TryReadGroup(instream.ReadGroupArgs{Group: g, Consumer: "c", Streams: []instream.GroupStream{{Key: "events"}}}); err != nil {
			log.Fatal(err)
		}
	}
	for _, g := range []string{"billing", "audit"} {
		res, err := e.AckDelete("events", g, instream.Acked, instream.ID{Ms: 1})
		if err != nil {
			log.Fatal(err)
		}
		n, _ := e.Len("events")
		fmt.Printf("%s acks: %v, length %d\n", g, res[0], n)
	}
	// Output:
	// billing acks: referenced, length 1
	// audit acks: deleted, length 0
}

// This example retries a publish, as a producer does when it cannot tell
// whether its first attempt went through: Redis 8.6's idempotent add
// answers the retry with the first entry's ID and adds nothing.
func ExampleEngine_AddIdempotent() {
	clock := instream.NewManualClock(time.UnixMilli(1_700_000_000_000))
	e := instream.New(instream.Options{Clock: clock})
	defer e.Close()
	args := instream.AddArgs{
		Producer:      "billing",
		IdempotencyID: "invoice-42",
		Fields:        []instream.Field{{Name: "job", Value: "send invoice 42"}},
	}
	for range 2 {
		r, err := e.AddIdempotent("jobs", args)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(r.ID, "duplicate:", r.Duplicate)
	}
	n, err := e.Len("jobs")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("entries:", n)
	// Output:
	// 1700000000000-0 duplicate: false
	// 1700000000000-0 duplicate: true
	// entries: 1
}
