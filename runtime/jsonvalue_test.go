package runtime

import (
	"bufio"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/dop251/goja"
)

// TestJSONBuilderMatchesJSONParse: the Go-side builder, and the lazy views of the
// archive's messages, give the same value as goja's JSON.parse for every fixture message
// and for edge cases (as a script reads it: types, key order, -0, what is in and what is
// not), refuse what it refuses, and the frozen form and the views cannot be changed.
func TestJSONBuilderMatchesJSONParse(t *testing.T) {
	v := heldVM(t, newTestRuntime(t, WithPoolSize(1)))
	describeFn := jsDescriber(t, v)
	same := func(t *testing.T, src []byte) {
		t.Helper()
		want, err := v.parse(goja.Undefined(), v.rt.ToValue(string(src)))
		if err != nil {
			t.Fatalf("JSON.parse: %v", err)
		}
		lazy, _, err := v.lazyJSON(src)
		if err != nil {
			t.Fatalf("lazy view: %v", err)
		}
		a, errA := describeFn(goja.Undefined(), want)
		b, errB := describeFn(goja.Undefined(), lazy)
		if errA != nil || errB != nil || a.String() != b.String() {
			t.Fatalf("lazy view:\n JSON.parse %v %v\n view       %v %v", a, errA, b, errB)
		}
		// A view data() returns is written as JSON.stringify writes the parsed value.
		wantJSON, _ := v.stringify(goja.Undefined(), want)
		if gotJSON, err := v.encodeJSON(lazy, 1<<24); err != nil || string(gotJSON) != wantJSON.String() {
			t.Fatalf("lazy view encoded:\n JSON.stringify %s\n encoder        %s %v", wantJSON, gotJSON, err)
		}
		for _, freeze := range []bool{false, true} {
			got, err := v.jsonToValue(src, freeze)
			if err != nil {
				t.Fatalf("builder: %v", err)
			}
			a, _ := v.stringify(goja.Undefined(), want)
			b, _ := v.stringify(goja.Undefined(), got)
			if a.String() != b.String() {
				t.Fatalf("freeze=%v:\n JSON.parse %s\n builder    %s", freeze, a, b)
			}
		}
	}
	cases := []string{
		`null`, `true`, `false`, `0`, `-0`, `1.5e3`, `-12`, `12345678901234567890`, `0.1`,
		`""`, `"plain"`, `"esc \" \\ \/ \b \f \n \r \t"`, `"\u00e9\u65e5\ud83c\udf89"`, `"lone \ud800 surrogate"`, `"é日🎉"`,
		`[]`, `{}`, `[1,[2,[3,{"a":[]}]]]`, ` { "a" : 1 , "b" : [ true , null ] } `,
		`{"__proto__":{"polluted":1},"x":1}`, `{"a":1,"a":2}`, `{"a":1,"b":2,"a":3}`,
		`{"b":1,"10":2,"2":3,"01":4,"":5,"4294967294":6,"4294967295":7,"-1":8,"1.5":9,"a":{"9":1,"x":2,"0":3}}`,
		`{"z":0,"19":1,"y":2,"3":3,"x":4,"12":5,"w":6,"0":7,"v":8,"7":9,"u":10,"100":11,"t":12,"5":13,"s":14,"2":15,"r":16,"1":17,"q":18,"y":"again","3":"again","p":[[],{}]}`,
		`{"k0":0,"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9,"k10":10,"k11":11,"k12":12,"k13":13,"k14":14,"k15":15,"k16":16,"k3":"again"}`,
	}
	for _, c := range cases {
		t.Run(c, func(t *testing.T) { same(t, []byte(c)) })
	}
	t.Run("fixtures", func(t *testing.T) {
		f, err := os.Open(fixtureFile)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<24)
		n := 0
		for sc.Scan() {
			var rec struct {
				Msg json.RawMessage `json:"msg"`
			}
			if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
				t.Fatal(err)
			}
			same(t, rec.Msg)
			n++
		}
		if n < 300 {
			t.Fatalf("only %d fixture messages", n)
		}
	})
	for _, bad := range []string{``, `{`, `[1,]`, `{"a" 1}`, `tru`, `"x`, `01x`, `1 2`, `"a` + "\x01" + `"`, `{"a":1,}`, `-`, `1.`, `"\x"`,
		`{"a":[1,}`, `{"a":{"b":}}`, `{"a":"\u12"}`, `{"a" :1 `, `{1:2}`, `{"a":1}}`, `{"a":tru}`, `{"a":[1 2]}`, `00`, `-01`, `{"a":012}`} {
		if _, err := v.jsonToValue([]byte(bad), false); err == nil {
			t.Errorf("%q: accepted", bad)
		}
		if _, _, err := v.lazyJSON([]byte(bad)); err == nil {
			t.Errorf("%q: accepted by lazyJSON", bad)
		}
	}
	src := []byte(`{"a":{"b":[1,{"c":2}]}}`)
	frozen, err := v.jsonToValue(src, true)
	if err != nil {
		t.Fatal(err)
	}
	view, _, err := v.lazyJSON(src)
	if err != nil {
		t.Fatal(err)
	}
	probe, err := v.rt.RunString(`(function (m) { "use strict"; const out = [];
	  for (const f of [() => { m.x = 1; }, () => { m.a.b.push(3); }, () => { m.a.b[1].c = 3; }, () => { delete m.a; }, () => { m.a = 1; }])
	    try { f(); out.push("changed"); } catch (e) { out.push(e.name); }
	  return out.join(","); })`)
	if err != nil {
		t.Fatal(err)
	}
	fn, _ := goja.AssertFunction(probe)
	for _, val := range []goja.Value{frozen, view} {
		res, err := fn(goja.Undefined(), val)
		if err != nil || res.String() != "TypeError,TypeError,TypeError,TypeError,TypeError" {
			t.Errorf("value changed: %v %v", res, err)
		}
	}
}

// jsDescriber returns a JS function of v that describes a value as a script reads it:
// types, key order, -0, what is in and what is not.
func jsDescriber(t testing.TB, v *vm) goja.Callable {
	t.Helper()
	describe, err := v.rt.RunString(`(function d(x) {
	  if (x === null || typeof x !== "object")
	    return typeof x + ":" + (Object.is(x, -0) ? "-0" : typeof x === "string" ? JSON.stringify(x) : String(x));
	  if (Array.isArray(x))
	    return "[" + x.length + (x[x.length] === undefined ? "" : "!") + ":" + Array.prototype.map.call(x, d).join(",") + "]";
	  return "{" + ("absent" in x || x.absent !== undefined ? "!" : "") + Object.keys(x).map((k) =>
	    JSON.stringify(k) + (Object.prototype.hasOwnProperty.call(x, k) && k in x ? "=" : "!") + d(x[k])).join(",") + "}";
	})`)
	if err != nil {
		t.Fatal(err)
	}
	fn, _ := goja.AssertFunction(describe)
	return fn
}

// FuzzLazyJSON: a lazy view reads as JSON.parse's value of the same text, and what
// JSON.parse refuses, lazyJSON refuses.
func FuzzLazyJSON(f *testing.F) {
	for _, seed := range []string{`{"a":[1,{"b":"\u00e9"}],"a":2,"10":3,"2":{}}`, `{"msg":{"user":{"name":"x"}},"i":-0.5e3}`, `[1]`, `{`, `{"a":tru}`} {
		f.Add([]byte(seed))
	}
	v := heldVM(f, newTestRuntime(f, WithPoolSize(1)))
	describe := jsDescriber(f, v)
	f.Fuzz(func(t *testing.T, src []byte) {
		want, errParse := v.parse(goja.Undefined(), v.rt.ToValue(string(src)))
		got, _, errLazy := v.lazyJSON(src)
		if (errParse != nil) != (errLazy != nil) {
			if errParse == nil && !utf8.Valid(src) {
				return // goja's JSON.parse reads invalid UTF-8 its own way; the builder replaces it
			}
			if errLazy == nil && strings.Contains(errParse.Error(), "cannot unmarshal number") {
				return // goja's JSON.parse refuses numbers beyond float64; the builder reads them as ±Infinity, as JS does
			}
			t.Fatalf("JSON.parse error %v, lazyJSON error %v", errParse, errLazy)
		}
		if errParse != nil {
			return
		}
		a, errA := describe(goja.Undefined(), want)
		b, errB := describe(goja.Undefined(), got)
		if errA != nil || errB != nil || a.String() != b.String() {
			t.Fatalf("\n JSON.parse %v %v\n view       %v %v", a, errA, b, errB)
		}
	})
}

// TestJSONEncoderMatchesStringify: data()'s Go-side encoder writes what
// JSON.stringify writes.
func TestJSONEncoderMatchesStringify(t *testing.T) {
	v := heldVM(t, newTestRuntime(t, WithPoolSize(1)))
	cases := []string{
		`null`, `true`, `0`, `-0`, `1e21`, `1e-7`, `0.1 + 0.2`, `NaN`, `-Infinity`, `2 ** 53 + 2`, `-12`,
		`"plain"`, `"quote \" backslash \\ nl \n tab \t nul \u0000 del \u007f"`, `"é日🎉 \u2028"`, `"<script>&"`,
		`[]`, `{}`, `[1, undefined, () => 1, Symbol("s"), null]`, `({ a: undefined, b: () => 1, c: 1, [Symbol("s")]: 2 })`,
		`({ z: 1, a: 2, 10: 3, 2: 4 })`, `({ d: new Date(86400000), n: new Number(3), s: new String("x"), b: new Boolean(false) })`,
		`({ get g() { return [1, { x: 2 }]; }, toJSON: undefined })`, `({ toJSON(k) { return { key: k }; } })`,
		`({ a: { toJSON(k) { return "key " + k; } }, l: [{ toJSON(k) { return k; } }] })`,
		`Object.create({ inherited: 1 }, { own: { value: 2, enumerable: true }, hidden: { value: 3 } })`,
		`JSON.parse('{"__proto__": {"x": 1}, "y": 2}')`, `new Map([[1, 2]])`, `[[[[[[1]]]]]]`, `/re/g`,
	}
	for _, c := range cases {
		t.Run(c, func(t *testing.T) {
			val, err := v.rt.RunString("(" + c + ")")
			if err != nil {
				t.Fatal(err)
			}
			want, err := v.stringify(goja.Undefined(), val)
			if err != nil {
				t.Fatal(err)
			}
			got, err := v.encodeJSON(val, 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != want.String() {
				t.Errorf("encoder %s\nstringify %s", got, want)
			}
		})
	}
	if _, err := v.encodeJSON(v.rt.ToValue(strings.Repeat("x", 100)), 50); !errors.Is(err, errOverCap) {
		t.Errorf("cap: %v", err)
	}
}
