package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"regexp"
	goruntime "runtime"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"hubs/engine"
	"hubs/server"
)

// sse is one Server-Sent Event as read off the wire.
type sse struct {
	id, event, data string
	comment         bool
}

// openEvents connects to path and returns the response and a channel of its events,
// closed when the stream ends.
func (s *stack) openEvents(path string, header map[string]string) (*http.Response, <-chan sse) {
	s.t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.url+path, nil)
	if err != nil {
		s.t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	s.t.Cleanup(func() { resp.Body.Close() })
	ch := make(chan sse, 64)
	go func() {
		defer close(ch)
		r := bufio.NewReader(resp.Body)
		var ev sse
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			line = strings.TrimSuffix(line, "\n")
			switch {
			case line == "":
				if ev != (sse{}) {
					ch <- ev
				}
				ev = sse{}
			case strings.HasPrefix(line, ":"):
				ev.comment = true
			case strings.HasPrefix(line, "id: "):
				ev.id = line[4:]
			case strings.HasPrefix(line, "event: "):
				ev.event = line[7:]
			case strings.HasPrefix(line, "data: "):
				ev.data = line[6:]
			}
		}
	}()
	return resp, ch
}

// next returns the next event that is not a comment, failing after within.
func next(t *testing.T, ch <-chan sse, within time.Duration) sse {
	t.Helper()
	deadline := time.After(within)
	for {
		select {
		case ev, ok := <-ch:
			if !ok {
				t.Fatalf("event stream ended")
			}
			if !ev.comment || ev.event != "" {
				return ev
			}
		case <-deadline:
			t.Fatalf("no event within %s", within)
		}
	}
}

func TestEvents(t *testing.T) {
	s := newStack(t, server.WebConfig{Heartbeat: 100 * time.Millisecond})
	ctx := context.Background()
	sticky := s.widgetID("designteam", "sticky")

	resp, events := s.openEvents("/designteam/events", nil)
	for h, want := range map[string]string{
		"Content-Type":      "text/event-stream; charset=utf-8",
		"Cache-Control":     "no-cache, no-transform",
		"X-Accel-Buffering": "no",
	} {
		if got := resp.Header.Get(h); got != want {
			t.Errorf("%s: %q, want %q", h, got, want)
		}
	}
	if resp.Header.Get("Content-Encoding") != "" {
		t.Errorf("event stream is compressed: %s", resp.Header.Get("Content-Encoding"))
	}

	t.Run("heartbeat", func(t *testing.T) {
		deadline := time.After(5 * time.Second)
		for beats := 0; beats < 2; {
			select {
			case ev := <-events:
				if ev.comment && ev.event == "" {
					beats++
				}
			case <-deadline:
				t.Fatal("no heartbeats on an idle stream")
			}
		}
	})

	// A config saved: the widget's new data arrives as a widget event whose data is the
	// bytes of /{hub}/{idx}/json.
	if _, err := s.st.UpdateWidgetConfig(ctx, sticky, json.RawMessage(`{"text":"Fresh <b>news</b> & more"}`)); err != nil {
		t.Fatal(err)
	}
	var got sse
	for got.event != "widget" {
		got = next(t, events, 10*time.Second)
	}
	var payload struct {
		Idx     int64           `json:"idx"`
		Name    string          `json:"name"`
		Version string          `json:"version"`
		Data    json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal([]byte(got.data), &payload); err != nil {
		t.Fatalf("event data %q: %v", got.data, err)
	}
	_, body := s.get(s.client(), fmt.Sprintf("/designteam/%d/json", sticky))
	if payload.Idx != sticky || payload.Name != "sticky" || payload.Version == "" || string(payload.Data) != body ||
		!strings.Contains(got.data, `"data":`+body) {
		t.Fatalf("widget event %+v (raw %s), /json %s", payload, got.data, body)
	}
	if got.id == "" {
		t.Fatalf("event without id")
	}

	t.Run("resume with Last-Event-ID", func(t *testing.T) {
		if _, err := s.st.UpdateWidgetConfig(ctx, sticky, json.RawMessage(`{"text":"missed while away"}`)); err != nil {
			t.Fatal(err)
		}
		_, events := s.openEvents("/designteam/events", map[string]string{"Last-Event-ID": got.id})
		deadline := time.Now().Add(10 * time.Second)
		for {
			ev := next(t, events, time.Until(deadline))
			if ev.event == "widget" && strings.Contains(ev.data, "missed while away") {
				return
			}
		}
	})

	for _, last := range []string{"1", "not-a-number"} {
		t.Run("reload for Last-Event-ID "+last, func(t *testing.T) {
			_, events := s.openEvents("/designteam/events", map[string]string{"Last-Event-ID": last})
			if ev := next(t, events, 5*time.Second); ev.event != "reload" {
				t.Fatalf("first event %+v, want reload", ev)
			}
		})
	}

	t.Run("unknown hub", func(t *testing.T) {
		resp, _ := s.get(s.client(), "/nosuchhub/events")
		if resp.StatusCode != http.StatusNotFound {
			t.Fatalf("status %d", resp.StatusCode)
		}
	})
}

// A page carries the update id it was rendered at (data-since), and its stream opened with
// ?since= that id gets what changed in between, also on a hub nobody watched before, with
// unwatched hubs rebuilt lazily (serve's default): rendering the page made it watched.
func TestPageStreamResumesFromRender(t *testing.T) {
	s := newStack(t, server.WebConfig{Heartbeat: 100 * time.Millisecond}, engine.WithLazyUnwatched(true))
	ctx := context.Background()
	sticky := s.widgetID("marketing", "sticky")
	resp, page := s.get(s.client(), "/marketing/")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /marketing/: %d", resp.StatusCode)
	}
	m := regexp.MustCompile(`id="hub" data-hub="marketing" data-since="([0-9]+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no data-since on the hub page: %.300s", page)
	}
	if _, err := s.st.UpdateWidgetConfig(ctx, sticky, json.RawMessage(`{"text":"changed after render"}`)); err != nil {
		t.Fatal(err)
	}
	_, events := s.openEvents("/marketing/events?since="+m[1], nil)
	deadline := time.Now().Add(10 * time.Second)
	for {
		ev := next(t, events, time.Until(deadline))
		if ev.event == "reload" {
			t.Fatalf("reload instead of the update made after the render")
		}
		if ev.event == "widget" && strings.Contains(ev.data, "changed after render") {
			return
		}
	}
}

// TestEventsClientsGoAway connects and drops 1,000 event stream clients: every stream must
// notice (at a heartbeat) and free its goroutine and subscription, so goroutines and heap
// return to where they were.
func TestEventsClientsGoAway(t *testing.T) {
	const heartbeat = 20 * time.Millisecond
	s := newStack(t, server.WebConfig{Heartbeat: heartbeat})
	addr := strings.TrimPrefix(s.url, "http://")
	connect := func() {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		fmt.Fprintf(conn, "GET /designteam/events HTTP/1.1\r\nHost: %s\r\nAccept: text/event-stream\r\n\r\n", addr)
		// Read until the stream's first bytes: the subscription is open then.
		r := bufio.NewReader(conn)
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				t.Fatalf("read: %v", err)
			}
			if strings.Contains(line, ": hello") {
				return
			}
		}
	}
	settle := func() (int, uint64) {
		var ms goruntime.MemStats
		goruntime.GC()
		goruntime.ReadMemStats(&ms)
		return goruntime.NumGoroutine(), ms.HeapInuse
	}
	connect() // warm up pools and the hub's buffer
	eventually(t, 10*time.Second, "the first client freed", func() bool { return subscribers(t, s) == 0 })
	baseG, baseHeap := settle()
	for range 1000 {
		connect()
	}
	eventually(t, 30*time.Second, "every subscription freed", func() bool { return subscribers(t, s) == 0 })
	var g int
	var heap uint64
	eventually(t, 30*time.Second, "goroutines back to the baseline", func() bool {
		g, heap = settle()
		return g <= baseG+5
	})
	// A leak of the streams' buffers (4 KB each) would show as megabytes.
	if heap > baseHeap+2<<20 {
		t.Errorf("heap in use grew from %d to %d bytes over 1,000 clients", baseHeap, heap)
	}
	t.Logf("goroutines %d -> %d, heap in use %d -> %d", baseG, g, baseHeap, heap)
}

// subscribers reads the engine's gauge of open subscriptions.
func subscribers(t *testing.T, s *stack) int {
	t.Helper()
	var m dto.Metric
	if err := s.eng.Metrics().Subscribers.Write(&m); err != nil {
		t.Fatal(err)
	}
	return int(m.GetGauge().GetValue())
}

// TestSlowClientGetsReload: a client that stops reading does not hold up the others; when
// it reads again, what it missed is gone from the ring and it gets a reload event.
func TestSlowClientGetsReload(t *testing.T) {
	s := newStack(t, server.WebConfig{Heartbeat: time.Minute}, engine.WithReplay(8, time.Minute))
	ctx := context.Background()
	sticky := s.widgetID("designteam", "sticky")
	addr := strings.TrimPrefix(s.url, "http://")

	slow, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	fmt.Fprintf(slow, "GET /designteam/events HTTP/1.1\r\nHost: %s\r\n\r\n", addr)
	_, fast := s.openEvents("/designteam/events", nil)

	// 160 notes of 60 KB: 10 MB for each client, more than the kernel buffers hold for
	// the one that does not read (4 MB to send, its receive window to take).
	big := strings.Repeat("x", 60<<10)
	for i := range 160 {
		text := fmt.Sprintf("%d %s", i, big)
		if _, err := s.st.UpdateWidgetConfig(ctx, sticky, json.RawMessage(fmt.Sprintf(`{"text":%q}`, text))); err != nil {
			t.Fatal(err)
		}
		// The fast client keeps up with every save.
		want := fmt.Sprintf(`"text":"%d x`, i)
		deadline := time.Now().Add(10 * time.Second)
		for {
			ev := next(t, fast, time.Until(deadline))
			if ev.event == "widget" && strings.Contains(ev.data, want) {
				break
			}
		}
	}
	// Now the slow client reads: somewhere in its stream is a reload.
	r := bufio.NewReader(slow)
	kinds := map[string]int{}
	n := 0
	for {
		slow.SetReadDeadline(time.Now().Add(10 * time.Second))
		line, err := r.ReadString('\n')
		n += len(line)
		if strings.HasPrefix(line, "event: ") {
			kinds[strings.TrimSpace(line)]++
		}
		if err != nil {
			t.Fatalf("the slow client never got a reload (read %d bytes, events %v): %v", n, kinds, err)
		}
		if strings.HasPrefix(line, "event: reload") {
			return
		}
	}
}
