package fedmsg

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"
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

// A forgotten id is new again, and its new arrival is remembered for a full ring: the slot
// it had before is not its to lose.
func TestDedupForget(t *testing.T) {
	d := NewDedup(3)
	steps := []struct {
		op, id string
		new    bool
	}{
		{"add", "a", true}, {"forget", "a", false}, {"add", "a", true}, // a in slot 1 now
		{"add", "b", true},
		{"add", "c", true},  // wraps to slot 0, a's old one: a stays
		{"add", "a", false}, // still remembered
		{"add", "d", true},  // slot 1: a goes
		{"add", "a", true},
		{"forget", "zzz", false}, // forgetting an unknown id is nothing
		{"add", "d", false},
	}
	for i, s := range steps {
		if s.op == "forget" {
			d.Forget(s.id)
			continue
		}
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

// A message whose handler failed (the archive was down, say) is not remembered as seen: a
// copy from another endpoint is handled again; once handled, copies are duplicates.
func TestIntakeRetriesFailedMessage(t *testing.T) {
	calls := 0
	in, err := NewIntake([]string{"tcp://127.0.0.1:1"}, func(context.Context, *Envelope) error {
		calls++
		if calls == 1 {
			return errors.New("archive unavailable")
		}
		return nil
	}, WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		t.Fatal(err)
	}
	frames := [][]byte{[]byte("a.b.c.d"), []byte(`{"topic":"a.b.c.d","msg":{"n":1},"msg_id":"2026-retry"}`)}
	for _, ep := range []string{"tcp://one:1", "tcp://two:2", "tcp://three:3"} {
		in.deliver(context.Background(), received{endpoint: ep, frames: frames, at: time.Now()})
	}
	m := in.Metrics()
	if calls != 2 || count(t, m, ResultAccepted) != 2 || count(t, m, ResultDuplicate) != 1 {
		t.Fatalf("handler called %d times, accepted %d, duplicates %d; want 2, 2, 1",
			calls, count(t, m, ResultAccepted), count(t, m, ResultDuplicate))
	}
}
