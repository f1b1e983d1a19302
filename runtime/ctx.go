package runtime

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/dop251/goja"
)

// dataCall is the state the natives need during one data() call.
type dataCall struct {
	ctx  context.Context
	w    *Widget
	inst Instance
}

// warmUpKey marks the context of a data() call made only to keep memory warm (WarmUp).
type warmUpKey struct{}

// WarmUp marks ctx as a warm-up's: data() run only so that the memory it touches is
// warm for the next real call, its result dropped. Such a call writes nothing to the log
// (ctx.log does nothing) and asks no upstream service (ctx.fetch fails at once).
func WarmUp(ctx context.Context) context.Context { return context.WithValue(ctx, warmUpKey{}, true) }

func isWarmUp(ctx context.Context) bool { return ctx.Value(warmUpKey{}) != nil }

// maxLogLine bounds what one ctx.log call writes.
const maxLogLine = 2000

// maxLogFields bounds how many fields one ctx.log call adds to the log line.
const maxLogFields = 20

// natives builds the host functions behind ctx. They take and return only
// strings and numbers: each returns [errorMessage] on failure and
// [null, result...] on success, and sandbox.js turns that into promises and
// thrown Errors. They are reachable only through the frozen ctx objects.
func (v *vm) natives() *goja.Object {
	o := v.rt.NewObject()
	ok := func(vals ...any) goja.Value {
		return v.rt.NewArray(append([]any{nil}, vals...)...)
	}
	fail := func(format string, args ...any) goja.Value {
		return v.rt.NewArray(fmt.Sprintf(format, args...))
	}
	call := func() *dataCall {
		if v.call == nil {
			panic(v.rt.NewTypeError("ctx is only usable during its data() call"))
		}
		return v.call
	}
	_ = o.Set("fetch", func(c goja.FunctionCall) goja.Value {
		dc := call()
		dc.w.fetches.Store(true) // its next calls wait on the fetch pool's runtimes
		if isWarmUp(dc.ctx) {
			return fail("ctx.fetch: not in a warm-up")
		}
		var opts FetchRequest
		if err := json.Unmarshal([]byte(c.Argument(1).String()), &opts); err != nil {
			return fail("ctx.fetch: bad options: %v", err)
		}
		opts.URL = c.Argument(0).String()
		resp, err := v.r.fetcher.do(dc.ctx, opts)
		if err != nil {
			return fail("ctx.fetch %s: %v", opts.URL, err)
		}
		headers, _ := json.Marshal(resp.Headers)
		return ok(resp.Status, resp.URL, string(headers), resp.Body)
	})
	_ = o.Set("grep", func(c goja.FunctionCall) goja.Value {
		dc := call()
		if v.r.opt.host == nil {
			return fail("ctx.messages.grep: no message archive configured")
		}
		q, err := parseGrepQuery(c.Argument(0).String())
		if err != nil {
			return fail("ctx.messages.grep: %v", err)
		}
		res, err := v.r.opt.host.GrepMessages(dc.ctx, q)
		if err != nil {
			return fail("ctx.messages.grep: %v", err)
		}
		// Each message is a read-only view of the archive's JSON, its fields made into JS
		// values as they are read, and kept (archivedMessage): the feeds a bus message
		// invalidates show mostly the same messages. The array and the object around it
		// are the widget's own.
		msgs := make([]any, len(res.Messages))
		for i, m := range res.Messages {
			if msgs[i], err = v.archivedMessage(m); err != nil {
				return fail("ctx.messages.grep: %v", err)
			}
		}
		val := v.rt.NewObject()
		_ = val.Set("raw_messages", v.rt.NewArray(msgs...))
		_ = val.Set("count", len(res.Messages))
		_ = val.Set("total", res.Total)
		_ = val.Set("pages", res.Pages)
		return ok(val)
	})
	_ = o.Set("count", func(c goja.FunctionCall) goja.Value {
		dc := call()
		if v.r.opt.host == nil {
			return fail("ctx.messages.count: no message archive configured")
		}
		q, err := parseGrepQuery(c.Argument(0).String())
		if err != nil {
			return fail("ctx.messages.count: %v", err)
		}
		n, err := v.r.opt.host.CountMessages(dc.ctx, q)
		if err != nil {
			return fail("ctx.messages.count: %v", err)
		}
		return ok(n)
	})
	_ = o.Set("histogram", func(c goja.FunctionCall) goja.Value {
		dc := call()
		if v.r.opt.host == nil {
			return fail("ctx.messages.histogram: no message archive configured")
		}
		q, step, err := parseHistogramQuery(c.Argument(0).String())
		if err != nil {
			return fail("ctx.messages.histogram: %v", err)
		}
		buckets, err := v.r.opt.host.HistogramMessages(dc.ctx, q, step)
		if err != nil {
			return fail("ctx.messages.histogram: %v", err)
		}
		val, err := v.jsonToValue(histogramJSON(q, step, buckets), false)
		if err != nil {
			return fail("ctx.messages.histogram: %v", err)
		}
		return ok(val)
	})
	_ = o.Set("user", func(c goja.FunctionCall) goja.Value {
		dc := call()
		if v.r.opt.host == nil {
			return fail("ctx.user: no user directory configured")
		}
		u, err := v.r.opt.host.User(dc.ctx, c.Argument(0).String())
		if err != nil {
			return fail("ctx.user: %v", err)
		}
		b, err := json.Marshal(u) // nil map -> null
		if err != nil {
			return fail("ctx.user: %v", err)
		}
		val, err := v.jsonToValue(b, false)
		if err != nil {
			return fail("ctx.user: %v", err)
		}
		return ok(val)
	})
	_ = o.Set("now", func(goja.FunctionCall) goja.Value {
		return v.rt.ToValue(v.r.opt.now().UnixMilli())
	})
	_ = o.Set("log", func(c goja.FunctionCall) goja.Value {
		dc := call()
		if isWarmUp(dc.ctx) {
			return goja.Undefined()
		}
		msg := c.Argument(1).String()
		if len(msg) > maxLogLine {
			msg = msg[:maxLogLine] + "…"
		}
		attrs := []any{"widget", dc.w.Name, "instance", dc.inst.ID, "hub", dc.inst.Hub}
		// The fields are bounded like the message: a widget must not be able to write
		// megabytes into the server's log with one call.
		if raw := c.Argument(2).String(); len(raw) > maxLogLine {
			attrs = append(attrs, "js.fields", raw[:maxLogLine]+"…")
		} else {
			var fields map[string]any
			_ = json.Unmarshal([]byte(raw), &fields)
			for k, val := range fields {
				if len(attrs) >= 6+2*maxLogFields {
					break
				}
				attrs = append(attrs, "js."+k, val)
			}
		}
		level := map[string]slog.Level{"info": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError}[c.Argument(0).String()]
		v.r.opt.logger.Log(dc.ctx, level, msg, attrs...)
		return goja.Undefined()
	})
	return o
}

// grepArgs is ctx.messages.grep's argument as JSON: datagrepper's names;
// start and end as epoch seconds (datagrepper's form) or ISO 8601 strings;
// a single string where a list is expected is a list of one.
type grepArgs struct {
	Topics     stringOrList    `json:"topics"`
	Categories stringOrList    `json:"categories"`
	Usernames  stringOrList    `json:"usernames"`
	Packages   stringOrList    `json:"packages"`
	Contains   stringOrList    `json:"contains"`
	Start      json.RawMessage `json:"start"`
	End        json.RawMessage `json:"end"`
	Rows       int             `json:"rows"`
	Page       int             `json:"page"`
	Order      string          `json:"order"`
}

type stringOrList []string

func (s *stringOrList) UnmarshalJSON(b []byte) error {
	var one string
	if json.Unmarshal(b, &one) == nil {
		*s = []string{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return fmt.Errorf("want a string or an array of strings")
	}
	*s = many
	return nil
}

var grepKeys = regexp.MustCompile(`^(topics|categories|usernames|packages|contains|start|end|rows|page|order)$`)

func parseGrepQuery(s string) (GrepQuery, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(s), &raw); err != nil {
		return GrepQuery{}, fmt.Errorf("the query must be an object")
	}
	for k := range raw {
		if !grepKeys.MatchString(k) {
			return GrepQuery{}, fmt.Errorf("unknown query field %q", k)
		}
	}
	var a grepArgs
	if err := json.Unmarshal([]byte(s), &a); err != nil {
		return GrepQuery{}, err
	}
	q := GrepQuery{Topics: a.Topics, Categories: a.Categories, Usernames: a.Usernames, Packages: a.Packages,
		Contains: a.Contains, Rows: a.Rows, Page: a.Page, Order: strings.ToLower(a.Order)}
	var err error
	if q.Start, err = parseWhen(a.Start); err != nil {
		return GrepQuery{}, fmt.Errorf("start: %w", err)
	}
	if q.End, err = parseWhen(a.End); err != nil {
		return GrepQuery{}, fmt.Errorf("end: %w", err)
	}
	if q.Order != "" && q.Order != "asc" && q.Order != "desc" {
		return GrepQuery{}, fmt.Errorf("order must be asc or desc")
	}
	if q.Rows < 0 || q.Page < 0 {
		return GrepQuery{}, fmt.Errorf("rows and page must not be negative")
	}
	return q, nil
}

// parseHistogramQuery reads ctx.messages.histogram's argument: grep's filters, start and
// end (both required), and step, the length of an interval in seconds.
func parseHistogramQuery(s string) (GrepQuery, time.Duration, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(s), &raw); err != nil {
		return GrepQuery{}, 0, fmt.Errorf("the query must be an object")
	}
	for _, k := range []string{"rows", "page", "order"} {
		if _, ok := raw[k]; ok {
			return GrepQuery{}, 0, fmt.Errorf("%s means nothing to a histogram", k)
		}
	}
	var step float64
	if err := json.Unmarshal(raw["step"], &step); err != nil || step < 1 {
		return GrepQuery{}, 0, fmt.Errorf("step must be a number of seconds, at least 1")
	}
	delete(raw, "step")
	rest, err := json.Marshal(raw)
	if err != nil {
		return GrepQuery{}, 0, err
	}
	q, err := parseGrepQuery(string(rest))
	if err != nil {
		return GrepQuery{}, 0, err
	}
	if q.Start.IsZero() || q.End.IsZero() {
		return GrepQuery{}, 0, fmt.Errorf("start and end are required")
	}
	return q, time.Duration(step * float64(time.Second)), nil
}

// histogramJSON is ctx.messages.histogram's answer: {start, end, step, total, buckets:
// [{start, end, total, categories: {name: n}}]}, times in epoch seconds.
func histogramJSON(q GrepQuery, step time.Duration, buckets []HistogramBucket) []byte {
	secs := func(t time.Time) float64 { return float64(t.UnixMilli()) / 1000 }
	type bucket struct {
		Start      float64        `json:"start"`
		End        float64        `json:"end"`
		Total      int            `json:"total"`
		Categories map[string]int `json:"categories"`
	}
	out := struct {
		Start   float64  `json:"start"`
		End     float64  `json:"end"`
		Step    float64  `json:"step"`
		Total   int      `json:"total"`
		Buckets []bucket `json:"buckets"`
	}{Start: secs(q.Start), End: secs(q.End), Step: step.Seconds(), Buckets: make([]bucket, len(buckets))}
	for i, b := range buckets {
		end := b.Start.Add(step)
		if end.After(q.End) {
			end = q.End
		}
		cats := b.Categories
		if cats == nil {
			cats = map[string]int{}
		}
		out.Buckets[i] = bucket{Start: secs(b.Start), End: secs(end), Total: b.Total, Categories: cats}
		out.Total += b.Total
	}
	b, _ := json.Marshal(out) // plain numbers, strings and maps: cannot fail
	return b
}

// parseWhen reads epoch seconds, or an ISO 8601 string (JSON.stringify turns
// a Date into one).
func parseWhen(b json.RawMessage) (time.Time, error) {
	if len(b) == 0 || string(b) == "null" {
		return time.Time{}, nil
	}
	var f float64
	if json.Unmarshal(b, &f) == nil {
		sec := int64(f)
		return time.Unix(sec, int64((f-float64(sec))*1e9)).UTC(), nil
	}
	var s string
	if json.Unmarshal(b, &s) == nil {
		if n, err := strconv.ParseFloat(s, 64); err == nil {
			return time.Unix(int64(n), 0).UTC(), nil
		}
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return time.Time{}, fmt.Errorf("want epoch seconds or an ISO 8601 time, got %q", s)
		}
		return t, nil
	}
	return time.Time{}, fmt.Errorf("want epoch seconds or an ISO 8601 time")
}

// stackPosition finds the first "(file:line:col" in a JS stack string.
var stackPosition = regexp.MustCompile(`\(?([^\s()]+):(\d+):(\d+)`)

func firstPosition(stack string) (file string, line, col int, ok bool) {
	for _, l := range strings.Split(stack, "\n") {
		if !strings.Contains(l, "at ") {
			continue
		}
		m := stackPosition.FindStringSubmatch(l)
		if m == nil || internalSource(m[1]) {
			continue
		}
		line, _ = strconv.Atoi(m[2])
		col, _ = strconv.Atoi(m[3])
		return m[1], line, col, true
	}
	return "", 0, 0, false
}
