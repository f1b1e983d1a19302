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
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return bundled{}, []*Error{{File: file, Message: err.Error(), Err: ErrCompile}}
	}
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
				return api.OnResolveResult{Path: p}, nil
			})
		},
	}
	res := api.Build(api.BuildOptions{
		EntryPoints:    []string{file},
		AbsWorkingDir:  root,
		Outfile:        filepath.Join(root, bundleName),
		Bundle:         true,
		Write:          false,
		Format:         api.FormatIIFE,
		GlobalName:     bundleGlobal,
		Banner:         map[string]string{"js": "(() => {"},
		Footer:         map[string]string{"js": "return " + bundleGlobal + ";\n})()"},
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
	})
	if len(res.Errors) > 0 {
		errs := make([]*Error, 0, len(res.Errors))
		for _, m := range res.Errors {
			e := &Error{File: file, Message: m.Text, Err: ErrCompile}
			if m.Location != nil {
				e.File = filepath.Join(root, m.Location.File)
				e.Line, e.Col = m.Location.Line, m.Location.Column+1
			}
			errs = append(errs, e)
		}
		return bundled{}, errs
	}
	var meta struct {
		Inputs map[string]json.RawMessage `json:"inputs"`
	}
	if err := json.Unmarshal([]byte(res.Metafile), &meta); err != nil {
		return bundled{}, []*Error{{File: file, Message: "esbuild metafile: " + err.Error(), Err: ErrCompile}}
	}
	inputs := []string{file}
	for in := range meta.Inputs {
		if p := filepath.Join(root, in); p != file {
			inputs = append(inputs, p)
		}
	}
	sort.Strings(inputs[1:])
	return bundled{code: string(res.OutputFiles[0].Contents), inputs: inputs}, nil
}

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
