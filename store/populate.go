package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
)

// demoUsers are the people of the original Fedora Hubs' populate.py.
var demoUsers = []User{
	{Username: "mrichard", FullName: "Meghan Richardson"},
	{Username: "duffy", FullName: "Máirín Duffy"},
	{Username: "ryanlerch", FullName: "Ryan Lerch"},
	{Username: "gnokii", FullName: "Sirko Kemter"},
	{Username: "nask0", FullName: "Atanas Beloborodov"},
	{Username: "abompard", FullName: "Aurélien Bompard"},
	{Username: "decause", FullName: "Remy DeCausemaker"},
	{Username: "ralph", FullName: "Ralph Bean"},
	{Username: "lmacken", FullName: "Luke Macken"},
	{Username: "croberts", FullName: "Chris Roberts"},
	{Username: "mattdm", FullName: "Matthew Miller"},
	{Username: "pravins", FullName: "Pravin Satpute"},
}

// UserLayout is the default layout of a user hub: the activity on the left, the person's
// stats, pending work, subscriptions and badges on the right.
func UserLayout(username string) []NewWidget {
	cfg := func() map[string]any { return map[string]any{"username": username} }
	return []NewWidget{
		{Name: "fedmsgs", Column: ColumnLeft, Config: cfg()},
		{Name: "feed", Column: ColumnLeft, Config: cfg()},
		{Name: "fedmsgstats", Column: ColumnRight, Config: cfg()},
		{Name: "workflow.updates2stable", Column: ColumnRight, Config: cfg()},
		{Name: "workflow.pendingacls", Column: ColumnRight, Config: cfg()},
		{Name: "subscriptions", Column: ColumnRight, Config: cfg()},
		{Name: "badges", Column: ColumnRight, Config: cfg()},
	}
}

// TeamRules is what a team hub's rules widget links to.
type TeamRules struct {
	Link, ScheduleText, ScheduleLink, MinutesLink string
}

// TeamLayout is the default layout of a team hub: stats, rules, meetings and about on the
// right; cobwebs, a sticky note with text and a dummy on the left.
func TeamLayout(rules TeamRules, calendar, sticky string) []NewWidget {
	return []NewWidget{
		{Name: "stats", Column: ColumnRight},
		{Name: "rules", Column: ColumnRight, Config: map[string]any{
			"link":          rules.Link,
			"schedule_text": rules.ScheduleText,
			"schedule_link": rules.ScheduleLink,
			"minutes_link":  rules.MinutesLink,
		}},
		{Name: "meetings", Column: ColumnRight, Config: map[string]any{"calendar": calendar}},
		{Name: "about", Column: ColumnRight},
		{Name: "cobwebs", Column: ColumnLeft},
		{Name: "sticky", Column: ColumnLeft, Config: map[string]any{"text": sticky}},
		{Name: "dummy", Column: ColumnLeft},
	}
}

// AvatarURL is the libravatar picture of a Fedora account, as the original Hubs showed it.
func AvatarURL(username string) string {
	sum := sha256.Sum256([]byte("http://" + username + ".id.fedoraproject.org/"))
	return "https://seccdn.libravatar.org/avatar/" + hex.EncodeToString(sum[:]) + "?s=312&d=retro"
}

type demoTeam struct {
	hub      Hub
	widgets  []NewWidget
	roles    []Membership
	calendar string
}

func demoTeams() []demoTeam {
	const fp = "https://fedoraproject.org/wiki/"
	const meetbot = "https://meetbot.fedoraproject.org/sresults/?group_id="
	return []demoTeam{
		{
			hub: Hub{Name: "i18n", Summary: "The Internationalization Team", Archived: true},
			widgets: TeamLayout(TeamRules{
				Link:         fp + "I18N",
				ScheduleText: "Every Tuesday at 06:00 UTC in #fedora-meeting",
				ScheduleLink: fp + "I18N/Meetings",
				MinutesLink:  meetbot + "fedora-i18n&type=team",
			}, "i18n", "The Fedora i18n team makes sure that Fedora speaks every language its users do: "+
				"input methods, fonts, locales and the tooling that lets translators do their work."),
			roles: []Membership{{"pravins", RoleOwner}, {"decause", RoleMember}, {"ralph", RoleSubscriber}},
		},
		{
			hub: Hub{Name: "marketing", Summary: "The Fedora Marketing Team"},
			widgets: TeamLayout(TeamRules{
				Link:         fp + "Marketing",
				ScheduleText: "Every Tuesday at 14:00 UTC in #fedora-meeting",
				ScheduleLink: fp + "Marketing/Meetings",
				MinutesLink:  meetbot + "fedora-mktg&type=team",
			}, "marketing", "The Fedora Marketing team tells the world what Fedora is and why it matters: "+
				"release announcements, talking points, social media and material for events."),
			roles: []Membership{
				{"croberts", RoleOwner}, {"ryanlerch", RoleOwner},
				{"mrichard", RoleMember}, {"mattdm", RoleMember}, {"decause", RoleMember},
				{"ralph", RoleSubscriber},
			},
		},
		{
			hub: Hub{Name: "designteam", Summary: "The Fedora Design Team"},
			widgets: TeamLayout(TeamRules{
				Link:         fp + "Design",
				ScheduleText: "Every other Wednesday at 17:00 UTC in #fedora-design",
				ScheduleLink: fp + "Design/Meetings",
				MinutesLink:  meetbot + "fedora-design&type=team",
			}, "design", "The Fedora Design team makes Fedora look good: artwork for every release, "+
				"badges, websites, posters, and the user experience of Fedora's own applications."),
			roles: []Membership{
				{"duffy", RoleOwner}, {"ryanlerch", RoleOwner},
				{"gnokii", RoleMember}, {"nask0", RoleMember}, {"mrichard", RoleMember}, {"abompard", RoleMember},
				{"ralph", RoleSubscriber}, {"mattdm", RoleStargazer},
			},
		},
	}
}

// Populate creates the demo data of the original Fedora Hubs: twelve people, each with a
// user hub in UserLayout, and the team hubs i18n (archived), marketing and designteam with
// their people. It is idempotent: hubs that exist are left as they are (their widgets may
// have been rearranged on purpose) and only missing roles are added.
func (s *Store) Populate(ctx context.Context) error {
	for _, u := range demoUsers {
		if _, err := s.EnsureUser(ctx, u.Username, u.FullName); err != nil {
			return fmt.Errorf("populate: %w", err)
		}
	}
	for _, u := range demoUsers {
		h := Hub{Name: u.Username, Summary: u.FullName, UserHub: true, AvatarURL: AvatarURL(u.Username)}
		roles := []Membership{{u.Username, RoleOwner}}
		if err := s.ensureHub(ctx, h, UserLayout(u.Username), roles); err != nil {
			return err
		}
	}
	for _, t := range demoTeams() {
		if err := s.ensureHub(ctx, t.hub, t.widgets, t.roles); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) ensureHub(ctx context.Context, h Hub, widgets []NewWidget, roles []Membership) error {
	_, err := s.CreateHub(ctx, h, widgets, roles)
	if err == nil {
		return nil
	}
	if !errors.Is(err, ErrExists) {
		return fmt.Errorf("populate: %w", err)
	}
	for _, m := range roles {
		if err := s.SetRole(ctx, h.Name, m.Username, m.Role); err != nil {
			return fmt.Errorf("populate: %w", err)
		}
	}
	return nil
}

// Empty reports whether the database has no hub yet (then `hubs serve` populates it).
func (s *Store) Empty(ctx context.Context) (bool, error) {
	var found bool
	if err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM hubs)`).Scan(&found); err != nil {
		return false, fmt.Errorf("check for hubs: %w", err)
	}
	return !found, nil
}
