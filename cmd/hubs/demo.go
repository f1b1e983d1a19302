package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"hubs/fedmsg"
)

// demoUsers are the people of store.Populate's demo hubs. The demo gives them the real
// fixture messages, ralph every other one, so that /ralph/ moves within a minute.
var demoUsers = []string{"ralph", "duffy", "ryanlerch", "mrichard", "gnokii", "nask0", "abompard",
	"decause", "lmacken", "croberts", "mattdm", "pravins"}

// serviceAccounts are bots and services that fixture messages name as people: they keep
// their names (a bodhi comment stays Bodhi's), and their names stay in URLs
// (bodhi.fedoraproject.org).
var serviceAccounts = map[string]bool{"bodhi": true, "koji": true, "pagure": true, "anitya": true, "fedmsg": true,
	"zodbot": true, "apache": true, "root": true, "autopush": true, "upstream-release-monitoring": true,
	"packagerbot": true, "releng": true, "masher": true, "kojira": true}

// demoFlags are serve's --demo settings.
type demoFlags struct {
	on       bool
	fixtures string
	interval time.Duration
}

func (d *demoFlags) define(fs *flagSet) {
	fs.envBool(&d.on, "demo", "HUBS_DEMO", false,
		"live demo: when no bus endpoint is set, replay real fedmsg messages through a local ZeroMQ publisher, usernames mapped onto the demo users")
	fs.envString(&d.fixtures, "demo-fixtures", "HUBS_DEMO_FIXTURES", "testdata/fedmsg/meta_examples.jsonl",
		"JSON Lines of real bus messages the demo replays ({\"msg\": envelope, \"expected\": {\"usernames\": [...]}} or bare envelopes)")
	fs.envDuration(&d.interval, "demo-interval", "HUBS_DEMO_INTERVAL", 3*time.Second, "time between two demo messages")
}

// start runs the demo when --demo is set and no bus endpoint is configured: it binds a local
// publisher, points ef's intake at it, and replays until ctx is done (the publisher closes
// then). Call it before ef.start.
func (d *demoFlags) start(ctx context.Context, ef *engineFlags) error {
	if !d.on {
		return nil
	}
	if ef.endpoints != "" {
		slog.Info("demo: bus endpoints are configured, so no replay", "endpoints", ef.endpoints)
		return nil
	}
	demo, err := StartDemo(ctx, d.fixtures, d.interval)
	if err != nil {
		return err
	}
	ef.endpoints = demo.Endpoint()
	return nil
}

// Demo is a running replay of real bus messages on a local ZeroMQ publisher.
type Demo struct {
	pub  *fedmsg.Publisher
	done chan struct{}
}

// Endpoint is where the intake connects.
func (d *Demo) Endpoint() string { return d.pub.Endpoint() }

// Done is closed once the replay has stopped and the publisher is closed.
func (d *Demo) Done() <-chan struct{} { return d.done }

// demoMessage is one fixture message and the people it names.
type demoMessage struct {
	env       *fedmsg.Envelope
	usernames []string
}

// StartDemo reads the real bus messages of fixtures, binds a publisher on a free local port
// and, once a subscriber is there, sends one message every interval, round after round until
// ctx is done. Each goes out as a new message (fresh msg_id, timestamp now) with the people
// it names replaced by demo users, so that it lands on the demo hubs through the same intake
// as production. Messages whose expected values depend on the time of the test
// ("<<dynamic" placeholders) are left out.
func StartDemo(ctx context.Context, fixtures string, interval time.Duration) (*Demo, error) {
	if interval <= 0 {
		return nil, fmt.Errorf("demo: interval %v must be positive", interval)
	}
	msgs, err := readDemoMessages(fixtures)
	if err != nil {
		return nil, err
	}
	pub, err := fedmsg.NewPublisher(ctx, "tcp://127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	d := &Demo{pub: pub, done: make(chan struct{})}
	slog.Info("demo: replaying real bus messages", "endpoint", pub.Endpoint(), "messages", len(msgs), "interval", interval)
	go d.run(ctx, msgs, interval)
	return d, nil
}

func (d *Demo) run(ctx context.Context, msgs []demoMessage, interval time.Duration) {
	defer close(d.done)
	defer d.pub.Close()
	if err := d.pub.WaitForSubscriber(ctx, ""); err != nil {
		return
	}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for sent := 0; ; sent++ {
		m := msgs[sent%len(msgs)]
		env := renewed(m.env, time.Now())
		env.Msg = mapUsernames(env.Msg, demoMapping(m.usernames, sent))
		if err := d.pub.Publish(env); err != nil {
			slog.Warn("demo: publish", "topic", env.Topic, "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// readDemoMessages reads fixtures: records {"msg": envelope, "expected": {"usernames"}} as in
// the shared fixtures, or bare envelopes (their usernames then from fedmsg's default
// extractor).
func readDemoMessages(path string) ([]demoMessage, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	defer f.Close()
	var out []demoMessage
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Bytes()
		if len(strings.TrimSpace(string(line))) == 0 || strings.Contains(string(line), "<<dynamic") {
			continue
		}
		var rec struct {
			Msg      json.RawMessage `json:"msg"`
			Topic    string          `json:"topic"`
			Expected *struct {
				Usernames []string `json:"usernames"`
			} `json:"expected"`
		}
		if err := json.Unmarshal(line, &rec); err != nil {
			return nil, fmt.Errorf("demo: %s:%d: %w", path, n, err)
		}
		body := line
		if rec.Expected != nil && len(rec.Msg) > 0 {
			body = rec.Msg
		}
		var head struct {
			Topic string `json:"topic"`
		}
		if err := json.Unmarshal(body, &head); err != nil {
			return nil, fmt.Errorf("demo: %s:%d: %w", path, n, err)
		}
		env, err := fedmsg.Parse([][]byte{[]byte(head.Topic), slices.Clone(body)})
		if err != nil {
			return nil, fmt.Errorf("demo: %s:%d: %w", path, n, err)
		}
		m := demoMessage{env: env}
		if rec.Expected != nil {
			m.usernames = rec.Expected.Usernames
		} else if m.usernames, _, err = fedmsg.DefaultExtractor(env); err != nil {
			return nil, fmt.Errorf("demo: %s:%d: %w", path, n, err)
		}
		out = append(out, m)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("demo: %s: %w", path, err)
	}
	if len(out) == 0 {
		return nil, errors.New("demo: " + path + " holds no message to replay")
	}
	return out, nil
}

// demoMapping maps the people a message names onto demo users: the first onto ralph for
// every other message and onto the other demo users in turn otherwise, the rest onto the
// demo users that follow, none twice. Service accounts and names too short to replace
// safely inside text are left out.
func demoMapping(usernames []string, sent int) map[string]string {
	names := slices.DeleteFunc(slices.Clone(usernames), func(n string) bool { return serviceAccounts[n] || len(n) < 3 })
	slices.Sort(names)
	names = slices.Compact(names)
	m := make(map[string]string, len(names))
	start := 0
	if sent%2 == 1 {
		start = 1 + (sent/2)%(len(demoUsers)-1)
	}
	for i, name := range names {
		if i >= len(demoUsers) {
			break
		}
		m[name] = demoUsers[(start+i)%len(demoUsers)]
	}
	return m
}

// mapUsernames rewrites msg (a JSON object) with every person of mapping replaced: string
// values equal to a name, and the name as a whole word inside longer strings ("ralph
// commented", "http://ralph.id.fedoraproject.org/"). Object keys are left alone. A msg that
// is not JSON is returned as it is.
func mapUsernames(msg json.RawMessage, mapping map[string]string) json.RawMessage {
	if len(mapping) == 0 {
		return msg
	}
	var v any
	if err := json.Unmarshal(msg, &v); err != nil {
		return msg
	}
	var words []string
	for from := range mapping {
		words = append(words, regexp.QuoteMeta(from))
	}
	slices.Sort(words)
	slices.Reverse(words) // longer names first when one is a prefix of another
	word := regexp.MustCompile(`\b(` + strings.Join(words, "|") + `)\b`)
	var walk func(any) any
	walk = func(x any) any {
		switch t := x.(type) {
		case string:
			if to, ok := mapping[t]; ok {
				return to
			}
			return word.ReplaceAllStringFunc(t, func(s string) string { return mapping[s] })
		case []any:
			for i := range t {
				t[i] = walk(t[i])
			}
		case map[string]any:
			for k := range t {
				t[k] = walk(t[k])
			}
		}
		return x
	}
	out, err := json.Marshal(walk(v))
	if err != nil {
		return msg
	}
	return out
}
