package runtime

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dop251/goja"
)

// cpuClock measures the process's CPU time (user + system, every thread,
// GC included) over a benchmark and reports it per op as cpu-ns/op: on a
// machine shared with other work, wall time per op (ns/op) is inflated by
// waiting for a core, CPU time much less so.
type cpuClock struct{ start time.Duration }

func cpuNow() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func startCPU(b *testing.B) *cpuClock {
	b.ReportAllocs()
	b.ResetTimer()
	return &cpuClock{start: cpuNow()}
}

func (c *cpuClock) report(b *testing.B) {
	b.ReportMetric(float64(cpuNow()-c.start)/float64(b.N), "cpu-ns/op")
}

// fixtureFile holds real bus messages: the repository's copy of the shared
// fedmsg fixtures (one record a line, the envelope under "msg").
const fixtureFile = "../testdata/fedmsg/meta_examples.jsonl"

// fixtureMessage returns the envelope of the first real fixture message on topic.
func fixtureMessage(t testing.TB, topicSuffix string) []byte {
	t.Helper()
	f, err := os.Open(fixtureFile)
	if err != nil {
		t.Fatalf("fixtures: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var rec struct {
			Topic string          `json:"topic"`
			Msg   json.RawMessage `json:"msg"`
		}
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(rec.Topic, topicSuffix) {
			return rec.Msg
		}
	}
	t.Fatalf("no fixture message on %s", topicSuffix)
	return nil
}

func loadedRuntime(b testing.TB, opts ...Option) *Runtime {
	r := newTestRuntime(b, opts...)
	if err := r.LoadDir(context.Background(), "testdata/widgets"); err != nil {
		b.Fatal(err)
	}
	return r
}

// BenchmarkShouldInvalidate: one real bodhi.update.comment message, 20
// candidate instances per batch, one JS view of the message for the batch.
// ns/op is per shouldInvalidate call.
func BenchmarkShouldInvalidate(b *testing.B) {
	r := loadedRuntime(b, WithPoolSize(1))
	msg := fixtureMessage(b, ".bodhi.update.comment")
	insts := make([]Instance, 20)
	for i := range insts {
		insts[i] = Instance{ID: int64(i), Name: "feed", Hub: "hub" + fmt.Sprint(i), Config: []byte(`{"username":"user` + fmt.Sprint(i) + `"}`)}
	}
	ctx := context.Background()
	out := make([]bool, 0, len(insts))
	var err error
	if out, err = r.Invalidations(ctx, msg, insts, out); err != nil { // warm the module caches
		b.Fatal(err)
	}
	clock := startCPU(b)
	for i := 0; i < b.N; i += len(insts) {
		if out, err = r.Invalidations(ctx, msg, insts, out); err != nil {
			b.Fatal(err)
		}
	}
	clock.report(b)
}

// BenchmarkTemplate: a 10-item list, each item a nested h.html with an
// escaped title and a checked URL attribute.
func BenchmarkTemplate(b *testing.B) {
	r := loadedRuntime(b, WithPoolSize(1))
	ctx := context.Background()
	inst := Instance{ID: 1, Name: "feed", Hub: "ralph", Config: []byte(`{"username":"ralph"}`)}
	data, err := r.Data(ctx, inst, Hub{Name: "ralph"})
	if err != nil {
		b.Fatal(err)
	}
	clock := startCPU(b)
	for i := 0; i < b.N; i++ {
		if _, err := r.Template(ctx, inst, data); err != nil {
			b.Fatal(err)
		}
	}
	clock.report(b)
}

// BenchmarkTemplateInstances: the same render across 50 instances of the
// widget, as the engine renders them: each instance has its own module
// evaluation, so its own template objects, which h.html recognises by text.
func BenchmarkTemplateInstances(b *testing.B) {
	r := loadedRuntime(b, WithPoolSize(1), WithModulesPerRuntime(64))
	ctx := context.Background()
	insts := make([]Instance, 50)
	var data json.RawMessage
	for i := range insts {
		insts[i] = Instance{ID: int64(i), Name: "feed", Hub: "ralph", Config: []byte(`{"username":"ralph"}`)}
		d, err := r.Data(ctx, insts[i], Hub{Name: "ralph"})
		if err != nil {
			b.Fatal(err)
		}
		data = d
	}
	clock := startCPU(b)
	for i := 0; i < b.N; i++ {
		if _, err := r.Template(ctx, insts[i%len(insts)], data); err != nil {
			b.Fatal(err)
		}
	}
	clock.report(b)
}

// BenchmarkData: a data() without I/O building a 10-item list.
func BenchmarkData(b *testing.B) {
	r := loadedRuntime(b, WithPoolSize(1))
	ctx := context.Background()
	inst := Instance{ID: 1, Name: "feed", Hub: "ralph", Config: []byte(`{"username":"ralph"}`)}
	clock := startCPU(b)
	for i := 0; i < b.N; i++ {
		if _, err := r.Data(ctx, inst, Hub{Name: "ralph"}); err != nil {
			b.Fatal(err)
		}
	}
	clock.report(b)
}

// BenchmarkMessageView: turning one real bus message (2.7 kB) into the frozen
// JS view a batch shares: the Go-side builder against goja's JSON.parse
// followed by a freezing walk; and the lazy view of an archived message
// (ctx.messages.grep), made and its topic and msg.user read.
func BenchmarkMessageView(b *testing.B) {
	r := loadedRuntime(b, WithPoolSize(1))
	msg := fixtureMessage(b, ".bodhi.update.comment")
	v := heldVM(b, r)
	b.Run("builder", func(b *testing.B) {
		clock := startCPU(b)
		for i := 0; i < b.N; i++ {
			if _, err := v.jsonToValue(msg, true); err != nil {
				b.Fatal(err)
			}
		}
		clock.report(b)
	})
	b.Run("lazy", func(b *testing.B) {
		clock := startCPU(b)
		for i := 0; i < b.N; i++ {
			val, _, err := v.lazyJSON(msg)
			if err != nil {
				b.Fatal(err)
			}
			o := val.(*goja.Object)
			if o.Get("topic") == nil || o.Get("msg").(*goja.Object).Get("comment") == nil {
				b.Fatal("no topic or msg.comment")
			}
		}
		clock.report(b)
	})
	b.Run("JSON.parse+freeze", func(b *testing.B) {
		clock := startCPU(b)
		defer clock.report(b)
		for i := 0; i < b.N; i++ {
			m, err := v.parse(goja.Undefined(), v.rt.ToValue(string(msg)))
			if err != nil {
				b.Fatal(err)
			}
			if _, err := v.freezeData(goja.Undefined(), m); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkNewInstance: the first shouldInvalidate of an instance that has
// no module evaluation yet in the runtime, for a widget bundling the real
// widgets/lib/meta.js: what a cache miss of the per-instance module costs,
// in time and in retained heap (kB/instance).
func BenchmarkNewInstance(b *testing.B) {
	lib, err := os.ReadDir("../widgets/lib")
	if err != nil || len(lib) == 0 {
		b.Skip("no widgets/lib")
	}
	dir := b.TempDir()
	if err := os.CopyFS(filepath.Join(dir, "lib"), os.DirFS("../widgets/lib")); err != nil {
		b.Fatal(err)
	}
	src := `import { meta } from "./lib/meta.js";
export default {
  title: "M", hints: { topics: ["bodhi.update.comment"] },
  data() { return {}; },
  template(d, h) { return h.html` + "`<p></p>`" + `; },
  shouldInvalidate(m) { return meta(m).usernames.length > 0; },
};`
	if err := os.WriteFile(filepath.Join(dir, "m.js"), []byte(src), 0o644); err != nil {
		b.Fatal(err)
	}
	r := newTestRuntime(b, WithPoolSize(1), WithModulesPerRuntime(1<<20), WithLimits(Limits{Invalidate: 10 * time.Second}))
	if err := r.LoadDir(context.Background(), dir); err != nil {
		b.Fatal(err)
	}
	msg := fixtureMessage(b, ".bodhi.update.comment")
	var before, after goruntime.MemStats
	goruntime.GC()
	goruntime.ReadMemStats(&before)
	clock := startCPU(b)
	for i := 0; i < b.N; i++ {
		if _, err := r.Invalidations(context.Background(), msg, []Instance{{ID: int64(i), Name: "m"}}, nil); err != nil {
			b.Fatal(err)
		}
	}
	clock.report(b)
	b.StopTimer()
	goruntime.GC()
	goruntime.ReadMemStats(&after)
	b.ReportMetric((float64(after.HeapAlloc)-float64(before.HeapAlloc))/float64(b.N)/1024, "kB/instance")
}
