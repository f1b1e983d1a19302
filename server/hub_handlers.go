package server

import (
	"encoding/json"
	"errors"

	"hubs/store"

	"github.com/gofiber/fiber/v2"
)

// hubWidget is a widget as /{hub}/json shows it.
type hubWidget struct {
	ID       int64           `json:"id"`
	Name     string          `json:"name"`
	Column   store.Column    `json:"column"`
	Position int             `json:"position"`
	Config   json.RawMessage `json:"config"`
}

type person struct {
	Username string `json:"username"`
	FullName string `json:"full_name"`
}

// hubBody is /{hub}/json: the hub, its widgets (left column then right, top to bottom) and
// its people by role (every role present, possibly empty).
type hubBody struct {
	store.Hub
	Widgets []hubWidget         `json:"widgets"`
	People  map[string][]person `json:"people"`
}

// hubJSON answers GET /{hub}/json.
func (s *Server) hubJSON(c *fiber.Ctx) error {
	name := c.Params("hub")
	if err := store.ValidateHubName(name); err != nil {
		return notFound(c, "no hub named "+name)
	}
	ctx := c.UserContext()
	hub, err := s.store.GetHub(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return notFound(c, "no hub named "+name)
	}
	if err != nil {
		return s.serverError(c, err)
	}
	widgets, err := s.store.ListWidgets(ctx, name)
	if err != nil {
		return s.serverError(c, err)
	}
	people, err := s.store.PeopleByRole(ctx, name)
	if err != nil {
		return s.serverError(c, err)
	}
	body := hubBody{Hub: hub, Widgets: make([]hubWidget, 0, len(widgets)), People: map[string][]person{}}
	for _, w := range widgets {
		body.Widgets = append(body.Widgets, hubWidget{ID: w.ID, Name: w.Name, Column: w.Column, Position: w.Position, Config: w.Config})
	}
	for role, users := range people {
		list := make([]person, 0, len(users))
		for _, u := range users {
			list = append(list, person{Username: u.Username, FullName: u.FullName})
		}
		body.People[string(role)] = list
	}
	return c.JSON(body)
}
