package runtime

import (
	"fmt"
	"strings"
	"testing"
)

// TestArchiveCacheBounds: the cache of archived messages keeps at most its bytes of JSON,
// dropping the least recently used first, and never keeps a message over archivedMaxBytes.
func TestArchiveCacheBounds(t *testing.T) {
	v := heldVM(t, newTestRuntime(t, WithPoolSize(1)))
	v.archive = newArchiveCache(3000)
	msg := func(n int, size int) []byte {
		return []byte(fmt.Sprintf(`{"msg_id":"m-%d","pad":"%s"}`, n, strings.Repeat("x", size)))
	}
	for n := range 3 {
		if _, err := v.archivedMessage(msg(n, 900)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := v.archivedMessage(msg(0, 900)); err != nil { // m-0 used again: m-1 is the oldest
		t.Fatal(err)
	}
	if _, err := v.archivedMessage(msg(3, 900)); err != nil {
		t.Fatal(err)
	}
	kept := func(b []byte) bool { _, ok := v.archive.byRaw[string(b)]; return ok }
	if !kept(msg(0, 900)) || kept(msg(1, 900)) || !kept(msg(2, 900)) || !kept(msg(3, 900)) {
		t.Errorf("kept m-0..3: %v %v %v %v, want true false true true", kept(msg(0, 900)), kept(msg(1, 900)), kept(msg(2, 900)), kept(msg(3, 900)))
	}
	if v.archive.size > 3000 {
		t.Errorf("%d bytes kept, bound 3000", v.archive.size)
	}
	v.archive = newArchiveCache(1 << 30)
	big := msg(9, archivedMaxBytes)
	val, err := v.archivedMessage(big)
	if err != nil || val == nil || kept(big) || v.archive.size != 0 {
		t.Errorf("a message over %d bytes: value %v, err %v, kept %v, size %d; want a value, not kept", archivedMaxBytes, val != nil, err, kept(big), v.archive.size)
	}
}
