package runtime

import (
	"context"
	"os"
	"testing"
)

func newTestRuntime(t testing.TB, opts ...Option) *Runtime {
	t.Helper()
	src, err := os.ReadFile("../static/h.js")
	if err != nil {
		t.Fatal(err)
	}
	r, err := New(append([]Option{WithHelpers(src)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestSmoke(t *testing.T) {
	r := newTestRuntime(t)
	ctx := context.Background()
	if err := r.LoadDir(ctx, "testdata/widgets"); err != nil {
		t.Fatal(err)
	}
	for _, w := range r.List() {
		t.Logf("%s %s %+v %+v %v", w.Name, w.Version, w.Params, w.Hints, w.Inputs)
	}
	inst := Instance{ID: 1, Name: "badges", Hub: "ralph", Config: []byte(`{"username":"ralph","limit":3}`)}
	d, err := r.Data(ctx, inst, Hub{Name: "ralph"})
	t.Logf("data %s %v", d, err)
	html, err := r.Template(ctx, inst, d)
	t.Logf("html %s %v", html, err)
	res, err := r.Invalidations(ctx, []byte(`{"topic":"org.fedoraproject.prod.fedbadges.badge.award","msg":{"user":{"username":"ralph"}}}`), []Instance{inst}, nil)
	t.Logf("inv %v %v", res, err)
	_, err = r.Data(ctx, Instance{ID: 2, Name: "workflow.pending", Config: []byte(`{"mode":"b"}`)}, Hub{})
	t.Logf("err %v", err)
	h, err := r.Hints(ctx, inst)
	t.Logf("hints %+v %v", h, err)
}
