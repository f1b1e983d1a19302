package server

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"hubs/store"
)

// hubActions are the membership actions of the original Fedora Hubs' API: each gives or
// takes one role of the signed-in user on the hub.
var hubActions = map[string]struct {
	role store.Role
	set  bool
}{
	"subscribe":   {store.RoleSubscriber, true},
	"unsubscribe": {store.RoleSubscriber, false},
	"star":        {store.RoleStargazer, true},
	"unstar":      {store.RoleStargazer, false},
	"join":        {store.RoleMember, true},
	"leave":       {store.RoleMember, false},
}

type actionBody struct {
	Hub   string       `json:"hub"`
	User  string       `json:"user"`
	Roles []store.Role `json:"roles"`
}

// hubAction answers POST /api/hub/{hub}/{subscribe,unsubscribe,star,unstar,join,leave}
// for any signed-in user. A fetch (Accept: application/json) gets the user's roles on the
// hub as JSON; a form post goes back to the hub page.
func (s *Server) hubAction(c *fiber.Ctx) error {
	act, ok := hubActions[c.Params("action")]
	if !ok {
		return notFound(c, "no action "+c.Params("action"))
	}
	l, err := s.layoutOf(c, false)
	if l == nil {
		return err
	}
	back := "/" + l.hub.Name + "/"
	sess, ok, err := s.mutation(c, l, "", back)
	if !ok {
		return err
	}
	ctx := c.UserContext()
	if act.set {
		err = s.store.SetRole(ctx, l.hub.Name, sess.user, act.role)
	} else {
		err = s.store.UnsetRole(ctx, l.hub.Name, sess.user, act.role)
	}
	if err != nil {
		return s.serverError(c, err)
	}
	if !strings.Contains(c.Get(fiber.HeaderAccept), fiber.MIMEApplicationJSON) {
		return c.Redirect(back, fiber.StatusSeeOther)
	}
	roles, err := s.store.RolesOf(ctx, l.hub.Name, sess.user)
	if err != nil {
		return s.serverError(c, err)
	}
	return c.JSON(actionBody{Hub: l.hub.Name, User: sess.user, Roles: roles})
}
