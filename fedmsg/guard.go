package fedmsg

import (
	"context"
	"encoding/binary"
	"fmt"
	"net"
	"strings"
	"sync"

	"github.com/go-zeromq/zmq4"
	"github.com/go-zeromq/zmq4/transport"
)

// MaxWireMessage bounds what one ZeroMQ message may take on the wire, all frames together,
// before the intake drops the connection. zmq4 (v0.17) allocates each frame at the size its
// header announces, up to 2⁶³ bytes: a single bad header from a publisher would make it
// panic or exhaust memory, and the panic, in zmq4's goroutine, would end the whole server.
// The limit is well above MaxBodySize so that an oversized body still reaches Parse and is
// counted as too_large; only what is far beyond any real message cuts the connection.
const MaxWireMessage = 16 << 20

// ErrWireTooLarge is the read error a guarded connection returns once a message over
// MaxWireMessage is announced; the intake counts it as a too_large refusal and reconnects.
var ErrWireTooLarge = &wireError{"fedmsg: ZeroMQ message over the wire limit"}

// wireError is a net.Error so that zmq4 treats the connection as broken and closes it.
type wireError struct{ msg string }

func (e *wireError) Error() string   { return e.msg }
func (e *wireError) Timeout() bool   { return false }
func (e *wireError) Temporary() bool { return false }

// guardedSchemes maps an endpoint's transport to the name of its guarded twin registered
// with zmq4 (registration is global to the process, hence the unusual names).
var guardedSchemes = map[string]string{"tcp": "hubs-guarded-tcp", "ipc": "hubs-guarded-ipc"}

var registerGuards = sync.OnceValue(func() error {
	for plain, guarded := range guardedSchemes {
		network := plain
		if plain == "ipc" {
			network = "unix"
		}
		if err := zmq4.RegisterTransport(guarded, guardedTransport{transport.New(network)}); err != nil {
			return fmt.Errorf("register %s transport: %w", guarded, err)
		}
	}
	return nil
})

// guardedEndpoint is ep with its transport replaced by the guarded one, when there is one.
func guardedEndpoint(ep string) string {
	scheme, rest, _ := strings.Cut(ep, "://")
	if g, ok := guardedSchemes[scheme]; ok && registerGuards() == nil {
		return g + "://" + rest
	}
	return ep
}

// guardedTransport is a zmq4 transport whose connections, dialled or accepted, refuse
// oversized messages.
type guardedTransport struct{ transport.Transport }

func (t guardedTransport) Dial(ctx context.Context, d transport.Dialer, addr string) (net.Conn, error) {
	c, err := t.Transport.Dial(ctx, d, addr)
	if err != nil {
		return nil, err
	}
	// ctx is the socket's life-line. zmq4 closes the connections it knows of on Close, but
	// not one still in its ZMTP handshake, which reads with no deadline: the intake gives
	// up on such a dial after its timeout and closes the socket, and this closes the
	// connection, so the abandoned Dial returns instead of waiting on the peer forever.
	context.AfterFunc(ctx, func() { c.Close() })
	return &guardedConn{Conn: c, g: newFrameGuard(MaxWireMessage)}, nil
}

func (t guardedTransport) Listen(ctx context.Context, addr string) (net.Listener, error) {
	l, err := t.Transport.Listen(ctx, addr)
	if err != nil {
		return nil, err
	}
	return guardedListener{l}, nil
}

// guardedListener guards the connections a Publisher accepts: a subscriber's stream is
// read by zmq4 the same way, so the same bad header would take replay down.
type guardedListener struct{ net.Listener }

func (l guardedListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &guardedConn{Conn: c, g: newFrameGuard(MaxWireMessage)}, nil
}

type guardedConn struct {
	net.Conn
	g *frameGuard
}

func (c *guardedConn) Read(p []byte) (int, error) {
	if c.g.err != nil {
		return 0, c.g.err
	}
	n, err := c.Conn.Read(p)
	if gerr := c.g.feed(p[:n]); gerr != nil {
		return 0, gerr
	}
	return n, err
}

// frameGuard follows the ZMTP 3 byte stream a subscriber reads (64-byte greeting, then
// frames: flags, a 1- or 8-byte size, the body) and fails as soon as a frame's size, or
// a multipart message's total, announces more than limit bytes, before anyone allocates it.
// One goroutine reads a connection, so it needs no lock.
type frameGuard struct {
	limit    uint64
	greeting int     // greeting bytes still to pass
	hdr      [9]byte // header being read: flags + size
	hdrN     int     // bytes of hdr read so far
	hdrWant  int     // header length once flags are known: 2 or 9
	body     uint64  // body bytes still to pass
	msgSize  uint64  // bytes of the current multipart message so far
	err      error
}

const (
	zmtpGreeting = 64
	flagMore     = 0x01
	flagLong     = 0x02
	flagCommand  = 0x04
)

func newFrameGuard(limit uint64) *frameGuard {
	return &frameGuard{limit: limit, greeting: zmtpGreeting}
}

func (g *frameGuard) feed(b []byte) error {
	for len(b) > 0 && g.err == nil {
		switch {
		case g.greeting > 0:
			k := min(g.greeting, len(b))
			g.greeting -= k
			b = b[k:]
		case g.body > 0:
			k := min(g.body, uint64(len(b)))
			g.body -= k
			b = b[k:]
		default:
			g.hdr[g.hdrN] = b[0]
			g.hdrN++
			b = b[1:]
			if g.hdrN == 1 {
				g.hdrWant = 2
				if g.hdr[0]&flagLong != 0 {
					g.hdrWant = 9
				}
				continue
			}
			if g.hdrN < g.hdrWant {
				continue
			}
			g.frame()
		}
	}
	return g.err
}

// frame checks a complete frame header and sets up passing its body.
func (g *frameGuard) frame() {
	flags := g.hdr[0]
	size := uint64(g.hdr[1])
	if flags&flagLong != 0 {
		size = binary.BigEndian.Uint64(g.hdr[1:9])
	}
	g.hdrN = 0
	total := size
	if flags&flagCommand == 0 {
		total = g.msgSize + size
		g.msgSize = total
		if flags&flagMore == 0 {
			g.msgSize = 0 // last frame of the message
		}
	}
	if size > g.limit || total > g.limit {
		g.err = ErrWireTooLarge
		return
	}
	g.body = size
}
