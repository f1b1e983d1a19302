// Package fedmsgtest is what tests and benchmarks need to talk to a real libzmq peer:
// Debian's python3 with python3-zmq, running fedmsg/testdata/peer.py.
package fedmsgtest

import (
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"testing"
)

// Python is Debian's interpreter, the one that sees Debian's python3-zmq (make deps
// installs it); the first python3 on PATH may be a separate build without it.
const Python = "/usr/bin/python3"

// NeedLibzmq skips tb when Debian's python3 with python3-zmq is missing, or fails it when
// CI=true: in CI the real peer is part of what is tested.
func NeedLibzmq(tb testing.TB) {
	tb.Helper()
	out, err := exec.Command(Python, "-c", "import zmq").CombinedOutput()
	if err == nil {
		return
	}
	msg := "libzmq peer unavailable (" + Python + " with python3-zmq; `make deps` installs it): " +
		err.Error() + ": " + strings.TrimSpace(string(out))
	if os.Getenv("CI") == "true" {
		tb.Fatal(msg)
	}
	tb.Skip(msg)
}

// PeerScript is the path of fedmsg/testdata/peer.py, from any package's tests.
func PeerScript() string {
	_, file, _, _ := goruntime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "testdata", "peer.py")
}
