package engine

import (
	"sync"

	"github.com/dgraph-io/ristretto/v2"
)

// dataCache is the ristretto cache of widget data, safe to use while the engine closes:
// ristretto's Close must not run concurrently with a Set or Wait (it closes the channel
// they send on), and a build shared through singleflight, or a Data call from an HTTP
// handler, can still be finishing when the engine closes. After Close, gets miss and sets
// are dropped.
type dataCache struct {
	mu     sync.RWMutex
	closed bool
	c      *ristretto.Cache[string, *entry]
}

func newDataCache(maxCost int64) (*dataCache, error) {
	c, err := ristretto.NewCache(&ristretto.Config[string, *entry]{
		// Ristretto wants ~10 counters per item it may hold; items are a few KB.
		NumCounters: max(maxCost/1024*10, 10_000),
		MaxCost:     maxCost,
		BufferItems: 64,
	})
	if err != nil {
		return nil, err
	}
	return &dataCache{c: c}, nil
}

func (d *dataCache) Get(key string) (*entry, bool) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.closed {
		return nil, false
	}
	return d.c.Get(key)
}

// Set stores ent at cost bytes and waits until a Get sees it (ristretto buffers sets). It
// reports whether the cache kept ent: ristretto may drop a set (a full buffer) or its
// policy may refuse it (larger than the whole cache, or not admitted), and a caller must
// not then delete the entry it meant to replace.
func (d *dataCache) Set(key string, ent *entry) bool {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.closed {
		return false
	}
	if !d.c.Set(key, ent, int64(len(ent.data))+entryOverhead) {
		return false
	}
	d.c.Wait()
	// Set's true only says the set was buffered; the policy decides after, so look.
	got, ok := d.c.Get(key)
	return ok && got == ent
}

func (d *dataCache) Del(key string) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if !d.closed {
		d.c.Del(key)
	}
}

func (d *dataCache) Close() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.closed {
		d.closed = true
		d.c.Close()
	}
}
