package bench

import "time"

// instreamWake will time instream's blocking read once it is on main. It
// returns nil latencies until then.
func (c *comparer) instreamWake(trials int) ([]time.Duration, error) {
	c.rep.Notes = append(c.rep.Notes, "blocking reads are not on main yet: instream wake-up not measured.")
	return nil, nil
}
