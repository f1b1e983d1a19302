package fedmsg

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/go-zeromq/zmq4"
)

// PublisherHWM is how many messages a Publisher queues before it drops new ones.
const PublisherHWM = 10000

// Publisher binds a PUB socket and sends messages in fedmsg's wire format: two frames, the
// topic and the JSON envelope, which is what fedmsg's Python does with
// send_multipart([topic, body]). It is what `hubs fedmsg replay` and the tests publish with.
type Publisher struct {
	sock     zmq4.Socket
	endpoint string
}

// NewPublisher binds a PUB socket to endpoint ("tcp://127.0.0.1:9940"; port 0 picks a free
// one, see Endpoint). It lives until Close or until ctx is cancelled.
func NewPublisher(ctx context.Context, endpoint string) (*Publisher, error) {
	if err := checkEndpoint(endpoint); err != nil {
		return nil, err
	}
	sock := zmq4.NewPub(ctx, zmq4.WithLogger(discardLog))
	if err := sock.Listen(guardedEndpoint(endpoint)); err != nil {
		sock.Close()
		return nil, fmt.Errorf("bind publisher to %s: %w", endpoint, err)
	}
	// Like libzmq's send high-water mark: past it a PUB drops rather than queue without
	// bound when subscribers are slower than the sender (a --loop replay at full speed).
	if err := sock.SetOption(zmq4.OptionHWM, PublisherHWM); err != nil {
		sock.Close()
		return nil, fmt.Errorf("publisher on %s: set high-water mark: %w", endpoint, err)
	}
	p := &Publisher{sock: sock, endpoint: endpoint}
	if addr, ok := sock.Addr().(*net.TCPAddr); ok && strings.HasPrefix(endpoint, "tcp://") {
		p.endpoint = "tcp://" + addr.String()
	}
	return p, nil
}

// Endpoint is where subscribers connect, with the actual port when bound to port 0.
func (p *Publisher) Endpoint() string { return p.endpoint }

// Publish sends env as fedmsg would: its Body when it has one (a recorded message goes out
// byte for byte), else the envelope encoded as JSON.
func (p *Publisher) Publish(env *Envelope) error {
	body := env.Body
	if len(body) == 0 {
		var err error
		if body, err = env.MarshalJSON(); err != nil {
			return fmt.Errorf("encode %s: %w", env.Topic, err)
		}
	}
	return p.Send([]byte(env.Topic), body)
}

// Send publishes raw frames, valid or not (tests use it to send malformed messages).
// There must be at least one frame: ZeroMQ publishers route on the first.
func (p *Publisher) Send(frames ...[]byte) error {
	if len(frames) == 0 {
		return errors.New("fedmsg: publish: no frames")
	}
	if err := p.sock.SendMulti(zmq4.NewMsgFrom(frames...)); err != nil {
		return fmt.Errorf("publish %q: %w", clip(string(frames[0])), err)
	}
	return nil
}

// WaitForSubscriber blocks until some subscriber has subscribed to a prefix of topic ("" for
// any subscriber at all) or ctx is done. ZeroMQ PUB drops what is sent before a
// subscription has arrived (the "slow joiner"), so a replay that must not lose its first
// messages waits here first.
func (p *Publisher) WaitForSubscriber(ctx context.Context, topic string) error {
	topics, ok := p.sock.(zmq4.Topics)
	if !ok {
		return errors.New("fedmsg: publisher socket cannot list subscriptions")
	}
	// zmq4 has no notification for subscriptions, so look at them every few milliseconds.
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		for _, t := range topics.Topics() {
			if strings.HasPrefix(topic, t) || topic == "" {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for a subscriber on %s: %w", p.endpoint, ctx.Err())
		case <-tick.C:
		}
	}
}

// Close unbinds the socket; messages not yet written to subscribers are lost, as with
// fedmsg. (zmq4 v0.17 leaves one idle goroutine behind per closed PUB socket: its writer
// is never told to stop. Harmless for a replay's one publisher; known upstream limitation.)
func (p *Publisher) Close() error { return p.sock.Close() }
