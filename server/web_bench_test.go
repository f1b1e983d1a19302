package server_test

import (
	"fmt"
	"io"
	"net/http"
	"testing"

	"hubs/server"
)

// benchGet measures GET path on a live server over loopback HTTP, from as many goroutines
// as GOMAXPROCS. The wrk figures in README are the reference; these track regressions.
func benchGet(b *testing.B, s *stack, path string) {
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	c := &http.Client{Transport: tr}
	defer tr.CloseIdleConnections()
	get := func() error {
		resp, err := c.Get(s.url + path)
		if err != nil {
			return err
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("GET %s: %s", path, resp.Status)
		}
		return err
	}
	if err := get(); err != nil { // fill the caches
		b.Fatal(err)
	}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := get(); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkWidgetJSON: GET /{hub}/{idx}/json with the data cached.
func BenchmarkWidgetJSON(b *testing.B) {
	s := newStack(b, server.WebConfig{})
	benchGet(b, s, fmt.Sprintf("/designteam/%d/json", s.widgetID("designteam", "sticky")))
}

// BenchmarkHubPage: GET /{hub}/ with every widget's data and template output cached.
func BenchmarkHubPage(b *testing.B) { benchGet(b, newStack(b, server.WebConfig{}), "/designteam/") }
