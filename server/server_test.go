package server_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"hubs/server"
	"hubs/store"
	"hubs/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

func quiet() *slog.Logger { return slog.New(slog.DiscardHandler) }

// get performs one request against srv and returns status and body.
func get(t *testing.T, srv *server.Server, path string) (int, []byte) {
	t.Helper()
	resp, err := srv.App().Test(httptest.NewRequest(http.MethodGet, path, nil), 10_000)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("%s: content type %q, want JSON", path, ct)
	}
	return resp.StatusCode, body
}

func TestHubJSON(t *testing.T) {
	st := storetest.New(t)
	if err := st.Populate(context.Background()); err != nil {
		t.Fatal(err)
	}
	srv := server.New(server.Config{Store: st, Logger: quiet()})

	t.Run("designteam", func(t *testing.T) {
		status, body := get(t, srv, "/designteam/json")
		if status != http.StatusOK {
			t.Fatalf("status %d: %s", status, body)
		}
		var hub struct {
			Name    string
			Widgets []struct {
				ID       int64
				Name     string
				Column   string
				Position int
				Config   map[string]any
			}
			People map[string][]struct{ Username string }
		}
		if err := json.Unmarshal(body, &hub); err != nil {
			t.Fatal(err)
		}
		if hub.Name != "designteam" || len(hub.Widgets) != 7 {
			t.Fatalf("hub %s with %d widgets: %s", hub.Name, len(hub.Widgets), body)
		}
		want := []string{"left cobwebs", "left sticky", "left dummy", "right stats", "right rules", "right meetings", "right about"}
		for i, w := range hub.Widgets {
			if got := w.Column + " " + w.Name; got != want[i] || w.ID == 0 || w.Config == nil {
				t.Errorf("widget %d: %+v, want %s", i, w, want[i])
			}
		}
		if hub.Widgets[5].Config["calendar"] != "design" {
			t.Errorf("meetings config %v", hub.Widgets[5].Config)
		}
		if len(hub.People["owner"]) != 2 || hub.People["owner"][0].Username != "duffy" || len(hub.People["member"]) != 4 {
			t.Errorf("people %+v", hub.People)
		}
		if _, ok := hub.People["stargazer"]; !ok {
			t.Errorf("every role should be listed, even empty: %+v", hub.People)
		}
	})

	notFound := []struct{ name, path string }{
		{"unknown hub", "/nosuchhub/json"},
		{"invalid hub name", "/bad%20name/json"},
		{"reserved name", "/api/json"},
		{"unknown route", "/designteam/nothing/here"},
	}
	for _, tt := range notFound {
		t.Run(tt.name, func(t *testing.T) {
			status, body := get(t, srv, tt.path)
			var e struct{ Error string }
			if status != http.StatusNotFound || json.Unmarshal(body, &e) != nil || e.Error == "" {
				t.Fatalf("status %d, body %s: want 404 with a JSON error", status, body)
			}
		})
	}
}

// TestHealthz runs the server on its own private cluster so that the test can stop the
// database: /healthz must say 503 then, and 200 again once it is back.
func TestHealthz(t *testing.T) {
	dir, err := os.MkdirTemp("", storetest.DirPrefix+"health-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := store.StartCluster(ctx, dir, store.Ephemeral(), store.WithLogger(quiet()))
	storetest.RequirePostgres(t, err)
	defer c.Stop()
	st, err := store.Open(ctx, c.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	srv := server.New(server.Config{Store: st, Logger: quiet(), HealthTimeout: time.Second})

	if status, body := get(t, srv, "/healthz"); status != http.StatusOK {
		t.Fatalf("database up: %d %s", status, body)
	}
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	if status, body := get(t, srv, "/healthz"); status != http.StatusServiceUnavailable {
		t.Fatalf("database stopped: %d %s, want 503", status, body)
	}
	c, err = store.StartCluster(ctx, dir, store.Ephemeral(), store.WithLogger(quiet()))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
	// The pool reconnects on its own; poll until it has.
	deadline := time.Now().Add(30 * time.Second)
	for {
		status, _ := get(t, srv, "/healthz")
		if status == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("database back, /healthz still %d", status)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// BenchmarkHubJSON measures GET /designteam/json through fiber's in-memory test transport.
func BenchmarkHubJSON(b *testing.B) {
	st := storetest.New(b)
	if err := st.Populate(context.Background()); err != nil {
		b.Fatal(err)
	}
	srv := server.New(server.Config{Store: st, Logger: quiet()})
	for b.Loop() {
		resp, err := srv.App().Test(httptest.NewRequest(http.MethodGet, "/designteam/json", nil), -1)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
}
