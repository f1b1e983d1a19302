package runtime

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/dop251/goja"
)

// Widget is one loaded version of a widget file. It is immutable: Reload
// builds a new one and swaps it in.
type Widget struct {
	Name    string // dotted name from the path: workflow.pendingacls
	Title   string
	File    string // absolute path of the widget file
	Display string // File as shown in messages (relative to the working directory when possible)
	Version string // content hash of the bundle: the file and every file it imports
	Params  []Param
	Hints   HintSpec
	// Inputs are the absolute paths of every file bundled into this widget
	// (the widget first): a change to any of them calls for a Reload.
	Inputs []string
	// Source is the widget file as written, what the browser imports.
	Source []byte
	// Warnings are legal but doubtful things `hubs widget check` reports,
	// such as a widget without hints.
	Warnings []string

	HasInvalidate bool // shouldInvalidate is defined

	// fetches: the bundle mentions fetch, or a data() call of this version called
	// ctx.fetch (see Fetches).
	fetches atomic.Bool

	prog    *goja.Program // the widget file: a function (require) => module namespace (see widgetBundle)
	imports *goja.Program // the modules it imports, evaluated once per vm (nil when none)
	root    string        // the widgets folder the bundle was made in
}

// Param is one declared config parameter.
type Param struct {
	Name     string   `json:"name"`
	Type     string   `json:"type"` // string, text, username, link, integer, boolean, choice
	Label    string   `json:"label,omitempty"`
	Help     string   `json:"help,omitempty"`
	Required bool     `json:"required,omitempty"`
	Default  any      `json:"default,omitempty"`
	Choices  []any    `json:"choices,omitempty"`
	Min      *float64 `json:"min,omitempty"`
	Max      *float64 `json:"max,omitempty"`
	// HasValidate: the param declares validate(value), run by Validate.
	HasValidate bool `json:"validate,omitempty"`
}

// HintSpec is what a widget declares in hints. Usernames depend on the
// config: they come from Hints(instance).
type HintSpec struct {
	Topics       []string `json:"topics,omitempty"`
	Categories   []string `json:"categories,omitempty"`
	UsernamesFn  bool     `json:"usernames_fn,omitempty"` // hints.usernames is a function of the config
	UsernameList []string `json:"usernames,omitempty"`    // hints.usernames is a fixed list
	// MessageUsernamesFn: hints.messageUsernames(message) names the people a message
	// concerns for this widget, in place of fedmsg.meta's usernames (see MessageBatch).
	MessageUsernamesFn bool `json:"message_usernames_fn,omitempty"`
}

// None reports whether the widget declared no hint at all: it is then a
// candidate for every bus message.
func (h HintSpec) None() bool {
	return len(h.Topics) == 0 && len(h.Categories) == 0 && !h.UsernamesFn && len(h.UsernameList) == 0
}

var paramTypes = []string{"string", "text", "username", "link", "integer", "boolean", "choice"}

var (
	topMembers   = []string{"name", "title", "description", "params", "hints", "data", "template", "shouldInvalidate"}
	paramMembers = []string{"type", "label", "help", "required", "default", "choices", "min", "max", "validate"}
	hintMembers  = []string{"topics", "categories", "usernames", "messageUsernames"}
)

// display shows a path relative to the working directory when it is below it.
func display(p string) string {
	if wd, err := os.Getwd(); err == nil {
		if rel, err := filepath.Rel(wd, p); err == nil && !strings.HasPrefix(rel, "..") {
			return rel
		}
	}
	return p
}

// Fetches reports whether w's data() may wait on an upstream: its bundle (the file and
// what it imports) mentions fetch, or one of its data() calls called ctx.fetch. Such
// calls run on runtimes of their own (WithFetchPoolSize), and the engine rebuilds such
// widgets on workers of their own, so that a slow upstream only delays the widgets that
// ask it.
func (w *Widget) Fetches() bool { return w.fetches.Load() }

// describe reads the default export of a freshly evaluated module and checks
// it against the contract, filling w's declarations. Each problem names the
// file, the member and, when it can be found in the source, its position.
func (w *Widget) describe(rt *goja.Runtime, def *goja.Object) []*Error {
	var errs []*Error
	bad := func(path []string, format string, args ...any) {
		e := w.contractError("load", strings.Join(path, "."), fmt.Sprintf(format, args...))
		e.Line, e.Col = w.locate(path)
		errs = append(errs, e)
	}
	for _, k := range def.Keys() {
		if !slices.Contains(topMembers, k) {
			bad([]string{k}, "unknown member (expected one of %s)", strings.Join(topMembers, ", "))
		}
	}
	if t, ok := exportOf(def.Get("title")).(string); ok && strings.TrimSpace(t) != "" {
		w.Title = t
	} else {
		bad([]string{"title"}, "title is required and must be a non-empty string")
	}
	for _, fn := range []string{"data", "template"} {
		if _, ok := goja.AssertFunction(def.Get(fn)); !ok {
			bad([]string{fn}, "%s is required and must be a function", fn)
		}
	}
	if v := def.Get("shouldInvalidate"); !isAbsent(v) {
		if _, ok := goja.AssertFunction(v); !ok {
			bad([]string{"shouldInvalidate"}, "shouldInvalidate must be a function (message, widget) => boolean")
		}
		w.HasInvalidate = true
	}
	if v := def.Get("name"); !isAbsent(v) {
		if _, ok := exportOf(v).(string); !ok {
			bad([]string{"name"}, "name must be a string")
		}
	}
	if v := def.Get("params"); !isAbsent(v) {
		if obj, ok := v.(*goja.Object); ok && !isArray(obj) {
			for _, name := range obj.Keys() {
				p, perrs := w.describeParam(name, obj.Get(name))
				for _, pe := range perrs {
					bad([]string{"params", name, pe[0]}, "%s", pe[1])
				}
				w.Params = append(w.Params, p)
			}
		} else {
			bad([]string{"params"}, "params must be an object of parameter declarations")
		}
	}
	if v := def.Get("hints"); !isAbsent(v) {
		obj, ok := v.(*goja.Object)
		if !ok || isArray(obj) {
			bad([]string{"hints"}, "hints must be an object {topics, categories, usernames, messageUsernames}")
		} else {
			for _, k := range obj.Keys() {
				if !slices.Contains(hintMembers, k) {
					bad([]string{"hints", k}, "unknown hint (expected topics, categories, usernames or messageUsernames)")
				}
			}
			var ok bool
			if w.Hints.Topics, ok = stringList(obj.Get("topics")); !ok {
				bad([]string{"hints", "topics"}, "hints.topics must be an array of strings")
			}
			if w.Hints.Categories, ok = stringList(obj.Get("categories")); !ok {
				bad([]string{"hints", "categories"}, "hints.categories must be an array of strings")
			}
			u := obj.Get("usernames")
			if _, isFn := goja.AssertFunction(u); isFn {
				w.Hints.UsernamesFn = true
			} else if w.Hints.UsernameList, ok = stringList(u); !ok {
				bad([]string{"hints", "usernames"}, "hints.usernames must be a function (config) => [usernames] or an array of strings")
			}
			if m := obj.Get("messageUsernames"); !isAbsent(m) {
				if _, isFn := goja.AssertFunction(m); isFn {
					w.Hints.MessageUsernamesFn = true
				} else {
					bad([]string{"hints", "messageUsernames"}, "hints.messageUsernames must be a function (message) => [usernames]")
				}
			}
		}
	}
	if w.Hints.None() && len(errs) == 0 {
		w.Warnings = append(w.Warnings, "no hints: shouldInvalidate will run for every bus message")
	}
	return errs
}

// describeParam reads one param declaration; problems come back as
// (member, message) pairs.
func (w *Widget) describeParam(name string, v goja.Value) (Param, [][2]string) {
	p := Param{Name: name}
	var errs [][2]string
	bad := func(member, format string, args ...any) {
		errs = append(errs, [2]string{member, fmt.Sprintf(format, args...)})
	}
	obj, ok := v.(*goja.Object)
	if !ok {
		bad("type", "a param is declared as an object {type, ...}")
		return p, errs
	}
	for _, k := range obj.Keys() {
		if !slices.Contains(paramMembers, k) {
			bad(k, "unknown param member (expected one of %s)", strings.Join(paramMembers, ", "))
		}
	}
	p.Type, _ = exportOf(obj.Get("type")).(string)
	if !slices.Contains(paramTypes, p.Type) {
		bad("type", "type must be one of %s", strings.Join(paramTypes, ", "))
	}
	for member, dst := range map[string]*string{"label": &p.Label, "help": &p.Help} {
		if x := obj.Get(member); !isAbsent(x) {
			if s, ok := exportOf(x).(string); ok {
				*dst = s
			} else {
				bad(member, "%s must be a string", member)
			}
		}
	}
	if x := obj.Get("required"); !isAbsent(x) {
		if b, ok := exportOf(x).(bool); ok {
			p.Required = b
		} else {
			bad("required", "required must be true or false")
		}
	}
	for member, dst := range map[string]**float64{"min": &p.Min, "max": &p.Max} {
		if x := obj.Get(member); !isAbsent(x) {
			f, ok := number(x)
			if !ok || p.Type != "integer" {
				bad(member, "%s must be a number, on an integer param", member)
				continue
			}
			*dst = &f
		}
	}
	if x := obj.Get("choices"); !isAbsent(x) {
		arr, ok := x.(*goja.Object)
		if !ok || !isArray(arr) {
			bad("choices", "choices must be an array of strings or numbers")
		} else {
			for _, c := range arr.Export().([]any) {
				switch c.(type) {
				case string, int64, float64:
					p.Choices = append(p.Choices, c)
				default:
					bad("choices", "choices must be an array of strings or numbers")
				}
			}
		}
	}
	if p.Type == "choice" && len(p.Choices) == 0 {
		bad("choices", "a choice param needs a non-empty choices array")
	}
	if x := obj.Get("validate"); !isAbsent(x) {
		if _, ok := goja.AssertFunction(x); ok {
			p.HasValidate = true
		} else {
			bad("validate", "validate must be a function (value) => error string or nothing")
		}
	}
	if x := obj.Get("default"); !isAbsent(x) && len(errs) == 0 {
		norm, msg := p.check(x.Export())
		if msg != "" {
			bad("default", "default %s", msg)
		} else {
			p.Default = norm
		}
	}
	return p, errs
}

func isAbsent(v goja.Value) bool { return v == nil || goja.IsUndefined(v) }

func isArray(o *goja.Object) bool { return o.ClassName() == "Array" }

func number(v goja.Value) (float64, bool) {
	switch n := exportOf(v).(type) {
	case int64:
		return float64(n), true
	case float64:
		return n, true
	}
	return 0, false
}

// stringList reads an optional array of strings.
func stringList(v goja.Value) ([]string, bool) {
	if isAbsent(v) {
		return nil, true
	}
	obj, ok := v.(*goja.Object)
	if !ok || !isArray(obj) {
		return nil, false
	}
	// Element by element, not Export: the array may be a read-only view of a message
	// (lazyjson.go), whose Export is the view itself.
	n := obj.Get("length").ToInteger()
	var out []string
	for i := range n {
		s, ok := obj.Get(strconv.FormatInt(i, 10)).Export().(string)
		if !ok {
			return nil, false
		}
		out = append(out, s)
	}
	return out, true
}

// locate finds where a member is declared in the widget's source: the first
// `key:` or `key(` after the previous key of the path, after `export default`.
// A best effort for messages; 0, 0 when not found.
func (w *Widget) locate(path []string) (line, col int) {
	src := string(w.Source)
	at := strings.Index(src, "export default")
	if at < 0 {
		return 0, 0
	}
	found := -1
	for _, key := range path {
		re, err := regexp.Compile(`(^|[\s{,"'])` + regexp.QuoteMeta(key) + `["']?\s*[:(]`)
		if err != nil {
			break
		}
		loc := re.FindStringSubmatchIndex(src[at:])
		if loc == nil {
			break
		}
		found = at + loc[3]
		at = found
	}
	if found < 0 {
		return 0, 0
	}
	line = strings.Count(src[:found], "\n") + 1
	col = found - strings.LastIndex(src[:found], "\n")
	return line, col
}

func (w *Widget) contractError(fn, member, msg string) *Error {
	if member != "" {
		msg = member + ": " + msg
	}
	return &Error{Widget: w.Name, Function: fn, File: w.Display, Message: msg, Err: ErrContract}
}

// jsError turns a goja exception into an *Error at the first frame that has
// a position in a source file, with the whole stack.
func (w *Widget) jsError(fn string, ex *goja.Exception, kind error, msg string) *Error {
	e := &Error{Widget: w.Name, Function: fn, File: w.Display, Err: kind, Message: msg}
	if e.Message == "" {
		if v := ex.Value(); v != nil {
			e.Message = v.String()
		}
	}
	var stack strings.Builder
	for _, f := range ex.Stack() {
		pos := f.Position()
		if pos.Filename == "" || pos.Line == 0 {
			continue
		}
		file, col := w.sourcePath(pos.Filename), mappedColumn(pos.Filename, pos.Column)
		if e.Line == 0 && !internalSource(pos.Filename) {
			e.File, e.Line, e.Col = file, pos.Line, col
		}
		name := f.FuncName()
		if name == "" {
			name = "<anonymous>"
		}
		fmt.Fprintf(&stack, "    at %s (%s:%d:%d)\n", name, file, pos.Line, col)
	}
	e.Stack = strings.TrimRight(stack.String(), "\n")
	return e
}

// internalSource reports positions in the runtime's own JS (the sandbox
// glue, the template helpers): a stack shows them, but an error's position is
// the widget's first frame.
func internalSource(src string) bool {
	return src == helpersName || src == sandboxName
}

// bundleName is the name goja knows a bundle by; positions in it are not
// mapped (esbuild's own helpers).
const bundleName = "__bundle.js"

// mappedColumn makes a column 1-based: goja reports source-mapped columns
// 0-based (as source maps store them) and its own 1-based.
func mappedColumn(file string, col int) int {
	if filepath.Base(file) == bundleName {
		return col
	}
	return col + 1
}

// fixStack rewrites the positions in a JS stack string the way jsError
// shows them: display paths and 1-based columns.
func (w *Widget) fixStack(stack string) string {
	stack = goPC.ReplaceAllString(stack, "$1")
	return stackPosition.ReplaceAllStringFunc(stack, func(m string) string {
		sub := stackPosition.FindStringSubmatch(m)
		line, _ := strconv.Atoi(sub[2])
		col, _ := strconv.Atoi(sub[3])
		prefix := ""
		if strings.HasPrefix(m, "(") {
			prefix = "("
		}
		if internalSource(sub[1]) {
			return m
		}
		return fmt.Sprintf("%s%s:%d:%d", prefix, w.sourcePath(sub[1]), line, mappedColumn(sub[1], col))
	})
}

// goPC is the bytecode offset goja appends to a position: "(12)".
var goPC = regexp.MustCompile(`(:\d+:\d+)\(\d+\)`)

// sourcePath shows a source-map source (relative to the widgets folder, or
// already resolved against the bundle's name) as a display path.
func (w *Widget) sourcePath(src string) string {
	if internalSource(src) {
		return src
	}
	if !filepath.IsAbs(src) {
		src = filepath.Join(w.root, src)
	}
	return display(filepath.Clean(src))
}

// exportOf is Export that tolerates a missing property (nil).
func exportOf(v goja.Value) any {
	if v == nil {
		return nil
	}
	return v.Export()
}
