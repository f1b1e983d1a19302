package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Role is what a person is to a hub. One person may hold several roles on one hub.
type Role string

// The roles a person can hold on a hub.
const (
	RoleOwner      Role = "owner"
	RoleMember     Role = "member"
	RoleSubscriber Role = "subscriber"
	RoleStargazer  Role = "stargazer"
)

// Roles lists every role, most powerful first.
var Roles = []Role{RoleOwner, RoleMember, RoleSubscriber, RoleStargazer}

// Valid reports whether r is one of Roles.
func (r Role) Valid() bool {
	for _, v := range Roles {
		if r == v {
			return true
		}
	}
	return false
}

// Membership is one (person, role) pair on a hub.
type Membership struct {
	Username string `json:"username"`
	Role     Role   `json:"role"`
}

// People returns the people holding role on hub, by user name. An unknown hub gives an
// empty list, not an error.
func (s *Store) People(ctx context.Context, hub string, role Role) ([]User, error) {
	if !role.Valid() {
		return nil, fmt.Errorf("role %q: %w", role, ErrInvalid)
	}
	rows, err := s.pool.Query(ctx, `
		SELECT p.username, p.full_name, p.created
		FROM hub_roles r JOIN people p ON p.username = r.username
		WHERE r.hub = $1 AND r.role = $2
		ORDER BY p.username`, hub, string(role))
	if err != nil {
		return nil, fmt.Errorf("people of hub %q with role %s: %w", hub, role, err)
	}
	users, err := pgx.CollectRows(rows, pgx.RowToStructByPos[User])
	if err != nil {
		return nil, fmt.Errorf("people of hub %q with role %s: %w", hub, role, err)
	}
	return users, nil
}

// PeopleByRole returns every person with a role on hub, grouped by role; every role in Roles
// has an entry, empty when nobody holds it.
func (s *Store) PeopleByRole(ctx context.Context, hub string) (map[Role][]User, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT r.role, p.username, p.full_name, p.created
		FROM hub_roles r JOIN people p ON p.username = r.username
		WHERE r.hub = $1
		ORDER BY p.username`, hub)
	if err != nil {
		return nil, fmt.Errorf("people of hub %q: %w", hub, err)
	}
	defer rows.Close()
	out := make(map[Role][]User, len(Roles))
	for _, r := range Roles {
		out[r] = []User{}
	}
	for rows.Next() {
		var role string
		var u User
		if err := rows.Scan(&role, &u.Username, &u.FullName, &u.Created); err != nil {
			return nil, fmt.Errorf("people of hub %q: %w", hub, err)
		}
		out[Role(role)] = append(out[Role(role)], u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("people of hub %q: %w", hub, err)
	}
	return out, nil
}

// RolesOf returns the roles username holds on hub (none: an empty list).
func (s *Store) RolesOf(ctx context.Context, hub, username string) ([]Role, error) {
	rows, err := s.pool.Query(ctx, `SELECT role FROM hub_roles WHERE hub = $1 AND username = $2`, hub, username)
	if err != nil {
		return nil, fmt.Errorf("roles of %q on hub %q: %w", username, hub, err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("roles of %q on hub %q: %w", username, hub, err)
	}
	// Return them in the order of Roles, most powerful first.
	out := []Role{}
	for _, r := range Roles {
		for _, n := range names {
			if Role(n) == r {
				out = append(out, r)
			}
		}
	}
	return out, nil
}

// HubsOf returns the memberships of username across hubs: hub name -> roles held there.
func (s *Store) HubsOf(ctx context.Context, username string) (map[string][]Role, error) {
	rows, err := s.pool.Query(ctx, `SELECT hub, role FROM hub_roles WHERE username = $1 ORDER BY hub, role`, username)
	if err != nil {
		return nil, fmt.Errorf("hubs of %q: %w", username, err)
	}
	defer rows.Close()
	out := map[string][]Role{}
	for rows.Next() {
		var hub, role string
		if err := rows.Scan(&hub, &role); err != nil {
			return nil, fmt.Errorf("hubs of %q: %w", username, err)
		}
		out[hub] = append(out[hub], Role(role))
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("hubs of %q: %w", username, err)
	}
	return out, nil
}

// SetRole gives username role on hub. Both must exist (else ErrNotFound). Giving a role
// already held changes nothing and announces nothing.
func (s *Store) SetRole(ctx context.Context, hub, username string, role Role) error {
	return s.write(ctx, func(tx pgx.Tx) ([]Change, error) {
		added, err := setRole(ctx, tx, hub, username, role)
		if err != nil || !added {
			return nil, err
		}
		return []Change{{Kind: ChangeRole, Hub: hub, Username: username, Role: role}}, nil
	})
}

// UnsetRole takes role on hub away from username; not holding it is not an error.
func (s *Store) UnsetRole(ctx context.Context, hub, username string, role Role) error {
	if !role.Valid() {
		return fmt.Errorf("role %q: %w", role, ErrInvalid)
	}
	return s.write(ctx, func(tx pgx.Tx) ([]Change, error) {
		tag, err := tx.Exec(ctx, `DELETE FROM hub_roles WHERE hub = $1 AND username = $2 AND role = $3`, hub, username, string(role))
		if err != nil {
			return nil, fmt.Errorf("unset role %s of %q on hub %q: %w", role, username, hub, err)
		}
		if tag.RowsAffected() == 0 {
			return nil, nil
		}
		return []Change{{Kind: ChangeRole, Hub: hub, Username: username, Role: role, Deleted: true}}, nil
	})
}

func setRole(ctx context.Context, tx pgx.Tx, hub, username string, role Role) (added bool, err error) {
	if !role.Valid() {
		return false, fmt.Errorf("role %q: %w", role, ErrInvalid)
	}
	tag, err := tx.Exec(ctx, `
		INSERT INTO hub_roles (hub, username, role) VALUES ($1, $2, $3)
		ON CONFLICT DO NOTHING`, hub, username, string(role))
	if isForeignKeyViolation(err) {
		return false, fmt.Errorf("set role %s of %q on hub %q: no such hub or user: %w", role, username, hub, ErrNotFound)
	}
	if err != nil {
		return false, fmt.Errorf("set role %s of %q on hub %q: %w", role, username, hub, err)
	}
	return tag.RowsAffected() == 1, nil
}
