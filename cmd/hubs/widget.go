package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"hubs/engine"
	"hubs/fedmsg"
	"hubs/runtime"
)

// runWidget implements `hubs widget check|render|invalidates|data|list`, the
// widget author's tools.
func runWidget(ctx context.Context, args []string) error {
	return runWidgetTo(ctx, os.Stdout, os.Stderr, args)
}

func runWidgetTo(ctx context.Context, stdout, stderr io.Writer, args []string) error {
	usage := func() {
		fmt.Fprint(stderr, `Usage: hubs widget COMMAND [flags]

Commands:
  check [FILE|DIR]...                          load and validate widgets; file:line:col: message per problem
  render FILE --data JSON|@file                print the HTML template() returns for that data
  invalidates FILE --config JSON|@file --message @file.json|@file.jsonl [--widget-id N --hub NAME]
                                               print true or false per message, in order
  data FILE --config JSON|@file [--hub NAME]   run data() against the database and fetch allowlist, print the JSON
  list [DIR]                                   one widget a line: name, title, params, hints

Run hubs widget COMMAND -h for the flags of one command.
`)
	}
	if len(args) == 0 {
		usage()
		return errUsage
	}
	sub := map[string]func(context.Context, io.Writer, io.Writer, []string) error{
		"check": widgetCheck, "render": widgetRender, "invalidates": widgetInvalidates, "data": widgetData, "list": widgetList,
	}
	if f, ok := sub[args[0]]; ok {
		return f(ctx, stdout, stderr, args[1:])
	}
	if args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help" {
		usage()
		return nil
	}
	fmt.Fprintf(stderr, "hubs widget: unknown command %q\n\n", args[0])
	usage()
	return errUsage
}

// widgetFlags are the flags every widget tool shares.
type widgetFlags struct {
	widgetsDir, staticDir, fetchAllow string
}

func (w *widgetFlags) define(fs *flagSet) {
	fs.envString(&w.widgetsDir, "widgets-dir", "HUBS_WIDGETS_DIR", "widgets", "the widgets folder (names and lib/ imports are relative to it)")
	fs.envString(&w.staticDir, "static-dir", "HUBS_STATIC_DIR", "static", "folder of the browser assets (the runtime needs h.js)")
	fs.envString(&w.fetchAllow, "fetch-allow", "HUBS_FETCH_ALLOW", upstreamHosts(), "hosts data() may fetch from: names, *.domains, IPs, CIDRs, comma-separated (default: the hosts of the upstream URL settings)")
}

func (w *widgetFlags) runtime(opts ...runtime.Option) (*runtime.Runtime, error) {
	helpers, err := os.ReadFile(filepath.Join(w.staticDir, "h.js"))
	if err != nil {
		return nil, fmt.Errorf("template helpers: %w (set --static-dir)", err)
	}
	base := []runtime.Option{runtime.WithHelpers(helpers), runtime.WithPoolSize(1), runtime.WithSettings(siteSettings()),
		runtime.WithFetch(runtime.FetchConfig{Allow: runtime.ParseAllowList(w.fetchAllow)})}
	return runtime.New(append(base, opts...)...)
}

// rootOf finds the widgets folder a file or folder belongs to: the configured
// one if it is inside it, else the nearest ancestor called "widgets", else
// the file's own folder.
func (w *widgetFlags) rootOf(path string, isDir bool) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	if conf, err := filepath.Abs(w.widgetsDir); err == nil {
		if rel, err := filepath.Rel(conf, abs); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return conf, nil
		}
	}
	dir := abs
	if !isDir {
		dir = filepath.Dir(abs)
	}
	for d := dir; ; d = filepath.Dir(d) {
		if filepath.Base(d) == "widgets" {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return dir, nil
		}
	}
}

// loadOne compiles and loads one widget file.
func (w *widgetFlags) loadOne(ctx context.Context, r *runtime.Runtime, file string) (*runtime.Widget, error) {
	root, err := w.rootOf(file, false)
	if err != nil {
		return nil, err
	}
	return r.LoadFile(ctx, root, file)
}

// printProblems writes each error of a (joined) load error as
// "file:line:col: message", the form editors jump to.
func printProblems(out io.Writer, err error) {
	for _, e := range flatten(err) {
		var we *runtime.Error
		if errors.As(e, &we) {
			pos := we.Pos()
			if pos == "" {
				pos = we.Widget
			}
			fmt.Fprintf(out, "%s: %s\n", pos, we.Message)
			if we.Stack != "" {
				fmt.Fprintln(out, we.Stack)
			}
			continue
		}
		fmt.Fprintln(out, e)
	}
}

func flatten(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, flatten(e)...)
		}
		return out
	}
	return []error{err}
}

// errCheckFailed: `hubs widget check` found problems (already printed).
var errCheckFailed = errors.New("widget check found problems")

func widgetCheck(ctx context.Context, stdout, stderr io.Writer, args []string) error {
	fs := newFlagSet("widget check", "widget check [FILE|DIR]... [flags]")
	var wf widgetFlags
	wf.define(fs)
	paths, err := parseWithPositional(fs, args)
	if err != nil {
		return err
	}
	if len(paths) == 0 {
		paths = []string{wf.widgetsDir}
	}
	r, err := wf.runtime()
	if err != nil {
		return err
	}
	failed := false
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			fmt.Fprintf(stdout, "%s: %v\n", p, err)
			failed = true
			continue
		}
		files := []string{p}
		if st.IsDir() {
			if files, err = widgetFiles(&wf, p); err != nil {
				return err
			}
		}
		for _, f := range files {
			w, err := wf.loadOne(ctx, r, f)
			if err != nil {
				printProblems(stdout, err)
				failed = true
				continue
			}
			for _, warn := range w.Warnings {
				fmt.Fprintf(stdout, "%s: warning: %s\n", w.Display, warn)
			}
		}
	}
	if failed {
		return errCheckFailed
	}
	return nil
}

// widgetFiles lists the widget files under dir (not lib/ of its widgets
// folder, not dot files).
func widgetFiles(wf *widgetFlags, dir string) ([]string, error) {
	root, err := wf.rootOf(dir, true)
	if err != nil {
		return nil, err
	}
	lib := filepath.Join(root, "lib")
	var files []string
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		abs, _ := filepath.Abs(p)
		if d.IsDir() {
			if abs == lib || (p != dir && strings.HasPrefix(d.Name(), ".")) {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(p, ".js") && !strings.HasPrefix(d.Name(), ".") {
			files = append(files, p)
		}
		return nil
	})
	return files, err
}

// jsonArg reads a flag value that is JSON inline or @file.
func jsonArg(name, v string) ([]byte, error) {
	b := []byte(v)
	if strings.HasPrefix(v, "@") {
		var err error
		if b, err = os.ReadFile(v[1:]); err != nil {
			return nil, fmt.Errorf("--%s: %w", name, err)
		}
	}
	if !json.Valid(b) {
		return nil, fmt.Errorf("--%s: not valid JSON", name)
	}
	return b, nil
}

// oneFile parses flags around exactly one FILE argument.
func oneFile(fs *flagSet, args []string, what string) (string, error) {
	files, err := parseWithPositional(fs, args)
	if err != nil {
		return "", err
	}
	if len(files) != 1 {
		fmt.Fprintf(fs.Output(), "hubs widget %s: want exactly one widget FILE\n", what)
		fs.Usage()
		return "", errUsage
	}
	return files[0], nil
}

func widgetRender(ctx context.Context, stdout, stderr io.Writer, args []string) error {
	fs := newFlagSet("widget render", "widget render FILE --data JSON|@file [flags]")
	var wf widgetFlags
	wf.define(fs)
	var data string
	fs.StringVar(&data, "data", "", "the data to render: JSON, or @file holding it")
	file, err := oneFile(fs, args, "render")
	if err != nil {
		return err
	}
	if data == "" {
		fmt.Fprintln(fs.Output(), "hubs widget render: --data is required")
		return errUsage
	}
	d, err := jsonArg("data", data)
	if err != nil {
		return err
	}
	r, err := wf.runtime()
	if err != nil {
		return err
	}
	w, err := wf.loadOne(ctx, r, file)
	if err != nil {
		printProblems(stderr, err)
		return errCheckFailed
	}
	html, err := r.Template(ctx, runtime.Instance{Name: w.Name, Hub: "cli"}, d)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(stdout, html)
	return err
}

// instanceConfig validates a --config value against the widget's params and
// returns the normalized config as JSON.
func instanceConfig(ctx context.Context, r *runtime.Runtime, w *runtime.Widget, raw string) (json.RawMessage, error) {
	cfg := map[string]any{}
	if raw != "" {
		b, err := jsonArg("config", raw)
		if err != nil {
			return nil, err
		}
		if err := json.Unmarshal(b, &cfg); err != nil {
			return nil, fmt.Errorf("--config: want a JSON object: %w", err)
		}
	}
	norm, fieldErrs, err := r.Validate(ctx, w.Name, cfg)
	if err != nil {
		return nil, err
	}
	if len(fieldErrs) > 0 {
		keys := make([]string, 0, len(fieldErrs))
		for k := range fieldErrs {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var msgs []string
		for _, k := range keys {
			msgs = append(msgs, k+": "+fieldErrs[k])
		}
		return nil, fmt.Errorf("--config: %s", strings.Join(msgs, "; "))
	}
	return json.Marshal(norm)
}

// readMessages reads bus messages from a file: one JSON envelope (pretty or
// not), or JSON Lines of envelopes or fixture records.
func readMessages(path string) ([][]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var one json.RawMessage
	if json.Unmarshal(b, &one) == nil {
		var compact bytes.Buffer
		if err := json.Compact(&compact, one); err != nil {
			return nil, err
		}
		b = compact.Bytes()
	}
	envs, err := fedmsg.ReadRecords(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	out := make([][]byte, len(envs))
	for i, e := range envs {
		out[i] = e.Body
	}
	return out, nil
}

func widgetInvalidates(ctx context.Context, stdout, stderr io.Writer, args []string) error {
	fs := newFlagSet("widget invalidates", "widget invalidates FILE --config JSON|@file --message @file.json|@file.jsonl [flags]")
	var wf widgetFlags
	wf.define(fs)
	var config, message, hub string
	var id int64
	fs.StringVar(&config, "config", "", "the instance's config: JSON, or @file holding it")
	fs.StringVar(&message, "message", "", "@file.json (one envelope) or @file.jsonl (one a line)")
	fs.Int64Var(&id, "widget-id", 1, "the instance id shouldInvalidate sees")
	fs.StringVar(&hub, "hub", "cli", "the hub name shouldInvalidate sees")
	file, err := oneFile(fs, args, "invalidates")
	if err != nil {
		return err
	}
	// Any failure exits 2 (false would be a verdict): say why, then errUsage.
	fail := func(err error) error {
		fmt.Fprintln(stderr, "hubs widget invalidates:", err)
		return errUsage
	}
	if !strings.HasPrefix(message, "@") {
		return fail(errors.New("--message @file.json or @file.jsonl is required"))
	}
	msgs, err := readMessages(message[1:])
	if err != nil {
		return fail(err)
	}
	r, err := wf.runtime()
	if err != nil {
		return fail(err)
	}
	w, err := wf.loadOne(ctx, r, file)
	if err != nil {
		printProblems(stderr, err)
		return errUsage
	}
	cfg, err := instanceConfig(ctx, r, w, config)
	if err != nil {
		return fail(err)
	}
	inst := []runtime.Instance{{ID: id, Name: w.Name, Hub: hub, Config: cfg}}
	var out []bool
	for _, m := range msgs {
		if out, err = r.Invalidations(ctx, m, inst, out); err != nil {
			return fail(err)
		}
		fmt.Fprintln(stdout, out[0])
	}
	return nil
}

func widgetData(ctx context.Context, stdout, stderr io.Writer, args []string) error {
	fs := newFlagSet("widget data", "widget data FILE --config JSON|@file [--hub NAME] [flags]")
	var wf widgetFlags
	wf.define(fs)
	var db database
	db.flags(fs)
	var config, hub string
	var id int64
	fs.StringVar(&config, "config", "", "the instance's config: JSON, or @file holding it")
	fs.StringVar(&hub, "hub", "", "the hub data() sees as ctx.hub (must exist); empty: a stand-in hub called cli")
	fs.Int64Var(&id, "widget-id", 1, "the instance id")
	file, err := oneFile(fs, args, "data")
	if err != nil {
		return err
	}
	s, closeDB, err := db.open(ctx)
	if err != nil {
		return err
	}
	defer closeDB()
	host := engine.Host{Store: s}
	r, err := wf.runtime(runtime.WithHost(host))
	if err != nil {
		return err
	}
	w, err := wf.loadOne(ctx, r, file)
	if err != nil {
		printProblems(stderr, err)
		return errCheckFailed
	}
	cfg, err := instanceConfig(ctx, r, w, config)
	if err != nil {
		return err
	}
	h := runtime.Hub{Name: "cli"}
	if hub != "" {
		if h, err = host.Hub(ctx, hub); err != nil {
			return err
		}
	}
	out, err := r.Data(ctx, runtime.Instance{ID: id, Name: w.Name, Hub: h.Name, Config: cfg}, h)
	if err != nil {
		return err
	}
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, out, "", "  "); err != nil {
		return err
	}
	_, err = fmt.Fprintln(stdout, pretty.String())
	return err
}

func widgetList(ctx context.Context, stdout, stderr io.Writer, args []string) error {
	fs := newFlagSet("widget list", "widget list [DIR] [flags]")
	var wf widgetFlags
	wf.define(fs)
	dirs, err := parseWithPositional(fs, args)
	if err != nil {
		return err
	}
	if len(dirs) > 1 {
		fmt.Fprintln(fs.Output(), "hubs widget list: at most one DIR")
		return errUsage
	}
	dir := wf.widgetsDir
	if len(dirs) == 1 {
		dir = dirs[0]
	}
	r, err := wf.runtime()
	if err != nil {
		return err
	}
	loadErr := r.LoadDir(ctx, dir)
	for _, w := range r.List() {
		// "fetch": its data() may wait on upstreams, so serve rebuilds it on the fetch workers.
		lane := "-"
		if w.Fetches() {
			lane = "fetch"
		}
		fmt.Fprintf(stdout, "%s\t%s\t%s\t%s\t%s\n", w.Name, w.Title, paramsLine(w.Params), hintsLine(w.Hints), lane)
	}
	if loadErr != nil {
		printProblems(stderr, loadErr)
		return errCheckFailed
	}
	return nil
}

// paramsLine shows params compactly: name:type (* required, =default).
func paramsLine(ps []runtime.Param) string {
	if len(ps) == 0 {
		return "-"
	}
	parts := make([]string, len(ps))
	for i, p := range ps {
		s := p.Name + ":" + p.Type
		if p.Required {
			s += "*"
		}
		if p.Default != nil {
			d, _ := json.Marshal(p.Default)
			s += "=" + string(d)
		}
		parts[i] = s
	}
	return strings.Join(parts, " ")
}

func hintsLine(h runtime.HintSpec) string {
	if h.None() {
		return "no hints"
	}
	var parts []string
	if len(h.Topics) > 0 {
		parts = append(parts, "topics="+strings.Join(h.Topics, ","))
	}
	if len(h.Categories) > 0 {
		parts = append(parts, "categories="+strings.Join(h.Categories, ","))
	}
	if h.UsernamesFn {
		parts = append(parts, "usernames=f(config)")
	} else if len(h.UsernameList) > 0 {
		parts = append(parts, "usernames="+strings.Join(h.UsernameList, ","))
	}
	return strings.Join(parts, " ")
}
