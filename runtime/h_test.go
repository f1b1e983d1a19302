package runtime

import (
	"crypto/sha256"
	"encoding/hex"
	"html"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"

	"github.com/dop251/goja"
)

// jsFunc evaluates src (a function taking h) on a pooled runtime and returns
// the function it returns, with the runtime (given back at cleanup).
func jsFunc(t *testing.T, r *Runtime, src string) (goja.Callable, *vm) {
	t.Helper()
	v := heldVM(t, r)
	mk, err := v.rt.RunScript("test.js", `"use strict";`+src)
	if err != nil {
		t.Fatal(err)
	}
	f, _ := goja.AssertFunction(mk)
	res, err := f(goja.Undefined(), v.h)
	if err != nil {
		t.Fatal(err)
	}
	g, ok := goja.AssertFunction(res)
	if !ok {
		t.Fatal("not a function")
	}
	return g, v
}

var fragments = []string{
	"<script>alert(1)</script>", "</p>", "<", ">", `"`, "'", "`", "&", "&amp;", "&#106;", "=", " ", "\t", "\n", "\x00", "\x01",
	"javascript:", "JaVaScRiPt:", "java\tscript:", " javascript:", "\x01javascript:", "vbscript:", "data:text/html,", "DATA:",
	"onerror=", " onmouseover=alert(1) ", "x", "é", "\u2028", "http://", "https://ok.example/", "/", "#", "?", ":", "a", "1",
}

func randomString(rng *rand.Rand) string {
	var b strings.Builder
	for n := rng.IntN(6); n >= 0; n-- {
		b.WriteString(fragments[rng.IntN(len(fragments))])
	}
	return b.String()
}

// TestHTMLEscapesEveryString is the property test of h.html: for thousands
// of strings built from hostile fragments, an interpolated value can never
// open a tag, leave its attribute, or put a script URL in an href.
func TestHTMLEscapesEveryString(t *testing.T) {
	r := newTestRuntime(t, WithPoolSize(1))
	render, v := jsFunc(t, r, "(h) => (s) => h.html`<p>${s}</p><a href=\"${s}\" title='${s}'>x</a><i class=${s}>y</i><textarea>${s}</textarea>`.html")
	shape := regexp.MustCompile(`^<p>([^<>"'` + "`" + `]*)</p><a href="([^<>"'` + "`" + `]*)" title='([^<>"'` + "`" + `]*)'>x</a><i class="([^<>"'` + "`" + `]*)">y</i><textarea>([^<>"'` + "`" + `]*)</textarea>$`)
	rng := rand.New(rand.NewPCG(1, 2))
	inputs := append([]string{"", "javascript:alert(1)", `" onclick="alert(1)`, "' onclick='x", "<img src=x onerror=alert(1)>"}, fragments...)
	for range 3000 {
		inputs = append(inputs, randomString(rng))
	}
	for _, s := range inputs {
		out, err := render(goja.Undefined(), v.rt.ToValue(s))
		if err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		m := shape.FindStringSubmatch(out.String())
		if m == nil {
			t.Fatalf("%q broke out of its context: %s", s, out)
		}
		for i, part := range []string{m[1], m[3], m[4], m[5]} {
			if got := html.UnescapeString(part); got != s {
				t.Fatalf("%q: part %d unescapes to %q", s, i, got)
			}
		}
		href := html.UnescapeString(m[2])
		if href != s && !strings.HasPrefix(href, "about:invalid") {
			t.Fatalf("%q: href became %q", s, href)
		}
		probe := strings.ToLower(strings.Map(func(r rune) rune {
			if r <= 0x20 || (r >= 0x7f && r <= 0xa0) {
				return -1
			}
			return r
		}, href))
		for _, bad := range []string{"javascript:", "vbscript:", "data:"} {
			if strings.HasPrefix(probe, bad) {
				t.Fatalf("%q: href %q runs a script", s, href)
			}
		}
	}
}

// TestHTMLURLArrayPieces: an array in a URL hole is checked as the one URL
// its items make, by the server's h.html (the Go join) and by h.js's own (the
// browser's): thousands of hostile strings, cut into random (nested) pieces,
// never put a script URL in an href, and both give the same bytes.
func TestHTMLURLArrayPieces(t *testing.T) {
	r := newTestRuntime(t, WithPoolSize(1))
	v := heldVM(t, r)
	mk, err := v.rt.RunScript("pieces.js", `"use strict"; (h) => (parts) => h.html`+"`<a href=\"${parts}\">x</a>`.html")
	if err != nil {
		t.Fatal(err)
	}
	mkFn, _ := goja.AssertFunction(mk)
	renderer := func(h goja.Value) goja.Callable {
		f, err := mkFn(goja.Undefined(), h)
		if err != nil {
			t.Fatal(err)
		}
		g, _ := goja.AssertFunction(f)
		return g
	}
	goRender, jsRender := renderer(v.h), renderer(jsOnlyHelpers(t, r, v))
	shape := regexp.MustCompile(`^<a href="([^<>"'` + "`" + `]*)">x</a>$`)
	rng := rand.New(rand.NewPCG(5, 6))
	inputs := []string{"javascript:alert(1)", " JaVa\tScRiPt:x", "vbscript:x", "data:text/html,x"}
	for range 3000 {
		inputs = append(inputs, randomString(rng))
	}
	// pieces cuts s at random places into a JS array, sometimes nested.
	var pieces func(s []rune, depth int) goja.Value
	pieces = func(s []rune, depth int) goja.Value {
		var items []any
		for len(s) > 0 {
			n := 1 + rng.IntN(len(s))
			if depth < 2 && rng.IntN(4) == 0 {
				items = append(items, pieces(s[:n], depth+1))
			} else {
				items = append(items, string(s[:n]))
			}
			s = s[n:]
		}
		return v.rt.NewArray(items...)
	}
	for _, s := range inputs {
		parts := pieces([]rune(s), 0)
		a, errA := goRender(goja.Undefined(), parts)
		b, errB := jsRender(goja.Undefined(), parts)
		if errA != nil || errB != nil {
			t.Fatalf("%q: errors %v / %v", s, errA, errB)
		}
		if a.String() != b.String() {
			t.Fatalf("%q: Go %q, JS %q", s, a, b)
		}
		m := shape.FindStringSubmatch(a.String())
		if m == nil {
			t.Fatalf("%q broke out of its attribute: %s", s, a)
		}
		href := html.UnescapeString(m[1])
		if href != s && !strings.HasPrefix(href, "about:invalid") {
			t.Fatalf("%q: href became %q", s, href)
		}
		probe := strings.ToLower(strings.Map(func(r rune) rune {
			if r <= 0x20 || (r >= 0x7f && r <= 0xa0) {
				return -1
			}
			return r
		}, href))
		for _, bad := range []string{"javascript:", "vbscript:", "data:"} {
			if strings.HasPrefix(probe, bad) {
				t.Fatalf("%q: href %q runs a script", s, href)
			}
		}
	}
}

func TestHTMLContexts(t *testing.T) {
	r := newTestRuntime(t, WithPoolSize(1))
	cases := []struct {
		name, tmpl, arg string
		want, err       string
	}{
		{"nested html is not escaped", "h.html`<ul>${[h.html`<li>${s}</li>`, h.html`<li>2</li>`]}</ul>`", "<b>", "<ul><li>&lt;b&gt;</li><li>2</li></ul>", ""},
		{"safe is not escaped", "h.html`<div>${h.safe(s)}</div>`", "<b>bold</b>", "<div><b>bold</b></div>", ""},
		{"null false undefined render nothing", "h.html`<p>${null}${undefined}${false}${true}</p>`", "", "<p></p>", ""},
		{"numbers", "h.html`<p>${42}</p>`", "", "<p>42</p>", ""},
		{"relative url kept", "h.html`<a href=\"${s}\">x</a>`", "/users/ralph?x=1", `<a href="/users/ralph?x=1">x</a>`, ""},
		{"url with static prefix is only escaped", "h.html`<a href=\"/u/${s}\">x</a>`", "javascript:x", `<a href="/u/javascript:x">x</a>`, ""},
		{"mailto kept", "h.html`<a href='${s}'>x</a>`", "mailto:a@b.c", `<a href='mailto:a@b.c'>x</a>`, ""},
		{"unquoted src checked", "h.html`<img src=${s}>`", "javascript:alert(1)", `<img src="about:invalid#h-unsafe-url">`, ""},
		{"url array checked whole", "h.html`<a href=\"${[s, ':alert(1)']}\">x</a>`", "javascript", `<a href="about:invalid#h-unsafe-url">x</a>`, ""},
		{"unquoted url array checked whole", "h.html`<img src=${['java', [s], ':x']}>`", "script", `<img src="about:invalid#h-unsafe-url">`, ""},
		{"url array with html item checked whole", "h.html`<a href='${[h.safe(s), 'alert(1)']}'>x</a>`", "javascript:", `<a href='about:invalid#h-unsafe-url'>x</a>`, ""},
		{"safe url array kept", "h.html`<a href=\"${['/u/', s, '?a=1&b=2']}\">x</a>`", "javascript:x", `<a href="/u/javascript:x?a=1&amp;b=2">x</a>`, ""},
		{"https url array kept", "h.html`<a href=\"${['https://ok/', s]}\">x</a>`", "<p>", `<a href="https://ok/&lt;p&gt;">x</a>`, ""},
		{"boolean attribute", "h.html`<input ${s}>`", "checked", "<input checked>", ""},
		{"empty between attributes", "h.html`<input ${''} type=checkbox>`", "", "<input  type=checkbox>", ""},
		{"attribute with value between attributes", "h.html`<input ${s}>`", "onclick=alert(1)", "", "only a boolean attribute name"},
		{"event handler attribute", "h.html`<a onclick=\"go('${s}')\">x</a>`", "x", "", "onclick attribute"},
		{"style attribute", "h.html`<p style=\"color: ${s}\">x</p>`", "red", "", "style attribute"},
		{"script body", "h.html`<script>var x = ${s};</script>`", "1", "", "<script> or <style>"},
		{"after a script", "h.html`<script>1</script><p>${s}</p>`", "<i>", "<script>1</script><p>&lt;i&gt;</p>", ""},
		{"comment", "h.html`<!-- ${s} -->`", "x", "", "comment"},
		{"unquoted value followed by text", "h.html`<a href=${s}x>y</a>`", "a", "", "quote it"},
		{"render escapes plain strings", "h.render(s)", "<b>", "&lt;b&gt;", ""},
		{"render passes html", "h.render(h.html`<b>${s}</b>`)", "&", "<b>&amp;</b>", ""},
		{"render refuses objects", "h.render({})", "", "", "template must return"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, v := jsFunc(t, r, "(h) => (s) => { const out = "+c.tmpl+"; return typeof out === 'string' ? out : out.html; }")
			out, err := f(goja.Undefined(), v.rt.ToValue(c.arg))
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("got %v, %v; want error %q", out, err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if out.String() != c.want {
				t.Errorf("got  %s\nwant %s", out, c.want)
			}
		})
	}
}

func TestFormattingHelpers(t *testing.T) {
	r := newTestRuntime(t, WithPoolSize(1))
	now := "Date.UTC(2026, 0, 10, 12, 0, 0)"
	cases := []struct{ expr, want string }{
		// The fixture (fedmsg.meta) gives dgilmore's libravatar URL.
		{"h.avatar('dgilmore', 64)", "https://seccdn.libravatar.org/avatar/168a37a06ac9b4dbcf4f2e0e11de6a1332c7aead2313b04016cea0c5a848263e?s=64&d=retro"},
		{"h.avatar('limburgher')", "https://seccdn.libravatar.org/avatar/67fc36d5974ea45ec922a650dc117d83acf0a1f646cd17ba80e9e0fe6e2ed164?s=64&d=retro"},
		{"h.sha256('')", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{"h.commas(1234567)", "1,234,567"},
		{"h.commas(-1234.5)", "-1,234.5"},
		{"h.commas(999)", "999"},
		{"h.series([])", ""},
		{"h.series(['a'])", "a"},
		{"h.series(['a', 'b'])", "a and b"},
		{"h.series(['a', 'b', 'c'])", "a, b and c"},
		{"h.humanize(" + now + " - 3 * 3600 * 1000, " + now + ")", "3 hours ago"},
		{"h.humanize((" + now + ") / 1000 - 60, " + now + ")", "1 minute ago"},
		{"h.humanize(new Date(" + now + " + 2 * 86400 * 1000), " + now + ")", "in 2 days"},
		{"h.humanize('2026-01-10T11:59:58Z', " + now + ")", "just now"},
		{"h.humanize('not a date', " + now + ")", ""},
		{"h.markdown('hello **world** and *you*').html", "<p>hello <strong>world</strong> and <em>you</em></p>"},
		{"h.markdown('<script>x</script>').html", "<p>&lt;script&gt;x&lt;/script&gt;</p>"},
		{"h.markdown('[site](https://x.org/a) [bad](javascript:alert(1))').html", `<p><a href="https://x.org/a" rel="nofollow noopener">site</a> [bad](javascript:alert(1))</p>`},
		{"h.markdown('- one\\n- `<two>`\\n\\npara\\nline').html", "<ul><li>one</li><li><code>&lt;two&gt;</code></li></ul>\n<p>para<br>line</p>"},
		{"h.markdown('# Title').html", "<p><strong>Title</strong></p>"},
	}
	for _, c := range cases {
		t.Run(c.expr, func(t *testing.T) {
			f, _ := jsFunc(t, r, "(h) => () => "+c.expr)
			out, err := f(goja.Undefined())
			if err != nil {
				t.Fatal(err)
			}
			if out.String() != c.want {
				t.Errorf("got  %q\nwant %q", out, c.want)
			}
		})
	}
}

// TestSHA256MatchesGo: h.avatar's pure-JS SHA-256 agrees with Go's on
// multi-byte text and on every length around the padding boundaries.
func TestSHA256MatchesGo(t *testing.T) {
	r := newTestRuntime(t, WithPoolSize(1))
	f, v := jsFunc(t, r, "(h) => (s) => h.sha256(s)")
	inputs := []string{"é", "日本語", "🎉 emoji", strings.Repeat("é", 40)}
	for n := 50; n <= 130; n++ {
		inputs = append(inputs, strings.Repeat("a", n))
	}
	for _, s := range inputs {
		got, err := f(goja.Undefined(), v.rt.ToValue(s))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256([]byte(s))
		if want := hex.EncodeToString(sum[:]); got.String() != want {
			t.Errorf("sha256(%q) = %s; want %s", s, got, want)
		}
	}
}
