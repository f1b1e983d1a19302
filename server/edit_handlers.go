package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"hubs/runtime"
	"hubs/store"
)

// fieldView is one form field generated from a widget param.
type fieldView struct {
	Name, Label, Help, Type string
	Value                   string
	Checked                 bool
	Required                bool
	Min, Max                string
	Default                 string
	Choices                 []choiceView
	Error                   string
}

type choiceView struct {
	Value    string
	Selected bool
}

type editPage struct {
	pageBase
	Hub         string
	ID          int64
	WidgetTitle string
	Fields      []fieldView
	Errors      bool
	General     string
}

// configErrors is the JSON answer of a config that did not validate.
type configErrors struct {
	Error  string            `json:"error"`
	Fields map[string]string `json:"fields"`
}

// ownerWidget resolves the hub and widget of an owner-only route and checks the request:
// session, CSRF (unless get), owner role. ok false means the answer is sent.
func (s *Server) ownerWidget(c *fiber.Ctx, get bool) (l *layout, w store.Widget, ok bool, err error) {
	l, err = s.layoutOf(c, true)
	if l == nil {
		return nil, w, false, err
	}
	w, found := widgetIn(c, l)
	if !found {
		return nil, w, false, s.htmlError(c, fiber.StatusNotFound, "Not found", "The hub "+l.hub.Name+" has no widget "+c.Params("idx")+".")
	}
	if get {
		sess := s.session(c)
		if sess.user == "" {
			return nil, w, false, c.Redirect(loginURL(c.OriginalURL()), fiber.StatusSeeOther)
		}
		if !hasRole(l.roles(sess.user), store.RoleOwner) {
			return nil, w, false, s.htmlError(c, fiber.StatusForbidden, "Forbidden",
				"Only the owners of "+l.hub.Name+" can configure its widgets, and "+sess.user+" is not one.")
		}
		return l, w, true, nil
	}
	_, ok, err = s.mutation(c, l, store.RoleOwner, "/"+l.hub.Name+"/")
	return l, w, ok, err
}

// editForm answers GET /{hub}/{idx}/edit: the config form, generated from the widget's
// params, filled with the current values.
func (s *Server) editForm(c *fiber.Ctx) error {
	l, w, ok, err := s.ownerWidget(c, true)
	if !ok {
		return err
	}
	code, err := s.web.engine.Runtime().Widget(w.Name)
	if err != nil {
		return s.htmlError(c, fiber.StatusConflict, "Widget not available", "The widget "+w.Name+" is not loaded on this server, so its settings cannot be edited.")
	}
	var current map[string]any
	_ = json.Unmarshal(w.Config, &current)
	values := map[string]string{}
	checked := map[string]bool{}
	for k, v := range current {
		values[k] = formValue(v)
		checked[k] = v == true
	}
	return s.renderEdit(c, l, w, code, values, checked, nil, "")
}

func (s *Server) renderEdit(c *fiber.Ctx, l *layout, w store.Widget, code *runtime.Widget, values map[string]string,
	checked map[string]bool, errs map[string]string, general string) error {
	p := editPage{pageBase: s.base(c, "Configure "+code.Title), Hub: l.hub.Name, ID: w.ID, WidgetTitle: code.Title,
		Errors: len(errs) > 0, General: general}
	for _, prm := range code.Params {
		f := fieldView{Name: prm.Name, Label: prm.Label, Help: prm.Help, Type: prm.Type, Required: prm.Required,
			Value: values[prm.Name], Checked: checked[prm.Name], Error: errs[prm.Name]}
		if f.Label == "" {
			f.Label = prm.Name
		}
		if prm.Min != nil {
			f.Min = strconv.FormatFloat(*prm.Min, 'f', -1, 64)
		}
		if prm.Max != nil {
			f.Max = strconv.FormatFloat(*prm.Max, 'f', -1, 64)
		}
		if prm.Default != nil && prm.Type != "boolean" {
			f.Default = formValue(prm.Default)
		}
		if _, set := values[prm.Name]; !set && prm.Default != nil {
			f.Value = formValue(prm.Default)
			f.Checked = prm.Default == true
		}
		for _, ch := range prm.Choices {
			v := formValue(ch)
			f.Choices = append(f.Choices, choiceView{Value: v, Selected: v == f.Value})
		}
		p.Fields = append(p.Fields, f)
	}
	// Problems that belong to no field (an unknown one in a JSON body) are listed too.
	for k, msg := range errs {
		if !hasParam(code, k) {
			p.General += fmt.Sprintf(" %s: %s.", strings.TrimSpace(k), msg)
		}
	}
	if len(errs) > 0 {
		c.Status(fiber.StatusUnprocessableEntity)
	}
	return s.renderPage(c, "edit.html", p)
}

func hasParam(w *runtime.Widget, name string) bool {
	for _, p := range w.Params {
		if p.Name == name {
			return true
		}
	}
	return false
}

// formValue shows a config value in a form field.
func formValue(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

// saveConfig answers POST /{hub}/{idx}/edit. Every field is validated (the param's
// type, required, http(s) links, validate() of the widget, and that usernames exist);
// with any error nothing is saved and the form comes back with the errors beside their
// fields (422). Otherwise the config is saved in one transaction, and the store's change
// announcement takes it to the engine and to every open page of the hub. A JSON body
// gets JSON answers.
func (s *Server) saveConfig(c *fiber.Ctx) error {
	l, w, ok, err := s.ownerWidget(c, false)
	if !ok {
		return err
	}
	ctx := c.UserContext()
	rt := s.web.engine.Runtime()
	code, err := rt.Widget(w.Name)
	if err != nil {
		return s.htmlError(c, fiber.StatusConflict, "Widget not available", "The widget "+w.Name+" is not loaded on this server, so its settings cannot be saved.")
	}
	asJSON := strings.HasPrefix(c.Get(fiber.HeaderContentType), fiber.MIMEApplicationJSON)
	config := map[string]any{}
	values := map[string]string{}
	checked := map[string]bool{}
	if asJSON {
		if err := json.Unmarshal(c.Body(), &config); err != nil {
			return jsonError(c, fiber.StatusBadRequest, "the body is not a JSON object: "+err.Error())
		}
	} else {
		args := c.Request().PostArgs()
		for _, p := range code.Params {
			vals := args.PeekMulti(p.Name)
			if p.Type == "boolean" {
				on := false
				for _, v := range vals {
					on = on || string(v) == "true" || string(v) == "on"
				}
				config[p.Name], checked[p.Name] = on, on
				continue
			}
			if len(vals) == 0 {
				continue
			}
			v := string(vals[0])
			values[p.Name] = v
			if strings.TrimSpace(v) != "" || p.Type == "text" {
				config[p.Name] = v
			}
		}
	}
	norm, errs, err := rt.Validate(ctx, w.Name, config)
	if err != nil {
		s.log.Warn("widget config validation failed", "widget", w.Name, "id", w.ID, "err", err)
		msg := "The widget's own check failed: " + errorMessage(err)
		if asJSON {
			return jsonError(c, fiber.StatusUnprocessableEntity, msg)
		}
		return s.renderEdit(c, l, w, code, values, checked, map[string]string{}, msg)
	}
	for _, p := range code.Params {
		name, isString := norm[p.Name].(string)
		if p.Type != "username" || !isString || errs[p.Name] != "" {
			continue
		}
		if _, err := s.store.GetUser(ctx, name); errors.Is(err, store.ErrNotFound) {
			errs[p.Name] = "is not a known user"
		} else if err != nil {
			return s.pageFailed(c, err)
		}
	}
	if len(errs) > 0 {
		if asJSON {
			return c.Status(fiber.StatusUnprocessableEntity).JSON(configErrors{Error: "invalid config", Fields: errs})
		}
		return s.renderEdit(c, l, w, code, values, checked, errs, "")
	}
	raw, err := json.Marshal(norm)
	if err != nil {
		return s.pageFailed(c, err)
	}
	saved, err := s.store.UpdateWidgetConfig(ctx, w.ID, raw)
	if err != nil {
		return s.pageFailed(c, err)
	}
	if asJSON {
		return c.JSON(fiber.Map{"id": saved.ID, "config": saved.Config})
	}
	return c.Redirect(fmt.Sprintf("/%s/#widget-%d", l.hub.Name, w.ID), fiber.StatusSeeOther)
}

// addWidget answers POST /{hub}/add (owners): the chosen widget goes to the top of the
// chosen column with its default config; when its params need values, the owner is sent
// to its form.
func (s *Server) addWidget(c *fiber.Ctx) error {
	l, err := s.layoutOf(c, true)
	if l == nil {
		return err
	}
	back := "/" + l.hub.Name + "/"
	if _, ok, err := s.mutation(c, l, store.RoleOwner, back); !ok {
		return err
	}
	name, column := c.FormValue("name"), store.Column(c.FormValue("column"))
	rt := s.web.engine.Runtime()
	if _, err := rt.Widget(name); err != nil || !column.Valid() {
		return s.htmlError(c, fiber.StatusBadRequest, "Bad request", "Choose one of the widgets offered, and the left or the right column.")
	}
	norm, errs, err := rt.Validate(c.UserContext(), name, map[string]any{})
	if err != nil {
		s.log.Warn("widget defaults validation failed", "widget", name, "err", err)
		norm, errs = map[string]any{}, map[string]string{"": "validate"}
	}
	created, err := s.store.CreateWidget(c.UserContext(), l.hub.Name, store.NewWidget{Name: name, Column: column, Config: norm}, 0)
	if err != nil {
		return s.pageFailed(c, err)
	}
	if len(errs) > 0 {
		return c.Redirect(fmt.Sprintf("/%s/%d/edit", l.hub.Name, created.ID), fiber.StatusSeeOther)
	}
	return c.Redirect(fmt.Sprintf("%s#widget-%d", back, created.ID), fiber.StatusSeeOther)
}

// moveWidget answers POST /{hub}/{idx}/move (owners): column and position (from 0).
func (s *Server) moveWidget(c *fiber.Ctx) error {
	l, w, ok, err := s.ownerWidget(c, false)
	if !ok {
		return err
	}
	column := store.Column(c.FormValue("column"))
	pos, perr := strconv.Atoi(c.FormValue("position"))
	if !column.Valid() || perr != nil || pos < 0 {
		return s.htmlError(c, fiber.StatusBadRequest, "Bad request", "A move needs a column (left or right) and a position from 0.")
	}
	if _, err := s.store.MoveWidget(c.UserContext(), w.ID, column, pos); err != nil {
		return s.pageFailed(c, err)
	}
	return c.Redirect(fmt.Sprintf("/%s/#widget-%d", l.hub.Name, w.ID), fiber.StatusSeeOther)
}

// deleteWidget answers POST /{hub}/{idx}/delete (owners).
func (s *Server) deleteWidget(c *fiber.Ctx) error {
	l, w, ok, err := s.ownerWidget(c, false)
	if !ok {
		return err
	}
	if err := s.store.DeleteWidget(c.UserContext(), w.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
		return s.pageFailed(c, err)
	}
	return c.Redirect("/"+l.hub.Name+"/", fiber.StatusSeeOther)
}
