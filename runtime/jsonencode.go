package runtime

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"reflect"
	"strconv"
	"unicode/utf8"

	"github.com/dop251/goja"
)

// errTooDeep: a data() result nested deeper than maxDataDepth (or cyclic).
var errTooDeep = fmt.Errorf("data() returned a value nested deeper than %d levels (or a cycle)", maxDataDepth)

// maxDataDepth bounds how deeply data()'s result may nest.
const maxDataDepth = 64

// jsonEncoder writes a data() result as JSON from Go, with JSON.stringify's
// rules (toJSON, own enumerable keys in order, undefined, functions and
// symbols dropped from objects and null in arrays, NaN and Infinity as null).
// goja's own JSON.stringify is native code that the time limit cannot
// interrupt, recurses on the Go stack without bound and checks for cycles in
// time proportional to the depth; this encoder stops at maxDataDepth levels
// and as soon as the output passes the cap, so its work is bounded, and the
// getters and toJSON methods it calls are JavaScript, which the limit does
// interrupt. Each getter is read once.
type jsonEncoder struct {
	rt  *goja.Runtime
	buf []byte
	max int
}

var (
	errOverCap = errors.New("over the output cap")
	bigIntType = reflect.TypeOf((*big.Int)(nil))
)

func (v *vm) encodeJSON(val goja.Value, max int) ([]byte, error) {
	e := &jsonEncoder{rt: v.rt, max: max}
	if _, err := e.value(val, "", 0); err != nil {
		return nil, err
	}
	return e.buf, nil
}

// value writes x; it reports false (writing nothing) for what JSON leaves
// out: undefined, functions, symbols.
func (e *jsonEncoder) value(x goja.Value, key string, depth int) (bool, error) {
	if obj, ok := x.(*goja.Object); ok {
		if f, ok := goja.AssertFunction(obj.Get("toJSON")); ok {
			var err error
			if x, err = f(obj, e.rt.ToValue(key)); err != nil {
				return false, err
			}
		}
	}
	if x == nil || goja.IsUndefined(x) {
		return false, nil
	}
	if goja.IsNull(x) {
		e.buf = append(e.buf, "null"...)
		return true, e.check()
	}
	obj, isObj := x.(*goja.Object)
	if !isObj {
		return e.primitive(x)
	}
	if _, ok := goja.AssertFunction(obj); ok {
		return false, nil
	}
	switch obj.ClassName() {
	case "String", "Number", "Boolean": // boxed primitives serialize as their value
		switch obj.ClassName() {
		case "String":
			e.quote(obj.String())
		case "Number":
			e.number(obj.ToFloat(), obj.String())
		default:
			b, _ := obj.Export().(bool) // an object is truthy: read the boxed value
			e.buf = strconv.AppendBool(e.buf, b)
		}
		return true, e.check()
	}
	if depth >= maxDataDepth {
		return false, errTooDeep
	}
	if obj.ClassName() == "Array" {
		n := obj.Get("length").ToInteger()
		e.buf = append(e.buf, '[')
		for i := int64(0); i < n; i++ {
			if i > 0 {
				e.buf = append(e.buf, ',')
			}
			k := strconv.FormatInt(i, 10)
			wrote, err := e.value(obj.Get(k), k, depth+1)
			if err != nil {
				return false, err
			}
			if !wrote {
				e.buf = append(e.buf, "null"...)
			}
			if err := e.check(); err != nil {
				return false, err
			}
		}
		e.buf = append(e.buf, ']')
		return true, e.check()
	}
	e.buf = append(e.buf, '{')
	first := true
	for _, k := range obj.Keys() {
		mark := len(e.buf)
		if !first {
			e.buf = append(e.buf, ',')
		}
		e.quote(k)
		e.buf = append(e.buf, ':')
		wrote, err := e.value(obj.Get(k), k, depth+1)
		if err != nil {
			return false, err
		}
		if !wrote {
			e.buf = e.buf[:mark]
			continue
		}
		first = false
		if err := e.check(); err != nil {
			return false, err
		}
	}
	e.buf = append(e.buf, '}')
	return true, e.check()
}

func (e *jsonEncoder) primitive(x goja.Value) (bool, error) {
	if _, ok := x.(*goja.Symbol); ok {
		return false, nil
	}
	t := x.ExportType()
	if t == nil {
		return false, nil
	}
	switch t.Kind() {
	case reflect.String:
		e.quote(x.String())
	case reflect.Bool:
		e.buf = strconv.AppendBool(e.buf, x.ToBoolean())
	case reflect.Int64, reflect.Int, reflect.Int32:
		e.buf = strconv.AppendInt(e.buf, x.ToInteger(), 10)
	case reflect.Float64, reflect.Float32:
		e.number(x.ToFloat(), x.String())
	default:
		if t == bigIntType {
			return false, errors.New("TypeError: Do not know how to serialize a BigInt")
		}
		return false, nil // symbols
	}
	return true, e.check()
}

// number writes a JS number: JavaScript's own formatting (s), null when not
// finite, 0 for -0, as JSON.stringify does.
func (e *jsonEncoder) number(f float64, s string) {
	switch {
	case math.IsNaN(f) || math.IsInf(f, 0):
		e.buf = append(e.buf, "null"...)
	case f == 0:
		e.buf = append(e.buf, '0')
	default:
		e.buf = append(e.buf, s...)
	}
}

func (e *jsonEncoder) check() error {
	if len(e.buf) > e.max {
		return errOverCap
	}
	return nil
}

const hexDigits = "0123456789abcdef"

// quote writes s as a JSON string the way JSON.stringify does (AppendJSONString).
func (e *jsonEncoder) quote(s string) {
	e.buf = AppendJSONString(e.buf, s)
}

// AppendJSONString appends s to b as a JSON string the way JSON.stringify writes it: only
// the quote, the backslash and control characters are escaped (encoding/json also escapes
// <, > and &, which parse back the same at several times the cost). s should be valid UTF-8:
// invalid bytes are copied as they are (decoders read them as U+FFFD).
func AppendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			if c < utf8.RuneSelf {
				i++
				continue
			}
			_, size := utf8.DecodeRuneInString(s[i:])
			i += size
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\b':
			b = append(b, '\\', 'b')
		case '\f':
			b = append(b, '\\', 'f')
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		i++
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
