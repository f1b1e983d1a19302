package server

import (
	"errors"

	"github.com/gofiber/fiber/v2"
)

// errorBody is the JSON of every error response.
type errorBody struct {
	Error string `json:"error"`
}

// jsonError answers with status and a JSON body naming the problem.
func jsonError(c *fiber.Ctx, status int, msg string) error {
	return c.Status(status).JSON(errorBody{Error: msg})
}

func notFound(c *fiber.Ctx, msg string) error { return jsonError(c, fiber.StatusNotFound, msg) }

// serverError logs err (the one place it is logged) and answers 500 without its details,
// which may name tables or hosts.
func (s *Server) serverError(c *fiber.Ctx, err error) error {
	s.log.Error("request failed", "method", c.Method(), "path", c.Path(), "err", err)
	return jsonError(c, fiber.StatusInternalServerError, "internal error")
}

// handleError is fiber's error handler: errors handlers return instead of answering.
func (s *Server) handleError(c *fiber.Ctx, err error) error {
	var fe *fiber.Error
	if errors.As(err, &fe) {
		return jsonError(c, fe.Code, fe.Message)
	}
	return s.serverError(c, err)
}
