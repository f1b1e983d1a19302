package runtime

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/dop251/goja"
	"github.com/dop251/goja/parser"
	"github.com/evanw/esbuild/pkg/api"
)

// bundleGlobal is the name esbuild gives the module namespace inside the
// wrapper; the banner and footer keep it local, so running a bundle creates
// no global binding (the global object is frozen anyway).
const bundleGlobal = "__hubs_module"

// bundled is the output of esbuild for one entry file.
type bundled struct {
	code   string   // one script whose completion value is the module namespace
	inputs []string // absolute paths of every file bundled, entry first
}

// bundle turns an ES module and its relative imports into one script that
// goja can run, with an inline source map so positions in errors and stacks
// point at the original files. Imports are limited to relative .js files
// inside root: widget code must not pull server files into its bundle, and
// the browser needs the explicit extension to import the same file.
func bundle(root, file string) (bundled, []*Error) {
	b, _, errs := build(root, buildSpec{entry: file})
	return b, errs
}

// widgetBundle is a widget in two scripts. Its own file is evaluated once per
// instance (data() may keep per-instance state at module level); the modules
// it imports are evaluated once per widget version and runtime, and every
// evaluation of the file gets them from there: the server evaluates a widget
// for each instance it rebuilds, and lib/meta.js alone (its fifty-odd service
// processors) cost more than 1 ms to evaluate each time.
type widgetBundle struct {
	// entry's completion value is a function of one parameter, require, that
	// evaluates the widget file and returns its module namespace.
	entry string
	// imports's completion value is a namespace whose default is that require:
	// it maps each import of the widget file (a path relative to root, with
	// slashes) to its module namespace, frozen. "" when the file imports nothing.
	imports string
	inputs  []string // absolute paths of every file bundled, the widget first
}

// bundleWidget bundles a widget file in the two parts of a widgetBundle. The whole module
// graph is bundled first, only for its errors and inputs: with its imports left out,
// esbuild cannot check that the names the widget imports exist (the browser refuses a
// module that imports a name its import lacks).
func bundleWidget(root, file string) (widgetBundle, []*Error) {
	whole, _, errs := build(root, buildSpec{entry: file})
	if len(errs) > 0 {
		return widgetBundle{}, errs
	}
	entry, keys, errs := build(root, buildSpec{entry: file, external: true})
	if len(errs) > 0 {
		return widgetBundle{}, errs
	}
	wb := widgetBundle{entry: entry.code, inputs: whole.inputs}
	if len(keys) == 0 {
		return wb, nil
	}
	imports, _, errs := build(root, buildSpec{entry: file, stdin: importsSource(keys)})
	if len(errs) > 0 {
		return widgetBundle{}, errs
	}
	wb.imports = imports.code
	return wb, nil
}

// importsSource is the module bundled as a widget's imports: each import of
// the widget file under its key, marked as an ES module namespace (so that
// esbuild's interop in the widget's script reads its default export as such)
// and frozen, as namespaces are.
func importsSource(keys []string) string {
	var b strings.Builder
	for i, k := range keys {
		spec, _ := json.Marshal("./" + k)
		fmt.Fprintf(&b, "import * as m%d from %s;\n", i, spec)
	}
	b.WriteString("const modules = new Map([\n")
	for i, k := range keys {
		key, _ := json.Marshal(k)
		fmt.Fprintf(&b, "  [%s, m%d],\n", key, i)
	}
	b.WriteString(`]);
modules.forEach((m) => Object.freeze(Object.defineProperty(m, "__esModule", { value: true })));
export default function require(path) {
  const m = modules.get(path);
  if (m === undefined) throw new Error("module " + path + " is not among the widget's imports");
  return m;
}
`)
	return b.String()
}

// buildSpec says what build bundles.
type buildSpec struct {
	entry string // the file bundled (the widget, for a widget's imports)
	// external leaves the entry's own imports out of the bundle: each becomes
	// require(key), key its path relative to root with slashes, and the script
	// is wrapped in a function of require instead of being run at once.
	external bool
	// stdin, when set, is bundled instead of entry's content, resolving its
	// imports from root (a widget's imports).
	stdin string
}

// build runs esbuild for spec. It returns the bundle, and the keys of the
// entry's imports when spec.external.
func build(root string, spec buildSpec) (bundled, []string, []*Error) {
	file := spec.entry
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return bundled{}, nil, []*Error{{File: file, Message: err.Error(), Err: ErrCompile}}
	}
	var keys []string
	guard := api.Plugin{
		Name: "hubs-imports",
		Setup: func(b api.PluginBuild) {
			b.OnResolve(api.OnResolveOptions{Filter: ".*"}, func(a api.OnResolveArgs) (api.OnResolveResult, error) {
				if a.Kind == api.ResolveEntryPoint {
					return api.OnResolveResult{Path: a.Path}, nil
				}
				if !strings.HasPrefix(a.Path, "./") && !strings.HasPrefix(a.Path, "../") {
					return api.OnResolveResult{}, fmt.Errorf("import %q: only relative imports (./ or ../) of .js files in the widgets folder are allowed", a.Path)
				}
				if !strings.HasSuffix(a.Path, ".js") {
					return api.OnResolveResult{}, fmt.Errorf("import %q: write the .js extension, the browser needs it", a.Path)
				}
				p := filepath.Join(a.ResolveDir, a.Path)
				real, err := filepath.EvalSymlinks(p)
				if err != nil {
					if errors.Is(err, fs.ErrNotExist) {
						return api.OnResolveResult{}, fmt.Errorf("import %q: no such file", a.Path)
					}
					return api.OnResolveResult{}, fmt.Errorf("import %q: %w", a.Path, err)
				}
				if rel, err := filepath.Rel(realRoot, real); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
					return api.OnResolveResult{}, fmt.Errorf("import %q: the file is outside the widgets folder", a.Path)
				}
				if spec.external {
					rel, err := filepath.Rel(root, p)
					if err != nil {
						return api.OnResolveResult{}, fmt.Errorf("import %q: %w", a.Path, err)
					}
					key := filepath.ToSlash(rel)
					if !slices.Contains(keys, key) {
						keys = append(keys, key)
					}
					return api.OnResolveResult{Path: key, External: true}, nil
				}
				return api.OnResolveResult{Path: p}, nil
			})
		},
	}
	banner, footer := "(() => {", "return "+bundleGlobal+";\n})()"
	if spec.external {
		banner, footer = "((require) => {", "return "+bundleGlobal+";\n})"
	}
	opts := api.BuildOptions{
		AbsWorkingDir:  root,
		Outfile:        filepath.Join(root, bundleName),
		Bundle:         true,
		Write:          false,
		Format:         api.FormatIIFE,
		GlobalName:     bundleGlobal,
		Banner:         map[string]string{"js": banner},
		Footer:         map[string]string{"js": footer},
		Sourcemap:      api.SourceMapInline,
		SourcesContent: api.SourcesContentExclude,
		Target:         api.ES2022,
		// goja lacks async generators and for await: esbuild lowers them.
		// Template literals are lowered too, for their tagged form: goja
		// builds a new strings array (two arrays and a property) on every
		// evaluation of h.html`...`, where esbuild's lowering makes the
		// frozen template object once per call site, as the language says
		// (about a third of a template's cost; see htmljoin.go). Untagged
		// ones become "".concat(...) chains, which convert the same way.
		Supported: map[string]bool{"async-generator": false, "for-await": false, "template-literal": false},
		Platform:  api.PlatformNeutral,
		Charset:   api.CharsetUTF8,
		Loader:    map[string]api.Loader{".js": api.LoaderJS},
		Metafile:  true,
		LogLevel:  api.LogLevelSilent,
		Plugins:   []api.Plugin{guard},
	}
	if spec.stdin != "" {
		opts.Stdin = &api.StdinOptions{Contents: spec.stdin, ResolveDir: root, Sourcefile: importsName, Loader: api.LoaderJS}
	} else {
		opts.EntryPoints = []string{file}
	}
	res := api.Build(opts)
	if len(res.Errors) > 0 {
		errs := make([]*Error, 0, len(res.Errors))
		for _, m := range res.Errors {
			e := &Error{File: file, Message: m.Text, Err: ErrCompile}
			if m.Location != nil && m.Location.File != importsName {
				e.File = filepath.Join(root, m.Location.File)
				e.Line, e.Col = m.Location.Line, m.Location.Column+1
			}
			errs = append(errs, e)
		}
		return bundled{}, nil, errs
	}
	var meta struct {
		Inputs map[string]json.RawMessage `json:"inputs"`
	}
	if err := json.Unmarshal([]byte(res.Metafile), &meta); err != nil {
		return bundled{}, nil, []*Error{{File: file, Message: "esbuild metafile: " + err.Error(), Err: ErrCompile}}
	}
	inputs := []string{file}
	for in := range meta.Inputs {
		if p := filepath.Join(root, in); p != file && in != importsName {
			inputs = append(inputs, p)
		}
	}
	sort.Strings(inputs[1:])
	return bundled{code: string(res.OutputFiles[0].Contents), inputs: inputs}, keys, nil
}

// importsName is how esbuild names the generated module of a widget's imports.
const importsName = "<widget imports>"

// compileBundle parses the bundle with its source map (so goja maps every
// position back to the original files) and compiles it in strict mode: ES
// modules are strict, and strict mode is what turns writes to the frozen
// realm into errors.
func compileBundle(name, code string) (*goja.Program, error) {
	ast, err := goja.Parse(name, code, parser.WithSourceMapLoader(func(string) ([]byte, error) {
		return nil, errors.New("external source maps are not used")
	}))
	if err != nil {
		return nil, err
	}
	return goja.CompileAST(ast, true)
}

// fetchWord is the word that names ctx.fetch in a bundle (fetched, prefetch: other words).
var fetchWord = regexp.MustCompile(`\bfetch\b`)

// mentionsFetch reports whether bundled code mentions fetch outside its source map (whose
// base64 letters could spell anything). esbuild drops ordinary comments but keeps legal
// ones (/*! ... */) and its own file-name comments: a file called fetch.js, or such a
// comment, marks a widget as fetching, which only puts it on the fetch workers.
func mentionsFetch(code string) bool {
	if i := strings.LastIndex(code, "\n//# sourceMappingURL="); i >= 0 {
		code = code[:i]
	}
	return fetchWord.MatchString(code)
}

// versionOf is the content hash of a bundle: it changes when the widget or
// any file it imports changes.
func versionOf(code string) string {
	sum := sha256.Sum256([]byte(code))
	return hex.EncodeToString(sum[:8])
}

// NameOf derives a widget's name from its path under the widgets folder:
// workflow/pendingacls.js is "workflow.pendingacls". Files under lib/ (at
// the top of the folder) and names that are not plain identifiers are not
// widgets.
func NameOf(root, file string) (string, error) {
	rel, err := filepath.Rel(root, file)
	if err != nil || strings.HasPrefix(rel, "..") {
		return "", fmt.Errorf("%s is not inside %s", file, root)
	}
	rel = filepath.ToSlash(rel)
	if !strings.HasSuffix(rel, ".js") {
		return "", fmt.Errorf("%s: a widget file ends in .js", file)
	}
	if rel == "lib" || strings.HasPrefix(rel, "lib/") {
		return "", fmt.Errorf("%s: files under lib/ are helpers, not widgets", file)
	}
	parts := strings.Split(strings.TrimSuffix(rel, ".js"), "/")
	for _, p := range parts {
		if !namePart.MatchString(p) {
			return "", fmt.Errorf("%s: %q is not a valid widget name part (letters, digits, _ and -)", file, p)
		}
	}
	return strings.Join(parts, "."), nil
}

var namePart = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// fileOf is the inverse of NameOf.
func fileOf(root, name string) string {
	return filepath.Join(root, filepath.FromSlash(strings.ReplaceAll(name, ".", "/"))+".js")
}

// findWidgetFiles lists the widget files under root, skipping lib/ and dot
// files.
func findWidgetFiles(root string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		base := d.Name()
		if d.IsDir() {
			if p != root && (strings.HasPrefix(base, ".") || p == filepath.Join(root, "lib")) {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(base, ".js") && !strings.HasPrefix(base, ".") {
			files = append(files, p)
		}
		return nil
	})
	return files, err
}
