// Package e2e holds the tests that need several packages at once: here, a real libzmq
// publisher -> fedmsg intake -> archive -> engine -> update stream.
package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"hubs/engine"
	"hubs/fedmsg"
	"hubs/fedmsg/fedmsgtest"
	"hubs/runtime"
	"hubs/store"
	"hubs/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

const fixtures = "../testdata/fedmsg/meta_examples.jsonl"

// publisher runs fedmsg's peer script: an XPUB on libzmq sending the fixtures as fedmsg does.
type publisher struct {
	cmd   *exec.Cmd
	lines chan string
	stdin io.WriteCloser
}

func startPublisher(t *testing.T) *publisher {
	t.Helper()
	cmd := exec.Command(fedmsgtest.Python, fedmsgtest.PeerScript(), "pub", "--bind", "tcp://127.0.0.1:*", "--file", fixtures, "--hold")
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &publisher{cmd: cmd, lines: make(chan string, 16), stdin: stdin}
	go func() {
		defer close(p.lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			p.lines <- sc.Text()
		}
	}()
	t.Cleanup(func() {
		stdin.Close()
		cmd.Process.Kill()
		cmd.Wait()
	})
	return p
}

func (p *publisher) expect(t *testing.T, prefix string) string {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		select {
		case line, ok := <-p.lines:
			if !ok {
				t.Fatalf("publisher exited before %q", prefix)
			}
			if rest, found := strings.CutPrefix(line, prefix); found {
				return strings.TrimSpace(rest)
			}
		case <-deadline:
			t.Fatalf("no %q from the publisher", prefix)
		}
	}
}

func counterValue(t *testing.T, m prometheus.Metric) float64 {
	t.Helper()
	var d dto.Metric
	if err := m.Write(&d); err != nil {
		t.Fatal(err)
	}
	return d.GetCounter().GetValue()
}

// The real fixture messages, published by libzmq, arrive through the intake, are archived
// once each with fedmsg.meta's usernames, and invalidate exactly the activity widgets of
// the users they name; each of those hubs gets an update whose data counts the messages.
func TestBusToUpdates(t *testing.T) {
	fedmsgtest.NeedLibzmq(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	helpers, err := os.ReadFile("../static/h.js")
	if err != nil {
		t.Fatal(err)
	}
	meta, err := engine.NewMeta(ctx, "../widgets", helpers, 1)
	if err != nil {
		t.Fatal(err)
	}

	// What should happen, from the fixtures: distinct messages, and who each names.
	type expectation struct{ usernames []string }
	want := map[string]expectation{} // msg_id -> usernames
	perUser := map[string]int{}
	f, err := os.Open(fixtures)
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		var rec struct {
			Topic string          `json:"topic"`
			Msg   json.RawMessage `json:"msg"`
		}
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatal(err)
		}
		env, err := fedmsg.Parse([][]byte{[]byte(rec.Topic), rec.Msg})
		if err != nil {
			continue // refused by the intake too
		}
		if _, dup := want[env.MsgID]; dup {
			continue // the intake drops it as a duplicate
		}
		users, _, err := meta.Extract(ctx, env)
		if err != nil {
			t.Fatal(err)
		}
		want[env.MsgID] = expectation{users}
		for _, u := range users {
			perUser[u]++
		}
	}
	f.Close()
	// Hubs for the three users named most, and for one nobody mentions.
	var named []string
	for u := range perUser {
		if store.ValidateHubName(u) == nil {
			named = append(named, u)
		}
	}
	sort.Slice(named, func(i, j int) bool {
		return perUser[named[i]] > perUser[named[j]] || perUser[named[i]] == perUser[named[j]] && named[i] < named[j]
	})
	users := append(named[:3:3], "nobody-here")
	hubUser := map[string]bool{}
	for _, u := range users {
		hubUser[u] = true
	}
	wantInvalidations := 0
	for _, e := range want {
		for _, u := range e.usernames {
			if hubUser[u] {
				wantInvalidations++
			}
		}
	}

	st := storetest.New(t)
	widgetOf := map[string]int64{}
	for _, u := range users {
		if _, err := st.CreateHub(ctx, store.Hub{Name: u, Summary: u, UserHub: true},
			[]store.NewWidget{{Name: "activity", Column: store.ColumnLeft, Config: map[string]any{"username": u}}}, nil); err != nil {
			t.Fatal(err)
		}
		ws, err := st.ListWidgets(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		widgetOf[u] = ws[0].ID
	}
	rt, err := runtime.New(runtime.WithHelpers(helpers), runtime.WithHost(engine.Host{Store: st}))
	if err != nil {
		t.Fatal(err)
	}
	if err := rt.LoadDir(ctx, "testdata/widgets"); err != nil {
		t.Fatal(err)
	}
	if err := rt.LoadMeta(ctx, "../widgets"); err != nil {
		t.Fatal(err)
	}
	e, err := engine.New(st, rt)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	select {
	case <-e.Ready():
	case <-time.After(time.Minute):
		t.Fatal("hint index not ready")
	}
	subs := map[string]*engine.Subscription{}
	for _, u := range users {
		subs[u] = e.Subscribe(u, 0)
		defer subs[u].Close()
	}

	pub := startPublisher(t)
	endpoint := pub.expect(t, "BOUND ")
	fm := fedmsg.NewMetrics()
	in, err := fedmsg.NewIntake([]string{endpoint}, e.Receive, fedmsg.WithMetrics(fm), fedmsg.WithExtractor(nil))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Go(func() { in.Run(ctx) })
	defer wg.Wait()
	defer cancel()
	pub.expect(t, "SENT ")

	// Every distinct message accepted and archived once.
	deadline := time.Now().Add(60 * time.Second)
	for counterValue(t, fm.Messages.WithLabelValues(fedmsg.ResultAccepted)) < float64(len(want)) {
		if time.Now().After(deadline) {
			t.Fatalf("accepted %v of %d messages", counterValue(t, fm.Messages.WithLabelValues(fedmsg.ResultAccepted)), len(want))
		}
		time.Sleep(10 * time.Millisecond)
	}
	// The intake counts a message accepted just before handing it over: the last one may
	// still be on its way into the archive and the engine.
	for {
		n, err := st.CountMessages(ctx, store.GrepQuery{})
		if err != nil {
			t.Fatal(err)
		}
		got := counterValue(t, e.Metrics().Invalidations)
		if n == len(want) && got == float64(wantInvalidations) {
			break
		}
		if n > len(want) || got > float64(wantInvalidations) || time.Now().After(deadline) {
			t.Fatalf("archive holds %d messages, want %d; %v invalidations, want %d (one per message per named user with a hub)",
				n, len(want), got, wantInvalidations)
		}
		time.Sleep(10 * time.Millisecond)
	}

	// Each named user's hub ends with data counting all their messages.
	for _, u := range users[:3] {
		wctx, wcancel := context.WithTimeout(ctx, 30*time.Second)
		for {
			up, err := subs[u].Next(wctx)
			if err != nil {
				t.Fatalf("hub %s: waiting for its update: %v", u, err)
			}
			if up.Kind != engine.KindData || up.WidgetID != widgetOf[u] {
				continue
			}
			var d struct{ Total int }
			if err := json.Unmarshal(up.Data, &d); err != nil {
				t.Fatal(err)
			}
			if d.Total == perUser[u] {
				break
			}
		}
		wcancel()
		got, err := e.Data(ctx, widgetOf[u])
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %d messages, data %s", u, perUser[u], got.JSON)
	}
	// The hub nobody mentions was never invalidated: its data is built on demand and
	// counts nothing.
	d, err := e.Data(ctx, widgetOf["nobody-here"])
	if err != nil || !strings.Contains(string(d.JSON), `"total":0`) {
		t.Fatalf("nobody-here: %s, %v", d.JSON, err)
	}
}
