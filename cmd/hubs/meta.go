package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"hubs/fedmsg"
	"hubs/runtime"
)

// metaWrapper is the widget through which `hubs meta` runs widgets/lib/meta.js:
// the runtime runs library code only inside a widget. Its module state keeps
// the conglomeration between the calls that page through it (data() output
// is capped, so results leave in pages).
const metaWrapper = `import { conglomerate, meta, setAccounts } from "./lib/meta.js";

let groups = [];

export default {
  title: "hubs meta",
  params: {},
  data(ctx, config) {
    if (config.accounts) setAccounts(config.accounts);
    if (config.envelopes) return config.envelopes.map((env) => meta(env));
    if (config.conglomerate) {
      groups = conglomerate(config.conglomerate);
      return groups.length;
    }
    return groups.slice(config.from, config.to);
  },
  template() {
    return "";
  },
};
`

// metaPage is how many results one data() call returns; smaller pages are
// tried when a page is over the runtime's output cap.
const metaPage = 200

// runMeta implements `hubs meta FILE.jsonl [--conglomerate]`.
func runMeta(ctx context.Context, args []string) error {
	return runMetaTo(ctx, os.Stdout, args)
}

func runMetaTo(ctx context.Context, stdout io.Writer, args []string) error {
	fs := newFlagSet("meta", "meta FILE.jsonl [flags]")
	var (
		widgetsDir, staticDir, accountsFile string
		congl                               bool
	)
	fs.envString(&widgetsDir, "widgets-dir", "HUBS_WIDGETS_DIR", "widgets", "folder of the widget files; meta.js is lib/meta.js in it")
	fs.envString(&staticDir, "static-dir", "HUBS_STATIC_DIR", "static", "folder of the browser assets (the runtime needs h.js)")
	fs.BoolVar(&congl, "conglomerate", false, "print feed entries that group related messages, instead of one description per message")
	fs.StringVar(&accountsFile, "accounts", "", "JSON object mapping IRC nicks and e-mail addresses to Fedora usernames")
	files, err := parseWithPositional(fs, args)
	if err != nil {
		return err
	}
	if len(files) != 1 {
		fmt.Fprintln(fs.Output(), "hubs meta: want exactly one FILE.jsonl (fedmsg envelopes, one a line)")
		fs.Usage()
		return errUsage
	}
	f, err := os.Open(files[0])
	if err != nil {
		return fmt.Errorf("meta: %w", err)
	}
	envs, err := fedmsg.ReadRecords(f)
	f.Close()
	if err != nil {
		return fmt.Errorf("meta %s: %w", files[0], err)
	}

	var accounts map[string]string
	if accountsFile != "" {
		b, err := os.ReadFile(accountsFile)
		if err != nil {
			return fmt.Errorf("meta: accounts: %w", err)
		}
		var raw map[string]any
		if err := json.Unmarshal(b, &raw); err != nil {
			return fmt.Errorf("meta: accounts %s: %w", accountsFile, err)
		}
		accounts = map[string]string{}
		for k, v := range raw {
			if s, ok := v.(string); ok && !strings.HasPrefix(k, "_") { // "_comment" and the like
				accounts[k] = s
			}
		}
	}

	m, err := newMetaRunner(ctx, widgetsDir, staticDir)
	if err != nil {
		return fmt.Errorf("meta: %w", err)
	}
	defer m.close()
	m.accounts = accounts
	bodies := make([]json.RawMessage, len(envs))
	for i, e := range envs {
		bodies[i] = e.Body
	}
	w := bufio.NewWriter(stdout)
	if congl {
		err = m.conglomerate(ctx, bodies, w)
	} else {
		err = m.describe(ctx, bodies, w)
	}
	if err != nil {
		return fmt.Errorf("meta %s: %w", files[0], err)
	}
	return w.Flush()
}

// metaRunner holds a runtime loaded with the wrapper widget, in a temporary
// widgets root that holds a copy of meta.js and its service files.
type metaRunner struct {
	rt       *runtime.Runtime
	root     string
	accounts map[string]string // installed with setAccounts on every call
}

func newMetaRunner(ctx context.Context, widgetsDir, staticDir string) (*metaRunner, error) {
	helpers, err := os.ReadFile(filepath.Join(staticDir, "h.js"))
	if err != nil {
		return nil, fmt.Errorf("template helpers: %w", err)
	}
	root, err := os.MkdirTemp("", "hubs-meta-")
	if err != nil {
		return nil, err
	}
	m := &metaRunner{root: root}
	if err := m.copyLib(widgetsDir); err != nil {
		m.close()
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(root, "meta.js"), []byte(metaWrapper), 0o644); err != nil {
		m.close()
		return nil, err
	}
	// A file can hold a long history: the call limits of the widget contract
	// are for widgets serving pages, not for a command going through a file.
	limits := runtime.WithLimits(runtime.Limits{Data: 10 * time.Minute, Load: 10 * time.Second})
	if m.rt, err = runtime.New(runtime.WithHelpers(helpers), runtime.WithPoolSize(1), limits); err != nil {
		m.close()
		return nil, err
	}
	if err := m.rt.LoadDir(ctx, root); err != nil {
		m.close()
		return nil, fmt.Errorf("load meta.js from %s: %w", widgetsDir, err)
	}
	return m, nil
}

func (m *metaRunner) copyLib(widgetsDir string) error {
	files, err := filepath.Glob(filepath.Join(widgetsDir, "lib", "meta", "*.js"))
	if err != nil {
		return err
	}
	files = append(files, filepath.Join(widgetsDir, "lib", "meta.js"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return fmt.Errorf("meta.js library: %w", err)
		}
		rel, err := filepath.Rel(widgetsDir, f)
		if err != nil {
			return err
		}
		to := filepath.Join(m.root, rel)
		if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(to, b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

func (m *metaRunner) close() {
	os.RemoveAll(m.root)
}

func (m *metaRunner) call(ctx context.Context, config map[string]any) (json.RawMessage, error) {
	if m.accounts != nil {
		config["accounts"] = m.accounts
	}
	cfg, err := json.Marshal(config)
	if err != nil {
		return nil, err
	}
	return m.rt.Data(ctx, runtime.Instance{ID: 1, Name: "meta", Hub: "cli", Config: cfg}, runtime.Hub{Name: "cli"})
}

// describe prints meta() of each envelope, one JSON object a line, in order.
func (m *metaRunner) describe(ctx context.Context, bodies []json.RawMessage, w io.Writer) error {
	page := metaPage
	for from := 0; from < len(bodies); {
		n := min(page, len(bodies)-from)
		var res []json.RawMessage
		for {
			out, err := m.call(ctx, map[string]any{"envelopes": bodies[from : from+n]})
			if errors.Is(err, runtime.ErrOutputTooLarge) && n > 1 {
				n /= 2
				page = n
				continue
			}
			if err != nil {
				return fmt.Errorf("messages %d-%d: %w", from+1, from+n, err)
			}
			if err := json.Unmarshal(out, &res); err != nil {
				return err
			}
			break
		}
		if err := writeLines(w, res); err != nil {
			return err
		}
		from += n
	}
	return nil
}

// conglomerate prints the feed entries of all the envelopes, one a line.
func (m *metaRunner) conglomerate(ctx context.Context, bodies []json.RawMessage, w io.Writer) error {
	out, err := m.call(ctx, map[string]any{"conglomerate": bodies})
	if err != nil {
		return err
	}
	var total int
	if err := json.Unmarshal(out, &total); err != nil {
		return err
	}
	page := metaPage
	for from := 0; from < total; {
		n := min(page, total-from)
		out, err := m.call(ctx, map[string]any{"from": from, "to": from + n})
		if errors.Is(err, runtime.ErrOutputTooLarge) && n > 1 {
			page = n / 2
			continue
		}
		if err != nil {
			return fmt.Errorf("entries %d-%d: %w", from+1, from+n, err)
		}
		var res []json.RawMessage
		if err := json.Unmarshal(out, &res); err != nil {
			return err
		}
		if err := writeLines(w, res); err != nil {
			return err
		}
		from += n
	}
	return nil
}

func writeLines(w io.Writer, lines []json.RawMessage) error {
	for _, l := range lines {
		if _, err := w.Write(append(l, '\n')); err != nil {
			return err
		}
	}
	return nil
}
