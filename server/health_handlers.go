package server

import (
	"context"

	"github.com/gofiber/fiber/v2"
)

type healthBody struct {
	Status string `json:"status"`
	Error  string `json:"error,omitempty"`
}

// health answers 200 when the database answers a query within the health timeout, 503
// otherwise, so that a load balancer stops sending traffic to a server that cannot work.
func (s *Server) health(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), s.healthTimeout)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		s.log.Warn("health check: database unavailable", "err", err)
		return c.Status(fiber.StatusServiceUnavailable).JSON(healthBody{Status: "unavailable", Error: "database unavailable"})
	}
	return c.JSON(healthBody{Status: "ok"})
}
