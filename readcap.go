package instream

// readBudget is what the MaxCount and MaxSize of one read (Redis 8.10's
// MAXCOUNT and MAXSIZE) leave as its streams are served in order. A nil
// budget caps nothing.
type readBudget struct {
	maxCount, maxSize int // 0: no cap
	n, size           int // entries and bytes taken so far
	full              bool
}

// newBudget returns the budget of a read, nil if it has no caps.
func newBudget(maxCount, maxSize int) *readBudget {
	if maxCount == 0 && maxSize == 0 {
		return nil
	}
	return &readBudget{maxCount: maxCount, maxSize: maxSize}
}

// next returns the count for the next stream: count (0: no limit) capped
// by what MaxCount leaves, and false once the read may take nothing
// more, so the remaining streams are skipped.
func (b *readBudget) next(count int) (int, bool) {
	if b == nil {
		return count, true
	}
	if b.full {
		return 0, false
	}
	if b.maxCount > 0 {
		left := b.maxCount - b.n
		if left <= 0 {
			return 0, false
		}
		if count == 0 || count > left {
			count = left
		}
	}
	return count, true
}

// take reports whether an entry of size bytes in the reply fits, and
// counts it if so. The first entry of a read always fits; once one does
// not, the read takes nothing more.
func (b *readBudget) take(size int) bool {
	if b == nil {
		return true
	}
	if b.full || b.maxSize > 0 && b.n > 0 && b.size+size > b.maxSize {
		b.full = true
		return false
	}
	b.n++
	b.size += size
	return true
}

// The size model of MaxSize: the bytes of the RESP2 reply. An entry is
// [id, [name, value, ...]], plus its idle time and delivery count in a
// claim read; the first entry of a stream also carries the stream's
// [key, [...]] header. Redis counts its own way, so caps close to an
// entry's size may cut at another entry than Redis would.

func bulkSize(n int) int { return 1 + decimalDigits(uint64(n)) + 2 + n + 2 }

func arraySize(n int) int { return 1 + decimalDigits(uint64(n)) + 2 }

// claimExtra is the size of a claim read's idle time and delivery count,
// taken as 13- and 1-digit integers.
const claimExtra = 1 + 13 + 2 + 1 + 1 + 2

// entrySize is the reply size of en, with the header of stream key if
// first.
func entrySize(en Entry, key string, first, claim bool) int {
	id := decimalDigits(en.ID.Ms) + 1 + decimalDigits(en.ID.Seq)
	n := arraySize(2) + bulkSize(id) + arraySize(2*len(en.Fields))
	for _, f := range en.Fields {
		n += bulkSize(len(f.Name)) + bulkSize(len(f.Value))
	}
	if claim {
		n += claimExtra
	}
	if first {
		n += arraySize(2) + bulkSize(len(key)) + arraySize(1)
	}
	return n
}

// fits is copyRange's budget check, after the copier appended an entry:
// it takes the entry from the budget, or drops it and reports false.
func (c *copier) fits() bool {
	var en Entry
	if c.asGrp {
		en = c.group[len(c.group)-1].Entry
	} else {
		en = c.out[len(c.out)-1]
	}
	if c.budget.take(entrySize(en, c.key, c.count == 1 && !c.headed, c.claim)) {
		return true
	}
	c.count--
	if c.asGrp {
		c.group = c.group[:len(c.group)-1]
	} else {
		c.out = c.out[:len(c.out)-1]
	}
	return false
}

// collectCapped is collect, ascending, within budget b for the reply of
// stream key.
func (t *entries) collectCapped(start, end ID, count int, b *readBudget, key string) []Entry {
	if b == nil {
		return t.collect(start, end, count, false)
	}
	c := copier{budget: b, key: key}
	t.copyRange(&c, start, end, count, false)
	return c.out
}

// collectGroupCapped is collectGroup within budget b; claim says the
// reply shows idle times and delivery counts, and first that the stream
// has no entries in the reply yet.
func (t *entries) collectGroupCapped(start, end ID, count int, b *readBudget, key string, claim, first bool) []GroupEntry {
	if b == nil {
		return t.collectGroup(start, end, count)
	}
	c := copier{asGrp: true, budget: b, key: key, claim: claim, headed: !first}
	t.copyRange(&c, start, end, count, false)
	return c.group
}

func checkCaps(maxCount, maxSize int) error {
	if err := checkCount("MaxCount", maxCount); err != nil {
		return err
	}
	return checkCount("MaxSize", maxSize)
}
