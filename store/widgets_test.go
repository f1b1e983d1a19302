package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"hubs/store"
	"hubs/store/storetest"
)

// layout renders a hub's widgets as "left: a b | right: c d" by widget name.
func layout(t *testing.T, s *store.Store, hub string) string {
	t.Helper()
	ws, err := s.ListWidgets(context.Background(), hub)
	if err != nil {
		t.Fatal(err)
	}
	cols := map[store.Column][]string{}
	for _, w := range ws {
		if w.Position != len(cols[w.Column]) {
			t.Fatalf("widget %s at %s position %d: positions are not dense (%v)", w.Name, w.Column, w.Position, cols)
		}
		cols[w.Column] = append(cols[w.Column], w.Name)
	}
	return "left: " + strings.Join(cols[store.ColumnLeft], " ") + " | right: " + strings.Join(cols[store.ColumnRight], " ")
}

func widgetID(t *testing.T, s *store.Store, hub, name string) int64 {
	t.Helper()
	ws, err := s.ListWidgets(context.Background(), hub)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range ws {
		if w.Name == name {
			return w.ID
		}
	}
	t.Fatalf("no widget %s on %s", name, hub)
	return 0
}

func TestWidgetLayout(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	_, err := s.CreateHub(ctx, store.Hub{Name: "team"}, []store.NewWidget{
		{Name: "a", Column: store.ColumnLeft}, {Name: "b", Column: store.ColumnLeft}, {Name: "c", Column: store.ColumnLeft},
		{Name: "x", Column: store.ColumnRight}, {Name: "y", Column: store.ColumnRight},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := layout(t, s, "team"), "left: a b c | right: x y"; got != want {
		t.Fatalf("initial layout %q, want %q", got, want)
	}
	steps := []struct {
		name string
		do   func() error
		want string
	}{
		{"append", func() error {
			_, err := s.CreateWidget(ctx, "team", store.NewWidget{Name: "d", Column: store.ColumnLeft}, -1)
			return err
		}, "left: a b c d | right: x y"},
		{"insert at top", func() error {
			_, err := s.CreateWidget(ctx, "team", store.NewWidget{Name: "w", Column: store.ColumnRight}, 0)
			return err
		}, "left: a b c d | right: w x y"},
		{"move down in column", func() error {
			_, err := s.MoveWidget(ctx, widgetID(t, s, "team", "a"), store.ColumnLeft, 2)
			return err
		}, "left: b c a d | right: w x y"},
		{"move up in column", func() error {
			_, err := s.MoveWidget(ctx, widgetID(t, s, "team", "d"), store.ColumnLeft, 0)
			return err
		}, "left: d b c a | right: w x y"},
		{"move across columns", func() error {
			_, err := s.MoveWidget(ctx, widgetID(t, s, "team", "b"), store.ColumnRight, 1)
			return err
		}, "left: d c a | right: w b x y"},
		{"move past the end appends", func() error {
			_, err := s.MoveWidget(ctx, widgetID(t, s, "team", "w"), store.ColumnRight, 99)
			return err
		}, "left: d c a | right: b x y w"},
		{"delete closes the gap", func() error { return s.DeleteWidget(ctx, widgetID(t, s, "team", "c")) },
			"left: d a | right: b x y w"},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if err := st.do(); err != nil {
				t.Fatal(err)
			}
			if got := layout(t, s, "team"); got != st.want {
				t.Fatalf("layout %q, want %q", got, st.want)
			}
		})
	}
}

func TestWidgetConfigAndErrors(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	if _, err := s.CreateHub(ctx, store.Hub{Name: "ralph"}, store.UserLayout("ralph"), nil); err != nil {
		t.Fatal(err)
	}
	id := widgetID(t, s, "ralph", "badges")
	w, err := s.GetWidget(ctx, id)
	if err != nil || w.Hub != "ralph" || w.Column != store.ColumnRight {
		t.Fatalf("GetWidget = %+v, %v", w, err)
	}
	var cfg map[string]string
	if err := json.Unmarshal(w.Config, &cfg); err != nil || cfg["username"] != "ralph" {
		t.Fatalf("config %s: %v", w.Config, err)
	}
	saved, err := s.UpdateWidgetConfig(ctx, id, json.RawMessage(`{"username": "lmacken", "rows": 5}`))
	if err != nil {
		t.Fatal(err)
	}
	again, _ := s.GetWidget(ctx, id)
	if string(again.Config) != string(saved.Config) || !strings.Contains(string(again.Config), `"lmacken"`) {
		t.Fatalf("saved %s, read back %s", saved.Config, again.Config)
	}
	if !again.Updated.After(w.Updated) {
		t.Errorf("updated time did not move: %v then %v", w.Updated, again.Updated)
	}

	bad := []struct {
		name string
		err  error
		want error
	}{
		{"config is an array", func() error { _, err := s.UpdateWidgetConfig(ctx, id, json.RawMessage(`[1]`)); return err }(), store.ErrInvalid},
		{"config is not JSON", func() error { _, err := s.UpdateWidgetConfig(ctx, id, json.RawMessage(`{`)); return err }(), store.ErrInvalid},
		{"config is null", func() error { _, err := s.UpdateWidgetConfig(ctx, id, json.RawMessage(`null`)); return err }(), store.ErrInvalid},
		{"unknown widget", func() error { _, err := s.UpdateWidgetConfig(ctx, 1<<40, json.RawMessage(`{}`)); return err }(), store.ErrNotFound},
		{"get unknown widget", func() error { _, err := s.GetWidget(ctx, 1<<40); return err }(), store.ErrNotFound},
		{"bad column", func() error { _, err := s.MoveWidget(ctx, id, "middle", 0); return err }(), store.ErrInvalid},
		{"move unknown widget", func() error { _, err := s.MoveWidget(ctx, 1<<40, store.ColumnLeft, 0); return err }(), store.ErrNotFound},
		{"delete unknown widget", s.DeleteWidget(ctx, 1<<40), store.ErrNotFound},
		{"widget on unknown hub", func() error {
			_, err := s.CreateWidget(ctx, "nohub", store.NewWidget{Name: "a", Column: store.ColumnLeft}, 0)
			return err
		}(), store.ErrNotFound},
		{"widget without name", func() error {
			_, err := s.CreateWidget(ctx, "ralph", store.NewWidget{Column: store.ColumnLeft}, 0)
			return err
		}(), store.ErrInvalid},
	}
	for _, b := range bad {
		if !errors.Is(b.err, b.want) {
			t.Errorf("%s: got %v, want %v", b.name, b.err, b.want)
		}
	}
	if got, err := s.GetWidget(ctx, id); err != nil || string(got.Config) != string(saved.Config) {
		t.Errorf("refused updates changed the widget: %s, %v", got.Config, err)
	}
}

// TestWidgetConcurrentAdds places widgets on one hub from many goroutines: positions must
// come out dense and distinct.
func TestWidgetConcurrentAdds(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	if _, err := s.CreateHub(ctx, store.Hub{Name: "busy"}, nil, nil); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.CreateWidget(ctx, "busy", store.NewWidget{Name: fmt.Sprintf("w%d", i), Column: store.ColumnLeft}, i%3)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	ws, err := s.ListWidgets(ctx, "busy")
	if err != nil || len(ws) != 20 {
		t.Fatalf("%d widgets, %v", len(ws), err)
	}
	layout(t, s, "busy") // checks density
	all, err := s.ListAllWidgets(ctx)
	if err != nil || len(all) != 20 {
		t.Fatalf("ListAllWidgets: %d, %v", len(all), err)
	}
}

// TestWidgetConcurrentLayoutChanges moves, deletes and creates widgets of one hub from
// several goroutines at once. Every writer must take the hub's lock before any widget
// row's: one that locked its widget first deadlocked against another's gap-closing UPDATE
// (Postgres 40P01), which reached users as a 500.
func TestWidgetConcurrentLayoutChanges(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	const workers, perWorker, rounds = 6, 4, 8
	var initial []store.NewWidget
	for w := range workers {
		for i := range perWorker {
			initial = append(initial, store.NewWidget{Name: fmt.Sprintf("w%d-%d", w, i), Column: store.ColumnLeft})
		}
	}
	if _, err := s.CreateHub(ctx, store.Hub{Name: "shuffle"}, initial, nil); err != nil {
		t.Fatal(err)
	}
	ws, err := s.ListWidgets(ctx, "shuffle")
	if err != nil {
		t.Fatal(err)
	}
	owned := make([][]int64, workers) // each worker changes only its own widgets
	for i, w := range ws {
		owned[i%workers] = append(owned[i%workers], w.ID)
	}

	var wg sync.WaitGroup
	errs := make(chan error, workers*rounds*3)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ids := owned[w]
			for r := range rounds {
				// Moves within the crowded left column, as dragging does; both
				// directions, so rows are locked in every order.
				for i, id := range ids {
					col := store.ColumnLeft
					if (w+r+i)%5 == 0 {
						col = store.ColumnRight
					}
					if _, err := s.MoveWidget(ctx, id, col, (w*7+r*3+i)%(workers*perWorker)); err != nil {
						errs <- fmt.Errorf("worker %d round %d: move %d: %w", w, r, id, err)
						return
					}
				}
				created, err := s.CreateWidget(ctx, "shuffle", store.NewWidget{Name: fmt.Sprintf("n%d-%d", w, r), Column: store.ColumnLeft}, r%4)
				if err != nil {
					errs <- fmt.Errorf("worker %d round %d: create: %w", w, r, err)
					return
				}
				if err := s.DeleteWidget(ctx, ids[0]); err != nil {
					errs <- fmt.Errorf("worker %d round %d: delete %d: %w", w, r, ids[0], err)
					return
				}
				ids = append(ids[1:], created.ID)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	ws, err = s.ListWidgets(ctx, "shuffle")
	if err != nil || len(ws) != workers*perWorker {
		t.Fatalf("%d widgets after the churn, want %d (%v)", len(ws), workers*perWorker, err)
	}
	layout(t, s, "shuffle") // checks the positions stayed dense
}
