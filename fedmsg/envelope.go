// Package fedmsg receives Fedora bus messages (fedmsg: JSON envelopes published over ZeroMQ),
// validates and de-duplicates them, and hands each accepted one to the caller. It also
// publishes envelopes exactly as fedmsg does, for replay and tests.
//
// The package imports nothing of the project: archiving a message and invalidating widgets
// are the caller's business, done in the Handler it gives to the Intake.
package fedmsg

import (
	"bytes"
	"crypto/rand"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// MaxBodySize is the largest envelope body accepted. fedmsg bodies are a few kilobytes; a
// body over this is a broken or hostile sender, and refusing it bounds the parser's memory.
const MaxBodySize = 1 << 20

// Reasons a message is refused. Each sentinel's text is the label it is counted under
// (hubs_fedmsg_invalid_total{reason}), so the text stays short and stable.
var (
	ErrFrameCount    = errors.New("frame_count")
	ErrTooLarge      = errors.New("too_large")
	ErrInvalidUTF8   = errors.New("invalid_utf8")
	ErrInvalidJSON   = errors.New("invalid_json")
	ErrMissingTopic  = errors.New("missing_topic")
	ErrTopicMismatch = errors.New("topic_mismatch")
	ErrMissingMsg    = errors.New("missing_msg")
)

// Reasons lists every refusal, in the order Parse checks them; metrics pre-create a series
// for each so that a zero shows up before the first failure.
var Reasons = []error{
	ErrFrameCount, ErrTooLarge, ErrInvalidUTF8, ErrInvalidJSON,
	ErrMissingTopic, ErrTopicMismatch, ErrMissingMsg,
}

// ParseError is a refused message: Reason is one of the sentinels above (errors.Is works on
// the ParseError), Detail says what exactly was wrong for the log.
type ParseError struct {
	Reason error
	Detail string
}

func (e *ParseError) Error() string {
	if e.Detail == "" {
		return "fedmsg: refused message: " + e.Reason.Error()
	}
	return "fedmsg: refused message: " + e.Reason.Error() + ": " + e.Detail
}

func (e *ParseError) Unwrap() error { return e.Reason }

// ReasonOf gives the label a refusal is counted under, or "other" for an error that is not a
// refusal from Parse.
func ReasonOf(err error) string {
	for _, r := range Reasons {
		if errors.Is(err, r) {
			return r.Error()
		}
	}
	return "other"
}

func refuse(reason error, format string, args ...any) *ParseError {
	return &ParseError{Reason: reason, Detail: fmt.Sprintf(format, args...)}
}

// Envelope is one fedmsg message: the JSON object fedmsg puts in the second frame, with the
// fields Fedora's services fill in. Msg and Headers are kept as raw JSON: the engine hands
// Msg to widget code and the archive stores it, and neither needs Go types for it.
// Parse reads one off the wire (validating it); json.Marshal writes one (see MarshalJSON).
type Envelope struct {
	Topic string
	// Msg is the service's payload (a JSON object in every real message).
	Msg json.RawMessage
	// Timestamp is when the sender made the message, in seconds since the epoch.
	Timestamp float64
	// MsgID is "<year>-<uuid>"; for a sender that gave none it is derived from the content
	// (see DerivedID), so the same message seen twice still gets the same id.
	MsgID string
	// I is the sender's per-process sequence number.
	I             int64
	Username      string
	Crypto        string
	Signature     string
	Certificate   string
	Headers       json.RawMessage
	SourceName    string
	SourceVersion string

	// Body is the second frame exactly as received: what the archive keeps and what a replay
	// sends again.
	Body []byte
	// Received is when intake took the message off the socket (zero for Parse alone).
	Received time.Time
	// Endpoint is the bus endpoint the message came from (empty for Parse alone).
	Endpoint string
	// Usernames and Packages are what the extractor found in the message (filled by intake).
	Usernames []string
	Packages  []string
}

// wireEnvelope mirrors Envelope for decoding: every optional field is raw so that a sender
// that puts null (username, crypto) or an int (timestamp) where others put a string or a
// float is still accepted. Being strict on those would lose real messages for no benefit.
type wireEnvelope struct {
	Topic         *string         `json:"topic"`
	Msg           json.RawMessage `json:"msg"`
	Timestamp     json.RawMessage `json:"timestamp"`
	MsgID         json.RawMessage `json:"msg_id"`
	I             json.RawMessage `json:"i"`
	Username      json.RawMessage `json:"username"`
	Crypto        json.RawMessage `json:"crypto"`
	Signature     json.RawMessage `json:"signature"`
	Certificate   json.RawMessage `json:"certificate"`
	Headers       json.RawMessage `json:"headers"`
	SourceName    json.RawMessage `json:"source_name"`
	SourceVersion json.RawMessage `json:"source_version"`
}

// Parse validates the frames of one bus message, [topic, JSON body], and returns its
// envelope. A refusal is a *ParseError whose Reason is one of the Err* sentinels.
// The returned envelope keeps references to the frames' bytes; the caller must not reuse them.
func Parse(frames [][]byte) (*Envelope, error) {
	if len(frames) != 2 {
		return nil, refuse(ErrFrameCount, "got %d frames, want 2 (topic, body)", len(frames))
	}
	topic, body := frames[0], frames[1]
	if len(body) > MaxBodySize {
		return nil, refuse(ErrTooLarge, "body of %d bytes, limit %d", len(body), MaxBodySize)
	}
	if !utf8.Valid(topic) {
		return nil, refuse(ErrInvalidUTF8, "in topic frame")
	}
	// encoding/json silently turns invalid UTF-8 into U+FFFD; the archive must not store a
	// message that differs from what was sent, so check first.
	if !utf8.Valid(body) {
		return nil, refuse(ErrInvalidUTF8, "in body")
	}
	var w wireEnvelope
	if err := json.Unmarshal(body, &w); err != nil {
		return nil, refuse(ErrInvalidJSON, "%v", err)
	}
	if w.Topic == nil || *w.Topic == "" {
		return nil, refuse(ErrMissingTopic, "body has no topic")
	}
	if *w.Topic != string(topic) {
		return nil, refuse(ErrTopicMismatch, "frame %q, body %q", clip(string(topic)), clip(*w.Topic))
	}
	if isNull(w.Msg) {
		return nil, refuse(ErrMissingMsg, "body has no msg")
	}
	env := &Envelope{Topic: *w.Topic, Msg: w.Msg, Headers: nullToNil(w.Headers), Body: body}
	var err error
	if env.Timestamp, err = numberField(w.Timestamp); err != nil {
		return nil, refuse(ErrInvalidJSON, "timestamp: %v", err)
	}
	var i float64
	if i, err = numberField(w.I); err != nil {
		return nil, refuse(ErrInvalidJSON, "i: %v", err)
	}
	env.I = int64(i)
	for _, f := range []struct {
		name string
		raw  json.RawMessage
		dst  *string
	}{
		{"msg_id", w.MsgID, &env.MsgID},
		{"username", w.Username, &env.Username},
		{"crypto", w.Crypto, &env.Crypto},
		{"signature", w.Signature, &env.Signature},
		{"certificate", w.Certificate, &env.Certificate},
		{"source_name", w.SourceName, &env.SourceName},
		{"source_version", w.SourceVersion, &env.SourceVersion},
	} {
		if *f.dst, err = stringField(f.raw); err != nil {
			return nil, refuse(ErrInvalidJSON, "%s: %v", f.name, err)
		}
	}
	if env.MsgID == "" {
		env.MsgID = DerivedID(env)
	}
	return env, nil
}

func isNull(raw json.RawMessage) bool {
	return len(raw) == 0 || string(raw) == "null"
}

func nullToNil(raw json.RawMessage) json.RawMessage {
	if isNull(raw) {
		return nil
	}
	return raw
}

// stringField decodes an optional string: absent or null is "".
func stringField(raw json.RawMessage) (string, error) {
	if isNull(raw) {
		return "", nil
	}
	if raw[0] != '"' {
		return "", fmt.Errorf("want a string, got %s", clip(string(raw)))
	}
	// raw comes out of a document the decoder has validated: without a backslash it is the
	// string itself between quotes, and decoding it again would only cost time.
	if bytes.IndexByte(raw, '\\') < 0 {
		return string(raw[1 : len(raw)-1]), nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", err
	}
	return s, nil
}

// numberField decodes an optional number: absent or null is 0. fedmsg's Python sends
// time.time() (a float) but some senders send an int; both are fine.
func numberField(raw json.RawMessage) (float64, error) {
	if isNull(raw) {
		return 0, nil
	}
	// A valid JSON value starting with '-' or a digit is a JSON number, which ParseFloat
	// reads; anything else (a string, an object) is the wrong type.
	if c := raw[0]; c != '-' && (c < '0' || c > '9') {
		return 0, fmt.Errorf("want a number, got %s", clip(string(raw)))
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil {
		return 0, fmt.Errorf("want a number, got %s: %w", clip(string(raw)), err)
	}
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, fmt.Errorf("not a finite number: %s", clip(string(raw)))
	}
	return f, nil
}

// clip shortens what goes into an error message: a refused body can be a megabyte.
func clip(s string) string {
	const max = 80
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}

// DerivedID gives a message without msg_id a stable one in fedmsg's "<year>-<uuid>" form:
// the year of its timestamp and a name-based (version 5 style) UUID over its topic,
// timestamp, sequence number and payload. The same message received twice, from one
// endpoint or two, gets the same id and so is de-duplicated; two different messages differ
// in at least one of those. The payload is compacted first so that whitespace a relay may
// add does not change the id.
func DerivedID(env *Envelope) string {
	h := sha1.New()
	fmt.Fprintf(h, "%s\x00%v\x00%d\x00", env.Topic, env.Timestamp, env.I)
	var compact bytes.Buffer
	if err := json.Compact(&compact, env.Msg); err == nil {
		h.Write(compact.Bytes())
	} else {
		h.Write(env.Msg)
	}
	sum := h.Sum(nil)
	sum[6] = (sum[6] & 0x0f) | 0x50 // version 5
	sum[8] = (sum[8] & 0x3f) | 0x80 // RFC 4122 variant
	var id [36]byte
	hex.Encode(id[0:8], sum[0:4])
	id[8] = '-'
	hex.Encode(id[9:13], sum[4:6])
	id[13] = '-'
	hex.Encode(id[14:18], sum[6:8])
	id[18] = '-'
	hex.Encode(id[19:23], sum[8:10])
	id[23] = '-'
	hex.Encode(id[24:36], sum[10:16])
	year := 1970
	if env.Timestamp > 0 && env.Timestamp < 1<<40 {
		year = time.Unix(int64(env.Timestamp), 0).UTC().Year()
	}
	return fmt.Sprintf("%d-%s", year, id[:])
}

// Category is the service a topic comes from, its fourth dot-separated segment:
// "org.fedoraproject.prod.bodhi.update.comment" -> "bodhi". It is "" for a topic too short
// to have one.
func Category(topic string) string {
	parts := strings.SplitN(topic, ".", 5)
	if len(parts) < 4 {
		return ""
	}
	return parts[3]
}

// ShortTopic is the topic without its "<prefix>.<env>." part, the way widgets and
// fedmsg.meta match on it: "org.fedoraproject.prod.bodhi.update.comment" ->
// "bodhi.update.comment". A topic with fewer than four segments is returned unchanged.
func ShortTopic(topic string) string {
	// The prefix is two segments (org.fedoraproject) and the environment one (prod, stg, dev).
	rest := topic
	for range 3 {
		i := strings.IndexByte(rest, '.')
		if i < 0 {
			return topic
		}
		rest = rest[i+1:]
	}
	if rest == "" {
		return topic
	}
	return rest
}

// Category is the envelope's category (see the Category function).
func (e *Envelope) Category() string { return Category(e.Topic) }

// ShortTopic is the envelope's topic without prefix and environment (see ShortTopic).
func (e *Envelope) ShortTopic() string { return ShortTopic(e.Topic) }

// MarshalJSON encodes the envelope the way fedmsg does, leaving out optional fields that
// are empty. It is used when an envelope made in Go (not received) has to be sent.
func (e *Envelope) MarshalJSON() ([]byte, error) {
	type wire struct {
		Topic         string          `json:"topic"`
		Msg           json.RawMessage `json:"msg"`
		Timestamp     float64         `json:"timestamp"`
		MsgID         string          `json:"msg_id,omitempty"`
		I             int64           `json:"i"`
		Username      string          `json:"username,omitempty"`
		Crypto        string          `json:"crypto,omitempty"`
		Signature     string          `json:"signature,omitempty"`
		Certificate   string          `json:"certificate,omitempty"`
		Headers       json.RawMessage `json:"headers,omitempty"`
		SourceName    string          `json:"source_name,omitempty"`
		SourceVersion string          `json:"source_version,omitempty"`
	}
	msg := e.Msg
	if len(msg) == 0 {
		msg = json.RawMessage("{}")
	}
	return json.Marshal(wire{e.Topic, msg, e.Timestamp, e.MsgID, e.I, e.Username, e.Crypto,
		e.Signature, e.Certificate, e.Headers, e.SourceName, e.SourceVersion})
}

// NewMsgID makes a fresh msg_id in fedmsg's "<year>-<uuid4>" form, for messages made here
// (the engine's own hubs.* messages, replays with new ids).
func NewMsgID(now time.Time) string {
	var b [16]byte
	rand.Read(b[:]) // never fails (crypto/rand panics rather than return an error since Go 1.24)
	b[6] = (b[6] & 0x0f) | 0x40
	b[8] = (b[8] & 0x3f) | 0x80
	return fmt.Sprintf("%d-%x-%x-%x-%x-%x", now.UTC().Year(), b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
