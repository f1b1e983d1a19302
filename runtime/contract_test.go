package runtime

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestContractErrors: every way a widget file can break the contract fails to
// load with an error that names the file, the member and, where it can, the
// line and column.
func TestContractErrors(t *testing.T) {
	cases := []struct {
		name, src string
		want      []string // substrings of the error
		kind      error
	}{
		{"no default export", "export const x = 1;\n", []string{"no default export"}, ErrContract},
		{"default not object", "export default 42;\n", []string{"no default export object"}, ErrContract},
		{"missing title", "export default {\n  data() { return {}; },\n  template() { return ''; },\n};\n", []string{"title is required"}, ErrContract},
		{"title not string", "export default {\n  title: 42,\n  data() { return {}; },\n  template() { return ''; },\n};\n", []string{"w.js:2:3", "title is required"}, ErrContract},
		{"missing data", "export default {\n  title: 'T',\n  template() { return ''; },\n};\n", []string{"data: data is required and must be a function"}, ErrContract},
		{"template not function", "export default {\n  title: 'T',\n  data() { return {}; },\n  template: '<p>',\n};\n", []string{"w.js:4:3", "template is required"}, ErrContract},
		{"shouldInvalidate not function", widgetJS("  shouldInvalidate: true,"), []string{"w.js:5:3", "shouldInvalidate must be a function"}, ErrContract},
		{"unknown member", widgetJS("  shouldInvalidte(m) { return true; },"), []string{"w.js:5:3", "shouldInvalidte: unknown member"}, ErrContract},
		{"params not object", widgetJS("  params: 3,"), []string{"params must be an object"}, ErrContract},
		{"param bad type", widgetJS("  params: { n: { type: 'number' } },"), []string{"params.n.type", "type must be one of"}, ErrContract},
		{"param unknown member", widgetJS("  params: { n: { type: 'string', requird: true } },"), []string{"params.n.requird", "unknown param member"}, ErrContract},
		{"choice without choices", widgetJS("  params: { c: { type: 'choice' } },"), []string{"params.c.choices", "non-empty choices"}, ErrContract},
		{"default of wrong type", widgetJS("  params: { n: { type: 'integer', default: 'ten' } },"), []string{"params.n.default", "whole number"}, ErrContract},
		{"default out of range", widgetJS("  params: { n: { type: 'integer', default: 99, max: 50 } },"), []string{"params.n.default", "at most 50"}, ErrContract},
		{"min on a string", widgetJS("  params: { s: { type: 'string', min: 1 } },"), []string{"params.s.min"}, ErrContract},
		{"validate not function", widgetJS("  params: { s: { type: 'string', validate: 'no' } },"), []string{"params.s.validate"}, ErrContract},
		{"hints not object", widgetJS("  hints: ['a'],"), []string{"hints must be an object"}, ErrContract},
		{"hints unknown key", widgetJS("  hints: { topic: ['a.b'] },"), []string{"hints.topic: unknown hint"}, ErrContract},
		{"hints topics not strings", widgetJS("  hints: { topics: [1] },"), []string{"hints.topics must be an array of strings"}, ErrContract},
		{"hints usernames wrong", widgetJS("  hints: { usernames: 'ralph' },"), []string{"hints.usernames must be a function"}, ErrContract},
		{"hints messageUsernames wrong", widgetJS("  hints: { messageUsernames: ['ralph'] },"), []string{"hints.messageUsernames must be a function"}, ErrContract},
		{"syntax error", "export default {\n  title: 'T',\n  data() { return {; },\n};\n", []string{"w.js:3:"}, ErrCompile},
		{"bare import", "import fs from 'fs';\n" + widgetJS(""), []string{"w.js:1:", `import "fs": only relative imports`}, ErrCompile},
		{"import without extension", "import { x } from './lib/x';\n" + widgetJS(""), []string{"write the .js extension"}, ErrCompile},
		{"import outside the folder", "import { x } from '../outside.js';\n" + widgetJS(""), []string{"outside the widgets folder"}, ErrCompile},
		{"top level throws", "const x = null;\nx.boom();\n" + widgetJS(""), []string{"load", "w.js:2:", "TypeError"}, ErrThrown},
		{"top level loops", "while (true) {}\n" + widgetJS(""), []string{"load did not finish"}, ErrTimeout},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			parent := t.TempDir()
			dir := filepath.Join(parent, "widgets")
			for name, content := range map[string]string{"widgets/w.js": c.src, "outside.js": "export const x = 1;\n", "widgets/lib/x.js": "export const x = 1;\n"} {
				p := filepath.Join(parent, name)
				os.MkdirAll(filepath.Dir(p), 0o755)
				if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			r := newTestRuntime(t, WithLimits(Limits{Load: 200e6}))
			_, err := r.LoadFile(context.Background(), dir, filepath.Join(dir, "w.js"))
			if err == nil {
				t.Fatal("loaded a broken widget")
			}
			if !errors.Is(err, c.kind) {
				t.Errorf("error is not %v: %v", c.kind, err)
			}
			var we *Error
			if !errors.As(err, &we) || we.Widget != "w" || !strings.HasSuffix(we.File, ".js") {
				t.Errorf("error does not name the widget and its file: %#v", err)
			}
			for _, want := range c.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not contain %q", err, want)
				}
			}
			if _, err := r.Widget("w"); !errors.Is(err, ErrNotFound) {
				t.Errorf("broken widget is in service: %v", err)
			}
		})
	}
}

func TestNoHintsIsAWarning(t *testing.T) {
	r := loadWidgets(t, map[string]string{"w.js": widgetJS("")})
	w, err := r.Widget("w")
	if err != nil {
		t.Fatal(err)
	}
	if len(w.Warnings) != 1 || !strings.Contains(w.Warnings[0], "no hints") {
		t.Errorf("warnings = %q", w.Warnings)
	}
}

func TestNames(t *testing.T) {
	root := "/srv/widgets"
	cases := []struct{ file, name, err string }{
		{"/srv/widgets/badges.js", "badges", ""},
		{"/srv/widgets/workflow/pendingacls.js", "workflow.pendingacls", ""},
		{"/srv/widgets/lib/meta.js", "", "helpers, not widgets"},
		{"/srv/widgets/a.b.js", "", "not a valid widget name"},
		{"/srv/widgets/x.txt", "", "ends in .js"},
		{"/srv/other/x.js", "", "not inside"},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			name, err := NameOf(root, c.file)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("NameOf = %q, %v; want error %q", name, err, c.err)
				}
				return
			}
			if err != nil || name != c.name {
				t.Fatalf("NameOf = %q, %v; want %q", name, err, c.name)
			}
			if f := fileOf(root, name); f != c.file {
				t.Errorf("fileOf(%q) = %q", name, f)
			}
		})
	}
}

// TestErrorPositions: a JS error names widget, function, the original
// file:line:col (through the source map, into a lib file too) and the stack.
func TestErrorPositions(t *testing.T) {
	r := loadWidgets(t, map[string]string{
		"lib/util.js": "// a helper\n\nexport function explode(what) {\n  throw new Error(\"exploded: \" + what);\n}\n",
		"sub/w.js":    "import { explode } from \"../lib/util.js\";\n\nexport default {\n  title: \"T\",\n  hints: { topics: [\"a.b\"] },\n  data() {\n    explode(\"data\");\n  },\n  template(d, h) {\n    return null.x;\n  },\n  shouldInvalidate(m) {\n    throw new RangeError(\"nope\");\n  },\n};\n",
	})
	ctx := context.Background()
	inst := Instance{ID: 1, Name: "sub.w"}
	_, dataErr := r.Data(ctx, inst, Hub{})
	_, tmplErr := r.Template(ctx, inst, []byte(`{}`))
	_, invErr := r.Invalidations(ctx, []byte(`{"topic":"x"}`), []Instance{inst}, nil)
	cases := []struct {
		fn   string
		err  error
		file string
		line int
		col  int
		msg  string
	}{
		{"data", dataErr, "lib/util.js", 4, 9, "Error: exploded: data"},
		{"template", tmplErr, "sub/w.js", 10, 17, "TypeError"},
		{"shouldInvalidate", invErr, "sub/w.js", 13, 11, "RangeError: nope"},
	}
	for _, c := range cases {
		t.Run(c.fn, func(t *testing.T) {
			var e *Error
			if !errors.As(c.err, &e) {
				t.Fatalf("not an *Error: %v", c.err)
			}
			if !errors.Is(c.err, ErrThrown) {
				t.Errorf("not ErrThrown: %v", c.err)
			}
			if e.Widget != "sub.w" || e.Function != c.fn || !strings.HasSuffix(e.File, c.file) || e.Line != c.line || e.Col != c.col {
				t.Errorf("got %s %s %s:%d:%d; want sub.w %s %s:%d:%d", e.Widget, e.Function, e.File, e.Line, e.Col, c.fn, c.file, c.line, c.col)
			}
			if !strings.Contains(e.Message, c.msg) {
				t.Errorf("message %q does not contain %q", e.Message, c.msg)
			}
			if !strings.Contains(e.Stack, "at ") {
				t.Errorf("no stack: %q", e.Stack)
			}
			if !strings.Contains(e.Error(), fmt.Sprintf("%s:%d:%d", e.File, c.line, c.col)) {
				t.Errorf("Error() lacks the position: %s", e.Error())
			}
		})
	}
}
