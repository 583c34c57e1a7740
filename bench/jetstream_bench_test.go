package bench

import (
	"fmt"
	"testing"
)

// The benchmarks of this file set instream beside embedded NATS JetStream.
// Each iteration is one add or one message; a run opens a fresh store, so
// its set-up counts in the time testing uses to pick b.N, but the reported
// ns/op and rates cover the measured stretch only.

// BenchmarkDurable_Publish measures durable adds: JetStream on file
// storage with SyncAlways and synchronous publishes, and each instream
// side, with 1 and 64 concurrent producers.
func BenchmarkDurable_Publish(b *testing.B) {
	for _, side := range append([]DurableSide{durableJetStream}, durableSides...) {
		for _, producers := range durableProducers {
			b.Run(fmt.Sprintf("impl=%s/producers=%d", side.Impl, producers), func(b *testing.B) {
				rate, err := durableRate(b.Context(), side.Open, producers, max(b.N, producers))
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(1e9/rate, "ns/op")
				b.ReportMetric(rate, "adds/s")
			})
		}
	}
}

// BenchmarkQueue_Throughput measures publish → handler → ack with 4
// handlers and 40-byte messages, published synchronously or not.
func BenchmarkQueue_Throughput(b *testing.B) {
	for _, side := range append([]QueueSide{queueJetStream}, queueSides...) {
		for _, publish := range []string{"async", "sync"} {
			b.Run(fmt.Sprintf("impl=%s/publish=%s", side.Impl, publish), func(b *testing.B) {
				rate, err := queueRate(b.Context(), side.Open, b.N, publish == "async")
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(1e9/rate, "ns/op")
				b.ReportMetric(rate, "msgs/s")
			})
		}
	}
}

// BenchmarkQueue_Latency measures the time from publish to the start of
// the handler, one message at a time; it reports the p50 and p99.
func BenchmarkQueue_Latency(b *testing.B) {
	for _, side := range append([]QueueSide{queueJetStream}, queueSides...) {
		b.Run("impl="+side.Impl, func(b *testing.B) {
			lat, err := queueLatency(b.Context(), side.Open, b.N)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(0, "ns/op") // the run's wall time says nothing here
			b.ReportMetric(us(percentile(lat, 50)), "p50-µs")
			b.ReportMetric(us(percentile(lat, 99)), "p99-µs")
		})
	}
}
