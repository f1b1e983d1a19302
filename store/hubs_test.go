package store_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"hubs/store"
	"hubs/store/storetest"
)

func TestValidateHubName(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
	}{
		{"designteam", true},
		{"i18n", true},
		{"a", true},
		{"Fedora-QA_team.v2", true},
		{strings.Repeat("x", 50), true},
		{strings.Repeat("x", 51), false},
		{"", false},
		{"has space", false},
		{"slash/inside", false},
		{"ünïcode", false},
		{"semi;colon", false},
		{".", false},
		{"..", false},
		{"api", false},
		{"widgets", false},
		{"static", false},
		{"metrics", false},
		{"healthz", false},
		{"login", false},
		{"logout", false},
		{"events", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := store.ValidateHubName(tt.name)
			if tt.ok && err != nil {
				t.Fatalf("refused: %v", err)
			}
			if !tt.ok && !errors.Is(err, store.ErrInvalid) {
				t.Fatalf("got %v, want an ErrInvalid", err)
			}
		})
	}
}

func TestCreateHubRefusesBadNames(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	for _, name := range []string{"api", "healthz", "bad name", "", strings.Repeat("n", 51)} {
		t.Run(name, func(t *testing.T) {
			_, err := s.CreateHub(ctx, store.Hub{Name: name}, nil, nil)
			if !errors.Is(err, store.ErrInvalid) {
				t.Fatalf("CreateHub(%q) = %v, want ErrInvalid", name, err)
			}
		})
	}
	hubs, err := s.ListHubs(ctx)
	if err != nil || len(hubs) != 0 {
		t.Fatalf("hubs after refusals: %v, %v; want none", hubs, err)
	}
}

func TestCreateGetListHubs(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	if _, err := s.GetHub(ctx, "nobody"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("GetHub of a missing hub: %v, want ErrNotFound", err)
	}
	if _, err := s.EnsureUser(ctx, "ralph", "Ralph Bean"); err != nil {
		t.Fatal(err)
	}
	h, err := s.CreateHub(ctx, store.Hub{Name: "ralph", Summary: "Ralph Bean", UserHub: true},
		store.UserLayout("ralph"), []store.Membership{{Username: "ralph", Role: store.RoleOwner}})
	if err != nil {
		t.Fatal(err)
	}
	if h.LeftWidth != 8 || !h.UserHub || h.Created.IsZero() {
		t.Errorf("created hub %+v: want left width 8, user hub, a creation time", h)
	}
	got, err := s.GetHub(ctx, "ralph")
	if err != nil || got.Summary != "Ralph Bean" {
		t.Fatalf("GetHub = %+v, %v", got, err)
	}
	if _, err := s.CreateHub(ctx, store.Hub{Name: "ralph"}, nil, nil); !errors.Is(err, store.ErrExists) {
		t.Fatalf("second CreateHub: %v, want ErrExists", err)
	}
	// A role for someone unknown fails the whole creation: no half-made hub is left.
	_, err = s.CreateHub(ctx, store.Hub{Name: "ghosts"}, store.UserLayout("x"), []store.Membership{{Username: "casper", Role: store.RoleOwner}})
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("hub with an unknown owner: %v, want ErrNotFound", err)
	}
	if _, err := s.GetHub(ctx, "ghosts"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("failed creation left hub ghosts behind: %v", err)
	}
	hubs, err := s.ListHubs(ctx)
	if err != nil || len(hubs) != 1 || hubs[0].Name != "ralph" {
		t.Fatalf("ListHubs = %v, %v", hubs, err)
	}
	archived := true
	up, err := s.UpdateHub(ctx, "ralph", store.HubUpdate{Archived: &archived})
	if err != nil || !up.Archived || up.Summary != "Ralph Bean" {
		t.Fatalf("UpdateHub = %+v, %v", up, err)
	}
}

func TestRoles(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	for _, u := range []string{"duffy", "ryanlerch", "gnokii", "ralph"} {
		if _, err := s.EnsureUser(ctx, u, ""); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.CreateHub(ctx, store.Hub{Name: "designteam"}, nil, []store.Membership{
		{Username: "duffy", Role: store.RoleOwner}, {Username: "gnokii", Role: store.RoleMember},
	}); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name string
		do   func() error
	}{
		{"second owner", func() error { return s.SetRole(ctx, "designteam", "ryanlerch", store.RoleOwner) }},
		{"owner twice", func() error { return s.SetRole(ctx, "designteam", "ryanlerch", store.RoleOwner) }},
		{"subscriber", func() error { return s.SetRole(ctx, "designteam", "ralph", store.RoleSubscriber) }},
		{"member also subscribes", func() error { return s.SetRole(ctx, "designteam", "gnokii", store.RoleSubscriber) }},
		{"stargazer, then not", func() error {
			if err := s.SetRole(ctx, "designteam", "ralph", store.RoleStargazer); err != nil {
				return err
			}
			return s.UnsetRole(ctx, "designteam", "ralph", store.RoleStargazer)
		}},
		{"unset a role not held", func() error { return s.UnsetRole(ctx, "designteam", "duffy", store.RoleStargazer) }},
	}
	for _, st := range steps {
		if err := st.do(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
	}
	want := map[store.Role]string{
		store.RoleOwner:      "duffy,ryanlerch",
		store.RoleMember:     "gnokii",
		store.RoleSubscriber: "gnokii,ralph",
		store.RoleStargazer:  "",
	}
	byRole, err := s.PeopleByRole(ctx, "designteam")
	if err != nil {
		t.Fatal(err)
	}
	for role, names := range want {
		t.Run(string(role), func(t *testing.T) {
			people, err := s.People(ctx, "designteam", role)
			if err != nil {
				t.Fatal(err)
			}
			if got := usernames(people); got != names {
				t.Errorf("People = %q, want %q", got, names)
			}
			if got := usernames(byRole[role]); got != names {
				t.Errorf("PeopleByRole = %q, want %q", got, names)
			}
		})
	}
	roles, err := s.RolesOf(ctx, "designteam", "gnokii")
	if err != nil || len(roles) != 2 || roles[0] != store.RoleMember || roles[1] != store.RoleSubscriber {
		t.Errorf("RolesOf gnokii = %v, %v; want [member subscriber]", roles, err)
	}
	hubs, err := s.HubsOf(ctx, "ralph")
	if err != nil || len(hubs["designteam"]) != 1 {
		t.Errorf("HubsOf ralph = %v, %v", hubs, err)
	}

	errs := []struct {
		name string
		err  error
		want error
	}{
		{"bad role", s.SetRole(ctx, "designteam", "ralph", "king"), store.ErrInvalid},
		{"unknown user", s.SetRole(ctx, "designteam", "nobody", store.RoleMember), store.ErrNotFound},
		{"unknown hub", s.SetRole(ctx, "nohub", "ralph", store.RoleMember), store.ErrNotFound},
	}
	for _, e := range errs {
		if !errors.Is(e.err, e.want) {
			t.Errorf("%s: got %v, want %v", e.name, e.err, e.want)
		}
	}
}

func usernames(users []store.User) string {
	names := make([]string, len(users))
	for i, u := range users {
		names[i] = u.Username
	}
	return strings.Join(names, ",")
}

func TestUsers(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	if _, err := s.GetUser(ctx, "mattdm"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("GetUser of a stranger: %v", err)
	}
	steps := []struct{ give, want string }{
		{"Matthew Miller", "Matthew Miller"},
		{"", "Matthew Miller"}, // an empty name keeps the known one
		{"Matt", "Matt"},
	}
	for _, st := range steps {
		u, err := s.EnsureUser(ctx, "mattdm", st.give)
		if err != nil || u.FullName != st.want {
			t.Fatalf("EnsureUser(%q) = %+v, %v; want full name %q", st.give, u, err, st.want)
		}
	}
	if _, err := s.EnsureUser(ctx, "", "x"); !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("empty user name: %v", err)
	}
}

func TestChangesAreAnnouncedAfterCommit(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	var mu sync.Mutex
	var got []store.Change
	s.OnChange(func(c store.Change) {
		// Announced after commit: a fresh query already sees the change.
		if c.Kind == store.ChangeHub {
			if _, err := s.GetHub(ctx, c.Hub); err != nil {
				t.Errorf("hub change announced before it is visible: %v", err)
			}
		}
		mu.Lock()
		got = append(got, c)
		mu.Unlock()
	})
	if _, err := s.EnsureUser(ctx, "decause", ""); err != nil {
		t.Fatal(err)
	}
	h, err := s.CreateHub(ctx, store.Hub{Name: "marketing"}, []store.NewWidget{{Name: "about", Column: store.ColumnRight}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ws, _ := s.ListWidgets(ctx, h.Name)
	id := ws[0].ID
	ops := []func() error{
		func() error { return s.SetRole(ctx, "marketing", "decause", store.RoleMember) },
		func() error { return s.SetRole(ctx, "marketing", "decause", store.RoleMember) }, // no change, no announcement
		func() error { _, err := s.UpdateWidgetConfig(ctx, id, []byte(`{"x":1}`)); return err },
		func() error { _, err := s.MoveWidget(ctx, id, store.ColumnLeft, 0); return err },
		func() error { return s.DeleteWidget(ctx, id) },
		func() error { return s.UnsetRole(ctx, "marketing", "decause", store.RoleMember) },
		func() error { _, err := s.UpdateWidgetConfig(ctx, id, []byte(`{}`)); return err }, // fails: nothing announced
	}
	for i, op := range ops {
		err := op()
		if i < len(ops)-1 && err != nil {
			t.Fatalf("op %d: %v", i, err)
		}
	}
	want := []store.Change{
		{Kind: store.ChangeHub, Hub: "marketing"},
		{Kind: store.ChangeWidget, Hub: "marketing", WidgetID: id},
		{Kind: store.ChangeRole, Hub: "marketing", Username: "decause", Role: store.RoleMember},
		{Kind: store.ChangeWidget, Hub: "marketing", WidgetID: id},
		{Kind: store.ChangeWidget, Hub: "marketing", WidgetID: id},
		{Kind: store.ChangeWidget, Hub: "marketing", WidgetID: id, Deleted: true},
		{Kind: store.ChangeRole, Hub: "marketing", Username: "decause", Role: store.RoleMember, Deleted: true},
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != len(want) {
		t.Fatalf("got %d changes %+v, want %d", len(got), got, len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("change %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestOpenBadURL(t *testing.T) {
	_, err := store.Open(context.Background(), "postgres://u:s3cret@host:notaport/db")
	if !errors.Is(err, store.ErrInvalid) || strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("got %v: want ErrInvalid without the password", err)
	}
}
