package instream

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestNodeIndex removes nodes from an index in several orders and checks
// after each removal that every ID finds the node a plain sorted list
// gives, and that the chunks stay dense.
func TestNodeIndex(t *testing.T) {
	const count = 200
	orders := []struct {
		name  string
		order func([]int) []int
	}{
		{"head first", func(p []int) []int { return p }},
		{"tail first", func(p []int) []int { slices.Reverse(p); return p }},
		{"every other, then the rest", func(p []int) []int {
			var odd, even []int
			for _, i := range p {
				if i%2 == 0 {
					even = append(even, i)
				} else {
					odd = append(odd, i)
				}
			}
			return append(odd, even...)
		}},
		{"random", func(p []int) []int {
			r := rand.New(rand.NewPCG(7, 8))
			r.Shuffle(len(p), func(i, j int) { p[i], p[j] = p[j], p[i] })
			return p
		}},
	}
	for _, o := range orders {
		t.Run(o.name, func(t *testing.T) {
			var x nodeIndex
			var held []*node
			for i := range count {
				// Several nodes share an ms, so that seq decides.
				n := &node{first: ID{Ms: 10 + uint64(i/3)*10, Seq: uint64(i%3) * 5}}
				x.push(n)
				held = append(held, n)
			}
			perm := make([]int, count)
			for i := range perm {
				perm[i] = i
			}
			all := slices.Clone(held)
			for step, i := range o.order(perm) {
				if !x.remove(all[i]) {
					t.Fatalf("step %d: remove(%v) = false", step, all[i].first)
				}
				if x.remove(all[i]) {
					t.Fatalf("step %d: second remove(%v) = true", step, all[i].first)
				}
				held = slices.DeleteFunc(held, func(n *node) bool { return n == all[i] })
				if err := x.check(); err != nil {
					t.Fatalf("step %d: %v", step, err)
				}
				if x.len() != len(held) {
					t.Fatalf("step %d: len %d, want %d", step, x.len(), len(held))
				}
				for _, id := range []ID{{0, 0}, all[i].first, {all[i].first.Ms, all[i].first.Seq + 1}, {all[i].first.Ms + 7, 0}, MaxID} {
					if got, want := x.find(id), findNaive(held, id); got != want {
						t.Fatalf("step %d: find(%v) = %v, want %v", step, id, got, want)
					}
				}
			}
		})
	}
}

// findNaive returns the last of nodes, in ID order, whose first ID is
// <= id, or nil.
func findNaive(nodes []*node, id ID) *node {
	var found *node
	for _, n := range nodes {
		if !id.Less(n.first) {
			found = n
		}
	}
	return found
}
