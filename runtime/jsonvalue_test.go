package runtime

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/dop251/goja"
)

// TestJSONBuilderMatchesJSONParse: the Go-side builder gives the same value
// as goja's JSON.parse for every fixture message and for edge cases, and the
// frozen form cannot be changed.
func TestJSONBuilderMatchesJSONParse(t *testing.T) {
	r := newTestRuntime(t, WithPoolSize(1))
	v, err := r.pool.get(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer r.pool.put(v)
	same := func(t *testing.T, src []byte) {
		t.Helper()
		want, err := v.parse(goja.Undefined(), v.rt.ToValue(string(src)))
		if err != nil {
			t.Fatalf("JSON.parse: %v", err)
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
	for _, bad := range []string{``, `{`, `[1,]`, `{"a" 1}`, `tru`, `"x`, `01x`, `1 2`, `"a` + "\x01" + `"`, `{"a":1,}`, `-`, `1.`, `"\x"`} {
		if _, err := v.jsonToValue([]byte(bad), false); err == nil {
			t.Errorf("%q: accepted", bad)
		}
	}
	frozen, err := v.jsonToValue([]byte(`{"a":{"b":[1,{"c":2}]}}`), true)
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
	res, err := fn(goja.Undefined(), frozen)
	if err != nil || res.String() != "TypeError,TypeError,TypeError,TypeError,TypeError" {
		t.Errorf("frozen value changed: %v %v", res, err)
	}
}

// TestJSONEncoderMatchesStringify: data()'s Go-side encoder writes what
// JSON.stringify writes.
func TestJSONEncoderMatchesStringify(t *testing.T) {
	r := newTestRuntime(t, WithPoolSize(1))
	v, err := r.pool.get(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer r.pool.put(v)
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
