package fedmsg

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/go-zeromq/zmq4"
)

// Defaults for an Intake; each has an Option.
const (
	DefaultQueueSize   = 1024
	DefaultMinBackoff  = 100 * time.Millisecond
	DefaultMaxBackoff  = 30 * time.Second
	DefaultDialTimeout = 10 * time.Second
	// drainTimeout bounds how long Run keeps handing queued messages to the handler after
	// its context is cancelled: long enough to archive a full queue, short enough that a
	// hung database does not hold shutdown.
	drainTimeout = 5 * time.Second
)

// ErrNoEndpoints is returned by NewIntake when there is nothing to connect to.
var ErrNoEndpoints = errors.New("fedmsg: no endpoints")

// Handler receives each accepted envelope, one at a time and in arrival order. An error is
// logged (at a bounded rate) and counted; the intake carries on with the next message.
type Handler func(ctx context.Context, env *Envelope) error

// Intake subscribes to bus endpoints and hands every valid, new message to its Handler.
//
// Each endpoint has its own SUB socket and reader goroutine. Readers only copy what arrives
// into a bounded queue, never waiting on it: when the consumer (parse, de-duplicate,
// extract, Handler) falls behind and the queue is full, the message is counted as dropped
// and the reader goes back to the socket. Malformed messages are counted by reason and
// logged at a bounded rate; nothing that arrives can stop the intake.
type Intake struct {
	endpoints   []string
	topics      []string
	handler     Handler
	extract     Extractor
	dedup       *Dedup
	metrics     *Metrics
	log         *slog.Logger
	queueSize   int
	minBackoff  time.Duration
	maxBackoff  time.Duration
	dialTimeout time.Duration

	queue chan received

	logInvalid, logDropped, logHandler *logLimiter
}

// received is one message as a reader took it off a socket.
type received struct {
	endpoint string
	frames   [][]byte
	at       time.Time
}

// Option configures an Intake.
type Option func(*Intake)

// WithTopics subscribes to these topic prefixes only (default: everything). Empty strings
// are ignored; a list with nothing else means everything.
func WithTopics(prefixes ...string) Option {
	return func(in *Intake) {
		for _, p := range prefixes {
			if p != "" {
				in.topics = append(in.topics, p)
			}
		}
	}
}

// WithQueueSize sets how many received messages may wait for the consumer before new ones
// are dropped.
func WithQueueSize(n int) Option { return func(in *Intake) { in.queueSize = n } }

// WithDedup sets the de-duplication memory, for example one shared with another intake.
func WithDedup(d *Dedup) Option { return func(in *Intake) { in.dedup = d } }

// WithExtractor sets how usernames and packages are found before the handler runs
// (default DefaultExtractor). nil leaves them to the handler (env.Usernames stays nil):
// the engine finds them with the widgets' fedmsg.meta in the batch that asks its widgets
// about the message.
func WithExtractor(e Extractor) Option { return func(in *Intake) { in.extract = e } }

// WithMetrics sets the collectors the intake counts into (default: its own, unregistered;
// see Intake.Metrics).
func WithMetrics(m *Metrics) Option { return func(in *Intake) { in.metrics = m } }

// WithLogger sets the logger (default slog.Default()).
func WithLogger(l *slog.Logger) Option { return func(in *Intake) { in.log = l } }

// WithBackoff sets the wait before reconnecting to an endpoint: min after the first failure,
// doubling on each further failure up to max, back to min once a connection delivered.
func WithBackoff(min, max time.Duration) Option {
	return func(in *Intake) { in.minBackoff, in.maxBackoff = min, max }
}

// WithDialTimeout bounds one connection attempt (an unreachable host can otherwise hold a
// TCP connect for minutes).
func WithDialTimeout(d time.Duration) Option { return func(in *Intake) { in.dialTimeout = d } }

// NewIntake prepares an intake from the given endpoints ("tcp://host:port") to handler.
// Nothing connects until Run.
func NewIntake(endpoints []string, handler Handler, opts ...Option) (*Intake, error) {
	if handler == nil {
		return nil, errors.New("fedmsg: nil handler")
	}
	in := &Intake{
		handler:     handler,
		extract:     DefaultExtractor,
		log:         slog.Default(),
		queueSize:   DefaultQueueSize,
		minBackoff:  DefaultMinBackoff,
		maxBackoff:  DefaultMaxBackoff,
		dialTimeout: DefaultDialTimeout,
	}
	for _, ep := range endpoints {
		if err := checkEndpoint(ep); err != nil {
			return nil, err
		}
		in.endpoints = append(in.endpoints, ep)
	}
	if len(in.endpoints) == 0 {
		return nil, ErrNoEndpoints
	}
	for _, o := range opts {
		o(in)
	}
	if in.queueSize <= 0 {
		in.queueSize = DefaultQueueSize
	}
	if in.minBackoff <= 0 {
		in.minBackoff = DefaultMinBackoff
	}
	if in.maxBackoff < in.minBackoff {
		in.maxBackoff = in.minBackoff
	}
	if in.dedup == nil {
		in.dedup = NewDedup(DefaultDedupSize)
	}
	if in.metrics == nil {
		in.metrics = NewMetrics()
	}
	in.queue = make(chan received, in.queueSize)
	in.logInvalid = newLogLimiter(10, time.Minute)
	in.logDropped = newLogLimiter(1, 10*time.Second)
	in.logHandler = newLogLimiter(10, time.Minute)
	return in, nil
}

func checkEndpoint(ep string) error {
	scheme, rest, ok := strings.Cut(ep, "://")
	if !ok || rest == "" {
		return fmt.Errorf("fedmsg: endpoint %q: want transport://address, like tcp://hub.example.org:9940", ep)
	}
	switch scheme {
	case "tcp", "ipc", "inproc":
		return nil
	}
	return fmt.Errorf("fedmsg: endpoint %q: unknown transport %q", ep, scheme)
}

// SplitList splits a comma-separated setting (HUBS_FEDMSG_ENDPOINTS, HUBS_FEDMSG_TOPICS)
// into its trimmed, non-empty items.
func SplitList(s string) []string {
	var out []string
	for _, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// Metrics are the collectors this intake counts into, for the caller to register.
func (in *Intake) Metrics() *Metrics { return in.metrics }

// Run connects to every endpoint and delivers messages until ctx is cancelled, then drains
// what is already queued (for a few seconds at most) and returns nil. Connection failures
// are retried with backoff forever: a bus that is down at start-up is not an error.
func (in *Intake) Run(ctx context.Context) error {
	var readers sync.WaitGroup
	for _, ep := range in.endpoints {
		readers.Go(func() { in.read(ctx, ep) })
	}
	in.consume(ctx)
	// The consumer stops only when ctx is done, so the readers are stopping too; once they
	// have, nothing more comes into the queue and it can be drained.
	readers.Wait()
	in.drain(ctx)
	return nil
}

// consume hands queued messages to the handler until ctx is done.
func (in *Intake) consume(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case r := <-in.queue:
			in.metrics.QueueLength.Set(float64(len(in.queue)))
			in.deliver(ctx, r)
		}
	}
}

// drain delivers what readers queued before they stopped, with a fresh deadline since ctx
// is already cancelled; what is left after it is counted as dropped.
func (in *Intake) drain(ctx context.Context) {
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), drainTimeout)
	defer cancel()
	for {
		select {
		case r := <-in.queue:
			if dctx.Err() != nil {
				in.metrics.Messages.WithLabelValues(ResultDropped).Inc()
				continue
			}
			in.deliver(dctx, r)
		default:
			in.metrics.QueueLength.Set(0)
			return
		}
	}
}

// deliver is the consumer's work for one message: parse, de-duplicate, extract, handle.
func (in *Intake) deliver(ctx context.Context, r received) {
	env, err := Parse(r.frames)
	if err != nil {
		reason := ReasonOf(err)
		in.metrics.Messages.WithLabelValues(ResultInvalid).Inc()
		in.metrics.Invalid.WithLabelValues(reason).Inc()
		if ok, suppressed := in.logInvalid.allow(); ok {
			in.log.Warn("fedmsg: refused message", "endpoint", r.endpoint, "reason", reason,
				"err", err, "suppressed_since_last", suppressed)
		}
		return
	}
	if !in.dedup.Add(env.MsgID) {
		in.metrics.Messages.WithLabelValues(ResultDuplicate).Inc()
		in.log.Debug("fedmsg: duplicate", "msg_id", env.MsgID, "topic", env.Topic, "endpoint", r.endpoint)
		return
	}
	env.Endpoint, env.Received = r.endpoint, r.at
	if in.extract != nil {
		env.Usernames, env.Packages, err = in.extract(env)
		if err != nil {
			if ok, suppressed := in.logHandler.allow(); ok {
				in.log.Warn("fedmsg: extractor failed, using the default one", "msg_id", env.MsgID,
					"topic", env.Topic, "err", err, "suppressed_since_last", suppressed)
			}
			env.Usernames, env.Packages, _ = DefaultExtractor(env)
		}
	}
	in.metrics.Messages.WithLabelValues(ResultAccepted).Inc()
	if err := in.handle(ctx, env); err != nil {
		// Not archived, perhaps: a copy of it may be handled again.
		in.dedup.Forget(env.MsgID)
		in.metrics.HandlerErrors.Inc()
		if ok, suppressed := in.logHandler.allow(); ok {
			in.log.Error("fedmsg: handler failed", "msg_id", env.MsgID, "topic", env.Topic,
				"err", err, "suppressed_since_last", suppressed)
		}
	}
}

// handle calls the handler, turning a panic into an error: a bug in archiving one odd
// message must not take the intake, and with it the whole server, down.
func (in *Intake) handle(ctx context.Context, env *Envelope) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("handler panic: %v", p)
		}
	}()
	return in.handler(ctx, env)
}

// read keeps one endpoint connected until ctx is done.
//
// zmq4 (v0.17) does not do what libzmq does on its own: Dial retries a few times and then
// fails for good, and a SUB whose publisher goes away just reports the error from Recv and
// stays without a connection. Its WithAutomaticReconnect redials from inside the dying
// connection's reader, only a few times, to the socket's last endpoint, and its errors go
// nowhere. So every session gets a fresh socket, dialled once, and this loop owns retry
// and backoff (with jitter, so that many servers don't hammer a restarted hub in step).
func (in *Intake) read(ctx context.Context, ep string) {
	backoff := in.minBackoff
	failures := 0
	for {
		delivered, err := in.session(ctx, ep)
		if ctx.Err() != nil {
			return
		}
		if delivered {
			backoff, failures = in.minBackoff, 0
		}
		failures++
		// The first failure in a row is news; later ones repeat it at a slower pace anyway.
		level := slog.LevelDebug
		if failures == 1 {
			level = slog.LevelWarn
		}
		wait := backoff/2 + rand.N(backoff/2+1)
		in.log.Log(ctx, level, "fedmsg: endpoint unavailable, will reconnect", "endpoint", ep,
			"err", err, "retry_in", wait, "attempt", failures)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		backoff = min(backoff*2, in.maxBackoff)
	}
}

// discardLog silences zmq4's own logger: its messages duplicate the errors we log once.
var discardLog = log.New(io.Discard, "", 0)

// session connects once to ep and queues what arrives until the connection breaks or ctx is
// done. delivered tells whether any message came through (the connection was real).
func (in *Intake) session(ctx context.Context, ep string) (delivered bool, err error) {
	sock := zmq4.NewSub(ctx,
		zmq4.WithDialerMaxRetries(0),
		zmq4.WithDialerTimeout(in.dialTimeout),
		zmq4.WithAutomaticReconnect(false),
		zmq4.WithLogger(discardLog),
	)
	defer sock.Close()
	topics := in.topics
	if len(topics) == 0 {
		topics = []string{""}
	}
	for _, t := range topics {
		// Set before Dial: zmq4 sends the subscriptions as soon as the connection is up.
		if err := sock.SetOption(zmq4.OptionSubscribe, t); err != nil {
			return false, fmt.Errorf("subscribe %q: %w", t, err)
		}
	}
	if err := in.dial(ctx, sock, ep); err != nil {
		in.metrics.ConnectErrors.WithLabelValues(ep).Inc()
		return false, fmt.Errorf("connect %s: %w", ep, err)
	}
	in.metrics.Connects.WithLabelValues(ep).Inc()
	in.metrics.Connected.WithLabelValues(ep).Set(1)
	defer in.metrics.Connected.WithLabelValues(ep).Set(0)
	in.log.Info("fedmsg: connected", "endpoint", ep, "topics", in.topics)
	for {
		msg, err := sock.Recv()
		if errors.Is(err, ErrWireTooLarge) {
			// Counted like any refused message; the connection is lost with it (its byte
			// stream cannot be resumed mid-frame) and the caller reconnects.
			in.metrics.Messages.WithLabelValues(ResultInvalid).Inc()
			in.metrics.Invalid.WithLabelValues(ErrTooLarge.Error()).Inc()
			in.log.Warn("fedmsg: refused message", "endpoint", ep, "reason", ErrTooLarge.Error(),
				"err", fmt.Sprintf("over %d bytes on the wire; reconnecting", MaxWireMessage))
		}
		if err != nil {
			return delivered, fmt.Errorf("receive from %s: %w", ep, err)
		}
		if msg.Type == zmq4.CmdMsg {
			continue // ZMTP commands (PING...) are the transport's business, not messages
		}
		if !in.wanted(msg.Frames) {
			continue
		}
		delivered = true
		in.enqueue(received{endpoint: ep, frames: msg.Frames, at: time.Now()})
	}
}

// dial connects sock to ep within the dial timeout. zmq4's own timeout covers the TCP
// connect only: the ZMTP greeting that follows reads with no deadline, so a server that
// accepts and never speaks (a wrong port, a wedged peer) would hold Dial, and with it
// shutdown, forever. Dial runs aside and is abandoned on timeout or cancel; closing the
// socket (the caller's defer) closes the connection under it (see guardedTransport.Dial).
func (in *Intake) dial(ctx context.Context, sock zmq4.Socket, ep string) error {
	done := make(chan error, 1)
	go func() { done <- sock.Dial(guardedEndpoint(ep)) }()
	timer := time.NewTimer(in.dialTimeout)
	defer timer.Stop()
	select {
	case err := <-done:
		// zmq4's message names the internal guarded endpoint; the cause under it (the
		// network error) is what an operator needs, next to the endpoint the caller adds.
		if cause := errors.Unwrap(err); cause != nil {
			return cause
		}
		return err
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return fmt.Errorf("no ZMTP handshake within %v", in.dialTimeout)
	}
}

// wanted filters on the topic frame here too: publishers filter for their subscribers,
// but very old ones (ZMTP 1.0) leave it to the subscriber.
func (in *Intake) wanted(frames [][]byte) bool {
	if len(in.topics) == 0 || len(frames) == 0 {
		return true // a frameless message still gets counted as invalid
	}
	for _, t := range in.topics {
		if strings.HasPrefix(string(frames[0]), t) {
			return true
		}
	}
	return false
}

// enqueue never blocks: a full queue means the consumer is behind, and waiting here would
// let the socket buffers, then the publisher, fill up instead.
func (in *Intake) enqueue(r received) {
	select {
	case in.queue <- r:
		in.metrics.QueueLength.Set(float64(len(in.queue)))
	default:
		in.metrics.Messages.WithLabelValues(ResultDropped).Inc()
		if ok, suppressed := in.logDropped.allow(); ok {
			in.log.Warn("fedmsg: consumer too slow, dropping messages", "endpoint", r.endpoint,
				"queue_size", in.queueSize, "suppressed_since_last", suppressed)
		}
	}
}

// logLimiter lets through at most burst log lines per window and counts the rest, so a
// flood of bad messages costs a few lines a minute, and the next line says how many were
// left out.
type logLimiter struct {
	mu         sync.Mutex
	burst      int
	window     time.Duration
	start      time.Time
	n          int
	suppressed int
}

func newLogLimiter(burst int, window time.Duration) *logLimiter {
	return &logLimiter{burst: burst, window: window}
}

// allow reports whether to log now and how many lines were suppressed since the last one.
func (l *logLimiter) allow() (bool, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	if now.Sub(l.start) >= l.window {
		l.start, l.n = now, 0
	}
	if l.n >= l.burst {
		l.suppressed++
		return false, 0
	}
	l.n++
	s := l.suppressed
	l.suppressed = 0
	return true, s
}
