package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestRepoWidgetsCheck is `hubs widget check widgets/` on the repository's own widgets: it
// passes, and its only remark is that cobwebs has no hints (on purpose, said in its file).
func TestRepoWidgetsCheck(t *testing.T) {
	var stdout, stderr bytes.Buffer
	err := runWidgetTo(context.Background(), &stdout, &stderr,
		[]string{"check", "--widgets-dir", "../../widgets", "--static-dir", "../../static", "../../widgets"})
	if err != nil {
		t.Fatalf("hubs widget check widgets/: %v\n%s%s", err, stdout.String(), stderr.String())
	}
	out := strings.TrimSpace(stdout.String() + stderr.String())
	if !strings.Contains(out, "cobwebs.js: warning: no hints") {
		t.Errorf("the check did not report cobwebs' missing hints; output:\n%s", out)
	}
	for _, line := range strings.Split(out, "\n") {
		if line != "" && !strings.Contains(line, "cobwebs.js: warning: no hints") {
			t.Errorf("unexpected remark: %s", line)
		}
	}
}
