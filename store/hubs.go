package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Hub is a page that belongs to one person (a user hub, named after them) or to a team.
type Hub struct {
	Name         string    `json:"name"`
	Summary      string    `json:"summary"`
	UserHub      bool      `json:"user_hub"`
	Archived     bool      `json:"archived"`
	LeftWidth    int       `json:"left_width"` // of a 12-column grid; the right column gets the rest
	AvatarURL    string    `json:"avatar"`
	Created      time.Time `json:"created"`
	LastActivity time.Time `json:"last_activity"`
}

// ReservedHubNames are the first path segments the server routes itself; a hub of that name
// could never be reached at /{hub}/.
var ReservedHubNames = []string{"api", "widgets", "static", "metrics", "healthz", "login", "logout", "events"}

// maxHubName is the longest hub name accepted.
const maxHubName = 50

// ValidateHubName says why name cannot be a hub name, or returns nil. Names are 1 to 50
// letters, digits, '-', '_' or '.', and not one of ReservedHubNames. The errors wrap
// ErrInvalid.
func ValidateHubName(name string) error {
	if name == "" || len(name) > maxHubName {
		return fmt.Errorf("hub name %q: must be 1 to %d characters: %w", name, maxHubName, ErrInvalid)
	}
	for _, r := range name {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.'
		if !ok {
			return fmt.Errorf("hub name %q: only letters, digits, '-', '_' and '.' are allowed: %w", name, ErrInvalid)
		}
	}
	if name == "." || name == ".." {
		return fmt.Errorf("hub name %q: not a usable path segment: %w", name, ErrInvalid)
	}
	for _, r := range ReservedHubNames {
		if name == r {
			return fmt.Errorf("hub name %q: reserved for the server's own pages: %w", name, ErrInvalid)
		}
	}
	return nil
}

const hubColumns = `name, summary, user_hub, archived, left_width, avatar_url, created, last_activity`

func scanHub(row pgx.Row) (Hub, error) {
	var h Hub
	err := row.Scan(&h.Name, &h.Summary, &h.UserHub, &h.Archived, &h.LeftWidth, &h.AvatarURL, &h.Created, &h.LastActivity)
	return h, err
}

// GetHub returns the hub called name, or an error wrapping ErrNotFound.
func (s *Store) GetHub(ctx context.Context, name string) (Hub, error) {
	h, err := scanHub(s.pool.QueryRow(ctx, `SELECT `+hubColumns+` FROM hubs WHERE name = $1`, name))
	if errors.Is(err, pgx.ErrNoRows) {
		return Hub{}, fmt.Errorf("hub %q: %w", name, ErrNotFound)
	}
	if err != nil {
		return Hub{}, fmt.Errorf("get hub %q: %w", name, err)
	}
	return h, nil
}

// ListHubs returns every hub, by name.
func (s *Store) ListHubs(ctx context.Context) ([]Hub, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+hubColumns+` FROM hubs ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list hubs: %w", err)
	}
	hubs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Hub, error) { return scanHub(r) })
	if err != nil {
		return nil, fmt.Errorf("list hubs: %w", err)
	}
	return hubs, nil
}

// NewWidget is a widget to place on a hub: Config must be a JSON object (nil means {}).
type NewWidget struct {
	Name   string
	Column Column
	Config map[string]any
}

// CreateHub creates hub h with its widgets (each column in the order given) and roles, in one
// transaction. Everyone named in roles must exist already (see EnsureUser). A zero LeftWidth
// means 8. It fails with ErrInvalid for a bad name and ErrExists when the name is taken.
func (s *Store) CreateHub(ctx context.Context, h Hub, widgets []NewWidget, roles []Membership) (Hub, error) {
	if err := ValidateHubName(h.Name); err != nil {
		return Hub{}, err
	}
	if h.LeftWidth == 0 {
		h.LeftWidth = 8
	}
	if h.LeftWidth < 1 || h.LeftWidth > 11 {
		return Hub{}, fmt.Errorf("hub %q: left width %d not in 1..11: %w", h.Name, h.LeftWidth, ErrInvalid)
	}
	var created Hub
	err := s.write(ctx, func(tx pgx.Tx) ([]Change, error) {
		var err error
		created, err = scanHub(tx.QueryRow(ctx, `
			INSERT INTO hubs (name, summary, user_hub, archived, left_width, avatar_url)
			VALUES ($1, $2, $3, $4, $5, $6)
			RETURNING `+hubColumns,
			h.Name, h.Summary, h.UserHub, h.Archived, h.LeftWidth, h.AvatarURL))
		if isUniqueViolation(err) {
			return nil, fmt.Errorf("create hub %q: %w", h.Name, ErrExists)
		}
		if err != nil {
			return nil, fmt.Errorf("create hub %q: %w", h.Name, err)
		}
		changes := []Change{{Kind: ChangeHub, Hub: h.Name}}
		for _, w := range widgets {
			nw, err := insertWidget(ctx, tx, h.Name, w, -1)
			if err != nil {
				return nil, err
			}
			changes = append(changes, Change{Kind: ChangeWidget, Hub: h.Name, WidgetID: nw.ID})
		}
		for _, m := range roles {
			added, err := setRole(ctx, tx, h.Name, m.Username, m.Role)
			if err != nil {
				return nil, err
			}
			if added {
				changes = append(changes, Change{Kind: ChangeRole, Hub: h.Name, Username: m.Username, Role: m.Role})
			}
		}
		return changes, nil
	})
	if err != nil {
		return Hub{}, err
	}
	return created, nil
}

// HubUpdate holds the hub fields an owner may change; nil fields are left as they are.
type HubUpdate struct {
	Summary   *string
	Archived  *bool
	LeftWidth *int
	AvatarURL *string
}

// UpdateHub changes the given fields of hub name and returns the hub as saved.
func (s *Store) UpdateHub(ctx context.Context, name string, u HubUpdate) (Hub, error) {
	if u.LeftWidth != nil && (*u.LeftWidth < 1 || *u.LeftWidth > 11) {
		return Hub{}, fmt.Errorf("hub %q: left width %d not in 1..11: %w", name, *u.LeftWidth, ErrInvalid)
	}
	var saved Hub
	err := s.write(ctx, func(tx pgx.Tx) ([]Change, error) {
		var err error
		saved, err = scanHub(tx.QueryRow(ctx, `
			UPDATE hubs SET
				summary = COALESCE($2, summary),
				archived = COALESCE($3, archived),
				left_width = COALESCE($4, left_width),
				avatar_url = COALESCE($5, avatar_url)
			WHERE name = $1
			RETURNING `+hubColumns, name, u.Summary, u.Archived, u.LeftWidth, u.AvatarURL))
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, fmt.Errorf("update hub %q: %w", name, ErrNotFound)
		}
		if err != nil {
			return nil, fmt.Errorf("update hub %q: %w", name, err)
		}
		return []Change{{Kind: ChangeHub, Hub: name}}, nil
	})
	return saved, err
}

// TouchHub records activity on hub name now (it orders hubs by liveliness). It is not
// announced: no widget shows it.
func (s *Store) TouchHub(ctx context.Context, name string) error {
	if _, err := s.pool.Exec(ctx, `UPDATE hubs SET last_activity = now() WHERE name = $1`, name); err != nil {
		return fmt.Errorf("touch hub %q: %w", name, err)
	}
	return nil
}

func isUniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23505"
}

func isForeignKeyViolation(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23503"
}
