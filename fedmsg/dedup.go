package fedmsg

import (
	"hash/maphash"
	"sync"
)

// DefaultDedupSize is how many recent msg_ids a Dedup remembers by default. Fedora's bus
// averaged 0.7 messages/s with peaks near 10/s, so 65,536 ids cover about a day at the
// average and well over an hour at the peak, for about 1.5 MB.
const DefaultDedupSize = 1 << 16

// Dedup remembers the last Size msg_ids it saw and tells whether an id is new. Memory is
// bounded: the oldest id is forgotten when a new one comes in at capacity, so a duplicate
// arriving more than Size messages after its original gets through (fedmsg redeliveries come
// within seconds, from a second endpoint or a reconnect).
//
// Ids are kept as 64-bit hashes, not strings: 8 bytes instead of about 60 per entry and no
// allocation per message. Two different ids collide with odds around n²/2⁶⁵ (1e-10 at the
// default size), and a collision only means one message is taken for a duplicate.
// A Dedup is safe for concurrent use.
type Dedup struct {
	mu   sync.Mutex
	seed maphash.Seed
	seen map[uint64]int // id -> its slot in ring
	ring []uint64       // ids in arrival order; next is the slot the next id goes to
	next int
	full bool
}

// NewDedup returns a Dedup that remembers up to size ids (DefaultDedupSize if size <= 0).
func NewDedup(size int) *Dedup {
	if size <= 0 {
		size = DefaultDedupSize
	}
	return &Dedup{
		seed: maphash.MakeSeed(),
		seen: make(map[uint64]int, size),
		ring: make([]uint64, size),
	}
}

// Add records id and reports whether it was new (true) or seen among the last Size ids.
func (d *Dedup) Add(id string) bool {
	h := maphash.String(d.seed, id)
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, dup := d.seen[h]; dup {
		return false
	}
	if old := d.ring[d.next]; d.full && d.seen[old] == d.next {
		// Only if it still lives in this slot: a forgotten id seen again lives in another.
		delete(d.seen, old)
	}
	d.ring[d.next] = h
	d.seen[h] = d.next
	d.next++
	if d.next == len(d.ring) {
		d.next, d.full = 0, true
	}
	return true
}

// Forget drops id, as if it had never been added: a message whose handling failed gets
// another chance when a copy arrives (from another endpoint, or a replay).
func (d *Dedup) Forget(id string) {
	h := maphash.String(d.seed, id)
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.seen, h)
}

// Len is how many ids are remembered now (at most the size given to NewDedup).
func (d *Dedup) Len() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.seen)
}
