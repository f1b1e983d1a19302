package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"hubs/store"
	"hubs/store/storetest"
)

var t0 = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

// grepCorpus is ten messages whose fields make every filter and combination distinguishable.
func grepCorpus() []store.Message {
	mk := func(n int, topic, category string, users, pkgs []string, body string) store.Message {
		return store.Message{
			MsgID:     fmt.Sprintf("2026-m%02d", n),
			I:         n,
			Topic:     topic,
			Timestamp: t0.Add(time.Duration(n) * time.Minute),
			Category:  category,
			Username:  "apache",
			Msg:       json.RawMessage(body),
			Usernames: users,
			Packages:  pkgs,
		}
	}
	return []store.Message{
		mk(0, "org.fedoraproject.prod.bodhi.update.comment", "bodhi", []string{"ralph"}, []string{"kernel"}, `{"comment": "works for me"}`),
		mk(1, "org.fedoraproject.prod.bodhi.update.request.stable", "bodhi", []string{"lmacken"}, []string{"kernel", "glibc"}, `{"update": "kernel-6.1"}`),
		mk(2, "org.fedoraproject.prod.buildsys.build.state.change", "buildsys", []string{"ralph", "lmacken"}, []string{"glibc"}, `{"state": 1}`),
		mk(3, "org.fedoraproject.prod.git.receive", "git", []string{"mattdm"}, []string{"fedora-release"}, `{"message": "bump release"}`),
		mk(4, "org.fedoraproject.prod.fas.user.create", "fas", []string{"decause"}, nil, `{"user": "decause"}`),
		mk(5, "org.fedoraproject.prod.bodhi.update.comment", "bodhi", []string{"mattdm"}, []string{"firefox"}, `{"comment": "works for me too"}`),
		mk(6, "org.fedoraproject.prod.badges.badge.award", "badges", []string{"ralph"}, nil, `{"badge": "Junior Tagger"}`),
		mk(7, "org.fedoraproject.prod.pagure.pull-request.new", "pagure", nil, nil, `{"title": "100% done_ok"}`),
		mk(8, "org.fedoraproject.prod.buildsys.build.state.change", "buildsys", []string{"pravins"}, []string{"firefox"}, `{"state": 0}`),
		mk(9, "org.fedoraproject.prod.git.receive", "git", []string{"ralph"}, []string{"kernel"}, `{"message": "fix build"}`),
	}
}

func TestArchiveMessageIsIdempotent(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	m := grepCorpus()[1]
	m.Headers = json.RawMessage(`{"sent-at": "now"}`)
	for i, want := range []bool{true, false, false} {
		inserted, err := s.ArchiveMessage(ctx, m)
		if err != nil || inserted != want {
			t.Fatalf("archive #%d: inserted %v, %v; want %v", i, inserted, err, want)
		}
	}
	msgs, total, err := s.GrepMessages(ctx, store.GrepQuery{Names: true})
	if err != nil || total != 1 || len(msgs) != 1 {
		t.Fatalf("grep all: %d of %d, %v", len(msgs), total, err)
	}
	got := msgs[0]
	if got.MsgID != m.MsgID || got.I != 1 || got.Topic != m.Topic || !got.Timestamp.Equal(m.Timestamp) ||
		got.Category != "bodhi" || got.Username != "apache" ||
		strings.Join(got.Usernames, ",") != "lmacken" || strings.Join(got.Packages, ",") != "glibc,kernel" {
		t.Errorf("read back %+v", got)
	}
	if string(got.Msg) != string(m.Msg) || string(got.Headers) != string(m.Headers) {
		t.Errorf("bodies: %s %s", got.Msg, got.Headers)
	}
	// Without Names, a grep does not look them up (a widget's raw_messages carry neither).
	if plain, _, err := s.GrepMessages(ctx, store.GrepQuery{}); err != nil || len(plain) != 1 ||
		plain[0].Usernames != nil || plain[0].Packages != nil || plain[0].MsgID != m.MsgID {
		t.Errorf("grep without names: %+v, %v", plain, err)
	}
	for _, bad := range []store.Message{
		{Topic: "no.msg.id", Msg: json.RawMessage(`{}`)},
		{MsgID: "x-1", Topic: "t", Msg: json.RawMessage(`{not json`)},
	} {
		if _, err := s.ArchiveMessage(ctx, bad); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("archive %+v: %v, want ErrInvalid", bad, err)
		}
	}
}

func TestArchiveMessageConcurrentNames(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	// Many messages at once naming the same new users and packages: every link must be made.
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.ArchiveMessage(ctx, store.Message{
				MsgID: fmt.Sprintf("c-%d", i), Topic: "t", Timestamp: t0, Msg: json.RawMessage(`{}`),
				Usernames: []string{"ralph", "lmacken", fmt.Sprintf("u%d", i%4)}, Packages: []string{"kernel"},
			})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, q := range []struct {
		q    store.GrepQuery
		want int
	}{
		{store.GrepQuery{Usernames: []string{"ralph"}}, 40},
		{store.GrepQuery{Usernames: []string{"u1"}}, 10},
		{store.GrepQuery{Packages: []string{"kernel"}}, 40},
	} {
		if n, err := s.CountMessages(ctx, q.q); err != nil || n != q.want {
			t.Errorf("count %+v = %d, %v; want %d", q.q, n, err, q.want)
		}
	}
}

func TestGrepMessages(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	for _, m := range grepCorpus() {
		if _, err := s.ArchiveMessage(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name  string
		q     store.GrepQuery
		want  string // message numbers in result order
		total int
	}{
		{"everything, newest first", store.GrepQuery{}, "9 8 7 6 5 4 3 2 1 0", 10},
		{"ascending", store.GrepQuery{Order: "asc"}, "0 1 2 3 4 5 6 7 8 9", 10},
		{"one topic", store.GrepQuery{Topics: []string{"org.fedoraproject.prod.git.receive"}}, "9 3", 2},
		{"topics OR", store.GrepQuery{Topics: []string{"org.fedoraproject.prod.git.receive", "org.fedoraproject.prod.fas.user.create"}}, "9 4 3", 3},
		{"categories OR", store.GrepQuery{Categories: []string{"badges", "pagure"}}, "7 6", 2},
		{"user", store.GrepQuery{Usernames: []string{"ralph"}}, "9 6 2 0", 4},
		{"users OR", store.GrepQuery{Usernames: []string{"lmacken", "decause"}}, "4 2 1", 3},
		{"users OR, one message naming both", store.GrepQuery{Usernames: []string{"ralph", "lmacken"}}, "9 6 2 1 0", 5},
		{"packages OR, one message naming both", store.GrepQuery{Packages: []string{"kernel", "glibc"}}, "9 2 1 0", 4},
		{"package", store.GrepQuery{Packages: []string{"firefox"}}, "8 5", 2},
		{"packages OR", store.GrepQuery{Packages: []string{"glibc", "fedora-release"}}, "3 2 1", 3},
		{"contains", store.GrepQuery{Contains: []string{"works for me"}}, "5 0", 2},
		{"contains OR", store.GrepQuery{Contains: []string{"Junior", "bump"}}, "6 3", 2},
		{"contains takes % and _ literally", store.GrepQuery{Contains: []string{"100% done_"}}, "7", 1},
		{"contains % matches no wildcard", store.GrepQuery{Contains: []string{"%"}}, "7", 1},
		{"user AND category", store.GrepQuery{Usernames: []string{"ralph"}, Categories: []string{"git"}}, "9", 1},
		{"user AND package", store.GrepQuery{Usernames: []string{"ralph", "mattdm"}, Packages: []string{"kernel"}}, "9 0", 2},
		{"category AND topic disjoint", store.GrepQuery{Categories: []string{"git"}, Topics: []string{"org.fedoraproject.prod.fas.user.create"}}, "", 0},
		{"start inclusive", store.GrepQuery{Start: t0.Add(8 * time.Minute)}, "9 8", 2},
		{"end exclusive", store.GrepQuery{End: t0.Add(2 * time.Minute)}, "1 0", 2},
		{"window AND category", store.GrepQuery{Start: t0.Add(1 * time.Minute), End: t0.Add(9 * time.Minute), Categories: []string{"bodhi"}}, "5 1", 2},
		{"page 1 of 3", store.GrepQuery{Rows: 4}, "9 8 7 6", 10},
		{"page 2 of 3", store.GrepQuery{Rows: 4, Page: 2}, "5 4 3 2", 10},
		{"page 3 of 3", store.GrepQuery{Rows: 4, Page: 3}, "1 0", 10},
		{"past the last page", store.GrepQuery{Rows: 4, Page: 4}, "", 10},
		{"page 2 ascending, filtered", store.GrepQuery{Rows: 2, Page: 2, Order: "asc", Categories: []string{"bodhi", "buildsys"}}, "2 5", 5},
		{"unknown user", store.GrepQuery{Usernames: []string{"nobody"}}, "", 0},
		// One person (or one package) is read through their links' time index.
		{"user in a window", store.GrepQuery{Usernames: []string{"ralph"}, Start: t0.Add(1 * time.Minute), End: t0.Add(9 * time.Minute)}, "6 2", 2},
		{"user from a time, ascending, page 2", store.GrepQuery{Usernames: []string{"ralph"}, Start: t0.Add(1 * time.Minute), Order: "asc", Rows: 1, Page: 2}, "6", 3},
		{"one user AND one package", store.GrepQuery{Usernames: []string{"ralph"}, Packages: []string{"kernel"}}, "9 0", 2},
		{"one user AND topics, page 2", store.GrepQuery{Usernames: []string{"ralph"}, Topics: []string{"org.fedoraproject.prod.git.receive", "org.fedoraproject.prod.bodhi.update.comment"}, Rows: 1, Page: 2}, "0", 2},
		{"package in a window AND contains", store.GrepQuery{Packages: []string{"kernel"}, Start: t0.Add(1 * time.Minute), Contains: []string{"fix"}}, "9", 1},
		{"package until a time", store.GrepQuery{Packages: []string{"firefox"}, End: t0.Add(8 * time.Minute)}, "5", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msgs, total, err := s.GrepMessages(ctx, tt.q)
			if err != nil {
				t.Fatal(err)
			}
			nums := make([]string, len(msgs))
			for i, m := range msgs {
				nums[i] = fmt.Sprint(m.I)
			}
			if got := strings.Join(nums, " "); got != tt.want || total != tt.total {
				t.Errorf("got %q (total %d), want %q (total %d)", got, total, tt.want, tt.total)
			}
			n, err := s.CountMessages(ctx, tt.q)
			if err != nil || n != tt.total {
				t.Errorf("CountMessages = %d, %v; want %d", n, err, tt.total)
			}
		})
	}

	t.Run("default page size is 25, at most 100", func(t *testing.T) {
		for i := range 120 {
			m := store.Message{MsgID: fmt.Sprintf("bulk-%d", i), Topic: "bulk", Timestamp: t0.Add(time.Hour), Msg: json.RawMessage(`{}`)}
			if _, err := s.ArchiveMessage(ctx, m); err != nil {
				t.Fatal(err)
			}
		}
		msgs, total, err := s.GrepMessages(ctx, store.GrepQuery{Topics: []string{"bulk"}})
		if err != nil || len(msgs) != 25 || total != 120 {
			t.Fatalf("default rows: %d of %d, %v", len(msgs), total, err)
		}
		msgs, _, err = s.GrepMessages(ctx, store.GrepQuery{Topics: []string{"bulk"}, Rows: 100})
		if err != nil || len(msgs) != 100 {
			t.Fatalf("rows 100: %d, %v", len(msgs), err)
		}
	})
	t.Run("one person's messages at one time come in archive order", func(t *testing.T) {
		for _, id := range []string{"tie-a", "tie-b", "tie-c"} {
			m := store.Message{MsgID: id, Topic: "tie", Timestamp: t0.Add(2 * time.Hour), Msg: json.RawMessage(`{}`), Usernames: []string{"tied"}}
			if _, err := s.ArchiveMessage(ctx, m); err != nil {
				t.Fatal(err)
			}
		}
		for order, want := range map[string]string{"desc": "tie-c tie-b tie-a", "asc": "tie-a tie-b tie-c"} {
			msgs, _, err := s.GrepMessages(ctx, store.GrepQuery{Usernames: []string{"tied"}, Order: order})
			if err != nil {
				t.Fatal(err)
			}
			ids := make([]string, len(msgs))
			for i, m := range msgs {
				ids[i] = m.MsgID
			}
			if got := strings.Join(ids, " "); got != want {
				t.Errorf("%s: %q, want %q", order, got, want)
			}
		}
	})
	refused := []struct {
		name string
		q    store.GrepQuery
	}{
		{"101 rows", store.GrepQuery{Rows: 101}},
		{"negative rows", store.GrepQuery{Rows: -1}},
		{"negative page", store.GrepQuery{Page: -1}},
		{"unknown order", store.GrepQuery{Order: "sideways"}},
	}
	for _, bad := range refused {
		t.Run("refused "+bad.name, func(t *testing.T) {
			if _, _, err := s.GrepMessages(ctx, bad.q); !errors.Is(err, store.ErrInvalid) {
				t.Fatalf("got %v, want ErrInvalid", err)
			}
		})
	}
}

func TestHistogramMessages(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	for _, m := range grepCorpus() {
		if _, err := s.ArchiveMessage(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	// render is the buckets as "total:category=n,... | ..." in bucket order.
	render := func(bs []store.HistogramBucket) string {
		parts := make([]string, len(bs))
		for i, b := range bs {
			cats := make([]string, 0, len(b.Categories))
			for c, n := range b.Categories {
				cats = append(cats, fmt.Sprintf("%s=%d", c, n))
			}
			slices.Sort(cats)
			parts[i] = fmt.Sprintf("%d:%s", b.Total, strings.Join(cats, ","))
		}
		return strings.Join(parts, " | ")
	}
	tests := []struct {
		name string
		q    store.GrepQuery
		step time.Duration
		want string
	}{
		// Messages n = 0..9 are at t0 + n minutes.
		{"all in one", store.GrepQuery{Start: t0, End: t0.Add(10 * time.Minute)}, 10 * time.Minute,
			"10:badges=1,bodhi=3,buildsys=2,fas=1,git=2,pagure=1"},
		{"edges: start inclusive, end exclusive", store.GrepQuery{Start: t0.Add(time.Minute), End: t0.Add(5 * time.Minute)}, 2 * time.Minute,
			"2:bodhi=1,buildsys=1 | 2:fas=1,git=1"},
		{"last interval shorter", store.GrepQuery{Start: t0, End: t0.Add(5 * time.Minute)}, 2 * time.Minute,
			"2:bodhi=2 | 2:buildsys=1,git=1 | 1:fas=1"},
		{"an interval's start is inside it, whatever the fraction of a second", store.GrepQuery{Start: t0.Add(100 * time.Millisecond), End: t0.Add(2*time.Minute + 100*time.Millisecond)}, time.Minute - 100*time.Millisecond,
			"0: | 1:bodhi=1 | 1:buildsys=1"},
		{"empty intervals stay", store.GrepQuery{Start: t0.Add(-2 * time.Minute), End: t0.Add(time.Minute)}, time.Minute,
			"0: | 0: | 1:bodhi=1"},
		{"filtered by user", store.GrepQuery{Usernames: []string{"ralph"}, Start: t0, End: t0.Add(10 * time.Minute)}, 5 * time.Minute,
			"2:bodhi=1,buildsys=1 | 2:badges=1,git=1"},
		{"filtered by category", store.GrepQuery{Categories: []string{"bodhi"}, Start: t0, End: t0.Add(10 * time.Minute)}, 5 * time.Minute,
			"2:bodhi=2 | 1:bodhi=1"},
		// A step of a fraction of a microsecond more counts as its whole microseconds,
		// on the archive's side and here alike.
		{"a step in whole microseconds", store.GrepQuery{Usernames: []string{"ralph"}, Start: t0, End: t0.Add(10 * time.Minute)}, time.Minute + 500*time.Nanosecond,
			"1:bodhi=1 | 0: | 1:buildsys=1 | 0: | 0: | 0: | 1:badges=1 | 0: | 0: | 1:git=1"},
		{"one more microsecond", store.GrepQuery{Usernames: []string{"ralph"}, Start: t0, End: t0.Add(10 * time.Minute)}, time.Minute + 1500*time.Nanosecond,
			"1:bodhi=1 | 1:buildsys=1 | 0: | 0: | 0: | 1:badges=1 | 0: | 0: | 1:git=1 | 0:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bs, err := s.HistogramMessages(ctx, tt.q, tt.step)
			if err != nil {
				t.Fatal(err)
			}
			if got := render(bs); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
			for i, b := range bs {
				if want := tt.q.Start.Add(time.Duration(i) * tt.step.Truncate(time.Microsecond)); !b.Start.Equal(want) {
					t.Errorf("bucket %d starts %v, want %v", i, b.Start, want)
				}
			}
		})
	}
	refused := []struct {
		name string
		q    store.GrepQuery
		step time.Duration
	}{
		{"no start", store.GrepQuery{End: t0}, time.Minute},
		{"no end", store.GrepQuery{Start: t0}, time.Minute},
		{"end before start", store.GrepQuery{Start: t0, End: t0.Add(-time.Minute)}, time.Minute},
		{"step under a second", store.GrepQuery{Start: t0, End: t0.Add(time.Minute)}, time.Millisecond},
		{"too many intervals", store.GrepQuery{Start: t0, End: t0.Add(1001 * time.Second)}, time.Second},
	}
	for _, bad := range refused {
		t.Run("refused "+bad.name, func(t *testing.T) {
			if _, err := s.HistogramMessages(ctx, bad.q, bad.step); !errors.Is(err, store.ErrInvalid) {
				t.Fatalf("got %v, want ErrInvalid", err)
			}
		})
	}
}

// TestLinksWrittenByDatanommer: datanommer writes users_messages and packages_messages
// without the time and category this archive keeps on each link; the schema fills them in
// from the message, and moves them when a message's change, so one person's messages come
// in time order, and are counted by category, whoever wrote them.
func TestLinksWrittenByDatanommer(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	db := s.Pool()
	for i, minute := range []int{5, 1, 3} {
		var id int64
		err := db.QueryRow(ctx, `INSERT INTO messages (msg_id, i, topic, timestamp, category, msg) VALUES ($1, $2, 'dn', $3, 'nommer', '{}') RETURNING id`,
			fmt.Sprintf("dn-%d", i), i, t0.Add(time.Duration(minute)*time.Minute)).Scan(&id)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(ctx, `INSERT INTO users (name) VALUES ('nommed') ON CONFLICT DO NOTHING`); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(ctx, `INSERT INTO users_messages (user_id, msg_id) SELECT id, $1 FROM users WHERE name = 'nommed'`, id); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(ctx, `INSERT INTO packages (name) VALUES ('nompkg') ON CONFLICT DO NOTHING`); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(ctx, `INSERT INTO packages_messages (package_id, msg_id) SELECT id, $1 FROM packages WHERE name = 'nompkg'`, id); err != nil {
			t.Fatal(err)
		}
	}
	order := func(q store.GrepQuery) string {
		t.Helper()
		msgs, total, err := s.GrepMessages(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		ids := make([]string, len(msgs))
		for i, m := range msgs {
			ids[i] = m.MsgID
		}
		return fmt.Sprintf("%s (%d)", strings.Join(ids, " "), total)
	}
	for _, q := range []store.GrepQuery{{Usernames: []string{"nommed"}}, {Packages: []string{"nompkg"}}} {
		if got, want := order(q), "dn-0 dn-2 dn-1 (3)"; got != want {
			t.Errorf("%+v: %s, want %s", q, got, want)
		}
	}
	if got, want := order(store.GrepQuery{Usernames: []string{"nommed"}, Start: t0.Add(2 * time.Minute)}), "dn-0 dn-2 (2)"; got != want {
		t.Errorf("from minute 2: %s, want %s", got, want)
	}
	histogram := func() string {
		t.Helper()
		var out []string
		for _, q := range []store.GrepQuery{{Usernames: []string{"nommed"}}, {Packages: []string{"nompkg"}}} {
			q.Start, q.End = t0, t0.Add(10*time.Minute)
			bs, err := s.HistogramMessages(ctx, q, 5*time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			for _, b := range bs {
				out = append(out, fmt.Sprint(b.Categories))
			}
		}
		return strings.Join(out, " ")
	}
	if got, want := histogram(), "map[nommer:2] map[nommer:1] map[nommer:2] map[nommer:1]"; got != want {
		t.Errorf("histogram: %s, want %s", got, want)
	}
	if _, err := db.Exec(ctx, `UPDATE messages SET timestamp = $1, category = 'moved' WHERE msg_id = 'dn-1'`, t0.Add(9*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got, want := histogram(), "map[nommer:1] map[moved:1 nommer:1] map[nommer:1] map[moved:1 nommer:1]"; got != want {
		t.Errorf("histogram after dn-1 moved: %s, want %s", got, want)
	}
	for _, q := range []store.GrepQuery{{Usernames: []string{"nommed"}}, {Packages: []string{"nompkg"}}} {
		if got, want := order(q), "dn-1 dn-0 dn-2 (3)"; got != want {
			t.Errorf("after dn-1 moved to minute 9, %+v: %s, want %s", q, got, want)
		}
	}
	// The counts follow the links datanommer writes and the messages deleted with theirs.
	counts := func() string {
		t.Helper()
		var out []string
		for _, q := range []store.GrepQuery{{Usernames: []string{"nommed"}}, {Packages: []string{"nompkg"}}} {
			n, err := s.CountMessages(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, fmt.Sprint(n))
		}
		return strings.Join(out, " ")
	}
	if got := counts(); got != "3 3" {
		t.Errorf("counts %s, want 3 3", got)
	}
	if _, err := db.Exec(ctx, `DELETE FROM messages WHERE msg_id = 'dn-2'`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(ctx, `DELETE FROM users_messages WHERE msg_id = (SELECT id FROM messages WHERE msg_id = 'dn-0')`); err != nil {
		t.Fatal(err)
	}
	if got := counts(); got != "1 2" {
		t.Errorf("after deleting dn-2 and nommed's link to dn-0: counts %s, want 1 2", got)
	}
	// A link moved to another message takes that message's time and category.
	if _, err := db.Exec(ctx, `INSERT INTO messages (msg_id, i, topic, timestamp, category, msg) VALUES ('dn-3', 3, 'dn', $1, 'later', '{}')`,
		t0.Add(4*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(ctx, `UPDATE packages_messages SET msg_id = (SELECT id FROM messages WHERE msg_id = 'dn-3')
		WHERE msg_id = (SELECT id FROM messages WHERE msg_id = 'dn-0')`); err != nil {
		t.Fatal(err)
	}
	if got, want := order(store.GrepQuery{Packages: []string{"nompkg"}}), "dn-1 dn-3 (2)"; got != want {
		t.Errorf("after nompkg's link moved from dn-0 to dn-3: %s, want %s", got, want)
	}
	var cat string
	if err := db.QueryRow(ctx, `SELECT l.category FROM packages_messages l JOIN messages m ON m.id = l.msg_id WHERE m.msg_id = 'dn-3'`).Scan(&cat); err != nil || cat != "later" {
		t.Errorf("moved link's category %q (%v), want later", cat, err)
	}
	if got := counts(); got != "1 2" {
		t.Errorf("after the move: counts %s, want 1 2", got)
	}
	// TRUNCATE fires no row trigger: the counts go with the links all the same.
	if _, err := db.Exec(ctx, `TRUNCATE messages CASCADE`); err != nil {
		t.Fatal(err)
	}
	if got := counts(); got != "0 0" {
		t.Errorf("after TRUNCATE: counts %s, want 0 0", got)
	}
}

// TestLinkMigrations: an archive written before the links kept their message's time and
// category and before the counts per person and package (schema version 1) gets them filled
// in by the migrations that add them.
func TestLinkMigrations(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	for _, m := range grepCorpus() {
		if _, err := s.ArchiveMessage(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	// Back to version 1: what 0002_link_columns.sql and 0003_link_counts.sql add, taken away.
	_, err := s.Pool().Exec(ctx, `
		DROP TABLE users_message_counts, packages_message_counts;
		DROP TRIGGER users_messages_count ON users_messages;
		DROP TRIGGER packages_messages_count ON packages_messages;
		DROP FUNCTION users_message_count(), packages_message_count();
		DROP TRIGGER users_messages_truncated ON users_messages;
		DROP TRIGGER packages_messages_truncated ON packages_messages;
		DROP FUNCTION message_counts_truncated();
		DROP TRIGGER messages_timestamp_moved ON messages;
		DROP FUNCTION message_timestamp_moved();
		DROP TRIGGER users_messages_timestamp ON users_messages;
		DROP TRIGGER packages_messages_timestamp ON packages_messages;
		DROP FUNCTION link_timestamp();
		ALTER TABLE users_messages DROP COLUMN timestamp, DROP COLUMN category;
		ALTER TABLE packages_messages DROP COLUMN timestamp, DROP COLUMN category;
		UPDATE schema_version SET version = 1`)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	var missing int
	if err := s.Pool().QueryRow(ctx, `SELECT count(*) FROM users_messages l JOIN messages m ON m.id = l.msg_id
		WHERE l.timestamp IS DISTINCT FROM m.timestamp OR l.category IS DISTINCT FROM m.category`).Scan(&missing); err != nil || missing != 0 {
		t.Fatalf("%d links without their message's time and category (%v)", missing, err)
	}
	msgs, total, err := s.GrepMessages(ctx, store.GrepQuery{Packages: []string{"kernel"}})
	if err != nil || total != 3 || len(msgs) != 3 || msgs[0].I != 9 || msgs[2].I != 0 {
		t.Fatalf("kernel after the migration: %d of %d, %v", len(msgs), total, err)
	}
	if n, err := s.CountMessages(ctx, store.GrepQuery{Usernames: []string{"ralph"}}); err != nil || n != 4 {
		t.Fatalf("ralph's count after the migration: %d, %v; want 4", n, err)
	}
}
