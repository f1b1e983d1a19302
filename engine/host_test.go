package engine

import (
	"context"
	"encoding/json"
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
	if string(res.Messages[0]) != want {
		t.Fatalf("raw message\n%s\nwant\n%s", res.Messages[0], want)
	}
	n, err := Host{Store: st}.CountMessages(ctx, runtime.GrepQuery{Usernames: []string{"nobody"}})
	if err != nil || n != 0 {
		t.Fatalf("count for nobody: %d, %v", n, err)
	}
}
