package fedmsg

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
)

// ReadRecords reads recorded bus messages, one JSON value a line, for replay. A line is
// either an envelope as fedmsg sends it, or a fixture record that holds one:
// {"topic", "msg": <envelope>, ...} (meta_examples.jsonl) or {"originals": [<envelope>...],
// ...} (conglomerate_examples.jsonl). Blank lines are skipped. Each envelope keeps its bytes
// exactly as in the file (Body), and must pass Parse: a bad line is an error naming it,
// since a replay that silently skips input would test less than it claims.
func ReadRecords(r io.Reader) ([]*Envelope, error) {
	var out []*Envelope
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 2*MaxBodySize)
	line := 0
	for sc.Scan() {
		line++
		text := bytes.TrimSpace(sc.Bytes())
		if len(text) == 0 {
			continue
		}
		envs, err := recordEnvelopes(text)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		for _, raw := range envs {
			env, err := parseRecorded(raw)
			if err != nil {
				return nil, fmt.Errorf("line %d: %w", line, err)
			}
			out = append(out, env)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("line %d: %w", line+1, err)
	}
	return out, nil
}

// recordEnvelopes finds the envelope(s) in one line.
func recordEnvelopes(line []byte) ([]json.RawMessage, error) {
	var rec struct {
		Topic     string            `json:"topic"`
		Msg       json.RawMessage   `json:"msg"`
		Originals []json.RawMessage `json:"originals"`
	}
	if err := json.Unmarshal(line, &rec); err != nil {
		return nil, fmt.Errorf("not a JSON object: %w", err)
	}
	if rec.Originals != nil {
		return rec.Originals, nil
	}
	// A fixture record's msg is an envelope of the same topic; an envelope's msg is the
	// service payload, which only by accident would have both a msg and that very topic.
	var inner struct {
		Topic *string         `json:"topic"`
		Msg   json.RawMessage `json:"msg"`
	}
	if json.Unmarshal(rec.Msg, &inner) == nil && inner.Topic != nil && *inner.Topic == rec.Topic && !isNull(inner.Msg) {
		return []json.RawMessage{rec.Msg}, nil
	}
	return []json.RawMessage{json.RawMessage(line)}, nil
}

func parseRecorded(raw json.RawMessage) (*Envelope, error) {
	var head struct {
		Topic string `json:"topic"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		return nil, fmt.Errorf("envelope is not a JSON object: %w", err)
	}
	body := bytes.Clone(raw)
	env, err := Parse([][]byte{[]byte(head.Topic), body})
	if err != nil {
		return nil, err
	}
	return env, nil
}
