package widgets_test

import (
	"context"
	"testing"
	"time"

	"hubs/engine"
	"hubs/runtime"
	"hubs/store/storetest"
)

// BenchmarkWidgets measures each widget of the default layouts (ralph's user hub and the
// designteam hub, store.Populate) on a real database holding the 372 fixture messages, with
// the upstreams at local test servers: data() (a rebuild), template() (a render) and
// shouldInvalidate() on one real bus message (a pkgdb.acl.update about ralph).
//
//	go test -run '^$' -bench BenchmarkWidgets -benchmem ./widgets/
func BenchmarkWidgets(b *testing.B) {
	ctx := context.Background()
	st := storetest.New(b)
	if err := st.Populate(ctx); err != nil {
		b.Fatal(err)
	}
	archiveFixtures(b, st)
	host := engine.Host{Store: st}
	up := newUpstreams(b)
	// Wall-clock limits are for misbehaving widgets: on this shared 2-core machine a loaded
	// moment can stall one of a million calls past 50 ms, which says nothing about its cost.
	rt := newRuntime(b, host, up.settings(""), runtime.WithLimits(runtime.Limits{Invalidate: time.Second, Template: 5 * time.Second, Data: time.Minute}))
	message := fixtureOn(b, readFixtures(b, busFixtures), ".pkgdb.acl.update").Msg
	for _, hub := range []string{"ralph", "designteam"} {
		h, err := host.Hub(ctx, hub)
		if err != nil {
			b.Fatal(err)
		}
		ws, err := st.ListWidgets(ctx, hub)
		if err != nil {
			b.Fatal(err)
		}
		for _, w := range ws {
			inst := runtime.Instance{ID: w.ID, Name: w.Name, Hub: w.Hub, Config: w.Config}
			data, err := rt.Data(ctx, inst, h)
			if err != nil {
				b.Fatalf("%s: %v", w.Name, err)
			}
			b.Run("data/"+w.Name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := rt.Data(ctx, inst, h); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("template/"+w.Name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := rt.Template(ctx, inst, data); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("invalidate/"+w.Name, func(b *testing.B) {
				b.ReportAllocs()
				insts := []runtime.Instance{inst}
				var out []bool
				for b.Loop() {
					if out, err = rt.Invalidations(ctx, message, insts, out); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
