package store_test

import (
	"context"
	"encoding/json"
	"testing"

	"hubs/store"
	"hubs/store/storetest"
)

// snapshot is every row Populate writes, as text, so that two runs can be compared.
func snapshot(t *testing.T, s *store.Store) map[string][]string {
	t.Helper()
	queries := map[string]string{
		"people":  `SELECT username || '|' || full_name FROM people ORDER BY 1`,
		"hubs":    `SELECT concat_ws('|', name, summary, user_hub, archived, left_width, avatar_url, created) FROM hubs ORDER BY 1`,
		"roles":   `SELECT concat_ws('|', hub, username, role) FROM hub_roles ORDER BY 1`,
		"widgets": `SELECT concat_ws('|', id, hub, name, "column", position, config::text, updated) FROM widgets ORDER BY id`,
	}
	out := map[string][]string{}
	for table, q := range queries {
		rows, err := s.Pool().Query(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				t.Fatal(err)
			}
			out[table] = append(out[table], line)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func TestPopulateIsIdempotent(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	if empty, err := s.Empty(ctx); err != nil || !empty {
		t.Fatalf("fresh database: Empty = %v, %v", empty, err)
	}
	if err := s.Populate(ctx); err != nil {
		t.Fatal(err)
	}
	first := snapshot(t, s)
	if err := s.Populate(ctx); err != nil {
		t.Fatal(err)
	}
	second := snapshot(t, s)
	for table, rows := range first {
		if len(rows) != len(second[table]) {
			t.Fatalf("%s: %d rows, then %d", table, len(rows), len(second[table]))
		}
		for i := range rows {
			if rows[i] != second[table][i] {
				t.Errorf("%s row %d changed:\n%s\n%s", table, i, rows[i], second[table][i])
			}
		}
	}
	counts := map[string]int{"people": 12, "hubs": 15, "widgets": 12*7 + 3*7}
	for table, n := range counts {
		if len(first[table]) != n {
			t.Errorf("%s: %d rows, want %d", table, len(first[table]), n)
		}
	}
	if empty, _ := s.Empty(ctx); empty {
		t.Error("Empty after Populate")
	}
}

func TestPopulateContents(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	if err := s.Populate(ctx); err != nil {
		t.Fatal(err)
	}
	t.Run("user hub layout", func(t *testing.T) {
		h, err := s.GetHub(ctx, "mattdm")
		if err != nil || !h.UserHub {
			t.Fatalf("hub mattdm: %+v, %v", h, err)
		}
		want := "left: fedmsgs feed | right: fedmsgstats workflow.updates2stable workflow.pendingacls subscriptions badges"
		if got := layout(t, s, "mattdm"); got != want {
			t.Fatalf("layout %q, want %q", got, want)
		}
		owners, _ := s.People(ctx, "mattdm", store.RoleOwner)
		if usernames(owners) != "mattdm" {
			t.Errorf("owners of mattdm: %q", usernames(owners))
		}
	})
	teams := []struct {
		hub      string
		archived bool
		calendar string
		roles    map[store.Role]string
	}{
		{"i18n", true, "i18n", map[store.Role]string{
			store.RoleOwner: "pravins", store.RoleMember: "decause", store.RoleSubscriber: "ralph"}},
		{"marketing", false, "marketing", map[store.Role]string{
			store.RoleOwner: "croberts,ryanlerch", store.RoleMember: "decause,mattdm,mrichard", store.RoleSubscriber: "ralph"}},
		{"designteam", false, "design", map[store.Role]string{
			store.RoleOwner: "duffy,ryanlerch", store.RoleMember: "abompard,gnokii,mrichard,nask0", store.RoleSubscriber: "ralph"}},
	}
	for _, tt := range teams {
		t.Run(tt.hub, func(t *testing.T) {
			h, err := s.GetHub(ctx, tt.hub)
			if err != nil || h.UserHub || h.Archived != tt.archived {
				t.Fatalf("hub: %+v, %v", h, err)
			}
			if got, want := layout(t, s, tt.hub), "left: cobwebs sticky dummy | right: stats rules meetings about"; got != want {
				t.Fatalf("layout %q, want %q", got, want)
			}
			for role, names := range tt.roles {
				people, err := s.People(ctx, tt.hub, role)
				if err != nil || usernames(people) != names {
					t.Errorf("%s: %q, %v; want %q", role, usernames(people), err, names)
				}
			}
			w, err := s.GetWidget(ctx, widgetID(t, s, tt.hub, "meetings"))
			if err != nil || string(w.Config) != `{"calendar": "`+tt.calendar+`"}` {
				t.Errorf("meetings config %s, %v", w.Config, err)
			}
			rules, _ := s.GetWidget(ctx, widgetID(t, s, tt.hub, "rules"))
			for _, key := range []string{"link", "schedule_text", "schedule_link", "minutes_link"} {
				if !jsonHasString(rules.Config, key) {
					t.Errorf("rules config %s lacks %s", rules.Config, key)
				}
			}
		})
	}
}

func jsonHasString(raw []byte, key string) bool {
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return false
	}
	s, ok := m[key].(string)
	return ok && s != ""
}
