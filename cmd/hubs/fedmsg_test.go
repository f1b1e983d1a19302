package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"hubs/fedmsg"
	"hubs/fedmsg/fedmsgtest"
)

const fixtureFile = "../../testdata/fedmsg/meta_examples.jsonl"

// freeEndpoint returns a tcp endpoint on a port that was free a moment ago.
func freeEndpoint(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return "tcp://" + l.Addr().String()
}

// `hubs fedmsg replay` speaks real ZeroMQ: a libzmq subscriber (Debian's python3-zmq, run
// by fedmsg/testdata/peer.py) receives every recorded envelope, byte for byte, in order.
func TestReplayToLibzmqSubscriber(t *testing.T) {
	fedmsgtest.NeedLibzmq(t)
	f, err := os.Open(fixtureFile)
	if err != nil {
		t.Fatal(err)
	}
	want, err := fedmsg.ReadRecords(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}

	ep := freeEndpoint(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var out bytes.Buffer
	done := make(chan error, 1)
	go func() {
		done <- runFedmsgReplay(ctx, &out, []string{fixtureFile, "--bind", ep, "--rate", "2000", "--log-level", "warn"})
	}()

	sub := exec.CommandContext(ctx, fedmsgtest.Python, fedmsgtest.PeerScript(), "sub", "--connect", ep,
		"--count", strconv.Itoa(len(want)))
	sub.Stderr = os.Stderr
	stdout, err := sub.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := sub.Start(); err != nil {
		t.Fatal(err)
	}
	defer sub.Wait()
	sc := bufio.NewScanner(stdout)
	sc.Buffer(nil, 16<<20)
	i := 0
	for sc.Scan() {
		if sc.Text() == "CONNECTED" {
			continue
		}
		var line struct{ Frames []string }
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("peer said %q", sc.Text())
		}
		if len(line.Frames) != 2 {
			t.Fatalf("message %d: %d frames", i, len(line.Frames))
		}
		topic, _ := base64.StdEncoding.DecodeString(line.Frames[0])
		body, _ := base64.StdEncoding.DecodeString(line.Frames[1])
		if string(topic) != want[i].Topic || !bytes.Equal(body, want[i].Body) {
			t.Fatalf("message %d: got %s, want %s byte for byte", i, topic, want[i].Topic)
		}
		i++
	}
	if i != len(want) {
		t.Fatalf("subscriber got %d messages, want %d", i, len(want))
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "replayed "+strconv.Itoa(len(want))+" messages") {
		t.Errorf("replay said %q", out.String())
	}
}

// syncBuffer is a bytes.Buffer the tail handler writes while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// `hubs fedmsg tail` prints each message of the subscribed topics as one JSON line.
func TestTailPrintsSubscribedTopics(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	pub, err := fedmsg.NewPublisher(ctx, "tcp://127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	var out syncBuffer
	tailCtx, stopTail := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- runFedmsgTail(tailCtx, &out, []string{"--endpoint", pub.Endpoint(), "--topic", "org.fedoraproject.prod.git.", "--log-level", "warn"})
	}()
	if err := pub.WaitForSubscriber(ctx, "org.fedoraproject.prod.git.x"); err != nil {
		t.Fatal(err)
	}
	for i, topic := range []string{"org.fedoraproject.prod.fas.user.create", "org.fedoraproject.prod.git.receive"} {
		body := `{"topic": "` + topic + `", "msg": {"n": ` + strconv.Itoa(i) + `}, "msg_id": "2026-` + strconv.Itoa(i) + `"}`
		if err := pub.Send([]byte(topic), []byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(out.String(), "\n") {
		if time.Now().After(deadline) {
			t.Fatal("tail printed nothing")
		}
		select {
		case <-time.After(5 * time.Millisecond):
		case <-ctx.Done():
		}
	}
	stopTail()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	want := `{"topic":"org.fedoraproject.prod.git.receive","msg":{"n":1},"msg_id":"2026-1"}` + "\n"
	if out.String() != want {
		t.Errorf("tail printed %q, want %q", out.String(), want)
	}
}
