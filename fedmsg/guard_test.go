package fedmsg

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

// zmtpFrame encodes one ZMTP 3 frame header and body as a publisher writes it.
func zmtpFrame(flags byte, body []byte) []byte {
	if len(body) > 255 {
		h := make([]byte, 9)
		h[0] = flags | flagLong
		binary.BigEndian.PutUint64(h[1:], uint64(len(body)))
		return append(h, body...)
	}
	return append([]byte{flags, byte(len(body))}, body...)
}

func longHeader(flags byte, size uint64) []byte {
	h := make([]byte, 9)
	h[0] = flags | flagLong
	binary.BigEndian.PutUint64(h[1:], size)
	return h
}

func TestFrameGuard(t *testing.T) {
	greeting := make([]byte, zmtpGreeting)
	ready := zmtpFrame(flagCommand, []byte("\x05READY"))
	const limit = 1000
	for _, tc := range []struct {
		name   string
		stream []byte
		fail   bool
	}{
		{"small messages", cat(greeting, ready, zmtpFrame(flagMore, []byte("a.b.c.d")), zmtpFrame(0, bytes.Repeat([]byte("x"), 900))), false},
		{"frame at the limit", cat(greeting, ready, zmtpFrame(0, bytes.Repeat([]byte("x"), limit))), false},
		{"frame over the limit", cat(greeting, ready, zmtpFrame(0, bytes.Repeat([]byte("x"), limit+1))), true},
		{"huge announced size", cat(greeting, ready, longHeader(0, 1<<62)), true},
		{"multipart total over the limit", cat(greeting, ready, zmtpFrame(flagMore, bytes.Repeat([]byte("x"), 600)), zmtpFrame(0, bytes.Repeat([]byte("x"), 600))), true},
		{"many messages each under the limit", cat(greeting, ready,
			zmtpFrame(flagMore, bytes.Repeat([]byte("x"), 600)), zmtpFrame(0, bytes.Repeat([]byte("x"), 300)),
			zmtpFrame(flagMore, bytes.Repeat([]byte("x"), 600)), zmtpFrame(0, bytes.Repeat([]byte("x"), 300))), false},
		{"big command", cat(greeting, zmtpFrame(flagCommand, bytes.Repeat([]byte("x"), limit+1))), true},
		{"greeting bytes that look like a huge header", cat(bytes.Repeat([]byte{0xff}, zmtpGreeting), ready), false},
	} {
		for _, chunk := range []int{1, 3, 64, 1 << 20} {
			t.Run(fmt.Sprintf("%s/chunks of %d", tc.name, chunk), func(t *testing.T) {
				g := newFrameGuard(limit)
				var err error
				for b := tc.stream; len(b) > 0 && err == nil; {
					k := min(chunk, len(b))
					err = g.feed(b[:k])
					b = b[k:]
				}
				if (err != nil) != tc.fail {
					t.Errorf("err %v, want failure %v", err, tc.fail)
				}
			})
		}
	}
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// injectingProxy relays a subscriber's TCP connection to a publisher and can slip raw bytes
// into the publisher-to-subscriber stream between two writes.
type injectingProxy struct {
	l      net.Listener
	target string
	mu     sync.Mutex // held while relaying a chunk or injecting
	toSub  []net.Conn
	toPub  []net.Conn
}

func newInjectingProxy(t *testing.T, target string) *injectingProxy {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &injectingProxy{l: l, target: target}
	go p.serve()
	t.Cleanup(func() {
		l.Close()
		p.mu.Lock()
		for _, c := range p.toSub {
			c.Close()
		}
		p.mu.Unlock()
	})
	return p
}

func (p *injectingProxy) serve() {
	for {
		sub, err := p.l.Accept()
		if err != nil {
			return
		}
		pub, err := net.Dial("tcp", p.target)
		if err != nil {
			sub.Close()
			continue
		}
		p.mu.Lock()
		p.toSub = append(p.toSub, sub)
		p.toPub = append(p.toPub, pub)
		p.mu.Unlock()
		go func() { io.Copy(pub, sub); pub.Close() }()
		go func() {
			buf := make([]byte, 32<<10)
			for {
				n, err := pub.Read(buf)
				if n > 0 {
					p.mu.Lock()
					_, werr := sub.Write(buf[:n])
					p.mu.Unlock()
					if werr != nil {
						break
					}
				}
				if err != nil {
					break
				}
			}
			sub.Close()
		}()
	}
}

// inject writes b to the newest subscriber connection.
func (p *injectingProxy) inject(b []byte) error { return p.injectInto(&p.toSub, b) }

// injectToPublisher writes b to the newest publisher connection, as if the subscriber sent it.
func (p *injectingProxy) injectToPublisher(b []byte) error { return p.injectInto(&p.toPub, b) }

func (p *injectingProxy) injectInto(conns *[]net.Conn, b []byte) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(*conns) == 0 {
		return errors.New("no connection")
	}
	_, err := (*conns)[len(*conns)-1].Write(b)
	return err
}

// A publisher whose frame header announces 2⁶² bytes would make zmq4 allocate that much
// (and panic, ending the process). The guarded transport cuts the connection first; the
// intake counts a too_large refusal, reconnects and carries on.
func TestIntakeSurvivesHugeFrameHeader(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	pub, err := NewPublisher(ctx, "tcp://127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	proxy := newInjectingProxy(t, pub.Endpoint()[len("tcp://"):])
	ep := "tcp://" + proxy.l.Addr().String()

	var c collector
	m := runIntake(t, []string{ep}, c.handle).Metrics()
	if err := pub.WaitForSubscriber(ctx, ""); err != nil {
		t.Fatal(err)
	}
	send := func(id string) {
		t.Helper()
		if err := pub.Send([]byte("a.b.c.d"), []byte(`{"topic":"a.b.c.d","msg":{},"msg_id":"`+id+`"}`)); err != nil {
			t.Fatal(err)
		}
	}
	send("2026-before")
	waitFor(t, 20*time.Second, "first message", func() bool { return count(t, m, ResultAccepted) == 1 })

	// Between messages, so the stream is at a frame boundary.
	if err := proxy.inject(longHeader(0, 1<<62)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 20*time.Second, "too_large counted", func() bool { return countReason(t, m, "too_large") == 1 })
	waitFor(t, 20*time.Second, "reconnect", func() bool { return value(t, m.Connects.WithLabelValues(ep)) == 2 })
	// The new subscription reaches the publisher at some point after the connect; resend
	// until the message gets through (the same msg_id is accepted only once anyway).
	waitFor(t, 20*time.Second, "message after the reconnect", func() bool {
		send("2026-after")
		return count(t, m, ResultAccepted) == 2
	})
	got := c.got()
	if len(got) != 2 || got[0].MsgID != "2026-before" || got[1].MsgID != "2026-after" {
		t.Errorf("handler got %d messages", len(got))
	}
}

// The same bad header sent by a subscriber to our Publisher (replay) cuts that subscriber
// off instead of ending the process; the publisher serves the next connection.
func TestPublisherSurvivesHugeFrameHeader(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	pub, err := NewPublisher(ctx, "tcp://127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	proxy := newInjectingProxy(t, pub.Endpoint()[len("tcp://"):])
	ep := "tcp://" + proxy.l.Addr().String()
	var c collector
	m := runIntake(t, []string{ep}, c.handle).Metrics()
	send := func(id string) {
		t.Helper()
		if err := pub.Send([]byte("a.b.c.d"), []byte(`{"topic":"a.b.c.d","msg":{},"msg_id":"`+id+`"}`)); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, 20*time.Second, "first message", func() bool {
		send("2026-before")
		return count(t, m, ResultAccepted) == 1
	})
	if err := proxy.injectToPublisher(longHeader(0, 1<<62)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 20*time.Second, "the intake reconnected", func() bool { return value(t, m.Connects.WithLabelValues(ep)) == 2 })
	waitFor(t, 20*time.Second, "message after the reconnect", func() bool {
		send("2026-after")
		return count(t, m, ResultAccepted) == 2
	})
}

// FuzzFrameGuard: however the stream is cut into reads, the guard decides the same.
// Run: go test -run '^$' -fuzz FuzzFrameGuard -fuzztime 2m ./fedmsg
func FuzzFrameGuard(f *testing.F) {
	greeting := make([]byte, zmtpGreeting)
	f.Add(cat(greeting, zmtpFrame(flagMore, []byte("a.b.c.d")), zmtpFrame(0, []byte("{}"))), uint16(1))
	f.Add(cat(greeting, longHeader(0, 1<<62)), uint16(7))
	f.Add(cat(greeting, zmtpFrame(flagMore, bytes.Repeat([]byte("x"), 300)), zmtpFrame(0, bytes.Repeat([]byte("x"), 300))), uint16(64))
	f.Fuzz(func(t *testing.T, stream []byte, chunk uint16) {
		const limit = 512
		whole := newFrameGuard(limit).feed(stream)
		g := newFrameGuard(limit)
		var err error
		size := int(chunk)%97 + 1
		for b := stream; len(b) > 0 && err == nil; {
			k := min(size, len(b))
			err = g.feed(b[:k])
			b = b[k:]
		}
		if (whole == nil) != (err == nil) {
			t.Fatalf("whole stream: %v, in reads of %d: %v", whole, size, err)
		}
	})
}
