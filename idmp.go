package instream

import (
	"fmt"
	"time"
)

// Idempotent production (Redis 8.6's XADD IDMP and IDMPAUTO): each stream
// remembers, per producer, the idempotency IDs of its recent adds and the
// entry ID each one got, so that an add repeated with the same producer
// and idempotency ID is answered with the first entry's ID instead of
// adding a second entry.

// Bounds and defaults of the per-stream settings, as Redis's
// stream-idmp-duration and stream-idmp-maxsize configs have them.
const (
	idmpDefaultDuration = 100 // seconds
	idmpMaxDuration     = 86400
	idmpDefaultMaxSize  = 100
	idmpMaxMaxSize      = 10000
)

// idmp is one stream's idempotency state.
type idmp struct {
	duration int64 // seconds an ID is remembered, by its entry ID's ms
	maxSize  int64 // IDs remembered per producer

	producers map[string]*producer // nil while empty
	// oldest and newest end the list of producers in the order they last
	// recorded an ID, so that producers gone quiet are found first.
	oldest, newest *producer
	tracked        int64 // IDs held, over all producers

	added, duplicates int64 // all-time counters
}

// producer holds one producer's remembered IDs, oldest first.
type producer struct {
	name       string
	recs       []idmpRec // the FIFO is recs[head:]
	head       int
	index      map[string]ID
	prev, next *producer // in idmp's list
}

type idmpRec struct {
	iid string
	id  ID
}

func (p *producer) len() int { return len(p.recs) - p.head }

// popFront forgets p's oldest ID.
func (p *producer) popFront() {
	r := &p.recs[p.head]
	delete(p.index, r.iid)
	*r = idmpRec{} // drop the string
	p.head++
	if p.head == len(p.recs) {
		p.recs, p.head = p.recs[:0], 0
	} else if p.head >= 32 && 2*p.head >= len(p.recs) {
		// Slide the live half down, so the slice stays at most about
		// twice the cap whatever the number of adds.
		n := copy(p.recs, p.recs[p.head:])
		clear(p.recs[n:])
		p.recs, p.head = p.recs[:n], 0
	}
}

// cutoff returns the greatest entry-ID ms that has expired at now, and
// whether any has. Redis expires an ID when its entry ID's ms is at most
// now minus the duration: the entry's ID, not the time it was recorded,
// so IDs of a stream whose IDs run ahead of the clock do not expire.
func (d *idmp) cutoff(now int64) (uint64, bool) {
	c := now - d.duration*1000
	return uint64(c), c >= 0
}

// expireProducer drops p's expired IDs from its head, and p itself if
// none is left.
func (d *idmp) expireProducer(p *producer, now int64) {
	c, ok := d.cutoff(now)
	if !ok {
		return
	}
	for p.len() > 0 && p.recs[p.head].id.Ms <= c {
		p.popFront()
		d.tracked--
	}
	if p.len() == 0 {
		d.remove(p)
	}
}

// expireQuiet expires the producers that have recorded nothing for the
// longest time until one keeps an ID, so that producers gone quiet do not
// hold memory until the next XINFO. Amortised O(1) per add.
func (d *idmp) expireQuiet(now int64) {
	for p := d.oldest; p != nil; {
		next := p.next
		d.expireProducer(p, now)
		if p.len() > 0 {
			return
		}
		p = next
	}
}

// expireAll expires every producer, before XINFO reports the counts.
// O(producers + expired IDs).
func (d *idmp) expireAll(now int64) {
	for p := d.oldest; p != nil; {
		next := p.next
		d.expireProducer(p, now)
		p = next
	}
}

// lookup returns the entry ID recorded for (pid, iid), after expiring.
func (d *idmp) lookup(pid, iid string, now int64) (ID, bool) {
	if d.producers == nil {
		return ID{}, false
	}
	d.expireQuiet(now)
	p := d.producers[pid]
	if p == nil {
		return ID{}, false
	}
	d.expireProducer(p, now)
	id, ok := p.index[iid]
	return id, ok
}

// record remembers (pid, iid) -> id, the pair not being there, and
// forgets the producer's oldest IDs beyond maxSize.
func (d *idmp) record(pid, iid string, id ID) {
	p := d.producers[pid]
	if p == nil {
		if d.producers == nil {
			d.producers = make(map[string]*producer)
		}
		p = &producer{name: pid, index: make(map[string]ID)}
		d.producers[pid] = p
	} else {
		d.unlink(p)
	}
	d.link(p)
	p.recs = append(p.recs, idmpRec{iid, id})
	p.index[iid] = id
	d.tracked++
	for int64(p.len()) > d.maxSize {
		p.popFront()
		d.tracked--
	}
}

// remove drops the producer p, which holds no ID.
func (d *idmp) remove(p *producer) {
	d.unlink(p)
	delete(d.producers, p.name)
	if len(d.producers) == 0 {
		d.producers = nil // a map does not shrink; let it go
	}
}

// reset forgets every producer, keeping the settings and counters.
func (d *idmp) reset() {
	d.producers, d.oldest, d.newest, d.tracked = nil, nil, nil, 0
}

func (d *idmp) link(p *producer) {
	p.prev, p.next = d.newest, nil
	if d.newest != nil {
		d.newest.next = p
	} else {
		d.oldest = p
	}
	d.newest = p
}

func (d *idmp) unlink(p *producer) {
	if p.prev != nil {
		p.prev.next = p.next
	} else {
		d.oldest = p.next
	}
	if p.next != nil {
		p.next.prev = p.prev
	} else {
		d.newest = p.prev
	}
	p.prev, p.next = nil, nil
}

// check verifies the state's invariants.
func (d *idmp) check() error {
	if d.duration < 1 || d.duration > idmpMaxDuration || d.maxSize < 1 || d.maxSize > idmpMaxMaxSize {
		return fmt.Errorf("idmp settings %d s, %d out of range", d.duration, d.maxSize)
	}
	n, tracked := 0, int64(0)
	var prev *producer
	for p := d.oldest; p != nil; prev, p = p, p.next {
		n++
		if p.prev != prev || d.producers[p.name] != p {
			return fmt.Errorf("idmp producer %q badly linked", p.name)
		}
		if p.len() == 0 || int64(p.len()) > d.maxSize || len(p.index) != p.len() {
			return fmt.Errorf("idmp producer %q holds %d IDs, %d indexed, max %d", p.name, p.len(), len(p.index), d.maxSize)
		}
		for _, r := range p.recs[p.head:] {
			if id, ok := p.index[r.iid]; !ok || id != r.id {
				return fmt.Errorf("idmp producer %q: %q not indexed as %v", p.name, r.iid, r.id)
			}
		}
		tracked += int64(p.len())
	}
	switch {
	case d.newest != prev || n != len(d.producers):
		return fmt.Errorf("idmp list holds %d producers, map %d", n, len(d.producers))
	case tracked != d.tracked:
		return fmt.Errorf("idmp tracks %d IDs, holds %d", d.tracked, tracked)
	}
	return nil
}

// idmpSettings turns Options' values into whole seconds and a size within
// Redis's bounds; zero or negative means the default.
func idmpSettings(o Options) (duration, maxSize int64) {
	duration = int64(o.IdempotencyDuration / time.Second)
	if o.IdempotencyDuration <= 0 {
		duration = idmpDefaultDuration
	}
	maxSize = int64(o.IdempotencyMaxSize)
	if maxSize <= 0 {
		maxSize = idmpDefaultMaxSize
	}
	return min(max(duration, 1), idmpMaxDuration), min(maxSize, idmpMaxMaxSize)
}
