package fedmsg

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

func TestReadRecordsFixtureFile(t *testing.T) {
	fixtures := loadFixtures(t)
	file, err := os.Open("../testdata/fedmsg/meta_examples.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	envs, err := ReadRecords(file)
	if err != nil {
		t.Fatal(err)
	}
	if len(envs) != len(fixtures) {
		t.Fatalf("%d envelopes, want %d", len(envs), len(fixtures))
	}
	for i, env := range envs {
		if env.Topic != fixtures[i].topic || !bytes.Equal(env.Body, fixtures[i].body) {
			t.Fatalf("envelope %d: %s, want %s with the recorded bytes", i, env.Topic, fixtures[i].topic)
		}
	}
}

func TestReadRecordsLineKinds(t *testing.T) {
	envelope := `{"topic": "org.fedoraproject.prod.git.receive", "msg": {"commit": {"rev": "1"}}, "msg_id": "2024-a"}`
	// A payload with its own topic and msg keys is still a bare envelope when the topics differ.
	tricky := `{"topic": "org.centos.prod.ci.pipeline.complete", "msg": {"topic": "x", "msg": "y"}, "msg_id": "2024-b"}`
	record := `{"topic": "org.fedoraproject.prod.git.receive", "msg": ` + envelope + `, "expected": {"usernames": []}}`
	congl := `{"originals": [` + envelope + `, ` + strings.Replace(envelope, "2024-a", "2024-c", 1) + `], "expected": []}`
	for _, tc := range []struct {
		name, input string
		ids         []string
		err         string
	}{
		{"bare envelope", envelope, []string{"2024-a"}, ""},
		{"payload with topic and msg", tricky, []string{"2024-b"}, ""},
		{"fixture record", record, []string{"2024-a"}, ""},
		{"conglomerate record", congl, []string{"2024-a", "2024-c"}, ""},
		{"blank lines", "\n" + envelope + "\n\n" + tricky + "\n", []string{"2024-a", "2024-b"}, ""},
		{"not json", envelope + "\n{oops\n", nil, "line 2: not a JSON object"},
		{"envelope without msg", envelope + "\n" + `{"topic": "a.b.c.d"}`, nil, "line 2: fedmsg: refused message: missing_msg"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			envs, err := ReadRecords(strings.NewReader(tc.input))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, e := range envs {
				ids = append(ids, e.MsgID)
			}
			if strings.Join(ids, ",") != strings.Join(tc.ids, ",") {
				t.Errorf("ids %v, want %v", ids, tc.ids)
			}
		})
	}
}
