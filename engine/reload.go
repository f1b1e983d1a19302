package engine

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"

	"hubs/runtime"
)

// watcher reloads widget code as files change under the widgets folder (dev mode only).
//
// Events are collected until the folder has been quiet for the debounce interval, then
// each changed file is handled once: editors save in several steps (vim writes a new file
// and renames it over the old one, others truncate then write), and reloading at the first
// step would compile half a file. Directories are watched, not files, so a file replaced
// by a rename is still seen; new sub-folders are added as they appear.
type watcher struct {
	e    *Engine
	root string
	fsw  *fsnotify.Watcher
}

func (e *Engine) watch(ctx context.Context) (*watcher, error) {
	root := e.rt.Root()
	if root == "" {
		return nil, errors.New("engine: hot reload: the runtime has no widgets folder (LoadDir first)")
	}
	fsw, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, fmt.Errorf("engine: hot reload: %w", err)
	}
	w := &watcher{e: e, root: root, fsw: fsw}
	if err := w.addTree(root); err != nil {
		fsw.Close()
		return nil, fmt.Errorf("engine: hot reload: %w", err)
	}
	e.log.Info("engine: watching widget code", "folder", root)
	return w, nil
}

// addTree watches dir and every folder under it, except hidden ones.
func (w *watcher) addTree(dir string) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		if p != dir && strings.HasPrefix(d.Name(), ".") {
			return filepath.SkipDir
		}
		return w.fsw.Add(p)
	})
}

func (w *watcher) run(ctx context.Context) {
	defer w.fsw.Close()
	pending := map[string]bool{}
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case err, ok := <-w.fsw.Errors:
			if !ok {
				return
			}
			w.e.log.Warn("engine: hot reload: watcher", "err", err)
		case ev, ok := <-w.fsw.Events:
			if !ok {
				return
			}
			if ev.Has(fsnotify.Create) {
				if fi, err := os.Stat(ev.Name); err == nil && fi.IsDir() {
					if err := w.addTree(ev.Name); err != nil {
						w.e.log.Warn("engine: hot reload: watch folder", "folder", ev.Name, "err", err)
					}
					// Files may have landed in it before the watch did.
					_ = filepath.WalkDir(ev.Name, func(p string, d fs.DirEntry, err error) error {
						if err == nil && !d.IsDir() && isCode(p) {
							pending[p] = true
						}
						return nil
					})
					timer.Reset(w.e.opt.debounce)
					continue
				}
			}
			if !isCode(ev.Name) || ev.Op == fsnotify.Chmod {
				continue
			}
			pending[ev.Name] = true
			timer.Reset(w.e.opt.debounce)
		case <-timer.C:
			files := make([]string, 0, len(pending))
			for f := range pending {
				files = append(files, f)
			}
			clear(pending)
			slices.Sort(files)
			w.e.reloadFiles(ctx, w.root, files)
		}
	}
}

// isCode reports whether p is a .js file worth reloading for (not an editor's backup or
// swap file, which do not end in .js, nor a hidden file).
func isCode(p string) bool {
	base := filepath.Base(p)
	return strings.HasSuffix(base, ".js") && !strings.HasPrefix(base, ".")
}

// reloadFiles reloads the widgets behind the changed files: the widget itself for a widget
// file (added, changed or deleted), every widget bundling it for a file under lib/ (and
// the runtime's fedmsg.meta).
func (e *Engine) reloadFiles(ctx context.Context, root string, files []string) {
	var names []string
	metaChanged := false
	metaInputs := e.rt.MetaInputs()
	for _, f := range files {
		rel, err := filepath.Rel(root, f)
		if err != nil {
			continue
		}
		if rel == "lib" || strings.HasPrefix(filepath.ToSlash(rel), "lib/") {
			// fedmsg.meta bundles this file, or is not loaded (a lib/meta.js that failed
			// at start, or came later) and may load now.
			metaChanged = metaChanged || slices.Contains(metaInputs, f) || metaInputs == nil
			names = append(names, e.rt.Dependents(f)...)
			continue
		}
		name, err := runtime.NameOf(root, f)
		if err != nil {
			e.log.Warn("engine: hot reload: not a widget file", "file", f, "err", err)
			continue
		}
		names = append(names, name)
	}
	if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(runtime.MetaFile))); metaChanged && err == nil {
		// On failure the previous fedmsg.meta keeps serving, as a widget's code does.
		if err := e.rt.LoadMeta(ctx, root); err != nil {
			e.log.Error("engine: hot reload: fedmsg.meta", "err", err)
		}
	}
	slices.Sort(names)
	for _, name := range slices.Compact(names) {
		e.ReloadWidget(ctx, name)
	}
}

// ReloadWidget reloads the code of the widget called name from the widgets folder and
// tells the hubs that show it: on success a KindCode update with the new version for each
// instance, then each instance rebuilt (KindData); on failure a KindError update with the
// error and its file:line:col, while the old code keeps serving; when the file is gone,
// the widget leaves service and its instances get a KindError saying so. A widget that
// appears on disk comes into service with the instances that were waiting for it.
func (e *Engine) ReloadWidget(ctx context.Context, name string) {
	old, _ := e.rt.Widget(name)
	w, err := e.rt.Reload(ctx, name)
	insts := e.instancesOf(name)
	if err != nil {
		gone := errors.Is(err, runtime.ErrNotFound)
		if gone {
			e.log.Info("engine: hot reload: widget removed", "widget", name)
		} else {
			e.log.Warn("engine: hot reload: widget does not compile; the old version keeps serving", "widget", name, "err", err)
		}
		for _, in := range insts {
			if gone {
				e.mu.Lock()
				e.index.remove(in.id)
				e.metrics.Instances.Set(float64(e.index.len()))
				e.mu.Unlock()
			}
			u := Update{Kind: KindError, Hub: in.hub, WidgetID: in.id, Widget: name, Error: err.Error(), Pos: errorPos(err)}
			if old != nil && !gone {
				u.Version = old.Version
			}
			e.publish(u, time.Time{})
		}
		return
	}
	if old != nil && old.Version == w.Version {
		return // saved without a change
	}
	e.log.Info("engine: hot reload: widget reloaded", "widget", name, "version", w.Version, "instances", len(insts))
	for _, in := range insts {
		e.mu.RLock()
		snap := in.runtimeInstance()
		e.mu.RUnlock()
		// Hints are part of the code: index again.
		e.indexInstance(ctx, snap)
		e.publish(Update{Kind: KindCode, Hub: in.hub, WidgetID: in.id, Widget: name, Version: w.Version}, time.Time{})
		e.schedule(in, time.Time{}) // not a bus message: no latency to observe
	}
}
