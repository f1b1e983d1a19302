package widgets_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"hubs/runtime"
)

// TestWidgetsCheck is `hubs widget check widgets/` as a test: every widget file loads
// (newRuntime fails on any error), the fifteen are there, and the only one without hints is
// cobwebs, whose reason is written beside it.
func TestWidgetsCheck(t *testing.T) {
	rt := newRuntime(t, nil, nil)
	var names, hintless []string
	for _, w := range rt.List() {
		names = append(names, w.Name)
		if w.Hints.None() {
			hintless = append(hintless, w.Name)
		}
		if !w.HasInvalidate {
			t.Errorf("%s has no shouldInvalidate", w.Name)
		}
		if w.Title == "" {
			t.Errorf("%s has no title", w.Name)
		}
		for _, warning := range w.Warnings {
			if w.Name != "cobwebs" {
				t.Errorf("%s: %s", w.Name, warning)
			}
		}
	}
	slices.Sort(names)
	if !slices.Equal(names, allWidgets) {
		t.Errorf("widgets = %v, want %v", names, allWidgets)
	}
	if !slices.Equal(hintless, []string{"cobwebs"}) {
		t.Errorf("widgets without hints = %v, want only cobwebs", hintless)
	}
}

// TestEmptyConfig: a widget just added to a hub runs with an empty config until its owner
// fills in the form. Its hints must still work (the engine indexes it at once), and data()
// says which setting is missing instead of asking for "undefined".
func TestEmptyConfig(t *testing.T) {
	rt := newRuntime(t, nil, nil)
	ctx := context.Background()
	needs := map[string]string{"avatar": "username", "badges": "username", "fedmsgs": "username", "fedmsgstats": "username",
		"meetings": "calendar", "subscriptions": "username", "workflow.pendingacls": "username", "workflow.updates2stable": "username"}
	for _, name := range allWidgets {
		t.Run(name, func(t *testing.T) {
			inst := runtime.Instance{ID: 1, Name: name, Hub: "ralph", Config: json.RawMessage(`{}`)}
			h, err := rt.Hints(ctx, inst)
			if err != nil {
				t.Fatalf("hints of an empty config: %v", err)
			}
			if len(h.Usernames) != 0 {
				t.Errorf("hinted usernames %v for an empty config", h.Usernames)
			}
			param, ok := needs[name]
			if !ok {
				return
			}
			_, err = rt.Data(ctx, inst, runtime.Hub{Name: "ralph", UserHub: true})
			if err == nil || !strings.Contains(err.Error(), "needs its "+param+" setting") {
				t.Errorf("data() of an empty config: %v, want it to ask for %s", err, param)
			}
		})
	}
}
