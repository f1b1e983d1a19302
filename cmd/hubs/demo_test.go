package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"hubs/fedmsg"
	"hubs/store/storetest"
)

const demoFixtures = "../../testdata/fedmsg/meta_examples.jsonl"

func TestMapUsernames(t *testing.T) {
	msg := json.RawMessage(`{"agent": "kalev", "comment": {"text": "kalev says hi to kalevala", "user": {"name": "kalev"}},
		"url": "http://kalev.id.fedoraproject.org/", "owners": ["kalev", "bodhi"], "kalev": 1, "karma": 2}`)
	got := mapUsernames(msg, demoMapping([]string{"kalev", "bodhi"}, 0))
	var v map[string]any
	if err := json.Unmarshal(got, &v); err != nil {
		t.Fatal(err)
	}
	want := `{"agent":"ralph","comment":{"text":"ralph says hi to kalevala","user":{"name":"ralph"}},"kalev":1,"karma":2,"owners":["ralph","bodhi"],"url":"http://ralph.id.fedoraproject.org/"}`
	if string(got) != want {
		t.Errorf("mapped\n%s\nwant\n%s", got, want)
	}
	if string(mapUsernames(json.RawMessage(`not json`), map[string]string{"a": "b"})) != "not json" {
		t.Error("a msg that is not JSON must go out unchanged")
	}
}

func TestDemoMapping(t *testing.T) {
	ralph := 0
	for sent := range 24 {
		m := demoMapping([]string{"threebean", "lmacken", "pingou", "koji"}, sent)
		if _, ok := m["koji"]; ok {
			t.Fatalf("service account mapped: %v", m)
		}
		targets := []string{m["lmacken"], m["pingou"], m["threebean"]}
		if slices.Contains(targets, "") || len(slices.Compact(slices.Sorted(slices.Values(targets)))) != 3 {
			t.Fatalf("message %d: %v maps two people onto one or none", sent, m)
		}
		if m["lmacken"] == "ralph" {
			ralph++
		}
	}
	if ralph != 12 {
		t.Errorf("ralph got %d of 24 messages, want every other one", ralph)
	}
}

// TestDemoReplay subscribes to the demo's publisher with the real intake, as serve does, and
// receives the fixture messages in order as new messages about the demo users.
func TestDemoReplay(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	msgs, err := readDemoMessages(demoFixtures)
	if err != nil {
		t.Fatal(err)
	}
	demoCtx, stopDemo := context.WithCancel(ctx)
	demo, err := StartDemo(demoCtx, demoFixtures, 5*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan *fedmsg.Envelope, 100)
	in, err := fedmsg.NewIntake([]string{demo.Endpoint()}, func(_ context.Context, env *fedmsg.Envelope) error {
		select {
		case got <- env:
		default:
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	intakeCtx, stopIntake := context.WithCancel(ctx)
	intakeDone := make(chan error, 1)
	go func() { intakeDone <- in.Run(intakeCtx) }()

	start := time.Now()
	ids := map[string]bool{}
	var first *fedmsg.Envelope
	for n := 0; n < 20; n++ {
		var env *fedmsg.Envelope
		select {
		case env = <-got:
		case <-ctx.Done():
			t.Fatalf("only %d demo messages arrived", n)
		}
		if first == nil {
			first = env
		}
		if ids[env.MsgID] {
			t.Errorf("msg_id %s seen twice", env.MsgID)
		}
		ids[env.MsgID] = true
		if sent := time.Unix(int64(env.Timestamp), 0); sent.Before(start.Add(-time.Second)) || sent.After(time.Now().Add(time.Second)) {
			t.Errorf("timestamp %v is not now", sent)
		}
	}
	// The first message received may be any of the round (the publisher started before the
	// subscription arrived): find it, then check that the people it named became demo users.
	i := slices.IndexFunc(msgs, func(m demoMessage) bool { return m.env.Topic == first.Topic && len(m.env.Msg) > 0 })
	if i < 0 {
		t.Fatalf("topic %s not in the fixtures", first.Topic)
	}
	for _, m := range msgs {
		for _, u := range m.usernames {
			if serviceAccounts[u] || slices.Contains(demoUsers, u) || len(u) < 3 {
				continue
			}
			if m.env.Topic == first.Topic && strings.Contains(string(first.Msg), `"`+u+`"`) {
				t.Errorf("%s still names %s: %s", first.Topic, u, first.Msg)
			}
		}
	}
	stopIntake()
	if err := <-intakeDone; err != nil && ctx.Err() == nil && !strings.Contains(err.Error(), "context canceled") {
		t.Errorf("intake: %v", err)
	}
	stopDemo()
	select {
	case <-demo.Done():
	case <-ctx.Done():
		t.Fatal("the demo did not stop with its context")
	}
}

func TestDemoBadFixtures(t *testing.T) {
	ctx := context.Background()
	if _, err := StartDemo(ctx, "no/such/file.jsonl", time.Second); err == nil {
		t.Error("a missing fixture file must be an error")
	}
	if _, err := StartDemo(ctx, demoFixtures, 0); err == nil {
		t.Error("a zero interval must be an error")
	}
}

// TestServeDemo is issue 7's "the demo moves on its own": hubs serve --demo, with no bus
// endpoint, replays the fixture messages through its own intake, and ralph's message count and
// feed grow without anyone doing anything.
func TestServeDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("starts hubs serve")
	}
	url := storetest.EmptyURL(t)
	p := startServe(t, t.TempDir(), "HUBS_DATABASE_URL="+url, "HUBS_DEMO=true", "HUBS_DEMO_INTERVAL=100ms",
		"HUBS_DEMO_FIXTURES="+demoFixtures, "HUBS_FEDMSG_ENDPOINTS=")
	defer p.stop(t, syscall.SIGTERM)
	var hub struct {
		Widgets []struct {
			ID   int64
			Name string
		}
	}
	if code := p.getJSON(t, "/ralph/json", &hub); code != http.StatusOK {
		t.Fatalf("/ralph/json: %d\n%s", code, p.logs)
	}
	ids := map[string]int64{}
	for _, w := range hub.Widgets {
		ids[w.Name] = w.ID
	}
	deadline := time.Now().Add(45 * time.Second)
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	var first float64 = -1
	for {
		var stats struct{ Fedmsgs float64 }
		var feed struct{ Entries []any }
		p.getJSON(t, fmt.Sprintf("/ralph/%d/json", ids["fedmsgstats"]), &stats)
		p.getJSON(t, fmt.Sprintf("/ralph/%d/json", ids["feed"]), &feed)
		if first < 0 && stats.Fedmsgs > 0 {
			first = stats.Fedmsgs
		}
		if first > 0 && stats.Fedmsgs > first && len(feed.Entries) > 0 {
			return // it moved, twice, on its own
		}
		if time.Now().After(deadline) {
			t.Fatalf("ralph's hub did not move: fedmsgs %v (first %v), %d feed entries\n%s", stats.Fedmsgs, first, len(feed.Entries), p.logs)
		}
		<-tick.C
	}
}
