package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hubs/fedmsg"
	"hubs/runtime"
)

// parityMessages is the real bus messages the parity test feeds both sides.
const parityMessages = "../testdata/fedmsg/meta_examples.jsonl"

// parityFolders are the widget folders whose code must decide and render the same in goja
// and in Chromium: the test widgets, the repository's widgets (when it has any), and
// HUBS_PARITY_WIDGETS when set.
func parityFolders() []string {
	folders := []string{testWidgets, "../widgets"}
	if extra := os.Getenv("HUBS_PARITY_WIDGETS"); extra != "" {
		folders = append(folders, extra)
	}
	return folders
}

// TestParity runs every widget's shouldInvalidate over the real fixture messages, and its
// template over the data of every instance on the demo hubs (built from an archive that
// holds those messages), once in goja and once in headless Chromium on the files the server
// serves, and asserts that both sides agree on every decision and every byte of HTML.
func TestParity(t *testing.T) {
	needChromium(t)
	for _, folder := range parityFolders() {
		t.Run(folder, func(t *testing.T) { parity(t, folder) })
	}
}

type parityInstance struct {
	ID     int64           `json:"id"`
	Name   string          `json:"name"`
	Hub    string          `json:"hub"`
	Config json.RawMessage `json:"config"`
	Module string          `json:"module"`
	Data   json.RawMessage `json:"data,omitempty"`
}

func moduleURL(w *runtime.Widget) string {
	return "/widgets/" + w.Version + "/" + strings.ReplaceAll(w.Name, ".", "/") + ".js"
}

func parity(t *testing.T, folder string) {
	if entries, err := os.ReadDir(folder); err != nil || !hasWidgetFiles(entries) {
		t.Skipf("%s holds no widget files", folder)
	}
	// One pinned "now" for goja (WithClock drives Date there) and for Chromium (Date.now is
	// replaced below), so "3 minutes ago" cannot tick over between the two renders.
	now := time.Now()
	w := startWebWith(t, folder, webOptions{runtime: []runtime.Option{runtime.WithLimits(generousLimits),
		runtime.WithClock(func() time.Time { return now })}})
	ctx := context.Background()
	widgets := w.rt.List()
	if len(widgets) == 0 {
		t.Fatalf("no widget of %s loads", folder)
	}

	// The messages, valid ones only (the engine never sees the others), archived so that
	// data() built from the archive shows them.
	var messages []json.RawMessage
	seen := map[string]int{} // usernames in the messages, for instances that follow someone
	f, err := os.Open(parityMessages)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		var rec struct {
			Topic string          `json:"topic"`
			Msg   json.RawMessage `json:"msg"`
		}
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatal(err)
		}
		env, err := fedmsg.Parse([][]byte{[]byte(rec.Topic), rec.Msg})
		if err != nil {
			continue
		}
		if err := w.eng.Receive(ctx, env); err != nil {
			t.Fatalf("archive %s: %v", env.MsgID, err)
		}
		messages = append(messages, env.Body)
		names, _, _ := fedmsg.DefaultExtractor(env)
		for _, n := range names {
			seen[n]++
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}

	// Instances: those on the demo hubs, else one with the widget's default config.
	all, err := w.st.ListAllWidgets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var deciders, renderers []parityInstance
	for _, code := range widgets {
		var mine []parityInstance
		for _, inst := range all {
			if inst.Name == code.Name {
				mine = append(mine, parityInstance{ID: inst.ID, Name: inst.Name, Hub: inst.Hub, Config: inst.Config, Module: moduleURL(code)})
			}
		}
		for i := range mine {
			d, err := w.eng.Data(ctx, mine[i].ID)
			if err != nil {
				t.Logf("%s %d has no data to render (%v): left out of the template comparison", code.Name, mine[i].ID, firstLine(err))
				continue
			}
			mine[i].Data = d.JSON
			renderers = append(renderers, mine[i])
		}
		if !code.HasInvalidate {
			continue
		}
		if len(mine) == 0 {
			norm, _, err := w.rt.Validate(ctx, code.Name, map[string]any{})
			if err != nil {
				t.Fatal(err)
			}
			cfg, _ := json.Marshal(norm)
			mine = append(mine, parityInstance{ID: 1_000_000, Name: code.Name, Hub: "designteam", Config: cfg, Module: moduleURL(code)})
		}
		if len(mine) > 3 {
			mine = mine[:3]
		}
		// The demo hubs' people are not in the fixtures: instances that follow the busiest
		// people of the messages make the decisions worth comparing.
		for _, p := range code.Params {
			if p.Type != "username" {
				continue
			}
			for i, user := range busiest(seen, 3) {
				norm, _, err := w.rt.Validate(ctx, code.Name, map[string]any{p.Name: user})
				if err != nil {
					t.Fatal(err)
				}
				cfg, _ := json.Marshal(norm)
				mine = append(mine, parityInstance{ID: int64(2_000_000 + i), Name: code.Name, Hub: "designteam", Config: cfg, Module: moduleURL(code)})
			}
		}
		deciders = append(deciders, mine...)
	}

	tab := newBrowser(t)
	do(t, tab, "open a page of the server", chromedp.Navigate(w.url+"/designteam/"))
	waitJS(t, tab, "the client runtime", `window.hubs !== undefined`)

	t.Run("shouldInvalidate", func(t *testing.T) {
		if len(deciders) == 0 {
			t.Skip("no widget has shouldInvalidate")
		}
		browser := evalJS[[][]string](t, tab, `(async () => {
			const messages = JSON.parse(`+jsString(t, messages)+`);
			const insts = JSON.parse(`+jsString(t, deciders)+`);
			const freeze = (v) => { if (v && typeof v === "object") { Object.values(v).forEach(freeze); Object.freeze(v); } return v; };
			const out = [];
			for (const inst of insts) {
				const mod = await import(inst.module);
				const view = freeze({ id: inst.id, name: inst.name, hub: inst.hub, config: inst.config });
				out.push(messages.map((m) => {
					try {
						const r = mod.default.shouldInvalidate(freeze(m), view);
						return typeof r === "boolean" ? String(r) : "error";
					} catch (e) {
						return "error";
					}
				}));
			}
			return out;
		})()`)
		yes, compared, mismatches, failed := 0, 0, 0, 0
		perWidget := map[string]map[string]int{}
		for i, inst := range deciders {
			if perWidget[inst.Name] == nil {
				perWidget[inst.Name] = map[string]int{}
			}
			ri := runtime.Instance{ID: inst.ID, Name: inst.Name, Hub: inst.Hub, Config: inst.Config}
			for j, msg := range messages {
				got, why := "error", ""
				v, err := w.rt.Invalidations(ctx, msg, []runtime.Instance{ri}, nil)
				if err != nil {
					why = firstLine(err)
				} else {
					got = map[bool]string{true: "true", false: "false"}[v[0]]
				}
				compared++
				perWidget[inst.Name][got]++
				switch got {
				case "true":
					yes++
				case "error":
					failed++
				}
				if browser[i][j] != got {
					mismatches++
					if mismatches <= 10 {
						t.Errorf("%s (instance %d) on %s: goja %s %s, Chromium %s", inst.Name, inst.ID, topicOf(msg), got, why, browser[i][j])
					}
				}
			}
		}
		t.Logf("%d decisions compared (%d instances x %d messages), %d true, %d errors, %d mismatches; per widget %v",
			compared, len(deciders), len(messages), yes, failed, mismatches, perWidget)
		if compared == 0 || failed == compared {
			t.Fatalf("nothing was decided (%d compared, %d errors)", compared, failed)
		}
	})

	t.Run("template", func(t *testing.T) {
		if len(renderers) == 0 {
			t.Skip("no instance has data")
		}
		browser := evalJS[[]string](t, tab, `(async () => {
			const insts = JSON.parse(`+jsString(t, renderers)+`);
			Date.now = () => `+strconv.FormatInt(now.UnixMilli(), 10)+`;
			const h = window.hubs.h;
			const out = [];
			for (const inst of insts) {
				const mod = await import(inst.module);
				try {
					out.push(h.render(mod.default.template(inst.data, h)));
				} catch (e) {
					out.push("error: " + e.message);
				}
			}
			return out;
		})()`)
		for i, inst := range renderers {
			ri := runtime.Instance{ID: inst.ID, Name: inst.Name, Hub: inst.Hub, Config: inst.Config}
			html, err := w.rt.Template(ctx, ri, inst.Data)
			if err != nil {
				var we *runtime.Error
				if errors.As(err, &we) {
					html = "error: " + we.Message
				}
			}
			if browser[i] != html {
				t.Errorf("%s (instance %d on %s): goja and Chromium render differently\ngoja:     %q\nChromium: %q", inst.Name, inst.ID, inst.Hub, html, browser[i])
			}
		}
		t.Logf("%d template outputs compared", len(renderers))
	})
}

// busiest returns the n names seen most often.
func busiest(seen map[string]int, n int) []string {
	names := make([]string, 0, len(seen))
	for k := range seen {
		names = append(names, k)
	}
	slices.SortFunc(names, func(a, b string) int {
		if seen[a] != seen[b] {
			return seen[b] - seen[a]
		}
		return strings.Compare(a, b)
	})
	return names[:min(n, len(names))]
}

func hasWidgetFiles(entries []os.DirEntry) bool {
	for _, e := range entries {
		if e.IsDir() && e.Name() != "lib" || strings.HasSuffix(e.Name(), ".js") {
			return true
		}
	}
	return false
}

// jsString is v as JSON, as a JavaScript string literal (for JSON.parse in the page).
func jsString(t *testing.T, v any) string {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	lit, err := json.Marshal(string(raw))
	if err != nil {
		t.Fatal(err)
	}
	return string(lit)
}

func topicOf(msg json.RawMessage) string {
	var m struct{ Topic string }
	_ = json.Unmarshal(msg, &m)
	return m.Topic
}

func firstLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}
