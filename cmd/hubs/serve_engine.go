package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"hubs/engine"
	"hubs/fedmsg"
	"hubs/runtime"
	"hubs/store"
)

// engineFlags are serve's settings for the widgets, the engine and the bus intake.
type engineFlags struct {
	widgets           widgetFlags
	cacheMB           int
	modules           int
	fetchWorkers      int
	dev               bool
	rebuildUnwatched  bool
	keepWarm          time.Duration
	endpoints, topics string
}

func (f *engineFlags) define(fs *flagSet) {
	f.widgets.define(fs)
	fs.envInt(&f.cacheMB, "cache-mb", "HUBS_CACHE_MB", 64, "size of the widget data cache, in MiB")
	fs.envInt(&f.modules, "modules-per-runtime", "HUBS_MODULES_PER_RUNTIME", runtime.DefaultModulesPerRuntime,
		"widget instances whose data() module each JS runtime keeps evaluated (about 5 kB each plus what data() keeps; a miss costs about 30 us of CPU)")
	fs.envInt(&f.fetchWorkers, "fetch-workers", "HUBS_FETCH_WORKERS", runtime.DefaultFetchPoolSize,
		"widgets that fetch from upstream services rebuilt at once, on JS runtimes and workers of their own (the others: one per core)")
	fs.envBool(&f.dev, "dev", "HUBS_DEV", false, "development mode: reload widget code as its files change (and allow /login/dev)")
	fs.envBool(&f.rebuildUnwatched, "rebuild-unwatched", "HUBS_REBUILD_UNWATCHED", false,
		"rebuild every invalidated widget at once, also on hubs no page shows (default: those are rebuilt when next viewed)")
	fs.envDuration(&f.keepWarm, "keep-warm", "HUBS_KEEP_WARM", engine.DefaultKeepWarm,
		"while messages arrive and pages are open, run data() again this often between rebuilds, its result dropped, so that the next rebuild finds its memory warm; 0: off")
	fs.envString(&f.endpoints, "fedmsg-endpoints", "HUBS_FEDMSG_ENDPOINTS", "",
		"bus endpoints to subscribe to, comma-separated (Fedora's: tcp://hub.fedoraproject.org:9940); empty: no bus")
	fs.envString(&f.topics, "fedmsg-topics", "HUBS_FEDMSG_TOPICS", "", "topic prefixes to subscribe to, comma-separated; empty: everything")
}

// pipeline is what serve runs besides HTTP: the widget runtime, the engine, the bus
// intake feeding the archive and the engine, and the registry /metrics serves.
type pipeline struct {
	runtime  *runtime.Runtime
	engine   *engine.Engine
	registry *prometheus.Registry
	cancel   context.CancelFunc
	wg       sync.WaitGroup
}

// start loads the widgets, starts the engine on st and, when endpoints are set, the
// intake: bus -> archive (with fedmsg.meta's usernames and packages) -> engine.
func (f *engineFlags) start(ctx context.Context, st *store.Store) (*pipeline, error) {
	ctx, cancel := context.WithCancel(ctx)
	p := &pipeline{registry: prometheus.NewRegistry(), cancel: cancel}
	p.registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	rt, err := f.widgets.runtime(runtime.WithHost(engine.Host{Store: st}), runtime.WithPoolSize(0),
		runtime.WithFetchPoolSize(f.fetchWorkers), runtime.WithModulesPerRuntime(f.modules))
	if err != nil {
		cancel()
		return nil, err
	}
	p.runtime = rt
	if err := rt.LoadDir(ctx, f.widgets.widgetsDir); err != nil {
		// A widget that does not load shows an error panel; the others serve.
		for _, e := range flatten(err) {
			slog.Error("widget does not load", "err", e)
		}
	}
	slog.Info("widgets loaded", "folder", f.widgets.widgetsDir, "widgets", len(rt.List()))

	opts := []engine.Option{engine.WithCacheMB(f.cacheMB), engine.WithFetchWorkers(f.fetchWorkers), engine.WithDev(f.dev),
		engine.WithLazyUnwatched(!f.rebuildUnwatched), engine.WithKeepWarm(f.keepWarm)}
	// The widgets' fedmsg.meta runs in the widget runtime, in the batch that asks the
	// widgets about each message.
	if err := rt.LoadMeta(ctx, f.widgets.widgetsDir); err != nil {
		slog.Warn("fedmsg.meta unavailable: usernames and packages come from the usual fields", "err", err)
	}
	if p.engine, err = engine.New(st, rt, opts...); err != nil {
		p.stop()
		return nil, err
	}
	p.registry.MustRegister(p.engine.Metrics())
	if err := p.engine.Start(ctx); err != nil {
		p.stop()
		return nil, err
	}

	endpoints := fedmsg.SplitList(f.endpoints)
	fm := fedmsg.NewMetrics()
	p.registry.MustRegister(fm)
	if len(endpoints) == 0 {
		slog.Info("no bus endpoints (HUBS_FEDMSG_ENDPOINTS): widgets update on hub changes only")
		return p, nil
	}
	in, err := fedmsg.NewIntake(endpoints, p.engine.Receive, fedmsg.WithTopics(fedmsg.SplitList(f.topics)...),
		fedmsg.WithMetrics(fm), fedmsg.WithExtractor(nil))
	if err != nil {
		p.stop()
		return nil, fmt.Errorf("fedmsg settings: %w", err)
	}
	p.wg.Go(func() {
		if err := in.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
			slog.Error("fedmsg intake stopped", "err", err)
		}
	})
	slog.Info("listening to the bus", "endpoints", endpoints, "topics", f.topics)
	return p, nil
}

// stop ends the intake (it drains what it holds into the engine), then the engine.
func (p *pipeline) stop() {
	p.cancel()
	p.wg.Wait()
	if p.engine != nil {
		p.engine.Close()
	}
}
