package fedmsg

import (
	"fmt"
	"sync"
	"testing"
)

func TestDedup(t *testing.T) {
	d := NewDedup(3)
	steps := []struct {
		id  string
		new bool
	}{
		{"a", true}, {"b", true}, {"a", false}, {"c", true}, {"b", false},
		{"d", true},  // evicts a, the oldest
		{"a", true},  // so a is new again, and evicts b
		{"c", false}, // c is still remembered
		{"b", true},
	}
	for i, s := range steps {
		if got := d.Add(s.id); got != s.new {
			t.Fatalf("step %d Add(%q) = %v, want %v", i, s.id, got, s.new)
		}
		if d.Len() > 3 {
			t.Fatalf("step %d: %d ids remembered, limit 3", i, d.Len())
		}
	}
}

func TestDedupBoundedAndConcurrent(t *testing.T) {
	const size, writers, each = 1000, 4, 5000
	d := NewDedup(size)
	var wg sync.WaitGroup
	newCount := make([]int, writers)
	for w := range writers {
		wg.Go(func() {
			// Every writer adds the same ids: each id is new for exactly one of them, as long
			// as the writers stay within size of each other, which the shared order ensures
			// only approximately, so count and check the total below.
			for i := range each {
				if d.Add(fmt.Sprintf("2024-%d", i)) {
					newCount[w]++
				}
			}
		})
	}
	wg.Wait()
	total := 0
	for _, n := range newCount {
		total += n
	}
	if total < each {
		t.Errorf("%d ids reported new, want at least %d (each id once)", total, each)
	}
	if d.Len() != size {
		t.Errorf("%d ids remembered, want the bound %d", d.Len(), size)
	}
}
