package runtime

import (
	"context"
	"errors"
	"testing"
	"time"
)

// The pool hands out the vm returned last, makes vms only when none waits, never more
// than n at once, and replaces a broken one.
func TestPoolLastReturnedFirst(t *testing.T) {
	made := 0
	var fail error
	p := newPool(2, func() (*vm, error) {
		if fail != nil {
			return nil, fail
		}
		made++
		return &vm{evaluations: made}, nil // evaluations: which one it is
	})
	ctx := context.Background()
	get := func() *vm {
		t.Helper()
		v, err := p.get(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	a := get()
	b := get()
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if _, err := p.get(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("third get with two out: %v, want it to wait", err)
	}
	p.put(a)
	p.put(b)
	if v := get(); v != b {
		t.Fatalf("got vm %d, want %d (returned last)", v.evaluations, b.evaluations)
	}
	p.put(b)
	for range 5 { // one caller at a time: always the same vm, nothing more made
		v := get()
		if v != b {
			t.Fatalf("sequential get: vm %d, want %d", v.evaluations, b.evaluations)
		}
		p.put(v)
	}
	if made != 2 {
		t.Fatalf("%d vms made, want 2", made)
	}
	v := get()
	v.broken = true
	v.timer = time.NewTimer(time.Hour) // close stops it
	p.put(v)                           // closed, not kept
	if v := get(); v != a {
		t.Fatalf("after a broken return: vm %d, want %d", v.evaluations, a.evaluations)
	}
	fail = errors.New("no vm today")
	if _, err := p.get(ctx); !errors.Is(err, fail) {
		t.Fatalf("make failing: %v", err)
	}
	fail = nil
	if v := get(); v.evaluations != 3 { // the failed make gave its place back
		t.Fatalf("made vm %d, want a new one (3)", v.evaluations)
	}
}
