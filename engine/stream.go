package engine

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"time"
)

// Kind says what an Update is about.
type Kind string

// The kinds of Update. The server turns each into a Server-Sent Event of the same name.
const (
	// KindData: fresh data for one widget instance (Data holds it, the same bytes
	// GET /{hub}/{idx}/json returns); Stale with Error when the rebuild failed and the last
	// good data is what still serves.
	KindData Kind = "data"
	// KindCode: the widget's code changed (Version is the new one): the browser re-imports
	// /widgets/{name}.js; a KindData with the rebuilt data follows.
	KindCode Kind = "code"
	// KindError: the widget failed (its code does not compile, or data() failed with no
	// good data to fall back on). Error and Pos say what and where; the old code, or the
	// last good data, keeps serving.
	KindError Kind = "error"
	// KindLayout: widgets were added, removed or moved on the hub: the page reloads its
	// layout.
	KindLayout Kind = "layout"
	// KindReload is never published: a Subscription returns it when the subscriber is too
	// far behind for the replay buffer (or asks for ids from before this server started),
	// and the page must reload to be correct again.
	KindReload Kind = "reload"
)

// Update is one event of a hub's update stream.
type Update struct {
	// ID grows with every update of the engine (so within a hub too), and across restarts:
	// the first id of a run is the time it started in microseconds.
	ID       uint64          `json:"id"`
	Kind     Kind            `json:"kind"`
	Hub      string          `json:"hub"`
	WidgetID int64           `json:"widget_id,omitempty"`
	Widget   string          `json:"widget,omitempty"` // the widget's name
	Version  string          `json:"version,omitempty"`
	Data     json.RawMessage `json:"data,omitempty"`
	Stale    bool            `json:"stale,omitempty"`
	Error    string          `json:"error,omitempty"`
	Pos      string          `json:"pos,omitempty"` // file:line:col of the error, when known
	Time     time.Time       `json:"time"`
}

// ErrClosed is returned by Subscription.Next after Close, and by the engine after its Close.
var ErrClosed = errors.New("engine: closed")

// streams holds, per hub, a bounded buffer of the latest updates: what subscribers read
// through their cursors and what a reconnecting client replays from its last id. A hub
// gets a buffer when someone subscribes to it; updates of hubs nobody watches are not
// kept (20,000 user hubs would otherwise hold 20,000 buffers of data). A buffer outlives
// its last subscriber by idleTTL, long enough for a browser to reconnect.
type streams struct {
	size    int
	idleTTL time.Duration
	startID uint64

	mu     sync.Mutex
	lastID uint64
	hubs   map[string]*hubStream
}

// hubStream is one hub's ring of updates. Publishing never waits: it appends, drops the
// oldest when full, and wakes the readers by closing the wake channel.
type hubStream struct {
	ring    []Update // oldest first, at most size
	dropped uint64   // the highest id dropped from the ring (0: none)
	since   uint64   // the last id published before the buffer was made: it holds all after
	wake    chan struct{}
	subs    int
	idle    time.Time // when subs went to 0
}

func newStreams(size int, idleTTL time.Duration, now time.Time) *streams {
	start := uint64(now.UnixMicro())
	return &streams{size: size, idleTTL: idleTTL, startID: start, lastID: start, hubs: map[string]*hubStream{}}
}

// publish gives u the next id and appends it to its hub's buffer, if the hub has one.
// It returns the id.
func (s *streams) publish(u Update) uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lastID++
	u.ID = s.lastID
	hs := s.hubs[u.Hub]
	if hs == nil {
		return u.ID
	}
	if len(hs.ring) == s.size {
		hs.dropped = hs.ring[0].ID
		copy(hs.ring, hs.ring[1:])
		hs.ring = hs.ring[:len(hs.ring)-1]
	}
	hs.ring = append(hs.ring, u)
	close(hs.wake)
	hs.wake = make(chan struct{})
	return u.ID
}

// watched reports whether hub has a buffer: someone watches it, or did within idleTTL.
func (s *streams) watched(hub string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hubs[hub] != nil
}

// Subscription is a cursor over one hub's updates. It is used by one goroutine.
type Subscription struct {
	s      *streams
	hub    string
	cursor uint64 // the id of the last update returned
	reload bool   // the next Next returns a reload
	closed chan struct{}
	once   sync.Once
	onEnd  func()
}

// subscribe opens a cursor on hub after lastID (0: from now on).
func (s *streams) subscribe(hub string, lastID uint64) *Subscription {
	s.mu.Lock()
	defer s.mu.Unlock()
	hs := s.hubs[hub]
	if hs == nil {
		hs = &hubStream{wake: make(chan struct{}), since: s.lastID}
		s.hubs[hub] = hs
	}
	hs.subs++
	sub := &Subscription{s: s, hub: hub, cursor: s.lastID, closed: make(chan struct{})}
	if lastID != 0 {
		// Resume only when nothing after lastID can have been lost: lastID is of this
		// run, not newer than anything published, the buffer already existed then, and
		// no update after it was dropped from the ring.
		if lastID < s.startID || lastID > s.lastID || lastID < hs.since || lastID < hs.dropped {
			sub.reload = true
		} else {
			sub.cursor = lastID
		}
	}
	return sub
}

// watch makes hub's buffer if it has none, as a subscriber would (but with none yet, it
// lives idleTTL from now), and returns the id of the last update published: a page
// rendered now resumes its stream after that id and misses nothing published meanwhile.
func (s *streams) watch(hub string, now time.Time) uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	hs := s.hubs[hub]
	if hs == nil {
		hs = &hubStream{wake: make(chan struct{}), since: s.lastID}
		s.hubs[hub] = hs
	}
	if hs.subs == 0 {
		hs.idle = now
	}
	return s.lastID
}

func (s *streams) unsubscribe(hub string, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if hs := s.hubs[hub]; hs != nil {
		hs.subs--
		if hs.subs == 0 {
			hs.idle = now
		}
	}
}

// sweep forgets the buffers that nobody has watched for idleTTL.
func (s *streams) sweep(now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for hub, hs := range s.hubs {
		if hs.subs == 0 && now.Sub(hs.idle) > s.idleTTL {
			delete(s.hubs, hub)
		}
	}
}

// Hub is the hub this subscription follows.
func (sub *Subscription) Hub() string { return sub.hub }

// LastID is the id of the last update Next returned (or the position it started from).
func (sub *Subscription) LastID() uint64 { return sub.cursor }

// Next returns the hub's next update, waiting for one until ctx is done. When the
// subscriber has fallen further behind than the replay buffer holds, it returns an Update
// of KindReload (and carries on from the newest update after that). After Close it
// returns ErrClosed.
func (sub *Subscription) Next(ctx context.Context) (Update, error) {
	for {
		s := sub.s
		s.mu.Lock()
		hs := s.hubs[sub.hub]
		if sub.reload || hs == nil || sub.cursor < hs.dropped {
			// Fell behind (or the buffer was swept: cannot happen while subscribed, but
			// a reload is the safe answer).
			sub.reload = false
			sub.cursor = s.lastID
			s.mu.Unlock()
			return Update{ID: sub.cursor, Kind: KindReload, Hub: sub.hub, Time: time.Now()}, nil
		}
		for _, u := range hs.ring {
			if u.ID > sub.cursor {
				sub.cursor = u.ID
				s.mu.Unlock()
				return u, nil
			}
		}
		wake := hs.wake
		s.mu.Unlock()
		select {
		case <-wake:
		case <-sub.closed:
			return Update{}, ErrClosed
		case <-ctx.Done():
			return Update{}, ctx.Err()
		}
	}
}

// Close ends the subscription; a Next waiting returns ErrClosed.
func (sub *Subscription) Close() {
	sub.once.Do(func() {
		close(sub.closed)
		sub.s.unsubscribe(sub.hub, time.Now())
		if sub.onEnd != nil {
			sub.onEnd()
		}
	})
}
