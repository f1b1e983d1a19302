package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"hubs/store"
)

// widgetFolder writes a widgets folder with one good widget, one with a
// contract error, and a lib, and returns its path.
func widgetFolder(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "widgets")
	files := map[string]string{
		"lib/who.js": "export const agentOf = (m) => m.msg?.agent ?? null;\n",
		"team/agent.js": `import { agentOf } from "../lib/who.js";
export default {
  title: "Agent",
  params: { who: { type: "username", required: true }, n: { type: "integer", default: 3 } },
  hints: { usernames: (c) => [c.who] },
  async data(ctx, config) {
    const page = await ctx.messages.grep({ usernames: [config.who], rows: config.n });
    return { who: config.who, hub: ctx.hub.name, owners: ctx.hub.owners, total: page.total, topics: page.raw_messages.map((m) => m.topic) };
  },
  template(d, h) { return h.html` + "`<p title=\"${d.who}\">${d.who} &amp; ${d.total}</p>`" + `; },
  shouldInvalidate(message, widget) { return agentOf(message) === widget.config.who; },
};
`,
		"broken.js": "export default {\n  title: 'Broken',\n  data() { return {}; },\n  template: 7,\n};\n",
	}
	for name, src := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func runWidgetCmd(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	args = append(args, "--static-dir", "../../static")
	err := runWidgetTo(context.Background(), &out, &errOut, args)
	return out.String(), errOut.String(), err
}

func TestWidgetCheck(t *testing.T) {
	dir := widgetFolder(t)
	out, _, err := runWidgetCmd(t, "check", dir)
	if !errors.Is(err, errCheckFailed) {
		t.Fatalf("check of a folder with a broken widget: %v", err)
	}
	if !strings.Contains(out, "broken.js:4:3: template: template is required and must be a function") {
		t.Errorf("check output lacks file:line:col: message:\n%s", out)
	}
	out, _, err = runWidgetCmd(t, "check", filepath.Join(dir, "team", "agent.js"))
	if err != nil || out != "" {
		t.Errorf("check of a good widget: %v\n%s", err, out)
	}
}

func TestWidgetRender(t *testing.T) {
	dir := widgetFolder(t)
	out, _, err := runWidgetCmd(t, "render", filepath.Join(dir, "team", "agent.js"), "--data", `{"who":"<ralph>","total":2}`)
	if err != nil {
		t.Fatal(err)
	}
	if out != "<p title=\"&lt;ralph&gt;\">&lt;ralph&gt; &amp; 2</p>\n" {
		t.Errorf("render = %q", out)
	}
	dataFile := filepath.Join(t.TempDir(), "d.json")
	os.WriteFile(dataFile, []byte(`{"who":"x","total":1}`), 0o644)
	if out, _, err = runWidgetCmd(t, "render", filepath.Join(dir, "team", "agent.js"), "--data", "@"+dataFile); err != nil || !strings.Contains(out, ">x &amp; 1<") {
		t.Errorf("render --data @file = %q, %v", out, err)
	}
	if _, _, err := runWidgetCmd(t, "render", filepath.Join(dir, "team", "agent.js"), "--data", "{nope"); err == nil {
		t.Error("bad --data accepted")
	}
}

func TestWidgetInvalidates(t *testing.T) {
	dir := widgetFolder(t)
	// The first three fixture messages: agents dgilmore, limburgher, limburgher.
	// The real bus messages kept in the repository (a copy of the shared fixtures).
	src, err := os.ReadFile("../../testdata/fedmsg/meta_examples.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitN(string(src), "\n", 4)
	jsonl := filepath.Join(t.TempDir(), "m.jsonl")
	os.WriteFile(jsonl, []byte(strings.Join(lines[:3], "\n")+"\n"), 0o644)
	out, _, err := runWidgetCmd(t, "invalidates", filepath.Join(dir, "team", "agent.js"), "--config", `{"who":"limburgher"}`, "--message", "@"+jsonl)
	if err != nil {
		t.Fatal(err)
	}
	if out != "false\ntrue\ntrue\n" {
		t.Errorf("verdicts = %q", out)
	}
	// One pretty-printed envelope.
	var rec struct {
		Msg json.RawMessage `json:"msg"`
	}
	json.Unmarshal([]byte(lines[0]), &rec)
	var pretty bytes.Buffer
	json.Indent(&pretty, rec.Msg, "", "  ")
	one := filepath.Join(t.TempDir(), "m.json")
	os.WriteFile(one, pretty.Bytes(), 0o644)
	if out, _, err = runWidgetCmd(t, "invalidates", filepath.Join(dir, "team", "agent.js"), "--config", `{"who":"dgilmore"}`, "--message", "@"+one); err != nil || out != "true\n" {
		t.Errorf("one envelope: %q, %v", out, err)
	}
	// Errors exit 2 (errUsage), with the reason on stderr.
	_, stderr, err := runWidgetCmd(t, "invalidates", filepath.Join(dir, "team", "agent.js"), "--config", `{"who":"Not Valid"}`, "--message", "@"+one)
	if !errors.Is(err, errUsage) || !strings.Contains(stderr, "who: is not a valid username") {
		t.Errorf("bad config: %v %q", err, stderr)
	}
}

func TestWidgetList(t *testing.T) {
	dir := widgetFolder(t)
	up := "export default {\n  title: 'Up',\n  async data(ctx) { return (await ctx.fetch('https://example.org/')).json(); },\n  template() { return ''; },\n};\n"
	if err := os.WriteFile(filepath.Join(dir, "team", "up.js"), []byte(up), 0o644); err != nil {
		t.Fatal(err)
	}
	out, stderr, err := runWidgetCmd(t, "list", dir)
	if !errors.Is(err, errCheckFailed) || !strings.Contains(stderr, "broken.js") {
		t.Errorf("list with a broken widget: %v %q", err, stderr)
	}
	want := "team.agent\tAgent\twho:username* n:integer=3\tusernames=f(config)\t-\n" +
		"team.up\tUp\t-\tno hints\tfetch\n"
	if out != want {
		t.Errorf("list = %q; want %q", out, want)
	}
}

// TestWidgetData runs data() against a real PostgreSQL holding real fixture
// messages and a hub.
func TestWidgetData(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// The cluster runs as the postgres user when the tests run as root: it
	// must be able to enter the folders.
	data := t.TempDir()
	for _, d := range []string{filepath.Dir(data), data} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cluster, err := store.StartCluster(ctx, data)
	if errors.Is(err, store.ErrNoPostgres) && os.Getenv("CI") != "true" {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cluster.Stop() })
	s, err := store.Open(ctx, cluster.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.EnsureUser(ctx, "nirik", "Kevin Fenzi"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateHub(ctx, store.Hub{Name: "infra", Summary: "Infra"}, nil, []store.Membership{{Username: "nirik", Role: store.RoleOwner}}); err != nil {
		t.Fatal(err)
	}
	for i, topic := range []string{"org.fedoraproject.prod.git.mass_branch.complete", "org.fedoraproject.prod.fas.user.update"} {
		m := store.Message{MsgID: "2026-test-" + string(rune('a'+i)), Topic: topic, Timestamp: time.Unix(1344350850+int64(i), 0),
			Category: strings.Split(topic, ".")[3], Msg: []byte(`{"agent":"dgilmore"}`), Usernames: []string{"dgilmore"}}
		if _, err := s.ArchiveMessage(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	dir := widgetFolder(t)
	out, _, err := runWidgetCmd(t, "data", filepath.Join(dir, "team", "agent.js"), "--config", `{"who":"dgilmore"}`, "--hub", "infra", "--database-url", cluster.URL())
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if got["hub"] != "infra" || got["total"] != 2.0 || len(got["topics"].([]any)) != 2 || got["owners"].([]any)[0] != "nirik" {
		t.Errorf("data = %s", out)
	}
}
