package widgets_test

import (
	"slices"
	"testing"
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
