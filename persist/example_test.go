package persist_test

import (
	"fmt"
	"log"
	"os"

	"github.com/instream/instream"
	"github.com/instream/instream/aof"
	"github.com/instream/instream/persist"
)

func Example() {
	dir, err := os.MkdirTemp("", "instream-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	// Every change is on disk before the call that made it returns.
	db, err := persist.Open(dir, persist.Options{Fsync: aof.Always})
	if err != nil {
		log.Fatal(err)
	}
	for _, job := range []string{"resize", "upload"} {
		if _, err := db.Add("jobs", instream.AddArgs{Fields: []instream.Field{{Name: "job", Value: job}}}); err != nil {
			log.Fatal(err)
		}
	}
	if err := db.CreateGroup("jobs", instream.GroupArgs{Group: "workers"}); err != nil {
		log.Fatal(err)
	}
	if _, err := db.TryReadGroup(instream.ReadGroupArgs{Group: "workers", Consumer: "w1",
		Streams: []instream.GroupStream{{Key: "jobs"}}}); err != nil {
		log.Fatal(err)
	}
	if err := db.Close(); err != nil { // syncs and reports the log's error
		log.Fatal(err)
	}

	// After a restart (or a crash), the streams, groups and pending
	// lists are back.
	db, err = persist.Open(dir, persist.Options{Fsync: aof.Always})
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	if cut := db.Recovery().Cut; cut != nil {
		log.Printf("cut a torn tail: %d bytes of %s at %d", cut.Bytes, cut.File, cut.Offset)
	}
	sum, err := db.PendingSummary("jobs", "workers")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("pending after reopen:", sum.Count)
	// Output:
	// pending after reopen: 2
}
