package goredis_test

import (
	"context"
	"fmt"
	"log"

	"github.com/instream/instream"
	"github.com/instream/instream/goredis"
	"github.com/redis/go-redis/v9"
)

// This example runs go-redis stream commands against an engine in the
// same process.
func ExampleNewClient() {
	e := instream.New(instream.Options{})
	defer e.Close()
	rdb := goredis.NewClient(e, &redis.Options{Protocol: 3})
	defer rdb.Close()
	ctx := context.Background()

	if err := rdb.XAdd(ctx, &redis.XAddArgs{Stream: "jobs", ID: "1-1", Values: []string{"job", "resize"}}).Err(); err != nil {
		log.Fatal(err)
	}
	if err := rdb.XGroupCreate(ctx, "jobs", "workers", "0").Err(); err != nil {
		log.Fatal(err)
	}
	res, err := rdb.XReadGroup(ctx, &redis.XReadGroupArgs{Group: "workers", Consumer: "w1", Streams: []string{"jobs", ">"}, Block: -1}).Result()
	if err != nil {
		log.Fatal(err)
	}
	msg := res[0].Messages[0]
	fmt.Println(msg.ID, msg.Values["job"])
	n, err := rdb.XAck(ctx, "jobs", "workers", msg.ID).Result()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("acked", n)
	// Output:
	// 1-1 resize
	// acked 1
}
