package fedmsg

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

// fixture is one real bus message from testdata/meta_examples.jsonl, as fedmsg sends it.
type fixture struct {
	topic string
	body  []byte // the envelope exactly as recorded
	// what the record says, decoded independently of Parse
	msgID string
	ts    float64
}

func (f fixture) frames() [][]byte { return [][]byte{[]byte(f.topic), f.body} }

func loadFixtures(tb testing.TB) []fixture {
	tb.Helper()
	file, err := os.Open("../testdata/fedmsg/meta_examples.jsonl")
	if err != nil {
		tb.Fatalf("open fixtures: %v", err)
	}
	defer file.Close()
	var out []fixture
	sc := bufio.NewScanner(file)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var rec struct {
			Topic string          `json:"topic"`
			Msg   json.RawMessage `json:"msg"`
		}
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			tb.Fatalf("fixture line %d: %v", len(out)+1, err)
		}
		var head struct {
			MsgID     string  `json:"msg_id"`
			Timestamp float64 `json:"timestamp"`
		}
		if err := json.Unmarshal(rec.Msg, &head); err != nil {
			tb.Fatalf("fixture line %d envelope: %v", len(out)+1, err)
		}
		out = append(out, fixture{topic: rec.Topic, body: bytes.Clone(rec.Msg), msgID: head.MsgID, ts: head.Timestamp})
	}
	if err := sc.Err(); err != nil {
		tb.Fatalf("read fixtures: %v", err)
	}
	if len(out) < 300 {
		tb.Fatalf("only %d fixtures", len(out))
	}
	return out
}

var msgIDForm = regexp.MustCompile(`^\d{4}-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

func TestParseAcceptsEveryFixture(t *testing.T) {
	for i, f := range loadFixtures(t) {
		env, err := Parse(f.frames())
		if err != nil {
			t.Errorf("fixture %d (%s): %v", i+1, f.topic, err)
			continue
		}
		if env.Topic != f.topic || env.Timestamp != f.ts || !bytes.Equal(env.Body, f.body) {
			t.Errorf("fixture %d: got topic %q ts %v, want %q %v", i+1, env.Topic, env.Timestamp, f.topic, f.ts)
		}
		if f.msgID != "" && env.MsgID != f.msgID {
			t.Errorf("fixture %d: msg_id %q, want %q", i+1, env.MsgID, f.msgID)
		}
		if f.msgID == "" && !msgIDForm.MatchString(env.MsgID) {
			t.Errorf("fixture %d: derived msg_id %q is not <year>-<uuid>", i+1, env.MsgID)
		}
		if !json.Valid(env.Msg) || env.Msg[0] != '{' {
			t.Errorf("fixture %d: msg is not the payload object: %.40s", i+1, env.Msg)
		}
	}
}

func TestParseFields(t *testing.T) {
	body := `{"topic": "org.fedoraproject.prod.bodhi.update.comment", "msg": {"comment": {"text": "ok"}},
		"timestamp": 1400000000.5, "msg_id": "2014-1f52337a-8dbe-48f1-baad-f2c770c60640", "i": 7,
		"username": "apache", "crypto": "x509", "signature": "c2ln", "certificate": "Y2VydA==",
		"headers": {"sent-at": "x"}, "source_name": "bodhi", "source_version": "2.0"}`
	env, err := Parse([][]byte{[]byte("org.fedoraproject.prod.bodhi.update.comment"), []byte(body)})
	if err != nil {
		t.Fatal(err)
	}
	want := Envelope{Topic: "org.fedoraproject.prod.bodhi.update.comment", Timestamp: 1400000000.5,
		MsgID: "2014-1f52337a-8dbe-48f1-baad-f2c770c60640", I: 7, Username: "apache", Crypto: "x509",
		Signature: "c2ln", Certificate: "Y2VydA==", SourceName: "bodhi", SourceVersion: "2.0"}
	got := *env
	if string(got.Msg) != `{"comment": {"text": "ok"}}` || string(got.Headers) != `{"sent-at": "x"}` {
		t.Errorf("msg %s headers %s", got.Msg, got.Headers)
	}
	got.Msg, got.Headers, got.Body = nil, nil, nil
	if got.Topic != want.Topic || got.Timestamp != want.Timestamp || got.MsgID != want.MsgID ||
		got.I != want.I || got.Username != want.Username || got.Crypto != want.Crypto ||
		got.Signature != want.Signature || got.Certificate != want.Certificate ||
		got.SourceName != want.SourceName || got.SourceVersion != want.SourceVersion {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	if env.Category() != "bodhi" || env.ShortTopic() != "bodhi.update.comment" {
		t.Errorf("category %q short topic %q", env.Category(), env.ShortTopic())
	}
}

// malformedCases are one message per refusal reason, plus neighbours of each that must pass.
// The fuzz seed corpus and the intake test use them too.
var malformedCases = []struct {
	name   string
	frames [][]byte
	want   error // nil: accepted
}{
	{"one frame", [][]byte{[]byte(`{"topic":"a.b.c.d","msg":{}}`)}, ErrFrameCount},
	{"three frames", [][]byte{[]byte("a.b.c.d"), []byte(`{"topic":"a.b.c.d","msg":{}}`), []byte("x")}, ErrFrameCount},
	{"too large", [][]byte{[]byte("a.b.c.d"), []byte(`{"topic":"a.b.c.d","msg":{"x":"` + strings.Repeat("a", MaxBodySize) + `"}}`)}, ErrTooLarge},
	{"invalid utf8 in body", [][]byte{[]byte("a.b.c.d"), []byte("{\"topic\":\"a.b.c.d\",\"msg\":{\"x\":\"\xff\"}}")}, ErrInvalidUTF8},
	{"invalid utf8 in topic", [][]byte{[]byte("a.b.\xc3.d"), []byte(`{"topic":"a.b.c.d","msg":{}}`)}, ErrInvalidUTF8},
	{"truncated json", [][]byte{[]byte("a.b.c.d"), []byte(`{"topic":"a.b.c.d","msg":{`)}, ErrInvalidJSON},
	{"json array", [][]byte{[]byte("a.b.c.d"), []byte(`[1,2]`)}, ErrInvalidJSON},
	{"empty body", [][]byte{[]byte("a.b.c.d"), nil}, ErrInvalidJSON},
	{"timestamp not a number", [][]byte{[]byte("a.b.c.d"), []byte(`{"topic":"a.b.c.d","msg":{},"timestamp":"today"}`)}, ErrInvalidJSON},
	{"msg_id not a string", [][]byte{[]byte("a.b.c.d"), []byte(`{"topic":"a.b.c.d","msg":{},"msg_id":12}`)}, ErrInvalidJSON},
	{"no topic in body", [][]byte{[]byte("a.b.c.d"), []byte(`{"msg":{}}`)}, ErrMissingTopic},
	{"json null body", [][]byte{[]byte("a.b.c.d"), []byte(`null`)}, ErrMissingTopic},
	{"topic mismatch", [][]byte{[]byte("a.b.c.d"), []byte(`{"topic":"a.b.c.e","msg":{}}`)}, ErrTopicMismatch},
	{"topic prefix only", [][]byte{[]byte("a.b.c"), []byte(`{"topic":"a.b.c.d","msg":{}}`)}, ErrTopicMismatch},
	{"no msg", [][]byte{[]byte("a.b.c.d"), []byte(`{"topic":"a.b.c.d","i":1}`)}, ErrMissingMsg},
	{"msg null", [][]byte{[]byte("a.b.c.d"), []byte(`{"topic":"a.b.c.d","msg":null}`)}, ErrMissingMsg},
	// neighbours that are fine (each with its own content: same content is the same message)
	{"minimal", [][]byte{[]byte("a.b.c.d"), []byte(`{"topic":"a.b.c.d","msg":{}}`)}, nil},
	{"nulls where strings go", [][]byte{[]byte("a.b.c.d"), []byte(`{"topic":"a.b.c.d","msg":{"a":1},"username":null,"crypto":null,"headers":null}`)}, nil},
	{"int timestamp", [][]byte{[]byte("a.b.c.d"), []byte(`{"topic":"a.b.c.d","msg":{},"timestamp":1400000000}`)}, nil},
	{"exactly the size limit", [][]byte{[]byte("a.b.c.d"), padTo(`{"topic":"a.b.c.d","msg":{"b":2}}`, MaxBodySize)}, nil},
}

// padTo pads a JSON object with trailing spaces (still valid JSON) to n bytes.
func padTo(s string, n int) []byte {
	return append([]byte(s), bytes.Repeat([]byte(" "), n-len(s))...)
}

func TestParseRefusals(t *testing.T) {
	for _, tc := range malformedCases {
		t.Run(tc.name, func(t *testing.T) {
			env, err := Parse(tc.frames)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("err %v, want %v", err, tc.want)
			}
			if env != nil {
				t.Errorf("envelope returned with error")
			}
			var pe *ParseError
			if !errors.As(err, &pe) || ReasonOf(err) != tc.want.Error() {
				t.Errorf("reason %q from %v", ReasonOf(err), err)
			}
			if len(err.Error()) > 300 {
				t.Errorf("error text of %d bytes: the offending input is not clipped", len(err.Error()))
			}
		})
	}
}

func TestDerivedID(t *testing.T) {
	base := `{"topic":"org.fedoraproject.prod.git.receive","msg":{"commit":{"rev":"abc"}},"timestamp":1500000000.25,"i":3}`
	parse := func(t *testing.T, body string) *Envelope {
		t.Helper()
		env, err := Parse([][]byte{[]byte("org.fedoraproject.prod.git.receive"), []byte(body)})
		if err != nil {
			t.Fatal(err)
		}
		return env
	}
	id := parse(t, base).MsgID
	if !msgIDForm.MatchString(id) || !strings.HasPrefix(id, "2017-") {
		t.Fatalf("derived id %q: want 2017-<uuid>", id)
	}
	for _, tc := range []struct {
		name string
		body string
		same bool
	}{
		{"same bytes", base, true},
		{"payload whitespace", strings.Replace(base, `{"commit":{"rev":"abc"}}`, `{ "commit": { "rev": "abc" } }`, 1), true},
		{"other payload", strings.Replace(base, `"abc"`, `"abd"`, 1), false},
		{"other sequence number", strings.Replace(base, `"i":3`, `"i":4`, 1), false},
		{"other timestamp", strings.Replace(base, `.25`, `.26`, 1), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := parse(t, tc.body).MsgID; (got == id) != tc.same {
				t.Errorf("id %q vs %q, want same=%v", got, id, tc.same)
			}
		})
	}
}

func TestCategoryAndShortTopic(t *testing.T) {
	for _, tc := range []struct{ topic, category, short string }{
		{"org.fedoraproject.prod.bodhi.update.comment", "bodhi", "bodhi.update.comment"},
		{"org.fedoraproject.stg.buildsys.build.state.change", "buildsys", "buildsys.build.state.change"},
		{"org.fedoraproject.prod.fedbadges", "fedbadges", "fedbadges"},
		{"org.centos.prod.ci.pipeline.complete", "ci", "ci.pipeline.complete"},
		{"fedoracollege.media.upload", "", "fedoracollege.media.upload"},
		{"org.fedoraproject.prod.", "", "org.fedoraproject.prod."},
		{"", "", ""},
	} {
		t.Run(tc.topic, func(t *testing.T) {
			if got := Category(tc.topic); got != tc.category {
				t.Errorf("Category = %q, want %q", got, tc.category)
			}
			if got := ShortTopic(tc.topic); got != tc.short {
				t.Errorf("ShortTopic = %q, want %q", got, tc.short)
			}
		})
	}
}

func TestMarshalJSONRoundTrip(t *testing.T) {
	for i, f := range loadFixtures(t) {
		env, err := Parse(f.frames())
		if err != nil {
			t.Fatal(err)
		}
		body, err := json.Marshal(env)
		if err != nil {
			t.Fatalf("fixture %d: %v", i+1, err)
		}
		again, err := Parse([][]byte{[]byte(env.Topic), body})
		if err != nil {
			t.Fatalf("fixture %d: re-encoded envelope refused: %v\n%s", i+1, err, body)
		}
		var a, b any
		json.Unmarshal(env.Msg, &a)
		json.Unmarshal(again.Msg, &b)
		ja, _ := json.Marshal(a)
		jb, _ := json.Marshal(b)
		if again.MsgID != env.MsgID || again.Timestamp != env.Timestamp || !bytes.Equal(ja, jb) {
			t.Errorf("fixture %d: round trip changed the envelope", i+1)
		}
	}
}

func TestNewMsgID(t *testing.T) {
	now := time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)
	a, b := NewMsgID(now), NewMsgID(now)
	if !msgIDForm.MatchString(a) || !strings.HasPrefix(a, "2026-") || a == b {
		t.Errorf("ids %q and %q: want two different 2026-<uuid>", a, b)
	}
}
