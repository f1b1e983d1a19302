package server

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"hubs/store"
)

// Sessions are stateless: the cookie holds the user name and an expiry, signed with the
// server's key (HMAC-SHA256). The CSRF token is derived from the cookie the same way, so
// it needs no storage either and changes with every sign-in; a form or a fetch must send
// it back (field _csrf or header X-CSRF-Token) with every mutation. The cookie is
// HttpOnly and SameSite=Lax: another site can link to a page but cannot post with it.
const (
	sessionCookie   = "hubs_session"
	sessionLifetime = 30 * 24 * time.Hour
	csrfField       = "_csrf"
	csrfHeader      = "X-CSRF-Token"
)

// session is the signed-in user of a request ("" when nobody is).
type session struct {
	user string
	csrf string
}

func (w *web) sign(parts ...string) string {
	m := hmac.New(sha256.New, w.key)
	for _, p := range parts {
		m.Write([]byte(p))
		m.Write([]byte{0})
	}
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// newSessionValue is the cookie value for username, valid until expires.
func (w *web) newSessionValue(username string, expires time.Time) string {
	user := base64.RawURLEncoding.EncodeToString([]byte(username))
	exp := strconv.FormatInt(expires.Unix(), 10)
	return user + "." + exp + "." + w.sign("session", user, exp)
}

// parseSession checks a cookie value and returns its user.
func (w *web) parseSession(value string, now time.Time) (string, bool) {
	user, rest, ok := strings.Cut(value, ".")
	if !ok {
		return "", false
	}
	exp, mac, ok := strings.Cut(rest, ".")
	if !ok || !hmac.Equal([]byte(mac), []byte(w.sign("session", user, exp))) {
		return "", false
	}
	n, err := strconv.ParseInt(exp, 10, 64)
	if err != nil || now.Unix() > n {
		return "", false
	}
	name, err := base64.RawURLEncoding.DecodeString(user)
	if err != nil || len(name) == 0 {
		return "", false
	}
	return string(name), true
}

// session reads the request's session cookie.
func (s *Server) session(c *fiber.Ctx) session {
	v := c.Cookies(sessionCookie)
	if v == "" {
		return session{}
	}
	user, ok := s.web.parseSession(v, time.Now())
	if !ok {
		return session{}
	}
	return session{user: user, csrf: s.web.sign("csrf", v)[:32]}
}

// setSession signs username in.
func (s *Server) setSession(c *fiber.Ctx, username string) {
	exp := time.Now().Add(sessionLifetime)
	c.Cookie(&fiber.Cookie{Name: sessionCookie, Value: s.web.newSessionValue(username, exp), Path: "/",
		Expires: exp, HTTPOnly: true, SameSite: fiber.CookieSameSiteLaxMode, Secure: s.web.secure})
}

// checkCSRF reports whether the request carries the session's CSRF token.
func checkCSRF(c *fiber.Ctx, sess session) bool {
	got := c.Get(csrfHeader)
	if got == "" {
		got = c.FormValue(csrfField)
	}
	return sess.csrf != "" && subtle.ConstantTimeCompare([]byte(got), []byte(sess.csrf)) == 1
}

// loginURL sends someone to sign in and come back to next.
func loginURL(next string) string { return "/login?next=" + url.QueryEscape(next) }

// safeNext keeps only same-site paths as a place to return to after sign-in. Browsers
// drop tabs and newlines from a URL and read a backslash as a slash, so "/\t/evil.example"
// and "/\evil.example" are "//evil.example" to them: a path with any control byte, space or
// backslash is refused outright rather than cleaned.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") {
		return "/"
	}
	for i := 0; i < len(next); i++ {
		if next[i] <= 0x20 || next[i] == '\\' {
			return "/"
		}
	}
	if u, err := url.Parse(next); err != nil || u.Scheme != "" || u.Host != "" {
		return "/"
	}
	return next
}

// mutation checks what every state-changing request needs: a session (else a redirect
// to sign in, to come back to back), the CSRF token (else 403), and, when role is set,
// that the user holds it on the hub of l (else 403 with a page that says so). It returns
// the session and whether the handler may go on; when it may not, the answer is sent.
func (s *Server) mutation(c *fiber.Ctx, l *layout, need store.Role, back string) (session, bool, error) {
	sess := s.session(c)
	if sess.user == "" {
		return sess, false, c.Redirect(loginURL(back), fiber.StatusSeeOther)
	}
	if !checkCSRF(c, sess) {
		return sess, false, s.htmlError(c, fiber.StatusForbidden, "Forbidden",
			"This form has expired or did not come from this site. Go back, reload the page and try again.")
	}
	if need != "" && !hasRole(l.roles(sess.user), need) {
		return sess, false, s.htmlError(c, fiber.StatusForbidden, "Forbidden",
			"Only the "+string(need)+"s of "+l.hub.Name+" can do that, and "+sess.user+" is not one.")
	}
	return sess, true, nil
}

func hasRole(roles []store.Role, r store.Role) bool {
	for _, x := range roles {
		if x == r {
			return true
		}
	}
	return false
}
