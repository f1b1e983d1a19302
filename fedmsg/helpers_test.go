package fedmsg

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"hubs/fedmsg/fedmsgtest"
)

// peer is a running testdata/peer.py.
type peer struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	lines chan string // stdout, line by line; closed at EOF
	done  chan struct{}
}

func startPeer(t *testing.T, args ...string) *peer {
	t.Helper()
	cmd := exec.Command(fedmsgtest.Python, append([]string{"testdata/peer.py"}, args...)...)
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
		t.Fatalf("start peer: %v", err)
	}
	p := &peer{cmd: cmd, stdin: stdin, lines: make(chan string, 1024), done: make(chan struct{})}
	go func() {
		defer close(p.lines)
		sc := bufio.NewScanner(stdout)
		sc.Buffer(nil, 16<<20)
		for sc.Scan() {
			p.lines <- sc.Text()
		}
	}()
	go func() {
		cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(p.kill)
	return p
}

// expect waits for the next stdout line starting with prefix and returns the rest.
func (p *peer) expect(t *testing.T, prefix string, timeout time.Duration) string {
	t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case line, ok := <-p.lines:
			if !ok {
				t.Fatalf("peer exited while waiting for %q", prefix)
			}
			if rest, found := strings.CutPrefix(line, prefix); found {
				return strings.TrimSpace(rest)
			}
		case <-deadline:
			t.Fatalf("no %q from peer within %v", prefix, timeout)
		}
	}
}

// kill sends SIGKILL (kill -9) and waits for the process to be gone.
func (p *peer) kill() {
	p.cmd.Process.Kill()
	<-p.done
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		<-tick.C
	}
}

// collector is a Handler that keeps what it is given.
type collector struct {
	mu   sync.Mutex
	envs []*Envelope
}

func (c *collector) handle(_ context.Context, env *Envelope) error {
	c.mu.Lock()
	c.envs = append(c.envs, env)
	c.mu.Unlock()
	return nil
}

func (c *collector) got() []*Envelope {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]*Envelope(nil), c.envs...)
}

// runIntake starts an intake on endpoints and stops it when the test ends.
func runIntake(t *testing.T, endpoints []string, h Handler, opts ...Option) *Intake {
	t.Helper()
	opts = append([]Option{
		WithBackoff(20*time.Millisecond, 200*time.Millisecond),
		WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))),
	}, opts...)
	in, err := NewIntake(endpoints, h, opts...)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- in.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("Run did not return after cancel")
		}
	})
	return in
}

// value reads a counter or gauge (prometheus' testutil would add modules to go.mod).
func value(tb testing.TB, c prometheus.Metric) float64 {
	tb.Helper()
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		tb.Fatalf("read metric: %v", err)
	}
	if m.Counter != nil {
		return m.Counter.GetValue()
	}
	return m.Gauge.GetValue()
}

func count(tb testing.TB, m *Metrics, result string) int {
	tb.Helper()
	return int(value(tb, m.Messages.WithLabelValues(result)))
}

func countReason(tb testing.TB, m *Metrics, reason string) int {
	tb.Helper()
	return int(value(tb, m.Invalid.WithLabelValues(reason)))
}
