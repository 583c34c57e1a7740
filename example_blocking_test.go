package instream_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/instream/instream"
)

// This example waits for the entries after a known ID, as XREAD BLOCK 0
// STREAMS events 1-1 does, while another goroutine adds one. Whichever
// goroutine runs first, Read returns the new entry.
func ExampleEngine_Read() {
	e := instream.New(instream.Options{})
	defer e.Close()
	seen, err := e.Add("events", instream.AddArgs{ID: instream.MustParseID("1-1"),
		Fields: []instream.Field{{Name: "user", Value: "ada"}}})
	if err != nil {
		log.Fatal(err)
	}
	go func() {
		if _, err := e.Add("events", instream.AddArgs{ID: instream.MustParseID("1-2"),
			Fields: []instream.Field{{Name: "user", Value: "grace"}}}); err != nil {
			log.Fatal(err)
		}
	}()
	res, err := e.Read(context.Background(), instream.ReadArgs{
		Streams: []instream.ReadStream{{Key: "events", After: seen}},
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, se := range res {
		for _, en := range se.Entries {
			fmt.Println(se.Key, en.ID, en.Fields)
		}
	}
	// Output:
	// events 1-2 [{user grace}]
}

// This example shows a consumer of a group waiting for work, as
// XREADGROUP BLOCK does; the entry it gets stays pending until acked.
func ExampleEngine_ReadGroup() {
	e := instream.New(instream.Options{})
	defer e.Close()
	if err := e.CreateGroup("jobs", instream.GroupArgs{Group: "workers", MkStream: true}); err != nil {
		log.Fatal(err)
	}
	// The group reads entries above 0-0, so the entry is delivered whether
	// it is added before or after ReadGroup starts waiting.
	go func() {
		if _, err := e.Add("jobs", instream.AddArgs{ID: instream.MustParseID("5-0"),
			Fields: []instream.Field{{Name: "task", Value: "resize"}}}); err != nil {
			log.Fatal(err)
		}
	}()
	res, err := e.ReadGroup(context.Background(), instream.ReadGroupArgs{
		Group: "workers", Consumer: "w1",
		Streams: []instream.GroupStream{{Key: "jobs"}},
	})
	if err != nil {
		log.Fatal(err)
	}
	en := res[0].Entries[0]
	fmt.Println("got", en.ID, en.Fields)
	n, err := e.Ack("jobs", "workers", en.ID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("acked", n)
	// Output:
	// got 5-0 [{task resize}]
	// acked 1
}

// This example gives up waiting after a deadline, as XREADGROUP BLOCK ms
// does when nothing arrives.
func ExampleEngine_ReadGroup_timeout() {
	e := instream.New(instream.Options{})
	defer e.Close()
	if err := e.CreateGroup("jobs", instream.GroupArgs{Group: "workers", MkStream: true}); err != nil {
		log.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	res, err := e.ReadGroup(ctx, instream.ReadGroupArgs{
		Group: "workers", Consumer: "w1",
		Streams: []instream.GroupStream{{Key: "jobs"}},
	})
	fmt.Println(len(res), err)
	// Output:
	// 0 context deadline exceeded
}
