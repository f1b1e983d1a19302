package runtime

import (
	"container/list"

	"github.com/dop251/goja"
)

// archivedBytesPerVM bounds the JSON of the archived messages a vm keeps as views
// (lazyJSON) for ctx.messages.grep, and archivedMaxBytes the size of one it keeps. A
// message of the archive never changes (it is stored once per msg_id), and the feeds a bus
// message invalidates show mostly the same recent messages: made again, a page's views
// and the fields meta.js's conglomerators read of them were a fifth of a feed rebuild's
// allocation, and the garbage collector's work grows with what is allocated. A view keeps
// its JSON (the fixture messages: 810 bytes on average compacted, about 850 as PostgreSQL
// hands them back) and what has been read of it, about 1 kB a message all told after the
// feeds' reading (frozen copies of the whole kept 6.7 kB): 4 MiB is about 5,000 messages,
// the pages of the benchmark's hundred busy people's feeds, in some 5 MB.
// Bounded by bytes, not count: a few messages of hundreds of kilobytes must not hold
// hundreds of megabytes.
const (
	archivedBytesPerVM = 4 << 20
	archivedMaxBytes   = 64 << 10
)

// callValueBytesPerVM bounds the JSON of the ctx.hub and ctx.widget values a vm keeps: a
// user hub's is about 150 bytes and a widget's 50, so about 1,300 instances' worth, more
// than one message's rebuilds touch.
const callValueBytesPerVM = 256 << 10

type archived struct {
	raw   string // the JSON the value was built from: the key, compared whole
	value goja.Value
	view  lazyView // value's view, when it is one
}

// archiveCache is an LRU of JS values that no call can change, keyed by their JSON text,
// holding at most max bytes of it: the archived messages of ctx.messages.grep as views
// (vm.archive), and ctx.hub and ctx.widget, frozen (vm.callValues), which data() got built
// from JSON afresh on every call (a quarter of what a call without I/O allocated).
type archiveCache struct {
	max, size int
	byRaw     map[string]*list.Element
	order     *list.List // front = most recently used
}

func newArchiveCache(max int) *archiveCache {
	return &archiveCache{max: max, byRaw: make(map[string]*list.Element), order: list.New()}
}

// archivedMessage returns the read-only JS view of an archived message's JSON (lazyJSON),
// made once and shared by every call that reads the same message in this vm. A view a
// script gave another prototype (the one change a dynamic object allows) is dropped and
// made again, so no call sees what another did to it.
func (v *vm) archivedMessage(raw []byte) (goja.Value, error) {
	if e, ok := v.archive.byRaw[string(raw)]; ok {
		if a := e.Value.(*archived); a.view == nil || a.view.intact(v.protos()) {
			v.archive.order.MoveToFront(e)
			return a.value, nil
		}
		v.archive.remove(e)
	}
	kept := string(raw)
	val, view, err := v.lazyJSON(stringBytes(kept)) // the view reads the key's bytes: the JSON kept once
	if err != nil {
		return nil, err
	}
	v.archive.put(&archived{raw: kept, value: val, view: view})
	return val, nil
}

// frozenJSON returns the frozen JS value of raw from c, built once and shared by every call
// that reads the same JSON in this vm.
func (v *vm) frozenJSON(c *archiveCache, raw []byte) (goja.Value, error) {
	if e, ok := c.byRaw[string(raw)]; ok {
		c.order.MoveToFront(e)
		return e.Value.(*archived).value, nil
	}
	val, err := v.jsonToValue(raw, true)
	if err != nil {
		return nil, err
	}
	c.put(&archived{raw: string(raw), value: val})
	return val, nil
}

// put keeps a as the most recently used, unless its JSON is over archivedMaxBytes, and
// drops the least recently used beyond c's bound.
func (c *archiveCache) put(a *archived) {
	if len(a.raw) > archivedMaxBytes {
		return
	}
	c.byRaw[a.raw] = c.order.PushFront(a)
	c.size += len(a.raw)
	for c.size > c.max {
		c.remove(c.order.Back())
	}
}

func (c *archiveCache) remove(e *list.Element) {
	a := c.order.Remove(e).(*archived)
	delete(c.byRaw, a.raw)
	c.size -= len(a.raw)
}
