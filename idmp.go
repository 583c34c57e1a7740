package instream

import (
	"fmt"
	"hash/maphash"
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
	lookups        uint64

	added, duplicates int64 // all-time counters
}

// producer holds one producer's remembered IDs, oldest first, in a ring
// with an open-addressing index over it: a remembered ID costs one hash
// of its text per add, where a Go map would hash it for the lookup, the
// insertion and again for the eviction.
type producer struct {
	name    string
	recs    []idmpRec // the ring: 4 or more, a power of two, below 2*maxSize
	head, n int
	// slots index recs by hash, with linear probing. len(slots) is a
	// power of two of at least 2*len(recs), so probing always meets an
	// empty slot.
	slots      []idmpSlot
	prev, next *producer // in idmp's list
}

// idmpSlot is a ring position plus one (0 for an empty slot) and the low
// half of its ID's hash, so that probing and deleting rarely read the
// ring.
type idmpSlot struct {
	pos  int32
	hash uint32
}

type idmpRec struct {
	iid  string
	id   ID
	hash uint64
}

// idmpSeed seeds the hash of the indexes; it lives in memory only.
var idmpSeed = maphash.MakeSeed()

func idmpHash(iid string) uint64 { return maphash.String(idmpSeed, iid) }

func (p *producer) len() int { return p.n }

// oldest returns p's oldest record; p is not empty.
func (p *producer) oldest() *idmpRec { return &p.recs[p.head] }

// find returns the ring position of iid, whose hash is h, or -1.
func (p *producer) find(iid string, h uint64) int {
	mask := len(p.slots) - 1
	for i := int(uint32(h)) & mask; ; i = (i + 1) & mask {
		s := p.slots[i]
		if s.pos == 0 {
			return -1
		}
		if s.hash == uint32(h) {
			if r := &p.recs[s.pos-1]; r.hash == h && r.iid == iid {
				return int(s.pos - 1)
			}
		}
	}
}

// push appends a record to p, which must hold fewer than its cap.
func (p *producer) push(iid string, h uint64, id ID) {
	if p.n == len(p.recs) {
		p.grow()
	}
	pos := p.at(p.n)
	p.recs[pos] = idmpRec{iid, id, h}
	p.n++
	p.insert(pos)
}

func (p *producer) insert(pos int) {
	mask := len(p.slots) - 1
	h := uint32(p.recs[pos].hash)
	i := int(h) & mask
	for p.slots[i].pos != 0 {
		i = (i + 1) & mask
	}
	p.slots[i] = idmpSlot{int32(pos + 1), h}
}

// at returns the ring position of p's i-th oldest record. The ring's
// length is a power of two, so that this costs no division.
func (p *producer) at(i int) int { return (p.head + i) & (len(p.recs) - 1) }

// grow doubles the ring and rebuilds the index. The ring stays below
// twice the stream's maxSize, since p holds at most maxSize records.
func (p *producer) grow() {
	size := max(2*len(p.recs), 4)
	recs := make([]idmpRec, size)
	for i := range p.n {
		recs[i] = p.recs[p.at(i)]
	}
	p.recs, p.head = recs, 0
	slots := 8
	for slots < 2*size {
		slots *= 2
	}
	p.slots = make([]idmpSlot, slots)
	for pos := range p.n {
		p.insert(pos)
	}
}

// popFront forgets p's oldest ID.
func (p *producer) popFront() {
	p.unindex(p.head)
	p.recs[p.head] = idmpRec{} // drop the string
	p.head = p.at(1)
	p.n--
}

// unindex removes ring position pos from the index, shifting back the
// entries probed past it (deletion without tombstones).
func (p *producer) unindex(pos int) {
	mask := len(p.slots) - 1
	i := int(uint32(p.recs[pos].hash)) & mask
	for int(p.slots[i].pos) != pos+1 {
		i = (i + 1) & mask
	}
	for j := i; ; {
		j = (j + 1) & mask
		s := p.slots[j]
		if s.pos == 0 {
			p.slots[i] = idmpSlot{}
			return
		}
		// The entry at j may fill the hole at i unless its home slot k
		// lies cyclically in (i, j].
		k := int(s.hash) & mask
		if (i <= j && (k <= i || k > j)) || (i > j && k <= i && k > j) {
			p.slots[i] = s
			i = j
		}
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
// none is left, which it reports.
func (d *idmp) expireProducer(p *producer, now int64) bool {
	c, ok := d.cutoff(now)
	if !ok {
		return false
	}
	for p.len() > 0 && p.oldest().id.Ms <= c {
		p.popFront()
		d.tracked--
	}
	if p.len() == 0 {
		d.remove(p)
		return true
	}
	return false
}

// expireQuiet expires the producers that have recorded nothing for the
// longest time until one keeps an ID, so that producers gone quiet do not
// hold memory until the next XINFO. Amortised O(1) per add.
func (d *idmp) expireQuiet(now int64) {
	for p := d.oldest; p != nil; {
		next := p.next
		if !d.expireProducer(p, now) {
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

// lookup returns the producer pid, nil if it holds no ID, and the entry
// ID it recorded for iid, whose hash is h, after expiring.
func (d *idmp) lookup(pid, iid string, h uint64, now int64) (*producer, ID, bool) {
	if d.producers == nil {
		return nil, ID{}, false
	}
	// Quiet producers are looked at every 16th lookup: often enough to
	// free their memory, rarely enough to keep their memory out of the
	// caches of an add.
	if d.lookups++; d.lookups%16 == 0 {
		d.expireQuiet(now)
	}
	p := d.producers[pid]
	if p == nil || d.expireProducer(p, now) {
		return nil, ID{}, false
	}
	if pos := p.find(iid, h); pos >= 0 {
		return p, p.recs[pos].id, true
	}
	return p, ID{}, false
}

// record remembers (pid, iid) -> id, the pair not being there, forgetting
// the producer's oldest IDs to stay within maxSize. p is the producer pid
// as lookup returned it, and h the hash of iid.
func (d *idmp) record(p *producer, pid, iid string, h uint64, id ID) {
	if p == nil {
		if d.producers == nil {
			d.producers = make(map[string]*producer)
		}
		p = &producer{name: pid}
		d.producers[pid] = p
		d.link(p)
	} else if p != d.newest {
		d.unlink(p)
		d.link(p)
	}
	for int64(p.n) >= d.maxSize {
		p.popFront()
		d.tracked--
	}
	p.push(iid, h, id)
	d.tracked++
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
		if p.n == 0 || int64(p.n) > d.maxSize || (len(p.recs) > 4 && int64(len(p.recs)) >= 2*d.maxSize) {
			return fmt.Errorf("idmp producer %q holds %d IDs in %d, max %d", p.name, p.n, len(p.recs), d.maxSize)
		}
		used := 0
		for _, s := range p.slots {
			if s.pos != 0 {
				used++
			}
		}
		if used != p.n {
			return fmt.Errorf("idmp producer %q: %d IDs, %d indexed", p.name, p.n, used)
		}
		for i := range p.n {
			pos := p.at(i)
			r := p.recs[pos]
			if r.hash != idmpHash(r.iid) || p.find(r.iid, r.hash) != pos {
				return fmt.Errorf("idmp producer %q: %q not indexed", p.name, r.iid)
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
