package main

import (
	"net/http"
	"syscall"
	"testing"

	"hubs/store/storetest"
)

// TestServeSecureCookies starts serve and signs in through /login/dev: the session cookie is
// Secure exactly when HUBS_SECURE_COOKIES (--secure-cookies) says so. Off by default, or
// plain-HTTP localhost would never get its session back.
func TestServeSecureCookies(t *testing.T) {
	tests := []struct {
		name   string
		env    []string
		secure bool
	}{
		{"default", nil, false},
		{"environment", []string{"HUBS_SECURE_COOKIES=true"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := append([]string{"HUBS_DATABASE_URL=" + storetest.EmptyURL(t), "HUBS_DEV=true"}, tt.env...)
			p := startServe(t, t.TempDir(), env...)
			defer p.stop(t, syscall.SIGTERM)
			client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			resp, err := client.Get("http://" + p.addr + "/login/dev?user=duffy&next=/designteam/")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("/login/dev: %d\n%s", resp.StatusCode, p.logs)
			}
			var session *http.Cookie
			for _, c := range resp.Cookies() {
				if c.Name == "hubs_session" {
					session = c
				}
			}
			if session == nil {
				t.Fatalf("no session cookie in %q", resp.Header.Values("Set-Cookie"))
			}
			if session.Secure != tt.secure {
				t.Fatalf("session cookie Secure=%v, want %v (%q)", session.Secure, tt.secure, resp.Header.Values("Set-Cookie"))
			}
		})
	}
}
