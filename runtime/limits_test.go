package runtime

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

const misbehaving = `
function misbehave(mode) {
  switch (mode) {
    case "loop":
      for (;;) {}
    case "recurse": {
      const f = (n) => f(n + 1) + 1;
      return f(0);
    }
    case "huge":
      return "x".repeat(200000);
    case "throw":
      throw new Error("thrown on purpose");
  }
  return false;
}

export default {
  title: "Misbehaving",
  params: { mode: { type: "string" } },
  hints: { topics: ["x.y"] },
  async data(ctx, config) {
    if (config.mode === "async-loop") {
      await null;
      for (;;) {}
    }
    if (config.mode === "never") await new Promise(() => {});
    if (config.mode === "reject") await Promise.reject(new TypeError("rejected on purpose"));
    return { mode: config.mode, s: misbehave(config.mode) };
  },
  template(data, h) {
    return h.html` + "`<p>${misbehave(data.mode)}</p>`" + `;
  },
  shouldInvalidate(message, widget) {
    return misbehave(widget.config.mode);
  },
};
`

// TestLimits: each limit in each function. After every failure the same
// pool slot serves a normal call again (the broken runtime was replaced).
//
// Two runtimes: the time limits are tried on one with short limits, every
// other limit on one whose time limits are far out of reach, so that a loaded
// machine (-race, CI) cannot turn "output too large" into "timed out".
func TestLimits(t *testing.T) {
	tight := loadWidgets(t, map[string]string{"bad.js": misbehaving},
		WithPoolSize(1), WithLimits(Limits{Data: 300 * time.Millisecond, Template: 500 * time.Millisecond, Invalidate: 200 * time.Millisecond, Output: 64 << 10}))
	roomy := loadWidgets(t, map[string]string{"bad.js": misbehaving},
		WithPoolSize(1), WithLimits(Limits{Data: time.Minute, Template: time.Minute, Invalidate: time.Minute, Output: 64 << 10}))
	ctx := context.Background()
	calls := func(r *Runtime) map[string]func(mode string) error {
		return map[string]func(mode string) error{
			"data": func(mode string) error {
				_, err := r.Data(ctx, Instance{ID: 1, Name: "bad", Config: []byte(`{"mode":"` + mode + `"}`)}, Hub{})
				return err
			},
			"template": func(mode string) error {
				_, err := r.Template(ctx, Instance{ID: 1, Name: "bad"}, []byte(`{"mode":"`+mode+`"}`))
				return err
			},
			"shouldInvalidate": func(mode string) error {
				_, err := r.Invalidations(ctx, []byte(`{"topic":"x.y"}`), []Instance{{ID: 1, Name: "bad", Config: []byte(`{"mode":"` + mode + `"}`)}}, nil)
				return err
			},
		}
	}
	tightCalls, roomyCalls := calls(tight), calls(roomy)
	cases := []struct {
		fn, mode string
		want     error
		msg      string
	}{
		{"data", "loop", ErrTimeout, "did not finish within 300ms"},
		{"data", "async-loop", ErrTimeout, "did not finish"},
		{"data", "recurse", ErrStackOverflow, "bad.js:7:"},
		{"data", "huge", ErrOutputTooLarge, "more than the 65536 bytes of JSON allowed"},
		{"data", "throw", ErrThrown, "bad.js:13:"},
		{"data", "reject", ErrThrown, "TypeError: rejected on purpose"},
		{"data", "never", ErrContract, "never settled"},
		{"template", "loop", ErrTimeout, "did not finish within 500ms"},
		{"template", "recurse", ErrStackOverflow, "maximum call stack"},
		{"template", "huge", ErrOutputTooLarge, "bytes of HTML"},
		{"template", "throw", ErrThrown, "thrown on purpose"},
		{"shouldInvalidate", "loop", ErrTimeout, "did not finish within 200ms"},
		{"shouldInvalidate", "recurse", ErrStackOverflow, "maximum call stack"},
		{"shouldInvalidate", "huge", ErrContract, "must return true or false"},
		{"shouldInvalidate", "throw", ErrThrown, "bad.js:13:"},
	}
	for _, c := range cases {
		t.Run(c.fn+"/"+c.mode, func(t *testing.T) {
			call := roomyCalls[c.fn]
			if errors.Is(c.want, ErrTimeout) || c.mode == "never" {
				call = tightCalls[c.fn]
			}
			err := call(c.mode)
			if !errors.Is(err, c.want) {
				t.Fatalf("error = %v; want %v", err, c.want)
			}
			var e *Error
			if !errors.As(err, &e) || e.Widget != "bad" || e.Function != c.fn {
				t.Errorf("error does not name widget and function: %v", err)
			}
			if !strings.Contains(err.Error(), c.msg) {
				t.Errorf("error %q lacks %q", err, c.msg)
			}
			if err := call("fine"); err != nil {
				t.Fatalf("the next call failed: %v", err)
			}
		})
	}
}

// TestDataContextCancel: cancelling the caller's context interrupts data().
func TestDataContextCancel(t *testing.T) {
	r := loadWidgets(t, map[string]string{"bad.js": misbehaving}, WithPoolSize(1))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := r.Data(ctx, Instance{ID: 1, Name: "bad", Config: []byte(`{"mode":"loop"}`)}, Hub{})
		done <- err
	}()
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("error = %v; want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("data() kept running after its context was cancelled")
	}
	if _, err := r.Data(context.Background(), Instance{ID: 1, Name: "bad", Config: []byte(`{"mode":"fine"}`)}, Hub{}); err != nil {
		t.Fatal(err)
	}
}

// TestBatchGoesOnAfterAFailure: one candidate timing out does not lose the
// verdicts of the others.
func TestBatchGoesOnAfterAFailure(t *testing.T) {
	r := loadWidgets(t, map[string]string{
		"bad.js":  misbehaving,
		"good.js": widgetJS("  hints: { topics: ['x.y'] },\n  shouldInvalidate(m) { return m.topic === 'x.y'; },"),
	}, WithPoolSize(1), WithLimits(Limits{Invalidate: 200 * time.Millisecond}))
	insts := []Instance{{ID: 1, Name: "good"}, {ID: 2, Name: "bad", Config: []byte(`{"mode":"loop"}`)}, {ID: 3, Name: "good"}}
	out, err := r.Invalidations(context.Background(), []byte(`{"topic":"x.y"}`), insts, nil)
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("error = %v", err)
	}
	// The third ran on a fresh runtime after the second retired the first.
	if len(out) != 3 || !out[0] || out[1] || !out[2] {
		t.Fatalf("verdicts = %v", out)
	}
}

// TestDataDeepOrCyclic: a result nested too deeply, or cyclic, is refused
// by the bounded encoder; toJSON and getters are honoured as JSON.stringify
// would.
func TestDataDeepOrCyclic(t *testing.T) {
	r := loadWidgets(t, map[string]string{"deep.js": `
export default {
  title: "Deep",
  params: { mode: { type: "string" } },
  data(ctx, config) {
    if (config.mode === "deep") { let o = {}; for (let i = 0; i < 100000; i++) o = { o }; return o; }
    if (config.mode === "cycle") { const o = { a: [] }; o.a.push(o); return o; }
    return { when: new Date(0), get lazy() { return [1, undefined, () => 1]; }, skip: undefined, f() {}, n: 1 };
  },
  template(d, h) { return h.html` + "`<p></p>`" + `; },
};`}, WithPoolSize(1))
	for _, mode := range []string{"deep", "cycle"} {
		_, err := r.Data(context.Background(), Instance{ID: 1, Name: "deep", Config: []byte(`{"mode":"` + mode + `"}`)}, Hub{})
		if !errors.Is(err, ErrContract) || !strings.Contains(err.Error(), "nested deeper than 64") {
			t.Errorf("%s: %v", mode, err)
		}
	}
	out, err := r.Data(context.Background(), Instance{ID: 1, Name: "deep", Config: []byte(`{"mode":"plain"}`)}, Hub{})
	if err != nil || string(out) != `{"when":"1970-01-01T00:00:00.000Z","lazy":[1,null,null],"n":1}` {
		t.Errorf("data = %s, %v", out, err)
	}
}

// TestNativeHazards: built-ins that run as native code (no interrupt reaches
// them) are bounded: JSON.stringify of a very deep value throws at once, and
// a catastrophically backtracking regexp gives up.
func TestNativeHazards(t *testing.T) {
	r := loadWidgets(t, map[string]string{"n.js": `
export default {
  title: "N",
  params: { mode: { type: "string" } },
  data(ctx, c) {
    if (c.mode === "stringify") { let a = []; for (let i = 0; i < 200000; i++) a = [a]; return JSON.stringify(a).length; }
    if (c.mode === "cycle") { const o = {}; o.o = o; return JSON.stringify(o); }
    if (c.mode === "regexp") return /^(?=(a+)+b)/.test("a".repeat(40) + "c");
    if (c.mode === "repeat") return "abcd".repeat(1e9).length;
    if (c.mode === "pad") return "x".padStart(2 ** 30, "y").length;
    if ("ab".repeat(3) + "1".padStart(3, "0") + "1".padEnd(2) !== "ababab0011 ") throw new Error("string helpers changed");
    return JSON.stringify({ d: new Date(0), n: [1, undefined], f() {}, s: new String("x") }, null, 1);
  },
  template(d, h) { return h.html` + "`<p></p>`" + `; },
};`}, WithPoolSize(1), WithLimits(Limits{Data: 30 * time.Second}))
	cases := []struct{ mode, want string }{
		{"stringify", "nested deeper than 500"},
		{"cycle", "nested deeper than 500"},
		{"regexp", ""},
		{"repeat", "result longer than"},
		{"pad", "result longer than"},
		{"plain", ""},
	}
	for _, c := range cases {
		t.Run(c.mode, func(t *testing.T) {
			start := time.Now()
			out, err := r.Data(context.Background(), Instance{ID: 1, Name: "n", Config: []byte(`{"mode":"` + c.mode + `"}`)}, Hub{})
			if c.want != "" {
				if !errors.Is(err, ErrThrown) || !strings.Contains(err.Error(), c.want) {
					t.Errorf("error %v; want %q", err, c.want)
				}
			} else if err != nil {
				t.Error(err)
			}
			if c.mode == "plain" && string(out) != `"{\n \"d\": \"1970-01-01T00:00:00.000Z\",\n \"n\": [\n  1,\n  null\n ],\n \"s\": \"x\"\n}"` {
				t.Errorf("JSON.stringify changed its output: %s", out)
			}
			if d := time.Since(start); d > 20*time.Second {
				t.Errorf("took %s", d)
			}
		})
	}
}
