package instream_test

import (
	"fmt"
	"log"
	"time"

	"github.com/instream/instream"
)

// This example runs a work queue with at-least-once delivery: a producer
// adds jobs, two workers read them as a consumer group, one acknowledges
// its job and the other dies; a minute later a third worker claims the
// job the dead one left.
func Example_workQueue() {
	clock := instream.NewManualClock(time.UnixMilli(1_700_000_000_000))
	e := instream.New(instream.Options{Clock: clock})
	defer e.Close()

	for i, job := range []string{"resize photo", "send mail"} {
		id := instream.ID{Ms: 1, Seq: uint64(i)}
		if _, err := e.Add("jobs", instream.AddArgs{ID: id, Fields: []instream.Field{{Name: "job", Value: job}}}); err != nil {
			log.Fatal(err)
		}
	}
	if err := e.CreateGroup("jobs", instream.GroupArgs{Group: "workers"}); err != nil {
		log.Fatal(err)
	}

	read := func(worker string) instream.GroupEntry {
		res, err := e.TryReadGroup(instream.ReadGroupArgs{
			Group: "workers", Consumer: worker, Count: 1,
			Streams: []instream.GroupStream{{Key: "jobs"}},
		})
		if err != nil {
			log.Fatal(err)
		}
		en := res[0].Entries[0]
		fmt.Printf("%s got %v %q\n", worker, en.ID, en.Fields[0].Value)
		return en
	}
	done := read("alice")
	read("bob") // bob dies before acknowledging
	if _, err := e.Ack("jobs", "workers", done.ID); err != nil {
		log.Fatal(err)
	}

	clock.Advance(time.Minute)
	res, err := e.AutoClaim("jobs", instream.AutoClaimArgs{
		Group: "workers", Consumer: "carol", MinIdle: 30 * time.Second,
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, en := range res.Claimed {
		fmt.Printf("carol claimed %v %q\n", en.ID, en.Fields[0].Value)
	}
	pending, err := e.Pending("jobs", instream.PendingArgs{Group: "workers", End: instream.MaxID, Count: 10})
	if err != nil {
		log.Fatal(err)
	}
	for _, p := range pending {
		fmt.Printf("pending %v with %s, delivered %d times\n", p.ID, p.Consumer, p.Deliveries)
	}
	// Output:
	// alice got 1-0 "resize photo"
	// bob got 1-1 "send mail"
	// carol claimed 1-1 "send mail"
	// pending 1-1 with carol, delivered 2 times
}
