package runtime

import (
	"context"
	"encoding/json"
	"time"
)

// Host is everything data() can reach outside the sandbox besides ctx.fetch:
// the message archive and the user directory. The engine adapts store.Store to
// it; runtime itself imports no project package. Implementations must be safe
// for concurrent use: every runtime of the pool calls the same Host.
type Host interface {
	// GrepMessages searches the archive with datagrepper's semantics: values
	// within one filter are OR-ed, filters are AND-ed.
	GrepMessages(ctx context.Context, q GrepQuery) (GrepResult, error)
	// CountMessages counts what GrepMessages would find, ignoring Rows and Page.
	CountMessages(ctx context.Context, q GrepQuery) (int, error)
	// HistogramMessages counts what GrepMessages would find in the consecutive
	// intervals of length step from q.Start to q.End (both set), in all and by
	// category, ignoring Rows, Page and Order.
	HistogramMessages(ctx context.Context, q GrepQuery, step time.Duration) ([]HistogramBucket, error)
	// User returns what is known of a user as JSON-able data, or (nil, nil)
	// when there is no such user (data() then sees null).
	User(ctx context.Context, name string) (map[string]any, error)
}

// GrepQuery mirrors the store's query (and datagrepper's arguments). Zero values
// mean "no filter" / "the store's default".
type GrepQuery struct {
	Topics     []string
	Categories []string
	Usernames  []string
	Packages   []string
	Contains   []string
	Start      time.Time
	End        time.Time
	Rows       int
	Page       int
	Order      string // "asc" or "desc"
}

// GrepResult is one page of messages: each a full fedmsg envelope as JSON.
type GrepResult struct {
	Messages []json.RawMessage
	Total    int // messages matching, over all pages
	Pages    int
}

// HistogramBucket is one interval of a histogram: when it starts, how many
// messages fell in it, and how many of those per category.
type HistogramBucket struct {
	Start      time.Time
	Total      int
	Categories map[string]int
}

// Hub is what data() sees as ctx.hub: the hub the widget instance sits on.
type Hub struct {
	Name        string   `json:"name"`
	Summary     string   `json:"summary"`
	UserHub     bool     `json:"user_hub"` // a person's hub (true) or a team's (false)
	Archived    bool     `json:"archived"`
	Owners      []string `json:"owners"`
	Members     []string `json:"members"`
	Subscribers []string `json:"subscribers"`
	Stargazers  []string `json:"stargazers"`
	DaysIdle    int      `json:"days_idle"`
}

// Instance is one widget placed on a hub: what shouldInvalidate sees as its
// second argument ({id, name, hub, config}) and what keys the per-instance
// module state (see the package comment). Config is the validated config as a
// JSON object (Validate's output, marshalled); nil means {}.
type Instance struct {
	ID     int64
	Name   string // the widget's name, e.g. "workflow.pendingacls"
	Hub    string
	Config json.RawMessage
}
