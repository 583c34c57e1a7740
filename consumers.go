package instream

import (
	"fmt"

	"github.com/tidwall/btree"
)

// consumerSet holds a group's consumers twice: in byte order of their
// names, and by number, which pending records name their owner by. Its
// methods by name are those of btree.Map. The zero value is empty.
//
// The name index is a B-tree of pointers, a third of the size of a map
// from name to consumer. Its search key is itself a consumer: changes,
// which never run concurrently, use the set's own; Get, which may run
// beside other lookups, searches by position instead.
type consumerSet struct {
	t     *btree.BTreeG[*consumer] // nil until the first consumer
	pivot consumer
	// nums[i] has number i+1, or is nil when that number is free; the
	// numbers of deleted consumers are used again, since their pending
	// records went with them.
	nums []*consumer
	free []uint32
}

func (s *consumerSet) Len() int {
	if s.t == nil {
		return 0
	}
	return s.t.Len()
}

// Get returns the consumer named name. O(log² n); it changes nothing.
func (s *consumerSet) Get(name string) (*consumer, bool) {
	lo, hi := 0, s.Len()
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		c, _ := s.t.GetAt(m)
		switch {
		case c.name == name:
			return c, true
		case c.name < name:
			lo = m + 1
		default:
			hi = m
		}
	}
	return nil, false
}

// find is Get for callers that change the group. O(log n).
func (s *consumerSet) find(name string) (*consumer, bool) {
	if s.t == nil {
		return nil, false
	}
	s.pivot.name = name
	c, ok := s.t.Get(&s.pivot)
	s.pivot.name = ""
	return c, ok
}

// add adds c, whose name is new, and gives it a number.
func (s *consumerSet) add(c *consumer) {
	if s.t == nil {
		s.t = btree.NewBTreeGOptions(func(a, b *consumer) bool { return a.name < b.name },
			btree.Options{NoLocks: true})
	}
	s.t.Set(c)
	if k := len(s.free); k > 0 {
		c.num = s.free[k-1]
		s.free = s.free[:k-1]
		s.nums[c.num-1] = c
		return
	}
	s.nums = append(s.nums, c)
	c.num = uint32(len(s.nums))
}

// Delete removes the consumer named name and returns it.
func (s *consumerSet) Delete(name string) (*consumer, bool) {
	if s.t == nil {
		return nil, false
	}
	s.pivot.name = name
	c, ok := s.t.Delete(&s.pivot)
	s.pivot.name = ""
	if ok {
		s.nums[c.num-1] = nil
		s.free = append(s.free, c.num)
	}
	return c, ok
}

// Scan calls fn for each consumer in name order until fn returns false.
func (s *consumerSet) Scan(fn func(name string, c *consumer) bool) {
	if s.t != nil {
		s.t.Scan(func(c *consumer) bool { return fn(c.name, c) })
	}
}

// byNum returns the consumer numbered num, or nil.
func (s *consumerSet) byNum(num uint32) *consumer {
	if num == 0 || int(num) > len(s.nums) {
		return nil
	}
	return s.nums[num-1]
}

// check verifies that both indexes hold the same consumers and that the
// free numbers are exactly those not in use.
func (s *consumerSet) check() error {
	n, err := 0, error(nil)
	s.Scan(func(name string, c *consumer) bool {
		if g, ok := s.Get(name); !ok || g != c || s.byNum(c.num) != c {
			err = fmt.Errorf("consumer %q is not found by its name or by its number %d", name, c.num)
		}
		n++
		return err == nil
	})
	if err != nil {
		return err
	}
	if n+len(s.free) != len(s.nums) {
		return fmt.Errorf("%d consumers and %d free numbers, %d numbers", n, len(s.free), len(s.nums))
	}
	seen := map[uint32]bool{}
	for _, num := range s.free {
		if num == 0 || int(num) > len(s.nums) || s.nums[num-1] != nil || seen[num] {
			return fmt.Errorf("free number %d is out of range, used or listed twice", num)
		}
		seen[num] = true
	}
	return nil
}
