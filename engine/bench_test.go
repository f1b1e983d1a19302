package engine

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"hubs/fedmsg"
	"hubs/fedmsg/fedmsgtest"
	"hubs/runtime"
	"hubs/store"
	"hubs/store/storetest"
)

// benchHubs is the size of the benchmark site: user hubs in the default layout
// (store.UserLayout, 7 widgets each: 140,000 instances).
const benchHubs = 20_000

// coldPause is how long BenchmarkColdRebuild leaves the process idle before each rebuild.
const coldPause = 300 * time.Millisecond

// benchModules is the runtime's per-VM module cache for the benchmark: data()'s
// per-instance evaluations (the other functions share one per widget version). serve's
// default (HUBS_MODULES_PER_RUNTIME) unless HUBS_BENCH_MODULES says otherwise.
var benchModules = func() int {
	if n, err := strconv.Atoi(os.Getenv("HUBS_BENCH_MODULES")); err == nil && n > 0 {
		return n
	}
	return runtime.DefaultModulesPerRuntime
}()

// benchParallel is how many rebuilds (and runtimes) per core. data() waits for
// PostgreSQL, but more than one per core measured worse (p99 72 ms instead of 31 ms at 4):
// the core is the bottleneck, not the waits.
var benchParallel = func() int {
	if n, err := strconv.Atoi(os.Getenv("HUBS_BENCH_PARALLEL")); err == nil && n > 0 {
		return n
	}
	return 1
}()

type benchSite struct {
	e        *Engine
	frames   [][][]byte      // real fixture messages as they come off the bus
	ids      []int64         // every instance
	users    map[string]bool // the users the fixture messages name
	hot      []int64         // the instances on those users' hubs
	loadTime time.Duration
	log      *slog.Logger // errors only
}

// newBenchSite builds the site: the fixture users (as fedmsg.meta names them) and
// synthetic ones up to benchHubs, each with a user hub in the default layout, written
// with COPY; the fixture messages archived; the engine started on the benchmark widgets.
func newBenchSite(b *testing.B, rtOpts ...runtime.Option) *benchSite {
	b.Helper()
	ctx := context.Background()
	// The collector paced as hubs serve paces it (GOGC and GOMEMLIMIT, when set, win).
	gc := PaceGC()
	b.Logf("GC percent %d, memory limit %d MB", gc.Percent, gc.Limit>>20)
	st := storetest.New(b)
	meta, err := NewMeta(ctx, "../widgets", helpersJS(b), 1)
	if err != nil {
		b.Fatal(err)
	}

	site := &benchSite{users: map[string]bool{}}
	users := site.users
	for _, r := range readFixtures(b) {
		frames := [][]byte{[]byte(r.Topic), r.Msg}
		env, err := fedmsg.Parse(frames)
		if err != nil {
			continue
		}
		if env.Usernames, env.Packages, err = meta.Extract(ctx, env); err != nil {
			b.Fatal(err)
		}
		for _, u := range env.Usernames {
			users[u] = true
		}
		if _, err := st.ArchiveMessage(ctx, archived(env)); err != nil {
			b.Fatal(err)
		}
		site.frames = append(site.frames, frames)
	}
	names := make([]string, 0, benchHubs)
	for u := range users {
		if store.ValidateHubName(u) == nil {
			names = append(names, u)
		}
	}
	sort.Strings(names)
	for i := 0; len(names) < benchHubs; i++ {
		names = append(names, fmt.Sprintf("user%05d", i))
	}
	names = names[:benchHubs]

	hubRows := make([][]any, len(names))
	var widgetRows [][]any
	for i, n := range names {
		hubRows[i] = []any{n, n, true}
		pos := map[store.Column]int{}
		for _, w := range store.UserLayout(n) {
			cfg, _ := json.Marshal(w.Config)
			widgetRows = append(widgetRows, []any{n, w.Name, string(w.Column), pos[w.Column], string(cfg)})
			pos[w.Column]++
		}
	}
	pool := st.Pool()
	if _, err := pool.CopyFrom(ctx, pgx.Identifier{"hubs"}, []string{"name", "summary", "user_hub"}, pgx.CopyFromRows(hubRows)); err != nil {
		b.Fatal(err)
	}
	if _, err := pool.CopyFrom(ctx, pgx.Identifier{"widgets"}, []string{"hub", "name", "column", "position", "config"}, pgx.CopyFromRows(widgetRows)); err != nil {
		b.Fatal(err)
	}

	rt, err := runtime.New(append([]runtime.Option{runtime.WithHelpers(helpersJS(b)), runtime.WithHost(Host{Store: st}),
		runtime.WithModulesPerRuntime(benchModules), runtime.WithPoolSize(benchParallel * goruntime.GOMAXPROCS(0))}, rtOpts...)...)
	if err != nil {
		b.Fatal(err)
	}
	// HUBS_BENCH_WIDGETS=../widgets runs the repository's widgets instead of the stand-ins
	// (their upstream fetches are refused here: no allowlist, no network).
	dir := "testdata/bench"
	if d := os.Getenv("HUBS_BENCH_WIDGETS"); d != "" {
		dir = d
	}
	if err := rt.LoadDir(ctx, dir); err != nil {
		b.Fatal(err)
	}
	if err := rt.LoadMeta(ctx, "../widgets"); err != nil {
		b.Fatal(err)
	}
	// 256 MB of cache: all 140,000 instances' data fits, as it would in production. Lazy
	// rebuilds of unwatched hubs, as hubs serve runs: each sub-benchmark says which hubs
	// are watched (watch).
	// Errors only: the widgets that need an upstream fail here, expectedly, and their
	// warnings would land in the middle of the result lines.
	quiet := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	// Kept warm as serve keeps it, unless HUBS_BENCH_WARM says otherwise (0: off).
	warmEvery := DefaultKeepWarm
	if v := os.Getenv("HUBS_BENCH_WARM"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			b.Fatalf("HUBS_BENCH_WARM=%q: %v", v, err)
		}
		warmEvery = d
	}
	e, err := New(st, rt, WithKeepWarm(warmEvery), WithCacheMB(256), WithWorkers(benchParallel*goruntime.GOMAXPROCS(0)),
		WithLazyUnwatched(true), WithLogger(quiet))
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	if err := e.Start(ctx); err != nil {
		b.Fatal(err)
	}
	waitReady(b, e)
	site.loadTime = time.Since(start)
	b.Cleanup(e.Close)
	site.e, site.log = e, quiet
	for id, in := range e.instances {
		site.ids = append(site.ids, id)
		if users[in.hub] {
			site.hot = append(site.hot, id)
		}
	}
	slices.Sort(site.ids)
	if len(site.ids) != len(widgetRows) {
		b.Fatalf("engine holds %d instances, want %d", len(site.ids), len(widgetRows))
	}
	return site
}

// watch opens a stream on each of hubs, as that many open pages would, and returns the
// function that closes them. Only watched hubs' invalidations are rebuilt and published.
func (s *benchSite) watch(hubs []string) func() {
	subs := make([]*Subscription, len(hubs))
	for i, h := range hubs {
		subs[i] = s.e.Subscribe(h, 0)
	}
	return func() {
		for _, sub := range subs {
			sub.Close()
		}
		// Past the replay window at once: the next sub-benchmark's hubs alone are watched.
		s.e.streams.sweep(time.Now().Add(s.e.streams.idleTTL + time.Second))
	}
}

// hubs returns every hub of the site (all) and one in every n of them (some): the pages
// open at a moment on a site of 20,000 people, picked alike among the people the fixture
// messages name (the hubs that get updates) and the others, so that the share of open
// pages is the same for both.
func (s *benchSite) hubs(n int) (all, some []string) {
	seen := map[string]bool{}
	for _, id := range s.ids {
		if h := s.e.instances[id].hub; !seen[h] {
			seen[h] = true
			all = append(all, h)
		}
	}
	slices.Sort(all)
	var hot, cold []string
	for _, h := range all {
		if s.users[h] {
			hot = append(hot, h)
		} else {
			cold = append(cold, h)
		}
	}
	for _, group := range [][]string{hot, cold} {
		for i := 0; i < len(group); i += n {
			some = append(some, group[i])
		}
	}
	return all, some
}

// errNotSettled is settle's answer when rebuilds are still queued or running at its
// deadline.
var errNotSettled = errors.New("rebuilds still queued or running")

// settle waits until no rebuild is queued or running, or until deadline. It polls the
// queue each millisecond and walks the instances only once the queue is empty, so that
// on one core it takes little from the rebuilds it waits for.
func (e *Engine) settle(deadline time.Time) error {
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for {
		e.queue.mu.Lock()
		busy := len(e.queue.items) > 0
		e.queue.mu.Unlock()
		if !busy {
			e.mu.RLock()
			for _, in := range e.instances {
				in.mu.Lock()
				busy = in.running || in.queued
				in.mu.Unlock()
				if busy {
					break
				}
			}
			e.mu.RUnlock()
		}
		if !busy {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("settle: %w", errNotSettled)
		}
		<-tick.C
	}
}

// receive is what the intake and Receive do for one message, minus the archive (measured
// on its own in store's benchmarks): parse the frames, then the engine (fedmsg.meta's
// usernames, hint index, shouldInvalidate, rebuilds queued). at is when the message came
// off the bus (zero: now), which the latency runs set to when it was due, as the intake
// stamps it when it reads the socket: a message that waits while the engine is busy with
// the one before counts its wait.
func (s *benchSite) receive(ctx context.Context, b *testing.B, i int, at time.Time) {
	env, err := fedmsg.Parse(s.frames[i%len(s.frames)])
	if err != nil {
		b.Fatal(err)
	}
	env.Received = at
	if at.IsZero() {
		env.Received = time.Now()
	}
	if err := s.e.Handle(ctx, env); err != nil {
		b.Fatal(err)
	}
}

// fresh counts the messages receiveFresh made new.
var fresh atomic.Int64

// receiveFresh hands fixture message i to Receive as the bus would deliver a new one: a
// msg_id never seen and the time of now, so that it is archived (one round trip) before its
// rebuilds, lands on top of the feeds and in this week's counts, and is described afresh by
// the feeds' meta.js (its memo knows it by msg_id).
func (s *benchSite) receiveFresh(ctx context.Context, b *testing.B, i int, at time.Time) {
	env, err := fedmsg.Parse(s.frames[i%len(s.frames)])
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	env.MsgID = fmt.Sprintf("%d-bench-%d", now.Year(), fresh.Add(1))
	env.Timestamp = float64(now.UnixMicro()) / 1e6
	env.Received = now
	if !at.IsZero() {
		env.Received = at
	}
	if err := s.e.Receive(ctx, env); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkEngine: 140,000 widget instances on 20,000 user hubs, real fixture messages,
// the engine as hubs serve runs it (rebuilds at once only on watched hubs).
//
//   - steps: one message's parse, meta.js, hint index and shouldInvalidate, without
//     rebuilds: where the time of the message path goes.
//   - rebuild/<widget>: one data() rebuild of a hot instance of that widget;
//     rebuild-grown/<widget>, last, the same after the archived runs' new messages.
//   - throughput/<watched>: messages pushed as fast as they go through parse -> meta
//     usernames -> hint index -> shouldInvalidate -> rebuilds queued; the clock stops when
//     every rebuild is done. all-watched: a page open on each of the 20,000 hubs (every
//     invalidation rebuilt and published: the worst case, the same work as
//     --rebuild-unwatched); 1-in-20-watched: pages open on one hub in twenty (1,000),
//     as many among the people the messages name as among the others. The fixture
//     messages are replayed (Handle, no archive: the steps the target names);
//     throughput/<watched>/archived sends each as a new message (receiveFresh) through
//     Receive, archived first, as hubs serve does.
//   - burst: as throughput/all-watched, but the messages are handed over as the intake
//     does and the backlog is sampled: invalidations/msg against rebuilds/msg is the
//     coalescing, mean-queue and max-queue the backlog it acts on.
//   - latency-100/s/<watched>[/archived]: one message due every 10 ms (at100), replayed
//     or new as in throughput; p50/p99/max from message due to each update published.
//   - bus-100/s/<watched>[/archived]: the same, but each message comes from a libzmq
//     publisher in another process over a real ZeroMQ socket through the intake (overBus),
//     replayed (handed to Handle) or new (Receive); latency from the envelope's timestamp,
//     the time it was due.
func BenchmarkEngine(b *testing.B) {
	site := newBenchSite(b)
	ctx := context.Background()
	var mem goruntime.MemStats
	goruntime.GC()
	goruntime.ReadMemStats(&mem)
	b.Logf("%d instances on %d hubs loaded and indexed in %v; live heap %d MB",
		len(site.ids), benchHubs, site.loadTime, mem.HeapAlloc>>20)
	built := site.warm(b)

	all, some := site.hubs(20)
	watched := []struct {
		name string
		hubs []string
	}{{"all-watched", all}, {"1-in-20-watched", some}}
	b.Logf("watched: all %d hubs, or 1 in 20: %d hubs", len(all), len(some))

	// The steps of one message alone, without the rebuilds: where the time goes.
	b.Run("steps", func(b *testing.B) {
		var parse, meta, index, invalidate time.Duration
		var ids []int64
		var verdicts []bool
		var names []string
		for i := range b.N {
			t0 := time.Now()
			env, err := fedmsg.Parse(site.frames[i%len(site.frames)])
			if err != nil {
				b.Fatal(err)
			}
			t1 := time.Now()
			batch, err := site.e.rt.Message(ctx, env.Body)
			if err != nil {
				b.Fatal(err)
			}
			if env.Usernames, env.Packages, err = batch.Meta(); err != nil {
				b.Fatal(err)
			}
			t2 := time.Now()
			site.e.mu.RLock()
			names = site.e.index.ownUsersWidgets(env.ShortTopic(), env.Category(), names[:0])
			site.e.mu.RUnlock()
			own := site.e.messageUsernames(batch, names)
			site.e.mu.RLock()
			ids = site.e.index.candidates(env.ShortTopic(), env.Category(), env.Usernames, own, "", ids)
			insts := make([]runtime.Instance, 0, len(ids))
			for _, id := range ids {
				insts = append(insts, site.e.instances[id].runtimeInstance())
			}
			site.e.mu.RUnlock()
			t3 := time.Now()
			verdicts, _ = batch.Invalidations(insts, verdicts)
			batch.Close()
			t4 := time.Now()
			parse, meta, index, invalidate = parse+t1.Sub(t0), meta+t2.Sub(t1), index+t3.Sub(t2), invalidate+t4.Sub(t3)
		}
		n := float64(b.N)
		b.ReportMetric(float64(parse.Microseconds())/n, "parse-µs")
		b.ReportMetric(float64(meta.Microseconds())/n, "meta-µs")
		b.ReportMetric(float64(index.Microseconds())/n, "index-µs")
		b.ReportMetric(float64(invalidate.Microseconds())/n, "shouldInvalidate-µs")
	})

	// One rebuild of a hot instance of each widget (data() with its archive query,
	// cached): the unit of work behind every update. Only the instances that built at
	// warm-up: the repository's widgets cannot reach their upstreams here.
	byWidget := site.byWidget(built)
	widgets := slices.Sorted(maps.Keys(byWidget))
	rebuildEach := func(prefix string) {
		for _, name := range widgets {
			b.Run(prefix+name, func(b *testing.B) {
				ids := byWidget[name]
				for i := range b.N {
					site.rebuild(ctx, b, ids[i%len(ids)])
				}
			})
		}
	}
	rebuildEach("rebuild/")

	rebuilds := func() float64 {
		m := site.e.metrics
		return value(m.Rebuilds.WithLabelValues(ResultOK)) + value(m.Rebuilds.WithLabelValues(ResultError))
	}
	// throughput/<watched> replays the fixture (Handle: the steps the target names, no
	// archive); throughput/<watched>/archived sends each as a new message through Receive,
	// archived first, as hubs serve does. The latency runs take the same two forms. The
	// archived runs come last: they grow the archive (each person's recent history), which
	// makes the rebuilds of every later run dearer.
	type run struct {
		name    string
		hubs    []string
		receive func(context.Context, *testing.B, int, time.Time)
		handle  fedmsg.Handler // what the intake hands each message to, in the bus runs
	}
	var replayed, archived []run
	for _, w := range watched {
		replayed = append(replayed, run{w.name, w.hubs, site.receive, site.e.Handle})
		archived = append(archived, run{w.name + "/archived", w.hubs, site.receiveFresh, site.e.Receive})
	}
	throughput := func(w run) {
		b.Run("throughput/"+w.name, func(b *testing.B) {
			defer site.watch(w.hubs)()
			if err := site.e.settle(time.Now().Add(10 * time.Minute)); err != nil {
				b.Fatal(err)
			}
			rebuilt := rebuilds()
			warmed := value(site.e.metrics.Warmups)
			calls := value(site.e.metrics.JSCalls.WithLabelValues(fnInvalidate))
			b.ResetTimer()
			start := time.Now()
			for i := range b.N {
				w.receive(ctx, b, i, time.Time{})
			}
			if err := site.e.settle(time.Now().Add(10 * time.Minute)); err != nil {
				b.Fatal(err)
			}
			elapsed := time.Since(start)
			b.StopTimer()
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msg/s")
			b.ReportMetric((rebuilds()-rebuilt)/float64(b.N), "rebuilds/msg")
			b.ReportMetric((value(site.e.metrics.Warmups)-warmed)/float64(b.N), "warmups/msg")
			b.ReportMetric((value(site.e.metrics.JSCalls.WithLabelValues(fnInvalidate))-calls)/float64(b.N), "candidates/msg")
		})
	}
	for _, w := range replayed {
		throughput(w)
	}

	// A bus burst as the intake delivers it: its consumer hands each message to the
	// handler as soon as the previous call returns (fedmsg.Handler: one at a time, in
	// arrival order) and never waits for rebuilds, so the N messages pile invalidations
	// onto the queue while the workers rebuild, and coalescing (queued once; at most one
	// more while running) can act. The clock runs from the first message to the moment
	// every rebuild they caused has finished. Every hub watched.
	b.Run("burst", func(b *testing.B) {
		defer site.watch(all)()
		m := site.e.metrics
		// Nothing left over from the sub-benchmarks before.
		if err := site.e.settle(time.Now().Add(10 * time.Minute)); err != nil {
			b.Fatal(err)
		}
		rebuilt, invalidated := rebuilds(), value(m.Invalidations)
		b.ResetTimer()
		start := time.Now()
		maxQueue, sumQueue := 0, 0
		for i := range b.N {
			site.receive(ctx, b, i, time.Time{})
			// The backlog the workers face: coalescing only has something to merge
			// while instances wait in the queue.
			site.e.queue.mu.Lock()
			q := len(site.e.queue.items)
			site.e.queue.mu.Unlock()
			maxQueue, sumQueue = max(maxQueue, q), sumQueue+q
		}
		handedOff := time.Since(start)
		if err := site.e.settle(time.Now().Add(10 * time.Minute)); err != nil {
			b.Fatal(err)
		}
		elapsed := time.Since(start)
		b.StopTimer()
		n := float64(b.N)
		inv, reb := value(m.Invalidations)-invalidated, rebuilds()-rebuilt
		b.ReportMetric(n/elapsed.Seconds(), "msg/s")
		b.ReportMetric(n/handedOff.Seconds(), "handoff-msg/s")
		b.ReportMetric(inv/n, "invalidations/msg")
		b.ReportMetric(reb/n, "rebuilds/msg")
		b.ReportMetric(float64(sumQueue)/n, "mean-queue")
		b.ReportMetric(float64(maxQueue), "max-queue")
	})

	latency := func(w run) {
		b.Run("latency-100/s/"+w.name, func(b *testing.B) {
			defer site.watch(w.hubs)()
			if err := site.e.settle(time.Now().Add(10 * time.Minute)); err != nil {
				b.Fatal(err)
			}
			lat := site.at100(b, func(i int, due time.Time) { w.receive(ctx, b, i, due) }, nil)
			reportLatency(b, "", lat[""])
		})
	}
	bus := func(w run) {
		b.Run("bus-100/s/"+w.name, func(b *testing.B) {
			defer site.watch(w.hubs)()
			if err := site.e.settle(time.Now().Add(10 * time.Minute)); err != nil {
				b.Fatal(err)
			}
			reportLatency(b, "", site.overBus(b, w.handle))
		})
	}
	for _, w := range replayed {
		latency(w)
	}
	for _, w := range replayed {
		bus(w)
	}
	for _, w := range archived {
		throughput(w)
	}
	for _, w := range archived {
		latency(w)
	}
	for _, w := range archived {
		bus(w)
	}
	// The same rebuilds again, now that the archived runs have given the hundred people
	// thousands of new messages: a feed page is then sixty messages, described and grouped
	// by meta.js (its answers are bounded, as are a runtime's views of messages).
	rebuildEach("rebuild-grown/")
	// What the archived runs left (the caches of views and meta.js answers full), and what
	// marking it takes: BenchmarkGCMark's figure, for the heap the latency runs end with.
	goruntime.GC()
	t0 := time.Now()
	goruntime.GC()
	took := time.Since(t0)
	goruntime.ReadMemStats(&mem)
	b.Logf("at the end: live heap %d MB, one collection %v", mem.HeapAlloc>>20, took.Round(time.Millisecond))
}

// at100 calls send for message i at its due time, start + i x 10 ms (100 msg/s), and gives
// it that time. A message due while the one before is still being handled goes as soon as
// that returns, late, and its latency counts the wait: a ticker would drop the ticks
// instead, and the messages a stall delays would never be sent nor counted. It returns
// every update's latency from its message's due time, grouped by group (nil: one group,
// ""), once every rebuild has finished; b's timer runs over the sending and the rebuilds.
//
// The sender sleeps on a Go timer in this process, so it pays for what holds this
// process back, the collector included: Go's idle mark workers yield to runnable
// goroutines and to the network, not to timers (they hold the processor for 10-20 ms at
// a time), so in a collection the sender oversleeps. overBus sends from outside.
func (s *benchSite) at100(b *testing.B, send func(i int, due time.Time), group func(Update) string) map[string][]time.Duration {
	stop := s.collect(group)
	defer stop()
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		due := start.Add(time.Duration(i) * 10 * time.Millisecond)
		if d := time.Until(due); d > 0 {
			time.Sleep(d)
		}
		send(i, due)
	}
	if err := s.e.settle(time.Now().Add(10 * time.Minute)); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	return stop()
}

// collect starts recording the latency of every update published, grouped by group (nil:
// one group, ""), and returns the function that stops recording and hands them over (it
// may be called again, deferred: a benchmark that fails must not leave it recording).
func (s *benchSite) collect(group func(Update) string) (stop func() map[string][]time.Duration) {
	var mu sync.Mutex
	lat := map[string][]time.Duration{}
	observe := func(u Update, d time.Duration) {
		k := ""
		if group != nil {
			k = group(u)
		}
		mu.Lock()
		lat[k] = append(lat[k], d)
		mu.Unlock()
	}
	s.e.observe.Store(&observe)
	return func() map[string][]time.Duration {
		s.e.observe.CompareAndSwap(&observe, nil)
		mu.Lock()
		defer mu.Unlock()
		return lat
	}
}

// busRuns numbers overBus's publishers: every message id is new to the intake.
var busRuns atomic.Int64

// overBus is at100 with the bus in between, as hubs serve meets it: a libzmq publisher in
// another process (fedmsg/testdata/peer.py --paced, on Debian's python3-zmq) sends b.N of
// the site's messages, message i when it is due (100 a second), each with a new msg_id
// and its due time as the envelope's timestamp (when fedmsg says the sender made it); an
// Intake as serve configures it takes them off a real ZeroMQ socket and hands each to
// handle, and each update's latency counts from that timestamp (the handler sets Received
// to it). So the figure covers the socket, the intake and its queue too, and the sender
// is not held back by this process's collector as a timer-driven sender is (at100).
func (s *benchSite) overBus(b *testing.B, handle fedmsg.Handler) []time.Duration {
	b.Helper()
	fedmsgtest.NeedLibzmq(b)
	file := filepath.Join(b.TempDir(), "messages.jsonl")
	var lines []byte
	for _, f := range s.frames {
		lines = append(append(append(lines, `{"msg":`...), f[1]...), "}\n"...)
	}
	if err := os.WriteFile(file, lines, 0o600); err != nil {
		b.Fatal(err)
	}
	run := fmt.Sprintf("bus%d", busRuns.Add(1))
	pub := exec.Command(fedmsgtest.Python, fedmsgtest.PeerScript(), "pub", "--bind", "tcp://127.0.0.1:*",
		"--file", file, "--paced", run, "--count", strconv.Itoa(b.N), "--rate", "100")
	pub.Stderr = os.Stderr
	out, err := pub.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := pub.Start(); err != nil {
		b.Fatal(err)
	}
	defer pub.Wait()
	defer pub.Process.Kill()
	reply := bufio.NewScanner(out)
	var endpoint string
	if reply.Scan() {
		endpoint, _ = strings.CutPrefix(reply.Text(), "BOUND ")
	}
	if endpoint == "" {
		b.Fatalf("publisher: want BOUND <endpoint>, got %q (%v)", reply.Text(), reply.Err())
	}

	var handled atomic.Int64
	var handleErr atomic.Pointer[error]
	all := make(chan struct{})
	in, err := fedmsg.NewIntake([]string{endpoint}, func(ctx context.Context, env *fedmsg.Envelope) error {
		env.Received = time.UnixMicro(int64(math.Round(env.Timestamp * 1e6)))
		err := handle(ctx, env)
		if err != nil {
			handleErr.CompareAndSwap(nil, &err)
		}
		if handled.Add(1) == int64(b.N) {
			close(all)
		}
		return err
	}, fedmsg.WithExtractor(nil), fedmsg.WithLogger(s.log))
	if err != nil {
		b.Fatal(err)
	}
	// The publisher's last line ("SENT n"), then the end of its output when it exits.
	rest := make(chan string, 1)
	go func() {
		defer close(rest)
		for reply.Scan() {
			rest <- reply.Text()
		}
	}()
	stop := s.collect(nil)
	defer stop()
	ctx, cancel := context.WithCancel(context.Background())
	intake := make(chan error, 1)
	cpu := startCPU()
	warmed := value(s.e.metrics.Warmups)
	b.ResetTimer()
	go func() { intake <- in.Run(ctx) }()
	defer func() { cancel(); <-intake }()
	sent := ""
	deadline := time.After(time.Duration(b.N)*10*time.Millisecond + time.Minute)
	replies := rest // nil once the publisher is gone; rest, closed then, is read to its end below
	for waiting := true; waiting; {
		select {
		case <-all:
			waiting = false
		case line, ok := <-replies:
			if ok {
				sent = line
				continue
			}
			// The publisher is gone: what it sent arrives now or never.
			replies, deadline = nil, time.After(10*time.Second)
		case <-deadline:
			b.Fatalf("%d of %d messages handled; publisher said %q; intake: %s", handled.Load(), b.N, sent, intakeCounts(in))
		}
	}
	if err := s.e.settle(time.Now().Add(10 * time.Minute)); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	cpu.report(b)
	b.ReportMetric((value(s.e.metrics.Warmups)-warmed)/float64(b.N), "warmups/msg")
	if p := handleErr.Load(); p != nil {
		b.Fatal(*p)
	}
	for line := range rest {
		sent = line
	}
	if sent != fmt.Sprintf("SENT %d", b.N) {
		b.Fatalf("publisher: want SENT %d, got %q", b.N, sent)
	}
	return stop()[""]
}

// cpuClock is this process's CPU time (user and system) and the wall time at a start.
type cpuClock struct {
	cpu  time.Duration
	wall time.Time
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func startCPU() cpuClock { return cpuClock{processCPU(), time.Now()} }

// report reports the process's CPU time since the start as a share of one core
// ("cpu-%"): what the engine (and the benchmark's own goroutines) cost besides the
// database server, whose processes are not counted.
func (c cpuClock) report(b *testing.B) {
	b.ReportMetric(100*float64(processCPU()-c.cpu)/float64(time.Since(c.wall)), "cpu-%")
}

// intakeCounts says what the intake made of the messages, by result.
func intakeCounts(in *fedmsg.Intake) string {
	m := in.Metrics()
	var parts []string
	for _, r := range []string{"accepted", "invalid", "duplicate", "dropped"} {
		parts = append(parts, fmt.Sprintf("%s %.0f", r, value(m.Messages.WithLabelValues(r))))
	}
	return strings.Join(parts, ", ")
}

// reportLatency reports updates per message, the p50, p99 and max of lat (sorted here) and
// the share of it over 10 ms, each name prefixed.
func reportLatency(b *testing.B, prefix string, lat []time.Duration) {
	b.ReportMetric(float64(len(lat))/float64(b.N), prefix+"updates/msg")
	if len(lat) == 0 {
		return // the messages (b.N is 1 on the first run) concerned no watched hub
	}
	slices.Sort(lat)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(ms(lat[min(len(lat)-1, int(0.5*float64(len(lat))))]), prefix+"p50-ms")
	b.ReportMetric(ms(lat[min(len(lat)-1, int(0.99*float64(len(lat))))]), prefix+"p99-ms")
	b.ReportMetric(ms(lat[len(lat)-1]), prefix+"max-ms")
	// The share over the target: p99 < 10 ms is this under 1%. Steadier than p99 when a
	// few collections in a run decide the tail.
	late, _ := slices.BinarySearch(lat, 10*time.Millisecond+1)
	b.ReportMetric(100*float64(len(lat)-late)/float64(len(lat)), prefix+"over-10ms-%")
}

// rebuild runs one data() rebuild of instance id, as a worker does.
func (s *benchSite) rebuild(ctx context.Context, b *testing.B, id int64) {
	in := s.e.lookup(id)
	s.e.mu.RLock()
	key := cacheKey(in.id, in.configHash, "")
	s.e.mu.RUnlock()
	if _, err := s.e.runBuild(ctx, in, key, in.generation()); err != nil {
		b.Fatal(err)
	}
}

// warm builds the data of the hubs the messages concern, as a running site would have it
// (their pages have been viewed; the other 19,900 hubs' data is not needed), and returns
// the instances that built: the repository's widgets cannot reach their upstreams here.
func (s *benchSite) warm(b *testing.B) []int64 {
	ctx := context.Background()
	warm := time.Now()
	var wg sync.WaitGroup
	var failed atomic.Int64
	var okMu sync.Mutex
	var built []int64 // the hot instances whose data() works here, for the rebuild benchmark
	next := make(chan int64)
	for range 4 {
		wg.Go(func() {
			for id := range next {
				if _, err := s.e.Data(ctx, id); err != nil {
					failed.Add(1) // a widget that cannot reach its upstream here
					continue
				}
				okMu.Lock()
				built = append(built, id)
				okMu.Unlock()
			}
		})
	}
	for _, id := range s.hot {
		next <- id
	}
	close(next)
	wg.Wait()
	b.Logf("cache warmed (%d builds, %d failed) in %v", len(s.hot), failed.Load(), time.Since(warm))
	slices.Sort(built)
	return built
}

// byWidget groups instances by widget name.
func (s *benchSite) byWidget(ids []int64) map[string][]int64 {
	out := map[string][]int64{}
	for _, id := range ids {
		out[s.e.instances[id].name] = append(out[s.e.instances[id].name], id)
	}
	return out
}

// BenchmarkColdRebuild is BenchmarkEngine's rebuilds after the process has been idle for
// coldPause (storetest.AfterIdle: ns/op is the rebuild alone): how a hub that few people
// watch is rebuilt, its memory gone cold since its last message. On the VM this was
// measured on, memory not touched for a few hundred milliseconds costs 10-100x more to
// touch; these are the figures that move when a rebuild touches less. Apart from
// BenchmarkEngine, whose -benchtime would make thousands of pauses: run it with
// -benchtime 40x.
func BenchmarkColdRebuild(b *testing.B) {
	site := newBenchSite(b)
	ctx := context.Background()
	built := site.warm(b)
	byWidget := site.byWidget(built)
	widgets := slices.Sorted(maps.Keys(byWidget))
	// Each widget's rebuild alone.
	for _, name := range widgets {
		b.Run(name, func(b *testing.B) {
			ids := byWidget[name]
			storetest.AfterIdle(b, coldPause, func(i int) { site.rebuild(ctx, b, ids[i%len(ids)]) })
		})
	}

	// One message's rebuilds of a hub few people watch: every instance of one person's hub
	// that builds here, invalidated together after the process has been idle, timed until
	// the last one's update is published (what a 1-in-20 latency run's worst updates wait).
	b.Run("hub", func(b *testing.B) {
		byHub := map[string][]*instance{}
		for _, id := range built {
			in := site.e.instances[id]
			byHub[in.hub] = append(byHub[in.hub], in)
		}
		var hubs []string
		for h, ins := range byHub {
			if len(ins) >= 3 {
				hubs = append(hubs, h)
			}
		}
		if len(hubs) == 0 {
			b.Skip("no hub with 3 instances that build")
		}
		slices.Sort(hubs)
		subs := map[string]*Subscription{} // watched: rebuilt at once
		for _, h := range hubs {
			subs[h] = site.e.Subscribe(h, 0)
			defer subs[h].Close()
		}
		updates := 0
		storetest.AfterIdle(b, coldPause, func(i int) {
			hub := hubs[i%len(hubs)]
			now := time.Now()
			for _, in := range byHub[hub] {
				site.e.schedule(in, now)
			}
			for range byHub[hub] {
				if _, err := subs[hub].Next(ctx); err != nil {
					b.Fatal(err)
				}
				updates++
			}
		})
		b.ReportMetric(float64(updates)/float64(b.N), "updates/op")
	})
}

// BenchmarkSlowUpstream is latency-100/s/all-watched (replayed) with the upstreams that
// badges, updates2stable and pendingacls ask answering after upstreamDelay (and then
// failing: what they answer does not matter, how long they hold a worker does). p50/p99
// are reported apart for the updates of the widgets that fetch and of the others. Run it
// with HUBS_BENCH_WIDGETS=../widgets: the stand-ins do not fetch.
func BenchmarkSlowUpstream(b *testing.B) {
	const upstreamDelay = 300 * time.Millisecond
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(upstreamDelay):
		case <-r.Context().Done():
			return
		}
		http.Error(w, "slow, then unavailable", http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	settings := map[string]string{"upstream_timeout_ms": "5000"}
	for _, k := range []string{"badges_url", "fedocal_url", "bodhi_url", "pkgdb_url"} {
		settings[k] = srv.URL
	}
	site := newBenchSite(b, runtime.WithSettings(settings),
		runtime.WithFetch(runtime.FetchConfig{Allow: []string{"127.0.0.1"}}))
	fetches := map[string]bool{}
	for _, w := range site.e.rt.List() {
		fetches[w.Name] = w.Fetches()
	}
	if !slices.Contains(slices.Collect(maps.Values(fetches)), true) {
		b.Skip("no widget fetches: run with HUBS_BENCH_WIDGETS=../widgets")
	}
	site.warm(b)
	all, _ := site.hubs(20)
	defer site.watch(all)()
	ctx := context.Background()
	if err := site.e.settle(time.Now().Add(10 * time.Minute)); err != nil {
		b.Fatal(err)
	}
	lane := func(u Update) string {
		if fetches[u.Widget] {
			return "fetch-"
		}
		return "local-"
	}
	lat := site.at100(b, func(i int, due time.Time) { site.receive(ctx, b, i, due) }, lane)
	for _, l := range []string{"local-", "fetch-"} {
		reportLatency(b, l, lat[l])
	}
}

// BenchmarkGCMark is one whole collection of the benchmark site (140,000 instances loaded
// and indexed, the fixture people's instances built): what the collector traces each
// cycle while the engine goes on. The marking runs beside the rebuilds, on the same cores,
// so its length is how long the updates of a collection wait. ns/op is one runtime.GC();
// live-MB and objects are the heap it leaves.
func BenchmarkGCMark(b *testing.B) {
	site := newBenchSite(b)
	site.warm(b)
	goruntime.GC()
	b.ResetTimer()
	for range b.N {
		goruntime.GC()
	}
	b.StopTimer()
	var m goruntime.MemStats
	goruntime.ReadMemStats(&m)
	b.ReportMetric(float64(m.HeapAlloc)/(1<<20), "live-MB")
	b.ReportMetric(float64(m.HeapObjects), "objects")
	goruntime.KeepAlive(site)
}

// BenchmarkDataHit is the page-load path: Data of a cached instance.
func BenchmarkDataHit(b *testing.B) {
	var ws []store.Widget
	h := newBenchHarness(b, func(st *store.Store) {
		ws = mustHub(b, st, "alice", store.NewWidget{Name: "note", Column: store.ColumnLeft, Config: map[string]any{"text": "hi"}})
	})
	ctx := context.Background()
	if _, err := h.Data(ctx, ws[0].ID); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := h.Data(ctx, ws[0].ID); err != nil {
			b.Fatal(err)
		}
	}
}

func newBenchHarness(b *testing.B, setup func(st *store.Store)) *Engine {
	ctx := context.Background()
	st := storetest.New(b)
	setup(st)
	rt, err := runtime.New(runtime.WithHelpers(helpersJS(b)), runtime.WithHost(Host{Store: st}))
	if err != nil {
		b.Fatal(err)
	}
	if err := rt.LoadDir(ctx, "testdata/widgets"); err != nil {
		b.Fatal(err)
	}
	e, err := New(st, rt)
	if err != nil {
		b.Fatal(err)
	}
	if err := e.Start(ctx); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(e.Close)
	waitReady(b, e)
	return e
}
