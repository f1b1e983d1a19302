package fedmsg

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
	"unicode/utf8"
)

// FuzzParse feeds the envelope parser arbitrary frames. Seeds: one real message per Fedora
// service in testdata/fuzz/FuzzParse/ plus every malformed case of the table tests.
// Run it with: go test -run '^$' -fuzz FuzzParse -fuzztime 5m ./fedmsg
//
// Whatever the input, Parse must not panic, must either refuse with one of its reasons or
// return an envelope that keeps its promises, and must be deterministic (the derived
// msg_id is what de-duplication relies on).
func FuzzParse(f *testing.F) {
	for _, tc := range malformedCases {
		if len(tc.frames) == 2 && len(tc.frames[1]) < 4096 {
			f.Add(tc.frames[0], tc.frames[1], 2)
		}
	}
	f.Add([]byte("a.b.c.d"), []byte(`{"topic":"a.b.c.d","msg":{}}`), 1)
	f.Add([]byte("a.b.c.d"), []byte(`{"topic":"a.b.c.d","msg":{}}`), 3)
	f.Fuzz(func(t *testing.T, topic, body []byte, nframes int) {
		frames := [][]byte{topic, body}
		switch {
		case nframes <= 1:
			frames = frames[:1]
		case nframes >= 3:
			frames = append(frames, body)
		}
		env, err := Parse(frames)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || ReasonOf(err) == "other" {
				t.Fatalf("refusal without a reason: %v", err)
			}
			if env != nil {
				t.Fatal("envelope returned with an error")
			}
			return
		}
		if len(frames) != 2 || len(body) > MaxBodySize || !utf8.Valid(topic) || !utf8.Valid(body) {
			t.Fatalf("accepted what must be refused: %d frames, %d bytes", len(frames), len(body))
		}
		if env.Topic != string(topic) || env.Topic == "" || isNull(env.Msg) || env.MsgID == "" {
			t.Fatalf("accepted envelope breaks a promise: %+v", env)
		}
		if !bytes.Equal(env.Body, body) || !json.Valid(env.Msg) {
			t.Fatal("body or msg not kept as received")
		}
		again, err := Parse(frames)
		if err != nil || again.MsgID != env.MsgID {
			t.Fatalf("not deterministic: %v, %q vs %q", err, again.MsgID, env.MsgID)
		}
		_ = env.Category()
		_ = env.ShortTopic()
		// What we accept we can send again, and it is accepted as the same message.
		out, err := json.Marshal(env)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		if len(out) <= MaxBodySize {
			back, err := Parse([][]byte{topic, out})
			if err != nil {
				t.Fatalf("re-encoded envelope refused: %v\n%s", err, out)
			}
			if back.MsgID != env.MsgID {
				t.Fatalf("re-encoded envelope has msg_id %q, want %q", back.MsgID, env.MsgID)
			}
		}
		if _, _, err := DefaultExtractor(env); err != nil {
			t.Fatalf("default extractor on an accepted envelope: %v", err)
		}
	})
}
