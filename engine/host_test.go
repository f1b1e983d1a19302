package engine

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"hubs/runtime"
	"hubs/store"
	"hubs/store/storetest"
)

// GrepMessages gives data() each archived message as the envelope fedmsg sent: every field
// back, the timestamp in epoch seconds, headers {} when there were none.
func TestHostGrepMessages(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t)
	when := time.Unix(1_700_000_000, 250_000_000)
	in := store.Message{MsgID: "2026-host-1", I: 3, Topic: "org.fedoraproject.prod.bodhi.update.comment", Timestamp: when,
		Category: "bodhi", Username: "bodhi", Crypto: "x509", Certificate: "cert", Signature: "sig",
		SourceName: "datanommer", SourceVersion: "1.0", Msg: json.RawMessage(`{"comment":{"user":{"name":"ralph"}}}`),
		Usernames: []string{"ralph"}}
	if _, err := st.ArchiveMessage(ctx, in); err != nil {
		t.Fatal(err)
	}
	res, err := Host{Store: st}.GrepMessages(ctx, runtime.GrepQuery{Usernames: []string{"ralph"}, Rows: 10})
	if err != nil {
		t.Fatal(err)
	}
	if res.Total != 1 || res.Pages != 1 || len(res.Messages) != 1 {
		t.Fatalf("result %+v", res)
	}
	want := `{"certificate":"cert","crypto":"x509","headers":{},"i":3,"msg":{"comment":{"user":{"name":"ralph"}}},` +
		`"msg_id":"2026-host-1","signature":"sig","source_name":"datanommer","source_version":"1.0",` +
		`"timestamp":1700000000.25,"topic":"org.fedoraproject.prod.bodhi.update.comment","username":"bodhi"}`
	// The values, not the bytes: the body is PostgreSQL's JSON text, spaces included.
	if !sameJSON(t, res.Messages[0], []byte(want)) {
		t.Fatalf("raw message\n%s\nwant\n%s", res.Messages[0], want)
	}
	n, err := Host{Store: st}.CountMessages(ctx, runtime.GrepQuery{Usernames: []string{"nobody"}})
	if err != nil || n != 0 {
		t.Fatalf("count for nobody: %d, %v", n, err)
	}
}

// sameJSON reports whether a and b are valid JSON for the same value.
func sameJSON(t *testing.T, a, b []byte) bool {
	t.Helper()
	var va, vb any
	if err := json.Unmarshal(a, &va); err != nil {
		t.Fatalf("%s: %v", a, err)
	}
	if err := json.Unmarshal(b, &vb); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	return reflect.DeepEqual(va, vb)
}

// appendRawMessage writes the same envelope encoding/json writes, whatever the strings
// hold: quotes, backslashes, control characters, HTML's <>&, non-ASCII, U+2028; a message
// without a body gets null, as a nil RawMessage did.
func TestAppendRawMessage(t *testing.T) {
	odd := "a\"b\\c\n\t\x01\x1f <tag> & é 中 \u2028 end"
	for _, c := range []struct {
		name string
		m    store.Message
	}{
		{"odd strings", store.Message{MsgID: odd, I: -1, Topic: odd, Timestamp: time.Unix(0, 0), Username: odd, Crypto: odd,
			Certificate: odd, Signature: odd, SourceName: odd, SourceVersion: odd,
			Msg: json.RawMessage(`{"k": [1, 2.5, "x\"y", null, {"n": {}}]}`), Headers: json.RawMessage(`{"h": "v"}`)}},
		{"plain", store.Message{MsgID: "2026-x", Timestamp: time.Unix(1_700_000_000, 123_456_000), Msg: json.RawMessage(`{}`)}},
		{"no body", store.Message{MsgID: "2026-y", Timestamp: time.Unix(1, 0)}},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := c.m
			headers := m.Headers
			if len(headers) == 0 {
				headers = json.RawMessage("{}")
			}
			want, err := json.Marshal(map[string]any{
				"certificate": m.Certificate, "crypto": m.Crypto, "headers": headers, "i": m.I, "msg": m.Msg,
				"msg_id": m.MsgID, "signature": m.Signature, "source_name": m.SourceName,
				"source_version": m.SourceVersion, "timestamp": epochSeconds(m.Timestamp), "topic": m.Topic,
				"username": m.Username,
			})
			if err != nil {
				t.Fatal(err)
			}
			got := appendRawMessage([]byte("prefix"), m)
			if string(got[:6]) != "prefix" {
				t.Fatalf("the buffer's start was overwritten: %q", got[:6])
			}
			if !sameJSON(t, got[6:], want) {
				t.Fatalf("raw message\n%s\nwant\n%s", got[6:], want)
			}
		})
	}
}
