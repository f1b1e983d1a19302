package server_test

import (
	"net/http"
	"testing"

	"hubs/server"
)

// TestSignInNextStaysOnSite signs in through /login/dev with next= values an attacker
// could send: only same-site paths may come back as the redirect. Browsers drop tabs and
// newlines from a Location and read a backslash as a slash, so "/<TAB>/evil.example" is
// "//evil.example" to them. The next values are written as they travel in the query.
func TestSignInNextStaysOnSite(t *testing.T) {
	s := newStack(t, server.WebConfig{Dev: true})
	cases := []struct {
		name, next, want string
	}{
		{"hub path", "/designteam/", "/designteam/"},
		{"path with query", "%2Fdesignteam%2F%3Fedit%3D1", "/designteam/?edit=1"},
		{"escaped byte stays escaped", "%2Fdesignteam%2Fa%2520b", "/designteam/a%20b"},
		{"scheme-relative", "//evil.example/", "/"},
		{"tab then slash", "/%09/evil.example", "/"},
		{"newline then slash", "/%0A/evil.example", "/"},
		{"carriage return then slash", "/%0D/evil.example", "/"},
		{"space then slash", "/%20/evil.example", "/"},
		{"NUL byte", "/%00/evil.example", "/"},
		{"backslash", "/%5Cevil.example", "/"},
		{"backslash later", "/designteam/%5C%5Cevil.example", "/"},
		{"absolute URL", "https://evil.example/", "/"},
		{"javascript scheme", "javascript:alert(1)", "/"},
		{"relative path", "evil.example", "/"},
	}
	// A bare transport, not a client: a client parses the Location before it can be
	// checked, and refuses the very control bytes under test.
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, s.url+"/login/dev?user=duffy&next="+tc.next, nil)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := tr.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("status %d, want 303", resp.StatusCode)
			}
			if got := resp.Header.Get("Location"); got != tc.want {
				t.Fatalf("next=%s redirected to %q, want %q", tc.next, got, tc.want)
			}
		})
	}
}
