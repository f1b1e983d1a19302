package runtime

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync/atomic"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/dop251/goja"
)

// maxJSONDepth bounds nesting when turning JSON into JS values.
const maxJSONDepth = 512

// jsonBuilder turns JSON text into JS values directly from Go. goja's own
// JSON.parse goes through encoding/json's token stream and costs about ten
// times more; the bus message, the template data and the instance config all
// cross the boundary this way, on every call. With freeze set, every object
// and array made is frozen afterwards (one JS call for the lot): that is how
// the one message view shared by a batch of shouldInvalidate calls stays
// unchanged from one widget to the next.
type jsonBuilder struct {
	rt      *goja.Runtime
	src     []byte
	pos     int
	freeze  bool
	objects []any      // to make non-extensible: their properties are made read-only as they are defined
	arrays  []any      // to freeze
	pending []jsonPair // members of the objects being read, innermost last
}

// jsonPair is one member read but not yet defined: a frozen object's
// members are defined read-only at its end, once duplicates are settled
// (the last one wins, as with JSON.parse).
type jsonPair struct {
	key string
	val goja.Value
}

var errJSONSyntax = errors.New("invalid JSON")

// jsonToValue builds the JS value of src, frozen when freeze says so.
func (v *vm) jsonToValue(src []byte, freeze bool) (goja.Value, error) {
	b := &jsonBuilder{rt: v.rt, src: src, freeze: freeze}
	b.space()
	val, err := b.value(0)
	if err != nil {
		return nil, err
	}
	b.space()
	if b.pos != len(b.src) {
		return nil, b.fail("unexpected text after the value")
	}
	if freeze && len(b.objects)+len(b.arrays) > 0 {
		if _, err := v.freezeAll(goja.Undefined(), v.rt.NewArray(b.objects...), v.rt.NewArray(b.arrays...)); err != nil {
			return nil, err
		}
	}
	return val, nil
}

func (b *jsonBuilder) fail(msg string) error {
	return fmt.Errorf("%w at offset %d: %s", errJSONSyntax, b.pos, msg)
}

func (b *jsonBuilder) space() {
	for b.pos < len(b.src) {
		switch b.src[b.pos] {
		case ' ', '\t', '\n', '\r':
			b.pos++
		default:
			return
		}
	}
}

func (b *jsonBuilder) value(depth int) (goja.Value, error) {
	if depth > maxJSONDepth {
		return nil, b.fail("nested too deeply")
	}
	if b.pos >= len(b.src) {
		return nil, b.fail("unexpected end")
	}
	switch c := b.src[b.pos]; {
	case c == '{':
		return b.object(depth)
	case c == '[':
		return b.array(depth)
	case c == '"':
		s, err := b.str()
		if err != nil {
			return nil, err
		}
		return b.rt.ToValue(s), nil
	case c == 't':
		return b.literal("true", goja.Value(b.rt.ToValue(true)))
	case c == 'f':
		return b.literal("false", goja.Value(b.rt.ToValue(false)))
	case c == 'n':
		return b.literal("null", goja.Null())
	case c == '-' || (c >= '0' && c <= '9'):
		return b.number()
	}
	return nil, b.fail("unexpected character")
}

func (b *jsonBuilder) literal(word string, v goja.Value) (goja.Value, error) {
	if len(b.src)-b.pos < len(word) || string(b.src[b.pos:b.pos+len(word)]) != word {
		return nil, b.fail("unexpected character")
	}
	b.pos += len(word)
	return v, nil
}

func (b *jsonBuilder) number() (goja.Value, error) {
	start := b.pos
	integral, err := b.scanNumber()
	if err != nil {
		return nil, err
	}
	text := string(b.src[start:b.pos])
	if integral && len(text) < 16 {
		n, err := strconv.ParseInt(text, 10, 64)
		if err == nil && !(n == 0 && text[0] == '-') { // -0 stays a float
			return b.rt.ToValue(n), nil
		}
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil {
		var ne *strconv.NumError
		if !errors.As(err, &ne) || ne.Err != strconv.ErrRange {
			return nil, b.fail("bad number")
		}
	}
	return b.rt.ToValue(f), nil
}

// scanNumber steps over a number literal and says whether it had neither fraction nor
// exponent.
func (b *jsonBuilder) scanNumber() (integral bool, err error) {
	if b.src[b.pos] == '-' {
		b.pos++
	}
	digits := func() int {
		n := 0
		for b.pos < len(b.src) && b.src[b.pos] >= '0' && b.src[b.pos] <= '9' {
			b.pos++
			n++
		}
		return n
	}
	lead := b.pos
	if n := digits(); n == 0 || n > 1 && b.src[lead] == '0' {
		return false, b.fail("bad number") // none, or a leading zero
	}
	integral = true
	if b.pos < len(b.src) && b.src[b.pos] == '.' {
		b.pos++
		integral = false
		if digits() == 0 {
			return false, b.fail("bad number")
		}
	}
	if b.pos < len(b.src) && (b.src[b.pos] == 'e' || b.src[b.pos] == 'E') {
		b.pos++
		integral = false
		if b.pos < len(b.src) && (b.src[b.pos] == '+' || b.src[b.pos] == '-') {
			b.pos++
		}
		if digits() == 0 {
			return false, b.fail("bad number")
		}
	}
	return integral, nil
}

// str reads a string literal; the common case (no escapes) is one slice.
func (b *jsonBuilder) str() (string, error) {
	b.pos++ // opening quote
	start := b.pos
	for b.pos < len(b.src) {
		c := b.src[b.pos]
		if c == '"' {
			s := string(b.src[start:b.pos])
			b.pos++
			if !utf8.ValidString(s) {
				return toValidUTF8(s), nil
			}
			return s, nil
		}
		if c == '\\' {
			return b.strSlow(start)
		}
		if c < 0x20 {
			return "", b.fail("control character in string")
		}
		b.pos++
	}
	return "", b.fail("unterminated string")
}

// key reads an object key. Short keys without escapes come from a small
// process-wide table, so the same few names (title, link, user...) are not
// allocated again for every object of every call.
func (b *jsonBuilder) key() (string, error) {
	start := b.pos + 1
	end := start
	var h uint32 = 2166136261 // FNV-1a
	for end < len(b.src) && end-start <= maxInternedKey {
		c := b.src[end]
		if c == '"' {
			raw := b.src[start:end]
			slot := &internedKeys[h%uint32(len(internedKeys))]
			if p := slot.Load(); p != nil && *p == string(raw) {
				b.pos = end + 1
				return *p, nil
			}
			s, err := b.str()
			if err == nil {
				slot.Store(&s)
			}
			return s, err
		}
		if c == '\\' || c < 0x20 || c >= 0x80 {
			break
		}
		h = (h ^ uint32(c)) * 16777619
		end++
	}
	return b.str()
}

// maxInternedKey is the longest key kept in internedKeys (bytes).
const maxInternedKey = 32

// internedKeys: a slot per hash, the last key seen there wins.
var internedKeys [1024]atomic.Pointer[string]

func (b *jsonBuilder) strSlow(start int) (string, error) {
	out := append([]byte(nil), b.src[start:b.pos]...)
	for b.pos < len(b.src) {
		c := b.src[b.pos]
		switch {
		case c == '"':
			b.pos++
			return toValidUTF8(string(out)), nil
		case c < 0x20:
			return "", b.fail("control character in string")
		case c != '\\':
			out = append(out, c)
			b.pos++
			continue
		}
		b.pos++
		if b.pos >= len(b.src) {
			break
		}
		e := b.src[b.pos]
		b.pos++
		switch e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, ok := b.hex4()
			if !ok {
				return "", b.fail("bad \\u escape")
			}
			if utf16.IsSurrogate(r) {
				// A pair makes one code point; a lone surrogate becomes U+FFFD
				// (as goja's own JSON.parse does: its strings come from UTF-8).
				if b.pos+1 < len(b.src) && b.src[b.pos] == '\\' && b.src[b.pos+1] == 'u' {
					save := b.pos
					b.pos += 2
					if r2, ok := b.hex4(); ok && utf16.DecodeRune(r, r2) != utf8.RuneError {
						r = utf16.DecodeRune(r, r2)
					} else {
						b.pos = save
						r = utf8.RuneError
					}
				} else {
					r = utf8.RuneError
				}
			}
			out = utf8.AppendRune(out, r)
		default:
			return "", b.fail("bad escape")
		}
	}
	return "", b.fail("unterminated string")
}

func (b *jsonBuilder) hex4() (rune, bool) {
	if len(b.src)-b.pos < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b.src[b.pos : b.pos+4] {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c - 'a' + 10)
		case c >= 'A' && c <= 'F':
			r |= rune(c - 'A' + 10)
		default:
			return 0, false
		}
	}
	b.pos += 4
	return r, true
}

func toValidUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	out := make([]rune, 0, len(s))
	for _, r := range s {
		out = append(out, r)
	}
	return string(out)
}

func (b *jsonBuilder) object(depth int) (goja.Value, error) {
	b.pos++ // {
	obj := b.rt.NewObject()
	start := len(b.pending)
	b.space()
	if b.pos < len(b.src) && b.src[b.pos] == '}' {
		b.pos++
		return b.endObject(obj, start)
	}
	for {
		b.space()
		if b.pos >= len(b.src) || b.src[b.pos] != '"' {
			return nil, b.fail("expected a key")
		}
		key, err := b.key()
		if err != nil {
			return nil, err
		}
		b.space()
		if b.pos >= len(b.src) || b.src[b.pos] != ':' {
			return nil, b.fail("expected ':'")
		}
		b.pos++
		b.space()
		val, err := b.value(depth + 1)
		if err != nil {
			return nil, err
		}
		switch {
		case b.freeze:
			b.pending = append(b.pending, jsonPair{key, val})
		case key == "__proto__":
			// An own property, as JSON.parse makes it, not the prototype.
			err = obj.DefineDataProperty(key, val, goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_TRUE)
		default:
			err = obj.Set(key, val)
		}
		if err != nil {
			return nil, err
		}
		b.space()
		if b.pos >= len(b.src) {
			return nil, b.fail("unterminated object")
		}
		switch b.src[b.pos] {
		case ',':
			b.pos++
		case '}':
			b.pos++
			return b.endObject(obj, start)
		default:
			return nil, b.fail("expected ',' or '}'")
		}
	}
}

// endObject defines a frozen object's members read-only, from the start:
// freezing afterwards would rewrite every property a second time.
func (b *jsonBuilder) endObject(obj *goja.Object, start int) (goja.Value, error) {
	if !b.freeze {
		return obj, nil
	}
	members := b.pending[start:]
	// A repeated key keeps its first place and takes its last value, as with
	// JSON.parse. Big objects use a map; small ones scan.
	var last map[string]int
	if len(members) > 16 {
		last = make(map[string]int, len(members))
		for i, p := range members {
			last[p.key] = i
		}
	}
	for i, p := range members {
		if last != nil {
			j, seen := last[p.key]
			if j < 0 && seen {
				continue // defined already
			}
			p.val = members[j].val
			last[p.key] = -1
		} else {
			if slices.ContainsFunc(members[:i], func(q jsonPair) bool { return q.key == p.key }) {
				continue
			}
			for _, q := range members[i+1:] {
				if q.key == p.key {
					p.val = q.val
				}
			}
		}
		if err := obj.DefineDataProperty(p.key, p.val, goja.FLAG_FALSE, goja.FLAG_FALSE, goja.FLAG_TRUE); err != nil {
			return nil, err
		}
	}
	clear(members)
	b.pending = b.pending[:start]
	b.objects = append(b.objects, obj)
	return obj, nil
}

func (b *jsonBuilder) array(depth int) (goja.Value, error) {
	b.pos++ // [
	var items []any
	b.space()
	if b.pos < len(b.src) && b.src[b.pos] == ']' {
		b.pos++
		return b.newArray(items), nil
	}
	for {
		b.space()
		val, err := b.value(depth + 1)
		if err != nil {
			return nil, err
		}
		items = append(items, val)
		b.space()
		if b.pos >= len(b.src) {
			return nil, b.fail("unterminated array")
		}
		switch b.src[b.pos] {
		case ',':
			b.pos++
		case ']':
			b.pos++
			return b.newArray(items), nil
		default:
			return nil, b.fail("expected ',' or ']'")
		}
	}
}

func (b *jsonBuilder) newArray(items []any) goja.Value {
	arr := b.rt.NewArray(items...)
	if b.freeze {
		b.arrays = append(b.arrays, arr)
	}
	return arr
}
