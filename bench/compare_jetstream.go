package bench

import (
	"fmt"
	"slices"
)

// SideRow is one line of the comparison with embedded NATS JetStream.
// Figures not measured are NaN.
type SideRow struct {
	Op   string
	Unit string
	// Instream is the figure of the instream side named InstreamSide;
	// JetStream is JetStream's, configured as JetStreamSide.
	Instream, JetStream         float64
	InstreamSide, JetStreamSide string
	// Spreads are the [min..max] over the repetitions, or "".
	InstreamSpread, JetStreamSpread string
}

// Default sizes of the jetstream part.
const (
	defaultDurableN = 10_000
	defaultQueueN   = 100_000
)

// durableProducers are the publisher counts of the durable comparison.
var durableProducers = []int{1, 64}

// jetstream measures instream's sides against embedded NATS JetStream:
// durable adds per second, queue messages per second, and
// publish-to-handler latency.
func (c *comparer) jetstream() error {
	for _, producers := range durableProducers {
		c.logf("jetstream: durable publish, %d producers, %d adds", producers, c.cfg.DurableN)
		op := fmt.Sprintf("durable publish, %d producers", producers)
		if producers == 1 {
			op = "durable publish, 1 producer"
		}
		measure := func(side DurableSide) sideRun {
			return sideRun{side.Name, func() (float64, error) {
				return durableRate(c.ctx, side.Open, producers, c.cfg.DurableN)
			}}
		}
		var sides []sideRun
		for _, s := range durableSides {
			sides = append(sides, measure(s))
		}
		if err := c.sideRows(op, "adds/s", measure(durableJetStream), sides); err != nil {
			return err
		}
	}
	for _, async := range []bool{true, false} {
		how := "sync publish"
		if async {
			how = "async publish"
		}
		c.logf("jetstream: queue, %s, %d messages", how, c.cfg.QueueN)
		op := fmt.Sprintf("queue: publish → handler → ack, %d handlers, %d B, %s", queueHandlers, queueMsgSize, how)
		measure := func(name string, side QueueSide) sideRun {
			return sideRun{name, func() (float64, error) { return queueRate(c.ctx, side.Open, c.cfg.QueueN, async) }}
		}
		var sides []sideRun
		for _, s := range queueSides {
			sides = append(sides, measure(s.Name, s))
		}
		if err := c.sideRows(op, "msgs/s", measure(queueJetStream.Name+", "+how, queueJetStream), sides); err != nil {
			return err
		}
	}
	trials := c.cfg.WakeTrials
	if trials <= 0 {
		return nil
	}
	c.logf("jetstream: queue latency, %d messages one at a time", trials)
	js, err := queueLatency(c.ctx, queueJetStream.Open, trials)
	if err != nil {
		return fmt.Errorf("jetstream queue latency: %w", err)
	}
	for _, side := range queueSides {
		lat, err := queueLatency(c.ctx, side.Open, trials)
		if err != nil {
			return fmt.Errorf("%s latency: %w", side.Name, err)
		}
		for _, p := range []float64{50, 99} {
			c.rep.Side = append(c.rep.Side, SideRow{
				Op:       fmt.Sprintf("queue: publish → handler latency, one at a time, p%.0f", p),
				Unit:     "µs",
				Instream: us(percentile(lat, p)), JetStream: us(percentile(js, p)),
				InstreamSide: side.Name, JetStreamSide: queueJetStream.Name + ", sync publish",
			})
		}
	}
	return nil
}

// sideRun is one side of a row, ready to be measured.
type sideRun struct {
	name string
	run  func() (float64, error)
}

// sideRows measures JetStream and each instream side, and adds one row
// per instream side.
func (c *comparer) sideRows(op, unit string, js sideRun, sides []sideRun) error {
	jsV, jsSpread, err := c.median(js.run)
	if err != nil {
		return fmt.Errorf("%s, JetStream: %w", op, err)
	}
	for _, s := range sides {
		v, spread, err := c.median(s.run)
		if err != nil {
			return fmt.Errorf("%s, %s: %w", op, s.name, err)
		}
		c.rep.Side = append(c.rep.Side, SideRow{
			Op: op, Unit: unit, Instream: v, JetStream: jsV,
			InstreamSide: s.name, JetStreamSide: js.name,
			InstreamSpread: spread, JetStreamSpread: jsSpread,
		})
	}
	return nil
}

// median runs measure Reps times (each on a fresh store) and returns
// the median and the spread.
func (c *comparer) median(measure func() (float64, error)) (float64, string, error) {
	var v []float64
	for range c.cfg.Reps {
		r, err := measure()
		if err != nil {
			return 0, "", err
		}
		v = append(v, r)
	}
	slices.Sort(v)
	return v[len(v)/2], num(v[0]) + ".." + num(v[len(v)-1]), nil
}

// jetStreamVersions names the NATS modules compiled in.
func jetStreamVersions() string {
	return "nats-server " + depVersion("github.com/nats-io/nats-server/v2") + ", nats.go " + depVersion("github.com/nats-io/nats.go")
}
