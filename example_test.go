package instream_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/instream/instream"
)

// This example shows the work-queue flow: a producer adds entries, a
// consumer of a group reads them, and acknowledges what it has handled.
func Example() {
	e := instream.New(instream.Options{})
	defer e.Close()

	if err := e.CreateGroup("jobs", instream.GroupArgs{Group: "workers", MkStream: true}); err != nil {
		log.Fatal(err)
	}
	for i, job := range []string{"resize", "upload"} {
		_, err := e.Add("jobs", instream.AddArgs{
			ID:     instream.ID{Ms: 1700000000000, Seq: uint64(i)},
			Fields: []instream.Field{{Name: "job", Value: job}},
		})
		if err != nil {
			log.Fatal(err)
		}
	}
	read, err := e.TryReadGroup(instream.ReadGroupArgs{
		Group: "workers", Consumer: "w1",
		Streams: []instream.GroupStream{{Key: "jobs"}},
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, en := range read[0].Entries {
		fmt.Println(en.ID, en.Fields[0].Value)
		if _, err := e.Ack("jobs", "workers", en.ID); err != nil {
			log.Fatal(err)
		}
	}
	sum, err := e.PendingSummary("jobs", "workers")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("pending:", sum.Count)
	// Output:
	// 1700000000000-0 resize
	// 1700000000000-1 upload
	// pending: 0
}

// This example appends entries to a stream and reads them back in order.
func ExampleEngine_Range() {
	e := instream.New(instream.Options{})
	defer e.Close()

	for i, event := range []string{"signup", "login", "logout"} {
		_, err := e.Add("events", instream.AddArgs{
			ID:     instream.ID{Ms: 1700000000000, Seq: uint64(i)},
			Fields: []instream.Field{{Name: "type", Value: event}},
		})
		if err != nil {
			log.Fatal(err)
		}
	}
	entries, err := e.Range("events", instream.MinID, instream.MaxID, 0)
	if err != nil {
		log.Fatal(err)
	}
	for _, en := range entries {
		fmt.Println(en.ID, en.Fields[0].Value)
	}
	// Output:
	// 1700000000000-0 signup
	// 1700000000000-1 login
	// 1700000000000-2 logout
}

// This example shows the ID rules of Add: a zero ID is generated from the
// clock, AutoSeq generates only the sequence, and IDs never go back.
func ExampleEngine_Add() {
	e := instream.New(instream.Options{})
	defer e.Close()
	f := []instream.Field{{Name: "n", Value: "1"}}

	id, err := e.Add("s", instream.AddArgs{ID: instream.MustParseID("5-1"), Fields: f})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(id)
	id, err = e.Add("s", instream.AddArgs{ID: instream.ID{Ms: 5}, AutoSeq: true, Fields: f}) // XADD s 5-* ...
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(id)
	_, err = e.Add("s", instream.AddArgs{ID: instream.MustParseID("4-0"), Fields: f})
	fmt.Println(errors.Is(err, instream.ErrIDTooSmall))
	// Output:
	// 5-1
	// 5-2
	// true
}

// This example reads the newest entries first, two at a time.
func ExampleEngine_RevRange() {
	e := instream.New(instream.Options{})
	defer e.Close()
	for ms := uint64(1); ms <= 5; ms++ {
		_, err := e.Add("s", instream.AddArgs{ID: instream.ID{Ms: ms}, Fields: []instream.Field{{Name: "n", Value: fmt.Sprint(ms)}}})
		if err != nil {
			log.Fatal(err)
		}
	}
	entries, err := e.RevRange("s", instream.MaxID, instream.MinID, 2)
	if err != nil {
		log.Fatal(err)
	}
	for _, en := range entries {
		fmt.Println(en.ID)
	}
	// Output:
	// 5-0
	// 4-0
}

// This example keeps only the three newest entries of a stream.
func ExampleEngine_Trim() {
	e := instream.New(instream.Options{})
	defer e.Close()
	for ms := uint64(1); ms <= 5; ms++ {
		if _, err := e.Add("s", instream.AddArgs{ID: instream.ID{Ms: ms}, Fields: []instream.Field{{Name: "n", Value: "x"}}}); err != nil {
			log.Fatal(err)
		}
	}
	removed, err := e.Trim("s", instream.TrimArgs{Strategy: instream.TrimMaxLen, MaxLen: 3})
	if err != nil {
		log.Fatal(err)
	}
	n, err := e.Len("s")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(removed, n)
	// Output:
	// 2 3
}

// This example parses IDs the way Redis does, quirks included.
func ExampleParseID() {
	for _, s := range []string{"1526919030474-55", "1526919030474", "007-+1", "1-2-3"} {
		id, err := instream.ParseID(s)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(id)
	}
	// Output:
	// 1526919030474-55
	// 1526919030474-0
	// 7-1
	// parse stream id "1-2-3": invalid
}

// This example sends Redis commands through Do and prints the replies
// and an error, whose text is exactly Redis's.
func ExampleEngine_Do() {
	e := instream.New(instream.Options{})
	defer e.Close()
	ctx := context.Background()

	id, err := e.Do(ctx, "XADD", "orders", "1700000000000-0", "item", "book", "qty", "2")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(id)
	n, err := e.Do(ctx, "XLEN", "orders")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(n)
	entries, err := e.Do(ctx, "XRANGE", "orders", "-", "+")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(entries)
	_, err = e.Do(ctx, "XADD", "orders", "1", "item", "pen")
	fmt.Println(err)
	fmt.Println(errors.Is(err, instream.ErrIDTooSmall))
	// Output:
	// 1700000000000-0
	// 1
	// [[1700000000000-0 [item book qty 2]]]
	// ERR The ID specified in XADD is equal or smaller than the target stream top item
	// true
}
