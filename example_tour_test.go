package instream_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/instream/instream"
)

// This example is the README's short tour: produce, consume as a group,
// acknowledge, and take over what a dead consumer left. Its body is the
// README's code block (TestReadmeTour keeps the two the same).
func Example_tour() {
	ctx := context.Background()
	e := instream.New(instream.Options{}) // a zero Options uses the defaults
	defer e.Close()

	// A group of workers; MkStream creates the stream if needed.
	if err := e.CreateGroup("jobs", instream.GroupArgs{Group: "workers", MkStream: true}); err != nil {
		log.Fatal(err)
	}

	// Produce. A zero ID means "*": generated from the clock.
	_, err := e.Add("jobs", instream.AddArgs{
		Fields: []instream.Field{{Name: "job", Value: "resize"}, {Name: "size", Value: "64"}},
		Trim:   instream.TrimArgs{Strategy: instream.TrimMaxLen, MaxLen: 10_000, Approx: true},
	})
	if err != nil {
		log.Fatal(err)
	}

	// Consume as a group: wait up to 5 s for new entries, then acknowledge.
	readCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	got, err := e.ReadGroup(readCtx, instream.ReadGroupArgs{
		Group: "workers", Consumer: "w1", Count: 10,
		Streams: []instream.GroupStream{{Key: "jobs"}}, // new entries (">")
	})
	if err != nil {
		log.Fatal(err) // context.DeadlineExceeded if nothing came in 5 s
	}
	for _, stream := range got {
		for _, en := range stream.Entries {
			job, _ := en.Get("job")
			fmt.Println("doing", job)
			if _, err := e.Ack("jobs", "workers", en.ID); err != nil {
				log.Fatal(err)
			}
		}
	}

	// Recover work a dead consumer left: entries idle for a minute move to
	// w2, each with its delivery count so far.
	res, err := e.AutoClaim("jobs", instream.AutoClaimArgs{
		Group: "workers", Consumer: "w2", MinIdle: time.Minute,
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, en := range res.Claimed {
		fmt.Println("taking over", en.ID, "delivered", en.Deliveries, "times before")
	}
	// Output:
	// doing resize
}
