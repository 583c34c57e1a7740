package bench

import "time"

// groups will measure consumer-group reads and acks once TryReadGroup and
// Ack are on main.
func (c *comparer) groups() error {
	c.rep.Notes = append(c.rep.Notes, "consumer groups (TryReadGroup, Ack) are not on main yet: not measured.")
	return nil
}

// instreamWake will time instream's blocking read once it is on main. It
// returns nil latencies until then.
func (c *comparer) instreamWake(trials int) ([]time.Duration, error) {
	c.rep.Notes = append(c.rep.Notes, "blocking reads are not on main yet: instream wake-up not measured.")
	return nil, nil
}
