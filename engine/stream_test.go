package engine

import (
	"context"
	"errors"
	"testing"
	"time"
)

func drain(t *testing.T, sub *Subscription, n int) []Update {
	t.Helper()
	var out []Update
	for range n {
		out = append(out, next(t, sub, nil))
	}
	return out
}

// Updates come in order with growing ids; a subscriber that reconnects with its last id
// gets what it missed, or a reload when that is no longer buffered.
func TestStreamReplay(t *testing.T) {
	start := time.Now()
	s := newStreams(4, time.Minute, start)
	pub := func(hub string, n int) {
		for range n {
			s.publish(Update{Kind: KindData, Hub: hub})
		}
	}
	live := s.subscribe("h", 0)
	defer live.Close()
	pub("h", 3)
	pub("other", 2) // no buffer for a hub nobody watches, but ids move on
	got := drain(t, live, 3)
	for i := 1; i < len(got); i++ {
		if got[i].ID <= got[i-1].ID {
			t.Fatalf("ids do not grow: %d then %d", got[i-1].ID, got[i].ID)
		}
	}
	if got[0].ID <= s.startID {
		t.Fatalf("first id %d is not after the start id %d", got[0].ID, s.startID)
	}
	seen := got[2].ID

	pub("h", 2) // missed by a client that went away after seen
	cases := []struct {
		name   string
		lastID uint64
		want   []Kind
	}{
		{"resume", seen, []Kind{KindData, KindData}},
		{"before this run", s.startID - 10, []Kind{KindReload}},
		{"from the future", s.lastID + 100, []Kind{KindReload}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sub := s.subscribe("h", c.lastID)
			defer sub.Close()
			got := drain(t, sub, len(c.want))
			for i, u := range got {
				if u.Kind != c.want[i] {
					t.Fatalf("update %d is %s, want %s", i, u.Kind, c.want[i])
				}
				if u.Kind == KindData && u.ID <= c.lastID {
					t.Fatalf("replayed id %d not after %d", u.ID, c.lastID)
				}
			}
		})
	}

	t.Run("too far behind", func(t *testing.T) {
		pub("h", 10) // the ring holds 4: seen's successors are gone
		sub := s.subscribe("h", seen)
		defer sub.Close()
		if u := next(t, sub, nil); u.Kind != KindReload {
			t.Fatalf("got %s, want reload", u.Kind)
		}
		// After the reload it follows live updates.
		pub("h", 1)
		if u := next(t, sub, nil); u.Kind != KindData || u.ID != s.lastID {
			t.Fatalf("after reload: %+v, want the newest update %d", u, s.lastID)
		}
	})

	t.Run("lagging subscriber", func(t *testing.T) {
		// live has not read since; 13 more were published to a ring of 4: it is told to
		// reload, and publishing never waited for it.
		if u := next(t, live, nil); u.Kind != KindReload {
			t.Fatalf("lagging subscriber got %s, want reload", u.Kind)
		}
	})

	t.Run("hub first watched after its updates", func(t *testing.T) {
		pub("late", 1)
		id := s.lastID
		pub("late", 1)
		sub := s.subscribe("late", id)
		defer sub.Close()
		if u := next(t, sub, nil); u.Kind != KindReload {
			t.Fatalf("got %s, want reload: the update after %d was never buffered", u.Kind, id)
		}
	})
}

func TestSubscriptionClose(t *testing.T) {
	s := newStreams(4, time.Minute, time.Now())
	sub := s.subscribe("h", 0)
	done := make(chan error, 1)
	go func() {
		_, err := sub.Next(context.Background())
		done <- err
	}()
	sub.Close()
	select {
	case err := <-done:
		if !errors.Is(err, ErrClosed) {
			t.Fatalf("Next after Close: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Next did not return after Close")
	}
	// An idle buffer is swept after its TTL.
	s.sweep(time.Now().Add(2 * time.Minute))
	if len(s.hubs) != 0 {
		t.Fatalf("%d buffers left after the sweep", len(s.hubs))
	}
}
