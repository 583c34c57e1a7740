package redisstreams_test

import (
	"context"
	"log"

	"github.com/instream/instream"
	"github.com/instream/instream/redisstreams"
	"github.com/redis/go-redis/v9"
)

// This example moves a worker from the in-process engine to a Redis
// server: only the constructor changes. (It needs a server, so it has
// no output to check.)
func ExampleNew() {
	work := func(s instream.Streams) {
		ctx := context.Background()
		if err := s.CreateGroup("jobs", instream.GroupArgs{Group: "workers", MkStream: true}); err != nil {
			log.Fatal(err)
		}
		if _, err := s.Add("jobs", instream.AddArgs{Fields: []instream.Field{{Name: "job", Value: "resize"}}}); err != nil {
			log.Fatal(err)
		}
		res, err := s.ReadGroup(ctx, instream.ReadGroupArgs{Group: "workers", Consumer: "w1",
			Streams: []instream.GroupStream{{Key: "jobs"}}})
		if err != nil {
			log.Fatal(err)
		}
		for _, en := range res[0].Entries {
			if _, err := s.Ack("jobs", "workers", en.ID); err != nil {
				log.Fatal(err)
			}
		}
	}

	// In process:
	work(instream.New(instream.Options{}))

	// On a server, a Sentinel-managed primary or a cluster:
	rdb := redis.NewUniversalClient(&redis.UniversalOptions{Addrs: []string{"localhost:6379"}})
	defer rdb.Close()
	s := redisstreams.New(rdb, redisstreams.Options{})
	defer s.Close()
	work(s)
}
