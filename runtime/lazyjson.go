package runtime

import (
	"cmp"
	"slices"
	"strings"
	"unsafe"

	"github.com/dop251/goja"
)

// A lazy view is the read-only JS value of a JSON object whose members are made into JS
// values only when a script reads them: the archived messages of ctx.messages.grep. A feed
// reads a handful of fields of each of its sixty messages (the meta.js memo's key, and
// for a message it has not described, what its processor looks at), and the frozen value
// the Go builder made of all of it cost some 7 kB and 25 µs a message, which a page of
// messages no runtime had kept paid sixty times (README, "Ninth session"). A view keeps its
// JSON text and, per member, where the member's value lies in it; objects and arrays
// inside are views too, each made on its first read and kept, so a member reads as the
// same value every time.
//
// Views are goja dynamic objects and arrays: writes, deletes and new properties fail (a
// TypeError in strict code, as widget modules are), so a view shared between calls stays
// as it was. Unlike a frozen object, Object.isFrozen says false of them and Object.freeze
// throws: goja's dynamic objects cannot be made non-extensible.

// lazyMember is one member of a view: its key (an array's elements have none), where its
// value's JSON lies in the view's text, the JS value once made and, when that value is a
// view, the view.
type lazyMember struct {
	key        string
	start, end int32
	val        goja.Value
	sub        lazyView
}

// lazyView is an object's or an array's view.
type lazyView interface {
	// intact says whether the view and the views made inside it still have the
	// prototypes they were made with: Object.setPrototypeOf is the one change goja lets
	// a script make to a dynamic object.
	intact(p protos) bool
}

// protos are a vm's Object.prototype and Array.prototype, which views are made with.
type protos struct{ object, array *goja.Object }

func (v *vm) protos() protos {
	if v.protoCache.object == nil {
		v.protoCache = protos{v.rt.NewObject().Prototype(), v.rt.NewArray().Prototype()}
	}
	return v.protoCache
}

// lazyObject is the goja.DynamicObject of a JSON object's view.
type lazyObject struct {
	v       *vm
	obj     *goja.Object
	src     []byte
	members []lazyMember   // in the order of their first appearance; a repeated key's last value
	index   map[string]int // key -> index in members, when there are more than smallObject
}

// lazyArray is the goja.DynamicArray of a JSON array's view.
type lazyArray struct {
	v     *vm
	obj   *goja.Object
	src   []byte
	items []lazyMember
}

// lazyJSON returns the view of raw when it is a JSON object, else the frozen value of
// jsonToValue and no view. The object's scan checks the whole text (its members' values are
// stepped over by the checking skipper), so a view never meets bad JSON later. raw must not
// change while the view lives: it is read as members are.
func (v *vm) lazyJSON(raw []byte) (goja.Value, lazyView, error) {
	s := &jsonSkipper{jsonBuilder{src: raw}}
	s.space()
	if s.pos == len(raw) || raw[s.pos] != '{' {
		val, err := v.jsonToValue(raw, true)
		return val, nil, err
	}
	start := s.pos
	members, end, err := v.scanMembers(raw, start)
	if err != nil {
		return nil, nil, err
	}
	s.pos = end
	s.space()
	if s.pos != len(raw) {
		return nil, nil, s.fail("unexpected text after the value")
	}
	o := v.objectView(raw[:end], members)
	return o.obj, o, nil
}

// lazyValue makes the JS value of the JSON value at src[pos:] (checked already): a view
// for an object or an array, the value itself for the rest.
func (v *vm) lazyValue(src []byte, pos int) (goja.Value, lazyView, error) {
	switch src[pos] {
	case '{':
		members, _, err := v.scanMembers(src, pos)
		if err != nil {
			return nil, nil, err
		}
		o := v.objectView(src, members)
		return o.obj, o, nil
	case '[':
		items, _, err := v.scanMembers(src, pos)
		if err != nil {
			return nil, nil, err
		}
		a := &lazyArray{v: v, src: src, items: items}
		a.obj = v.rt.NewDynamicArray(a)
		return a.obj, a, nil
	}
	b := &jsonBuilder{rt: v.rt, src: src, pos: pos}
	val, err := b.value(0)
	return val, nil, err
}

// objectView makes the view of an object whose members scanMembers found.
func (v *vm) objectView(src []byte, members []lazyMember) *lazyObject {
	o := &lazyObject{v: v, src: src, members: members}
	if len(members) > smallObject {
		o.index = memberIndex(members) // after the sort: indices as they are kept
	}
	o.obj = v.rt.NewDynamicObject(o)
	return o
}

func (o *lazyObject) intact(p protos) bool { return o.intactUnder(p.object, p) }

// intactUnder is intact for a view made with proto as its prototype (a MessageBatch's).
func (o *lazyObject) intactUnder(proto *goja.Object, p protos) bool {
	return o.obj.Prototype() == proto && membersIntact(o.members, p)
}

func (a *lazyArray) intact(p protos) bool {
	return a.obj.Prototype() == p.array && membersIntact(a.items, p)
}

func membersIntact(ms []lazyMember, p protos) bool {
	for i := range ms {
		if ms[i].sub != nil && !ms[i].sub.intact(p) {
			return false
		}
	}
	return true
}

// scanMembers finds the members of the object or array at src[pos] and where it ends,
// checking its text as the builder would read it: an object's keys through the builder (its
// small table of common keys spares their allocation), values stepped over by the checking
// skipper. A repeated key keeps its first place and takes its last value, as with
// JSON.parse, and array indices come first, ascending, as JS orders an object's own keys.
// Members gather in the vm's scratch slice and are copied out once, at their number.
func (v *vm) scanMembers(src []byte, pos int) ([]lazyMember, int, error) {
	object, closer := src[pos] == '{', byte(']')
	if object {
		closer = '}'
	}
	s := &jsonSkipper{jsonBuilder{rt: v.rt, src: src, pos: pos + 1}}
	s.space()
	if s.pos < len(src) && src[s.pos] == closer {
		return nil, s.pos + 1, nil
	}
	ms := v.lazyScratch[:0]
	var seen map[string]int // key -> index in ms, once there are more than smallObject
	defer func() {
		clear(ms) // the scratch holds nothing
		v.lazyScratch = ms[:0]
	}()
	for {
		s.space()
		var m lazyMember
		if object {
			if s.pos >= len(src) || src[s.pos] != '"' {
				return nil, 0, s.fail("expected a key")
			}
			key, err := s.key()
			if err != nil {
				return nil, 0, err
			}
			s.space()
			if s.pos >= len(src) || src[s.pos] != ':' {
				return nil, 0, s.fail("expected ':'")
			}
			s.pos++
			s.space()
			m.key = key
		}
		m.start = int32(s.pos)
		if err := s.skip(1); err != nil {
			return nil, 0, err
		}
		m.end = int32(s.pos)
		switch {
		case !object:
			ms = append(ms, m)
		case memberAt(ms, seen, m.key) >= 0:
			ms[memberAt(ms, seen, m.key)] = m // rare: a repeated key
		default:
			if seen != nil {
				seen[m.key] = len(ms)
			}
			if ms = append(ms, m); seen == nil && len(ms) > smallObject {
				seen = memberIndex(ms)
			}
		}
		s.space()
		if s.pos >= len(src) {
			return nil, 0, s.fail("unterminated")
		}
		if src[s.pos] == closer {
			break
		}
		if src[s.pos] != ',' {
			return nil, 0, s.fail("expected ',' or " + string(closer))
		}
		s.pos++
	}
	if object && slices.ContainsFunc(ms, isArrayIndex) {
		slices.SortStableFunc(ms, func(a, b lazyMember) int {
			ai, bi := isArrayIndex(a), isArrayIndex(b)
			switch {
			case ai && bi:
				return cmp.Or(cmp.Compare(len(a.key), len(b.key)), strings.Compare(a.key, b.key))
			case ai:
				return -1
			case bi:
				return 1
			}
			return 0
		})
	}
	return slices.Clone(ms), s.pos + 1, nil
}

// isArrayIndex says whether m's key is an array index: the canonical decimal form of an
// integer from 0 to 2^32-2.
func isArrayIndex(m lazyMember) bool {
	k := m.key
	if k == "" || len(k) > 10 || (k[0] == '0' && len(k) > 1) {
		return false
	}
	n := uint64(0)
	for i := 0; i < len(k); i++ {
		if k[i] < '0' || k[i] > '9' {
			return false
		}
		n = n*10 + uint64(k[i]-'0')
	}
	return n < 1<<32-1
}

// smallObject is the most members an object's view finds by a scan; beyond, by a map.
// Messages' objects are small, but one may carry a map of thousands of entries (a
// commit's files...), and scans would make reading all of them quadratic.
const smallObject = 16

// memberAt returns the index of key's member in ms, or -1: through index when there is
// one (memberIndex of ms), else by a scan.
func memberAt(ms []lazyMember, index map[string]int, key string) int {
	if index != nil {
		if i, ok := index[key]; ok {
			return i
		}
		return -1
	}
	for i := range ms {
		if ms[i].key == key {
			return i
		}
	}
	return -1
}

// memberIndex maps each key of ms to its index.
func memberIndex(ms []lazyMember) map[string]int {
	index := make(map[string]int, 2*len(ms))
	for i, m := range ms {
		index[m.key] = i
	}
	return index
}

func (o *lazyObject) find(key string) int { return memberAt(o.members, o.index, key) }

func (o *lazyObject) Get(key string) goja.Value {
	i := o.find(key)
	if i < 0 {
		return nil
	}
	return o.v.lazyMemberValue(o.src, &o.members[i])
}

func (o *lazyObject) Has(key string) bool         { return o.find(key) >= 0 }
func (o *lazyObject) Set(string, goja.Value) bool { return false }
func (o *lazyObject) Delete(key string) bool      { return o.find(key) < 0 }

func (o *lazyObject) Keys() []string {
	keys := make([]string, len(o.members))
	for i, m := range o.members {
		keys[i] = m.key
	}
	return keys
}

func (a *lazyArray) Len() int { return len(a.items) }

func (a *lazyArray) Get(i int) goja.Value {
	if i < 0 || i >= len(a.items) {
		return nil
	}
	return a.v.lazyMemberValue(a.src, &a.items[i])
}

func (a *lazyArray) Set(int, goja.Value) bool { return false }
func (a *lazyArray) SetLen(int) bool          { return false }

// lazyMemberValue is m's JS value, made on the first read. The text was checked when the
// outermost view was made, so an error here is a bug: it surfaces as a TypeError.
func (v *vm) lazyMemberValue(src []byte, m *lazyMember) goja.Value {
	if m.val == nil {
		val, sub, err := v.lazyValue(src[:m.end], int(m.start))
		if err != nil {
			panic(v.rt.NewTypeError("reading an archived message: %v", err))
		}
		m.val, m.sub = val, sub
	}
	return m.val
}

// jsonSkipper steps over JSON values, checking them as the builder would read them,
// without making anything.
type jsonSkipper struct{ jsonBuilder }

func (s *jsonSkipper) skip(depth int) error {
	if depth > maxJSONDepth {
		return s.fail("nested too deeply")
	}
	if s.pos >= len(s.src) {
		return s.fail("unexpected end")
	}
	switch c := s.src[s.pos]; {
	case c == '{':
		return s.skipContainer(depth, '}', true)
	case c == '[':
		return s.skipContainer(depth, ']', false)
	case c == '"':
		return s.skipString()
	case c == 't':
		return s.skipLiteral("true")
	case c == 'f':
		return s.skipLiteral("false")
	case c == 'n':
		return s.skipLiteral("null")
	case c == '-' || (c >= '0' && c <= '9'):
		_, err := s.scanNumber()
		return err
	}
	return s.fail("unexpected character")
}

func (s *jsonSkipper) skipLiteral(word string) error {
	if len(s.src)-s.pos < len(word) || string(s.src[s.pos:s.pos+len(word)]) != word {
		return s.fail("unexpected character")
	}
	s.pos += len(word)
	return nil
}

// skipContainer steps over an object (members key: value) or an array.
func (s *jsonSkipper) skipContainer(depth int, closer byte, object bool) error {
	s.pos++
	s.space()
	if s.pos < len(s.src) && s.src[s.pos] == closer {
		s.pos++
		return nil
	}
	for {
		s.space()
		if object {
			if s.pos >= len(s.src) || s.src[s.pos] != '"' {
				return s.fail("expected a key")
			}
			if err := s.skipString(); err != nil {
				return err
			}
			s.space()
			if s.pos >= len(s.src) || s.src[s.pos] != ':' {
				return s.fail("expected ':'")
			}
			s.pos++
			s.space()
		}
		if err := s.skip(depth + 1); err != nil {
			return err
		}
		s.space()
		if s.pos >= len(s.src) {
			return s.fail("unterminated")
		}
		switch s.src[s.pos] {
		case ',':
			s.pos++
		case closer:
			s.pos++
			return nil
		default:
			return s.fail("expected ',' or " + string(closer))
		}
	}
}

// skipString steps over a string literal, its escapes checked as strSlow reads them.
func (s *jsonSkipper) skipString() error {
	s.pos++ // opening quote
	for s.pos < len(s.src) {
		c := s.src[s.pos]
		switch {
		case c == '"':
			s.pos++
			return nil
		case c < 0x20:
			return s.fail("control character in string")
		case c == '\\':
			s.pos++
			if s.pos >= len(s.src) {
				return s.fail("unterminated string")
			}
			e := s.src[s.pos]
			s.pos++
			switch e {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if _, ok := s.hex4(); !ok {
					return s.fail("bad \\u escape")
				}
			default:
				return s.fail("bad escape")
			}
		default:
			s.pos++
		}
	}
	return s.fail("unterminated string")
}

// stringBytes is s's bytes, shared, for reading only: the archive's cache keys its views
// by their JSON text and the views read the same text, kept once.
func stringBytes(s string) []byte {
	return unsafe.Slice(unsafe.StringData(s), len(s))
}
