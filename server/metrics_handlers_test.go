package server_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"hubs/engine"
	"hubs/fedmsg"
	"hubs/server"
)

// /metrics serves what the caller's registry holds, in Prometheus text: the engine's and
// the intake's collectors as `hubs serve` registers them.
func TestMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	em := engine.NewMetrics()
	reg.MustRegister(em, fedmsg.NewMetrics())
	em.Invalidations.Add(3)
	srv := server.New(server.Config{Store: nil, Logger: quiet(), Metrics: reg})
	resp, err := srv.App().Test(httptest.NewRequest(http.MethodGet, "/metrics", nil), 10_000)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("GET /metrics: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, want := range []string{
		"hubs_widget_invalidations_total 3",
		`hubs_widget_rebuilds_total{result="error"} 0`,
		"hubs_cache_hits_total 0", "hubs_cache_misses_total 0",
		`hubs_js_calls_total{function="shouldInvalidate"} 0`,
		`hubs_js_errors_total{function="data"} 0`,
		"hubs_update_latency_seconds_bucket",
		`hubs_fedmsg_messages_total{result="accepted"} 0`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}

	t.Run("no registry", func(t *testing.T) {
		srv := server.New(server.Config{Logger: quiet()})
		resp, err := srv.App().Test(httptest.NewRequest(http.MethodGet, "/metrics", nil), 10_000)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Fatalf("GET /metrics without a registry: %d, want 404", resp.StatusCode)
		}
	})
}
