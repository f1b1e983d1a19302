package store_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"hubs/store"
	"hubs/store/storetest"
)

// fixtureMessages reads the real bus messages of ../testdata/fedmsg/meta_examples.jsonl.
func fixtureMessages(tb testing.TB) []store.Message {
	tb.Helper()
	f, err := os.Open("../testdata/fedmsg/meta_examples.jsonl")
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var out []store.Message
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for n := 0; sc.Scan(); n++ {
		var line struct {
			Msg struct {
				MsgID     string          `json:"msg_id"`
				I         int             `json:"i"`
				Topic     string          `json:"topic"`
				Timestamp float64         `json:"timestamp"`
				Username  string          `json:"username"`
				Msg       json.RawMessage `json:"msg"`
			} `json:"msg"`
			Expected struct {
				Usernames []string `json:"usernames"`
				Packages  []string `json:"packages"`
			} `json:"expected"`
		}
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			tb.Fatalf("line %d: %v", n+1, err)
		}
		e := line.Msg
		sec, frac := math.Modf(e.Timestamp)
		out = append(out, store.Message{
			MsgID: e.MsgID, I: e.I, Topic: e.Topic, Timestamp: time.Unix(int64(sec), int64(frac*1e9)),
			Category: category(e.Topic), Username: e.Username, Msg: e.Msg,
			Usernames: line.Expected.Usernames, Packages: line.Expected.Packages,
		})
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return out
}

// category is the fourth part of a fedmsg topic (org.fedoraproject.prod.CATEGORY...).
func category(topic string) string {
	parts := 0
	start := 0
	for i := 0; i < len(topic); i++ {
		if topic[i] == '.' {
			parts++
			if parts == 3 {
				start = i + 1
			} else if parts == 4 {
				return topic[start:i]
			}
		}
	}
	return ""
}

var uniq atomic.Int64

func BenchmarkArchiveMessage(b *testing.B) {
	s := storetest.New(b)
	msgs := fixtureMessages(b)
	ctx := context.Background()
	b.Run("serial", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			m := msgs[i%len(msgs)]
			m.MsgID = fmt.Sprintf("bench-%d", uniq.Add(1))
			if _, err := s.ArchiveMessage(ctx, m); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for i := 0; pb.Next(); i++ {
				m := msgs[i%len(msgs)]
				m.MsgID = fmt.Sprintf("bench-%d", uniq.Add(1))
				if _, err := s.ArchiveMessage(ctx, m); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	b.Run("duplicate", func(b *testing.B) {
		m := msgs[0]
		m.MsgID = "bench-dup"
		for b.Loop() {
			if _, err := s.ArchiveMessage(ctx, m); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkGrepMessages queries an archive of 20 copies of the fixture (7,440 messages)
// the way widgets do: one page of 25 by user, by package, by category.
func BenchmarkGrepMessages(b *testing.B) {
	s := storetest.New(b)
	msgs := fixtureMessages(b)
	ctx := context.Background()
	for copy := range 20 {
		for i, m := range msgs {
			m.MsgID = fmt.Sprintf("grep-%d-%d", copy, i)
			m.Timestamp = m.Timestamp.Add(time.Duration(copy) * 24 * time.Hour)
			if _, err := s.ArchiveMessage(ctx, m); err != nil {
				b.Fatal(err)
			}
		}
	}
	if _, err := s.Pool().Exec(ctx, "ANALYZE"); err != nil {
		b.Fatal(err)
	}
	queries := []struct {
		name string
		q    store.GrepQuery
	}{
		{"user", store.GrepQuery{Usernames: []string{"ralph"}}},
		{"package", store.GrepQuery{Packages: []string{"kernel"}}},
		{"category", store.GrepQuery{Categories: []string{"bodhi"}}},
		{"user_and_category", store.GrepQuery{Usernames: []string{"ralph"}, Categories: []string{"fas"}}},
		{"contains", store.GrepQuery{Contains: []string{"kernel"}}},
		{"everything_page_10", store.GrepQuery{Page: 10}},
	}
	for _, q := range queries {
		b.Run(q.name, func(b *testing.B) {
			for b.Loop() {
				if _, _, err := s.GrepMessages(ctx, q.q); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	// What fedmsgs asks, one person's messages per interval and service, here over the whole
	// of ralph's history (all 1,880, copies included) in 100 intervals: its cost is in the
	// messages counted, as a busy person's twelve weeks would be.
	var first, last time.Time
	for _, m := range msgs {
		if slices.Contains(m.Usernames, "ralph") {
			if first.IsZero() || m.Timestamp.Before(first) {
				first = m.Timestamp
			}
			if m.Timestamp.After(last) {
				last = m.Timestamp
			}
		}
	}
	end := last.Add(20 * 24 * time.Hour).Add(time.Second)
	step := end.Sub(first)/100 + time.Second
	hq := store.GrepQuery{Usernames: []string{"ralph"}, Start: first, End: end}
	if n, err := s.CountMessages(ctx, hq); err == nil {
		b.Logf("histogram: %d of ralph's messages in 100 intervals", n)
	}
	b.Run("histogram_user", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.HistogramMessages(ctx, hq, step); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkHubQueries is what /{hub}/json asks of the store.
func BenchmarkHubQueries(b *testing.B) {
	s := storetest.New(b)
	ctx := context.Background()
	if err := s.Populate(ctx); err != nil {
		b.Fatal(err)
	}
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := s.GetHub(ctx, "designteam"); err != nil {
				b.Error(err)
				return
			}
			if _, err := s.ListWidgets(ctx, "designteam"); err != nil {
				b.Error(err)
				return
			}
			if _, err := s.PeopleByRole(ctx, "designteam"); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkAfterIdle is one round trip after the process has been idle for a while: on the
// VM these figures come from, memory left alone for tens of milliseconds (PostgreSQL's,
// ours, the kernel's) costs many times more to touch, and a widget on a hub that few people
// watch is always rebuilt after such a pause (storetest.AfterIdle: ns/op is the round trip
// alone).
func BenchmarkAfterIdle(b *testing.B) {
	s := storetest.New(b)
	ctx := context.Background()
	for i, m := range fixtureMessages(b) {
		m.MsgID = fmt.Sprintf("idle-%d", i)
		if _, err := s.ArchiveMessage(ctx, m); err != nil {
			b.Fatal(err)
		}
	}
	queries := []struct {
		name string
		do   func() error
	}{
		{"select1", func() error {
			var one int
			return s.Pool().QueryRow(ctx, "SELECT 1").Scan(&one)
		}},
		{"page_by_user", func() error {
			_, _, err := s.GrepMessages(ctx, store.GrepQuery{Usernames: []string{"ralph"}, Rows: 25})
			return err
		}},
	}
	for _, q := range queries {
		for _, pause := range []time.Duration{0, time.Millisecond, 10 * time.Millisecond, 50 * time.Millisecond, 300 * time.Millisecond} {
			b.Run(fmt.Sprintf("%s/idle-%v", q.name, pause), func(b *testing.B) {
				storetest.AfterIdle(b, pause, func(int) {
					if err := q.do(); err != nil {
						b.Fatal(err)
					}
				})
			})
		}
	}
}
