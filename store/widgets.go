package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Column is the side of a hub page a widget sits in.
type Column string

// The two columns of a hub page.
const (
	ColumnLeft  Column = "left"
	ColumnRight Column = "right"
)

// Valid reports whether c is left or right.
func (c Column) Valid() bool { return c == ColumnLeft || c == ColumnRight }

// Widget is one instance of a widget on a hub. Positions count from 0, top to bottom, and
// stay dense within a column.
type Widget struct {
	ID       int64           `json:"id"`
	Hub      string          `json:"hub"`
	Name     string          `json:"name"`
	Column   Column          `json:"column"`
	Position int             `json:"position"`
	Config   json.RawMessage `json:"config"`
	Created  time.Time       `json:"created"`
	Updated  time.Time       `json:"updated"`
}

const widgetColumns = `id, hub, name, "column", position, config, created, updated`

func scanWidget(row pgx.Row) (Widget, error) {
	var w Widget
	var config []byte
	err := row.Scan(&w.ID, &w.Hub, &w.Name, &w.Column, &w.Position, &config, &w.Created, &w.Updated)
	w.Config = config
	return w, err
}

func collectWidgets(rows pgx.Rows) ([]Widget, error) {
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Widget, error) { return scanWidget(r) })
}

// ListWidgets returns the widgets of hub: the left column top to bottom, then the right.
func (s *Store) ListWidgets(ctx context.Context, hub string) ([]Widget, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+widgetColumns+` FROM widgets WHERE hub = $1 ORDER BY "column", position`, hub)
	if err != nil {
		return nil, fmt.Errorf("widgets of hub %q: %w", hub, err)
	}
	ws, err := collectWidgets(rows)
	if err != nil {
		return nil, fmt.Errorf("widgets of hub %q: %w", hub, err)
	}
	return ws, nil
}

// ListAllWidgets returns every widget of every hub (the engine builds its hint index from it).
func (s *Store) ListAllWidgets(ctx context.Context) ([]Widget, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+widgetColumns+` FROM widgets ORDER BY hub, "column", position`)
	if err != nil {
		return nil, fmt.Errorf("list all widgets: %w", err)
	}
	ws, err := collectWidgets(rows)
	if err != nil {
		return nil, fmt.Errorf("list all widgets: %w", err)
	}
	return ws, nil
}

// GetWidget returns widget id, or an error wrapping ErrNotFound. Callers serving
// /{hub}/{id}/ must check that Widget.Hub is that hub.
func (s *Store) GetWidget(ctx context.Context, id int64) (Widget, error) {
	w, err := scanWidget(s.pool.QueryRow(ctx, `SELECT `+widgetColumns+` FROM widgets WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return Widget{}, fmt.Errorf("widget %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return Widget{}, fmt.Errorf("get widget %d: %w", id, err)
	}
	return w, nil
}

// CreateWidget adds w to hub at position in its column (position < 0, or past the end,
// appends), moving the widgets below it down.
func (s *Store) CreateWidget(ctx context.Context, hub string, w NewWidget, position int) (Widget, error) {
	var created Widget
	err := s.write(ctx, func(tx pgx.Tx) ([]Change, error) {
		var err error
		created, err = insertWidget(ctx, tx, hub, w, position)
		if err != nil {
			return nil, err
		}
		return []Change{{Kind: ChangeWidget, Hub: hub, WidgetID: created.ID}}, nil
	})
	return created, err
}

func insertWidget(ctx context.Context, tx pgx.Tx, hub string, w NewWidget, position int) (Widget, error) {
	if w.Name == "" {
		return Widget{}, fmt.Errorf("add widget to hub %q: empty widget name: %w", hub, ErrInvalid)
	}
	if !w.Column.Valid() {
		return Widget{}, fmt.Errorf("add widget %s to hub %q: column %q is not left or right: %w", w.Name, hub, w.Column, ErrInvalid)
	}
	config := w.Config
	if config == nil {
		config = map[string]any{}
	}
	raw, err := json.Marshal(config)
	if err != nil {
		return Widget{}, fmt.Errorf("add widget %s to hub %q: config: %w", w.Name, hub, err)
	}
	// Lock the hub row: two writers placing widgets on one hub at once take turns, so the
	// positions they compute do not collide.
	if err := lockHub(ctx, tx, hub); err != nil {
		return Widget{}, fmt.Errorf("add widget %s: %w", w.Name, err)
	}
	var n int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM widgets WHERE hub = $1 AND "column" = $2`, hub, w.Column).Scan(&n); err != nil {
		return Widget{}, fmt.Errorf("add widget %s to hub %q: %w", w.Name, hub, err)
	}
	if position < 0 || position > n {
		position = n
	}
	if _, err := tx.Exec(ctx, `UPDATE widgets SET position = position + 1 WHERE hub = $1 AND "column" = $2 AND position >= $3`,
		hub, w.Column, position); err != nil {
		return Widget{}, fmt.Errorf("add widget %s to hub %q: make room: %w", w.Name, hub, err)
	}
	created, err := scanWidget(tx.QueryRow(ctx, `
		INSERT INTO widgets (hub, name, "column", position, config) VALUES ($1, $2, $3, $4, $5)
		RETURNING `+widgetColumns, hub, w.Name, w.Column, position, raw))
	if isForeignKeyViolation(err) {
		return Widget{}, fmt.Errorf("add widget %s to hub %q: %w", w.Name, hub, ErrNotFound)
	}
	if err != nil {
		return Widget{}, fmt.Errorf("add widget %s to hub %q: %w", w.Name, hub, err)
	}
	return created, nil
}

// UpdateWidgetConfig replaces the configuration of widget id; config must be a JSON object.
// Validating it against the widget's params is the caller's job.
func (s *Store) UpdateWidgetConfig(ctx context.Context, id int64, config json.RawMessage) (Widget, error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(config, &obj); err != nil || obj == nil {
		return Widget{}, fmt.Errorf("widget %d: config must be a JSON object: %w", id, ErrInvalid)
	}
	var saved Widget
	err := s.write(ctx, func(tx pgx.Tx) ([]Change, error) {
		var err error
		saved, err = scanWidget(tx.QueryRow(ctx, `
			UPDATE widgets SET config = $2, updated = now() WHERE id = $1
			RETURNING `+widgetColumns, id, []byte(config)))
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, fmt.Errorf("widget %d: %w", id, ErrNotFound)
		}
		if err != nil {
			return nil, fmt.Errorf("update widget %d config: %w", id, err)
		}
		return []Change{{Kind: ChangeWidget, Hub: saved.Hub, WidgetID: id}}, nil
	})
	return saved, err
}

// MoveWidget puts widget id at position in column (past the end appends), closing the gap it
// leaves and moving the widgets below its new place down.
func (s *Store) MoveWidget(ctx context.Context, id int64, column Column, position int) (Widget, error) {
	if !column.Valid() {
		return Widget{}, fmt.Errorf("move widget %d: column %q is not left or right: %w", id, column, ErrInvalid)
	}
	var moved Widget
	err := s.write(ctx, func(tx pgx.Tx) ([]Change, error) {
		old, err := lockWidget(ctx, tx, id)
		if err != nil {
			return nil, fmt.Errorf("move widget %d: %w", id, err)
		}
		// Take it out of its column, then make room in the target one. The unique slot
		// constraint is deferred to commit, so the interim duplicates are fine.
		if _, err := tx.Exec(ctx, `UPDATE widgets SET position = position - 1 WHERE hub = $1 AND "column" = $2 AND position > $3`,
			old.Hub, old.Column, old.Position); err != nil {
			return nil, fmt.Errorf("move widget %d: close gap: %w", id, err)
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM widgets WHERE hub = $1 AND "column" = $2 AND id <> $3`, old.Hub, column, id).Scan(&n); err != nil {
			return nil, fmt.Errorf("move widget %d: %w", id, err)
		}
		if position < 0 || position > n {
			position = n
		}
		if _, err := tx.Exec(ctx, `UPDATE widgets SET position = position + 1 WHERE hub = $1 AND "column" = $2 AND position >= $3 AND id <> $4`,
			old.Hub, column, position, id); err != nil {
			return nil, fmt.Errorf("move widget %d: make room: %w", id, err)
		}
		moved, err = scanWidget(tx.QueryRow(ctx, `
			UPDATE widgets SET "column" = $2, position = $3, updated = now() WHERE id = $1
			RETURNING `+widgetColumns, id, column, position))
		if err != nil {
			return nil, fmt.Errorf("move widget %d: %w", id, err)
		}
		return []Change{{Kind: ChangeWidget, Hub: old.Hub, WidgetID: id}}, nil
	})
	return moved, err
}

// DeleteWidget removes widget id and closes the gap in its column.
func (s *Store) DeleteWidget(ctx context.Context, id int64) error {
	return s.write(ctx, func(tx pgx.Tx) ([]Change, error) {
		old, err := lockWidget(ctx, tx, id)
		if err != nil {
			return nil, fmt.Errorf("delete widget %d: %w", id, err)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM widgets WHERE id = $1`, id); err != nil {
			return nil, fmt.Errorf("delete widget %d: %w", id, err)
		}
		if _, err := tx.Exec(ctx, `UPDATE widgets SET position = position - 1 WHERE hub = $1 AND "column" = $2 AND position > $3`,
			old.Hub, old.Column, old.Position); err != nil {
			return nil, fmt.Errorf("delete widget %d: close gap: %w", id, err)
		}
		return []Change{{Kind: ChangeWidget, Hub: old.Hub, WidgetID: id, Deleted: true}}, nil
	})
}

// lockHub takes the row lock of hub until the end of tx; it serialises layout changes.
func lockHub(ctx context.Context, tx pgx.Tx, hub string) error {
	var one int
	err := tx.QueryRow(ctx, `SELECT 1 FROM hubs WHERE name = $1 FOR UPDATE`, hub).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("hub %q: %w", hub, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("lock hub %q: %w", hub, err)
	}
	return nil
}

// lockWidget locks widget id for a layout change and returns it. It takes the hub's lock
// before the widget row's, the order every layout writer uses (insertWidget locks the hub
// and then updates widget rows): locking the widget first deadlocks against them. The hub
// is read without a lock first, so the widget is read again under the locks; a widget
// never changes hub (no writer does that), so finding another one is an error, not a retry.
func lockWidget(ctx context.Context, tx pgx.Tx, id int64) (Widget, error) {
	var hub string
	err := tx.QueryRow(ctx, `SELECT hub FROM widgets WHERE id = $1`, id).Scan(&hub)
	if errors.Is(err, pgx.ErrNoRows) {
		return Widget{}, fmt.Errorf("widget %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return Widget{}, fmt.Errorf("find hub of widget %d: %w", id, err)
	}
	if err := lockHub(ctx, tx, hub); err != nil {
		return Widget{}, err
	}
	w, err := scanWidget(tx.QueryRow(ctx, `SELECT `+widgetColumns+` FROM widgets WHERE id = $1 FOR UPDATE`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		// Deleted while this transaction waited for the hub.
		return Widget{}, fmt.Errorf("widget %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return Widget{}, fmt.Errorf("lock widget %d: %w", id, err)
	}
	if w.Hub != hub {
		return Widget{}, fmt.Errorf("widget %d moved from hub %q to %q while being locked", id, hub, w.Hub)
	}
	return w, nil
}
