package fedmsg

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"hubs/fedmsg/fedmsgtest"
)

// expectedAccepted is which fixtures intake must accept, in order: the first of each msg_id
// (the fixture set reuses some ids, those are duplicates) and every one without an id.
func expectedAccepted(fixtures []fixture) (accepted []fixture, duplicates int) {
	seen := map[string]bool{}
	for _, f := range fixtures {
		if f.msgID != "" {
			if seen[f.msgID] {
				duplicates++
				continue
			}
			seen[f.msgID] = true
		}
		accepted = append(accepted, f)
	}
	return accepted, duplicates
}

func checkSequence(t *testing.T, got []*Envelope, want []fixture) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("handler got %d messages, want %d", len(got), len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.Topic != w.topic || g.Timestamp != w.ts || (w.msgID != "" && g.MsgID != w.msgID) {
			t.Fatalf("message %d: got %s %v %s, want %s %v %s", i, g.Topic, g.Timestamp, g.MsgID, w.topic, w.ts, w.msgID)
		}
		var a, b any
		if err := json.Unmarshal(g.Body, &a); err != nil {
			t.Fatalf("message %d body: %v", i, err)
		}
		json.Unmarshal(w.body, &b)
		if fmt.Sprint(a) != fmt.Sprint(b) {
			t.Fatalf("message %d: body differs from the fixture", i)
		}
		if g.Received.IsZero() || g.Endpoint == "" {
			t.Fatalf("message %d: Received/Endpoint not set", i)
		}
	}
}

// A real libzmq publisher (python3-zmq) sends every fixture in fedmsg's two-frame format;
// half-way it is killed with SIGKILL and a new one binds the same address and sends the
// rest. Every message must arrive once, in order, duplicates of a msg_id counted and not
// delivered, and the intake must reconnect by itself.
func TestIntakeFromLibzmqPublisherSurvivesKill(t *testing.T) {
	fedmsgtest.NeedLibzmq(t)
	fixtures := loadFixtures(t)
	half := len(fixtures) / 2

	first := startPeer(t, "pub", "--bind", "tcp://127.0.0.1:*", "--file", "../testdata/fedmsg/meta_examples.jsonl",
		"--start", "0", "--count", strconv.Itoa(half), "--hold")
	ep := first.expect(t, "BOUND ", 20*time.Second)

	var c collector
	in := runIntake(t, []string{ep}, c.handle)
	m := in.Metrics()
	seen := func() int { return count(t, m, ResultAccepted) + count(t, m, ResultDuplicate) }

	first.expect(t, "SENT ", 20*time.Second)
	waitFor(t, 20*time.Second, "first half delivered", func() bool { return seen() == half })

	first.kill()
	waitFor(t, 20*time.Second, "intake to notice the publisher is gone", func() bool {
		return value(t, m.Connected.WithLabelValues(ep)) == 0
	})

	second := startPeer(t, "pub", "--bind", ep, "--file", "../testdata/fedmsg/meta_examples.jsonl",
		"--start", strconv.Itoa(half), "--hold")
	if got := second.expect(t, "BOUND ", 20*time.Second); got != ep {
		t.Fatalf("restarted publisher bound %s, want %s", got, ep)
	}
	// The new publisher sends only once the intake has reconnected and resubscribed.
	second.expect(t, "SENT ", 30*time.Second)
	waitFor(t, 20*time.Second, "second half delivered", func() bool { return seen() == len(fixtures) })

	want, dups := expectedAccepted(fixtures)
	checkSequence(t, c.got(), want)
	if got := count(t, m, ResultDuplicate); got != dups {
		t.Errorf("duplicates %d, want %d", got, dups)
	}
	if n := count(t, m, ResultInvalid) + count(t, m, ResultDropped); n != 0 {
		t.Errorf("%d messages invalid or dropped", n)
	}
	if n := value(t, m.Connects.WithLabelValues(ep)); n != 2 {
		t.Errorf("%v connects, want 2 (one reconnect)", n)
	}
}

// Our Publisher talks to a libzmq subscriber: each message arrives as exactly the two
// frames fedmsg sends, byte for byte, in order. This is what `hubs fedmsg replay` speaks.
func TestPublisherToLibzmqSubscriber(t *testing.T) {
	fedmsgtest.NeedLibzmq(t)
	fixtures := loadFixtures(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	pub, err := NewPublisher(ctx, "tcp://127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()

	sub := startPeer(t, "sub", "--connect", pub.Endpoint(), "--count", strconv.Itoa(len(fixtures)))
	sub.expect(t, "CONNECTED", 20*time.Second)
	if err := pub.WaitForSubscriber(ctx, ""); err != nil {
		t.Fatal(err)
	}
	for _, f := range fixtures {
		env, err := Parse(f.frames())
		if err != nil {
			t.Fatal(err)
		}
		if err := pub.Publish(env); err != nil {
			t.Fatal(err)
		}
	}
	for i, f := range fixtures {
		var line struct{ Frames []string }
		select {
		case l, ok := <-sub.lines:
			if !ok {
				t.Fatalf("subscriber exited after %d messages", i)
			}
			if err := json.Unmarshal([]byte(l), &line); err != nil {
				t.Fatalf("message %d: %q: %v", i, l, err)
			}
		case <-ctx.Done():
			t.Fatalf("message %d not received", i)
		}
		if len(line.Frames) != 2 {
			t.Fatalf("message %d: %d frames, want 2", i, len(line.Frames))
		}
		topic, _ := base64.StdEncoding.DecodeString(line.Frames[0])
		body, _ := base64.StdEncoding.DecodeString(line.Frames[1])
		if string(topic) != f.topic || string(body) != string(f.body) {
			t.Fatalf("message %d: got %q, want %q (body byte for byte)", i, topic, f.topic)
		}
	}
}

// Every malformed message is counted under its reason and nothing else happens; the valid
// ones around them get through, and a message seen twice is delivered once.
func TestIntakeCountsEveryRefusal(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	pub, err := NewPublisher(ctx, "tcp://127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	var c collector
	m := runIntake(t, []string{pub.Endpoint()}, c.handle).Metrics()
	if err := pub.WaitForSubscriber(ctx, ""); err != nil {
		t.Fatal(err)
	}

	wantReasons := map[string]int{}
	valid := 0
	for _, tc := range malformedCases {
		if tc.want == nil {
			valid++
		} else {
			wantReasons[tc.want.Error()]++
		}
		if err := pub.Send(tc.frames...); err != nil {
			t.Fatal(err)
		}
	}
	// The valid messages in malformedCases have no msg_id and differ in content, so each
	// derives its own id and is accepted.
	dup := [][]byte{[]byte("a.b.c.d"), []byte(`{"topic":"a.b.c.d","msg":{"n":1},"msg_id":"2024-x"}`)}
	for range 3 {
		pub.Send(dup...)
	}
	total := len(malformedCases) + 3
	waitFor(t, 20*time.Second, "every message counted", func() bool {
		return count(t, m, ResultAccepted)+count(t, m, ResultInvalid)+count(t, m, ResultDuplicate) == total
	})
	for _, r := range Reasons {
		t.Run(r.Error(), func(t *testing.T) {
			if got := countReason(t, m, r.Error()); got != wantReasons[r.Error()] {
				t.Errorf("counted %d, want %d", got, wantReasons[r.Error()])
			}
		})
	}
	if got := count(t, m, ResultAccepted); got != valid+1 {
		t.Errorf("accepted %d, want %d", got, valid+1)
	}
	if got := count(t, m, ResultDuplicate); got != 2 {
		t.Errorf("duplicates %d, want 2", got)
	}
	if got := len(c.got()); got != valid+1 {
		t.Errorf("handler got %d messages, want %d", got, valid+1)
	}
}

// A handler that stalls must not stall the socket reader: while it is blocked, the queue
// fills and everything beyond it is counted as dropped; once it is released, what was queued
// is delivered.
func TestIntakeOverflowIsCountedNotBlocking(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	pub, err := NewPublisher(ctx, "tcp://127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()

	release := make(chan struct{})
	entered := make(chan struct{}, 1)
	handler := func(ctx context.Context, env *Envelope) error {
		select {
		case entered <- struct{}{}:
		default:
		}
		<-release
		return nil
	}
	const queue, sent = 8, 100
	m := runIntake(t, []string{pub.Endpoint()}, handler, WithQueueSize(queue)).Metrics()
	if err := pub.WaitForSubscriber(ctx, ""); err != nil {
		t.Fatal(err)
	}
	send := func(i int) {
		t.Helper()
		body := fmt.Sprintf(`{"topic":"org.fedoraproject.prod.test.n","msg":{"n":%d},"msg_id":"2024-%d"}`, i, i)
		if err := pub.Send([]byte("org.fedoraproject.prod.test.n"), []byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	// The first message occupies the handler; only then is the queue's size what bounds the rest.
	send(0)
	<-entered
	for i := 1; i < sent; i++ {
		send(i)
	}
	waitFor(t, 20*time.Second, "overflow counted", func() bool { return count(t, m, ResultDropped) == sent-1-queue })
	close(release)
	waitFor(t, 20*time.Second, "queue delivered", func() bool { return count(t, m, ResultAccepted) == 1+queue })
	if got := int(value(t, m.QueueLength)); got != 0 {
		t.Errorf("queue length gauge %d after draining", got)
	}
}

// Handler errors and panics are counted and the intake carries on with the next message.
func TestIntakeSurvivesHandlerFailures(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	pub, err := NewPublisher(ctx, "tcp://127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	var c collector
	handler := func(ctx context.Context, env *Envelope) error {
		switch string(env.Msg) {
		case `{"do":"fail"}`:
			return errors.New("archive unavailable")
		case `{"do":"panic"}`:
			panic("bug in handler")
		}
		return c.handle(ctx, env)
	}
	extractor := func(env *Envelope) ([]string, []string, error) {
		return nil, nil, errors.New("meta helper broken")
	}
	m := runIntake(t, []string{pub.Endpoint()}, handler, WithExtractor(extractor)).Metrics()
	if err := pub.WaitForSubscriber(ctx, ""); err != nil {
		t.Fatal(err)
	}
	for i, do := range []string{"fail", "panic", "ok"} {
		body := fmt.Sprintf(`{"topic":"a.b.c.d","msg":{"do":%q},"msg_id":"2024-%d"}`, do, i)
		if do == "ok" {
			body = `{"topic":"a.b.c.d","msg":{"agent":"ralph"},"msg_id":"2024-ok"}`
		}
		pub.Send([]byte("a.b.c.d"), []byte(body))
	}
	waitFor(t, 20*time.Second, "three messages handled", func() bool { return count(t, m, ResultAccepted) == 3 })
	if got := value(t, m.HandlerErrors); got != 2 {
		t.Errorf("handler errors %v, want 2", got)
	}
	got := c.got()
	if len(got) != 1 || len(got[0].Usernames) != 1 || got[0].Usernames[0] != "ralph" {
		t.Errorf("after a failing extractor the default one should run: %+v", got)
	}
}

// Topic prefixes are subscribed to; other topics never reach the handler.
func TestIntakeTopicPrefixes(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	pub, err := NewPublisher(ctx, "tcp://127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	var c collector
	m := runIntake(t, []string{pub.Endpoint()}, c.handle,
		WithTopics("org.fedoraproject.prod.bodhi.", "org.fedoraproject.prod.git.")).Metrics()
	if err := pub.WaitForSubscriber(ctx, "org.fedoraproject.prod.git.x"); err != nil {
		t.Fatal(err)
	}
	if err := pub.WaitForSubscriber(ctx, "org.fedoraproject.prod.bodhi.x"); err != nil {
		t.Fatal(err)
	}
	topics := []string{"org.fedoraproject.prod.fas.user.create", "org.fedoraproject.prod.bodhi.update.request",
		"org.fedoraproject.prod.buildsys.tag", "org.fedoraproject.prod.git.receive"}
	for i, topic := range topics {
		pub.Send([]byte(topic), fmt.Appendf(nil, `{"topic":%q,"msg":{},"msg_id":"2024-%d"}`, topic, i))
	}
	waitFor(t, 20*time.Second, "two wanted messages", func() bool { return count(t, m, ResultAccepted) == 2 })
	// A marker sent last proves the unwanted ones were not just late.
	marker := "org.fedoraproject.prod.git.marker"
	pub.Send([]byte(marker), fmt.Appendf(nil, `{"topic":%q,"msg":{},"msg_id":"2024-m"}`, marker))
	waitFor(t, 20*time.Second, "marker", func() bool { return count(t, m, ResultAccepted) == 3 })
	var got []string
	for _, env := range c.got() {
		got = append(got, env.Topic)
	}
	want := []string{topics[1], topics[3], marker}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

// An intake started before its publisher exists keeps retrying and connects when it comes.
func TestIntakeWaitsForLatePublisher(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	// Reserve a free port, then leave it unbound while the intake starts.
	probe, err := NewPublisher(ctx, "tcp://127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ep := probe.Endpoint()
	probe.Close()

	var c collector
	m := runIntake(t, []string{ep}, c.handle).Metrics()
	waitFor(t, 20*time.Second, "a few failed attempts", func() bool {
		return value(t, m.ConnectErrors.WithLabelValues(ep)) >= 3
	})
	if n := value(t, m.Connects.WithLabelValues(ep)); n != 0 {
		t.Fatalf("%v connects while nothing listens", n)
	}
	var pub *Publisher
	waitFor(t, 20*time.Second, "rebinding the port", func() bool {
		pub, err = NewPublisher(ctx, ep)
		return err == nil
	})
	defer pub.Close()
	if err := pub.WaitForSubscriber(ctx, ""); err != nil {
		t.Fatal(err)
	}
	pub.Send([]byte("a.b.c.d"), []byte(`{"topic":"a.b.c.d","msg":{},"msg_id":"2024-late"}`))
	waitFor(t, 20*time.Second, "message from the late publisher", func() bool { return count(t, m, ResultAccepted) == 1 })
}

func TestNewIntakeRefusesBadSettings(t *testing.T) {
	h := func(context.Context, *Envelope) error { return nil }
	for _, tc := range []struct {
		name      string
		endpoints []string
		handler   Handler
	}{
		{"no endpoints", nil, h},
		{"no scheme", []string{"hub.fedoraproject.org:9940"}, h},
		{"unknown transport", []string{"udp://hub:9940"}, h},
		{"nil handler", []string{"tcp://127.0.0.1:9940"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := NewIntake(tc.endpoints, tc.handler); err == nil {
				t.Error("accepted")
			}
		})
	}
	if got := SplitList(" tcp://a:1, ,tcp://b:2 ,"); fmt.Sprint(got) != "[tcp://a:1 tcp://b:2]" {
		t.Errorf("SplitList = %q", got)
	}
}

// A server that accepts TCP connections and never speaks ZMTP must neither hold the
// intake (it retries) nor its shutdown.
func TestIntakeSilentServer(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var conns []net.Conn
	var mu sync.Mutex
	var accepted, closedByIntake atomic.Int32
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			mu.Lock()
			conns = append(conns, c) // keep it open, say nothing
			mu.Unlock()
			go func() {
				// Read what the intake sends (its greeting) until it hangs up.
				io.Copy(io.Discard, c)
				closedByIntake.Add(1)
			}()
		}
	}()
	defer func() {
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
	}()
	ep := "tcp://" + l.Addr().String()
	var c collector
	in, err := NewIntake([]string{ep}, c.handle, WithDialTimeout(100*time.Millisecond),
		WithBackoff(10*time.Millisecond, 50*time.Millisecond),
		WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- in.Run(ctx) }()
	waitFor(t, 20*time.Second, "handshake timeouts counted and retried", func() bool {
		return value(t, in.Metrics().ConnectErrors.WithLabelValues(ep)) >= 2
	})
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after cancel while a handshake hangs")
	}
	// Abandoned handshakes must not keep their connections (and goroutines) open.
	waitFor(t, 20*time.Second, "every connection closed by the intake", func() bool {
		return closedByIntake.Load() == accepted.Load()
	})
}

func TestLogLimiter(t *testing.T) {
	l := newLogLimiter(2, time.Hour)
	var got []string
	for range 5 {
		ok, suppressed := l.allow()
		got = append(got, fmt.Sprint(ok, suppressed))
	}
	if want := "[true 0 true 0 false 0 false 0 false 0]"; fmt.Sprint(got) != want {
		t.Errorf("got %v, want %v", got, want)
	}
	l.start = l.start.Add(-2 * time.Hour) // the window has passed
	if ok, suppressed := l.allow(); !ok || suppressed != 3 {
		t.Errorf("next window: allow %v, suppressed %d; want true and the 3 left out", ok, suppressed)
	}
}

// The publisher is killed with SIGKILL while it is sending (500 messages/s), and a new one
// takes its place: the intake reconnects and receives the new stream; nothing it delivers is
// broken, repeated or out of order, and nothing crashes.
func TestIntakeLibzmqPublisherKilledWhileSending(t *testing.T) {
	fedmsgtest.NeedLibzmq(t)
	first := startPeer(t, "pub", "--bind", "tcp://127.0.0.1:*", "--file", "../testdata/fedmsg/meta_examples.jsonl",
		"--stream", "a", "--rate", "500")
	ep := first.expect(t, "BOUND ", 20*time.Second)
	var c collector
	m := runIntake(t, []string{ep}, c.handle).Metrics()
	first.expect(t, "STREAMING", 20*time.Second)
	fromRun := func(run string) int {
		n := 0
		for _, env := range c.got() {
			if strings.HasPrefix(env.MsgID, "2026-"+run+"-") {
				n++
			}
		}
		return n
	}
	waitFor(t, 20*time.Second, "the first stream flowing", func() bool { return fromRun("a") >= 50 })
	first.kill()

	second := startPeer(t, "pub", "--bind", ep, "--file", "../testdata/fedmsg/meta_examples.jsonl",
		"--stream", "b", "--rate", "500")
	second.expect(t, "BOUND ", 20*time.Second)
	waitFor(t, 30*time.Second, "the second stream after the reconnect", func() bool { return fromRun("b") >= 50 })
	second.kill()

	last := map[string]string{}
	for _, env := range c.got() {
		run := env.MsgID[:len("2026-a")]
		if env.MsgID <= last[run] {
			t.Fatalf("%s after %s: repeated or out of order", env.MsgID, last[run])
		}
		last[run] = env.MsgID
	}
	if n := count(t, m, ResultInvalid) + count(t, m, ResultDropped) + count(t, m, ResultDuplicate); n != 0 {
		t.Errorf("%d messages invalid, dropped or duplicate: the kill cut a message in a way the intake let through", n)
	}
}

// Fedora's bus can be reached through several endpoints that relay the same messages: with
// two publishers sending the same fixtures, each message is delivered once.
func TestIntakeDeduplicatesAcrossEndpoints(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var pubs []*Publisher
	var eps []string
	for range 2 {
		pub, err := NewPublisher(ctx, "tcp://127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer pub.Close()
		pubs = append(pubs, pub)
		eps = append(eps, pub.Endpoint())
	}
	var c collector
	m := runIntake(t, eps, c.handle).Metrics()
	fixtures := loadFixtures(t)[:60]
	want, dups := expectedAccepted(fixtures)
	for _, pub := range pubs {
		if err := pub.WaitForSubscriber(ctx, ""); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range fixtures {
		for _, pub := range pubs {
			if err := pub.Send(f.frames()...); err != nil {
				t.Fatal(err)
			}
		}
	}
	waitFor(t, 20*time.Second, "both copies of every message", func() bool {
		return count(t, m, ResultAccepted)+count(t, m, ResultDuplicate) == 2*len(fixtures)
	})
	if got, dup := count(t, m, ResultAccepted), count(t, m, ResultDuplicate); got != len(want) || dup != len(fixtures)+dups {
		t.Errorf("accepted %d duplicates %d, want %d and %d", got, dup, len(want), len(fixtures)+dups)
	}
	ids := map[string]bool{}
	for _, env := range c.got() {
		if ids[env.MsgID] {
			t.Errorf("%s delivered twice", env.MsgID)
		}
		ids[env.MsgID] = true
	}
}

// Messages already queued when the intake is stopped still reach the handler: stopping
// the server must not lose what was received.
func TestIntakeDrainsQueueOnStop(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	pub, err := NewPublisher(ctx, "tcp://127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	release := make(chan struct{})
	entered := make(chan struct{}, 1)
	var c collector
	handler := func(ctx context.Context, env *Envelope) error {
		select {
		case entered <- struct{}{}:
			<-release // the first message holds the consumer
		default:
		}
		return c.handle(ctx, env)
	}
	in, err := NewIntake([]string{pub.Endpoint()}, handler, WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- in.Run(runCtx) }()
	if err := pub.WaitForSubscriber(ctx, ""); err != nil {
		t.Fatal(err)
	}
	const n = 6
	for i := range n {
		pub.Send([]byte("a.b.c.d"), fmt.Appendf(nil, `{"topic":"a.b.c.d","msg":{},"msg_id":"2026-%d"}`, i))
	}
	<-entered
	waitFor(t, 20*time.Second, "the rest queued", func() bool { return len(in.queue) == n-1 })
	stop()
	close(release)
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-ctx.Done():
		t.Fatal("Run did not return")
	}
	if got := len(c.got()); got != n {
		t.Errorf("handler got %d of %d messages", got, n)
	}
}
