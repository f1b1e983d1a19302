package server

import (
	"errors"
	"time"

	"github.com/gofiber/fiber/v2"

	"hubs/store"
)

type loginPage struct {
	pageBase
	Dev  bool
	Next string
}

// loginPage answers GET /login: the development sign-in form with --dev, else a page
// saying that sign-in is not configured.
func (s *Server) loginPage(c *fiber.Ctx) error {
	return s.renderPage(c, "login.html", loginPage{pageBase: s.base(c, "Sign in"), Dev: s.web.dev, Next: safeNext(c.Query("next"))})
}

// devLogin answers GET /login/dev?user=NAME (only with --dev): it signs NAME in, without a
// password, and returns to next. NAME must be one of the people the server knows.
func (s *Server) devLogin(c *fiber.Ctx) error {
	if !s.web.dev {
		return s.htmlError(c, fiber.StatusNotFound, "Not found", "Development sign-in is off (start the server with --dev).")
	}
	name := c.Query("user")
	if _, err := s.store.GetUser(c.UserContext(), name); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return s.htmlError(c, fiber.StatusBadRequest, "Unknown user", "Nobody called “"+name+"” is known here.")
		}
		return s.pageFailed(c, err)
	}
	s.setSession(c, name)
	next := c.Query("next")
	if next == "" {
		next = "/" + name + "/"
	}
	return c.Redirect(safeNext(next), fiber.StatusSeeOther)
}

// logout answers POST /logout: the session cookie is dropped.
func (s *Server) logout(c *fiber.Ctx) error {
	sess := s.session(c)
	if sess.user != "" && !checkCSRF(c, sess) {
		return s.htmlError(c, fiber.StatusForbidden, "Forbidden", "This form did not come from this site.")
	}
	c.Cookie(&fiber.Cookie{Name: sessionCookie, Value: "", Path: "/", Expires: time.Unix(0, 0), HTTPOnly: true,
		SameSite: fiber.CookieSameSiteLaxMode, Secure: s.web.secure})
	return c.Redirect("/", fiber.StatusSeeOther)
}
