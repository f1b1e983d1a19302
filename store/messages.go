package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Message is one archived bus message, field for field datanommer's messages row plus the
// user and package names linked to it.
type Message struct {
	MsgID         string          `json:"msg_id"`
	I             int             `json:"i"`
	Topic         string          `json:"topic"`
	Timestamp     time.Time       `json:"timestamp"`
	Category      string          `json:"category"`
	Username      string          `json:"username"`
	Crypto        string          `json:"crypto"`
	Certificate   string          `json:"certificate"`
	Signature     string          `json:"signature"`
	SourceName    string          `json:"source_name"`
	SourceVersion string          `json:"source_version"`
	Msg           json.RawMessage `json:"msg"`
	Headers       json.RawMessage `json:"headers"`
	Usernames     []string        `json:"usernames"`
	Packages      []string        `json:"packages"`
}

// ArchiveMessage stores m unless a message with the same MsgID is archived already; inserted
// says which. Msg must be JSON (nil is stored as {}).
func (s *Store) ArchiveMessage(ctx context.Context, m Message) (inserted bool, err error) {
	if m.MsgID == "" {
		return false, fmt.Errorf("archive message on %q: empty msg_id: %w", m.Topic, ErrInvalid)
	}
	msg, headers := []byte(m.Msg), []byte(m.Headers)
	if len(msg) == 0 {
		msg = []byte("{}")
	}
	if !json.Valid(msg) || (len(headers) > 0 && !json.Valid(headers)) {
		return false, fmt.Errorf("archive message %s: msg or headers is not JSON: %w", m.MsgID, ErrInvalid)
	}
	if len(headers) == 0 {
		headers = nil
	}
	if m.Timestamp.IsZero() {
		m.Timestamp = time.Now()
	}
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var id int64
		err := tx.QueryRow(ctx, `
			INSERT INTO messages (msg_id, i, topic, timestamp, category, username, crypto, certificate,
				signature, source_name, source_version, msg, headers)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
			ON CONFLICT (msg_id) DO NOTHING
			RETURNING id`,
			m.MsgID, m.I, m.Topic, m.Timestamp, nullable(m.Category), nullable(m.Username), nullable(m.Crypto),
			nullable(m.Certificate), nullable(m.Signature), nullable(m.SourceName), nullable(m.SourceVersion),
			msg, headers).Scan(&id)
		if err == pgx.ErrNoRows {
			return nil // archived already
		}
		if err != nil {
			return err
		}
		inserted = true
		// Names first with DO NOTHING, then the links from a fresh statement: under READ
		// COMMITTED the second statement sees names another archiver committed meanwhile,
		// which one INSERT ... RETURNING would miss.
		b := &pgx.Batch{}
		if len(m.Usernames) > 0 {
			b.Queue(`INSERT INTO users (name) SELECT DISTINCT unnest($1::text[]) ON CONFLICT (name) DO NOTHING`, m.Usernames)
			b.Queue(`INSERT INTO users_messages (user_id, msg_id) SELECT id, $2 FROM users WHERE name = ANY($1) ON CONFLICT DO NOTHING`, m.Usernames, id)
		}
		if len(m.Packages) > 0 {
			b.Queue(`INSERT INTO packages (name) SELECT DISTINCT unnest($1::text[]) ON CONFLICT (name) DO NOTHING`, m.Packages)
			b.Queue(`INSERT INTO packages_messages (package_id, msg_id) SELECT id, $2 FROM packages WHERE name = ANY($1) ON CONFLICT DO NOTHING`, m.Packages, id)
		}
		if b.Len() == 0 {
			return nil
		}
		return tx.SendBatch(ctx, b).Close()
	})
	if err != nil {
		return false, fmt.Errorf("archive message %s: %w", m.MsgID, err)
	}
	return inserted, nil
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// GrepQuery selects archived messages the way datagrepper's /raw does: the values inside one
// filter are OR-ed, the filters are AND-ed, an empty filter does not filter.
type GrepQuery struct {
	Topics     []string
	Categories []string
	Usernames  []string
	Packages   []string
	Contains   []string  // substrings of the message body (msg) as JSON text
	Start, End time.Time // Start <= timestamp < End; zero means unbounded
	Rows       int       // page size, default 25, at most MaxGrepRows
	Page       int       // 1-based, default 1
	Order      string    // "desc" (newest first, the default) or "asc"
}

// Grep paging limits, as datagrepper's.
const (
	DefaultGrepRows = 25
	MaxGrepRows     = 100
)

// where renders the filters as a SQL condition and its arguments.
func (q GrepQuery) where() (string, []any) {
	var conds []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if len(q.Topics) > 0 {
		conds = append(conds, "m.topic = ANY("+arg(q.Topics)+")")
	}
	if len(q.Categories) > 0 {
		conds = append(conds, "m.category = ANY("+arg(q.Categories)+")")
	}
	if len(q.Usernames) > 0 {
		conds = append(conds, `m.id IN (SELECT um.msg_id FROM users_messages um JOIN users u ON u.id = um.user_id
			WHERE u.name = ANY(`+arg(q.Usernames)+`))`)
	}
	if len(q.Packages) > 0 {
		conds = append(conds, `m.id IN (SELECT pm.msg_id FROM packages_messages pm JOIN packages p ON p.id = pm.package_id
			WHERE p.name = ANY(`+arg(q.Packages)+`))`)
	}
	if len(q.Contains) > 0 {
		conds = append(conds, "EXISTS (SELECT 1 FROM unnest("+arg(q.Contains)+"::text[]) c WHERE strpos(m.msg::text, c) > 0)")
	}
	if !q.Start.IsZero() {
		conds = append(conds, "m.timestamp >= "+arg(q.Start))
	}
	if !q.End.IsZero() {
		conds = append(conds, "m.timestamp < "+arg(q.End))
	}
	if len(conds) == 0 {
		return "TRUE", args
	}
	return strings.Join(conds, " AND "), args
}

// normalize fills in defaults and checks the paging fields.
func (q GrepQuery) normalize() (GrepQuery, error) {
	if q.Rows == 0 {
		q.Rows = DefaultGrepRows
	}
	if q.Rows < 0 || q.Rows > MaxGrepRows {
		return q, fmt.Errorf("grep: rows %d not in 1..%d: %w", q.Rows, MaxGrepRows, ErrInvalid)
	}
	if q.Page == 0 {
		q.Page = 1
	}
	if q.Page < 0 {
		return q, fmt.Errorf("grep: page %d: pages start at 1: %w", q.Page, ErrInvalid)
	}
	switch q.Order {
	case "":
		q.Order = "desc"
	case "asc", "desc":
	default:
		return q, fmt.Errorf("grep: order %q is not asc or desc: %w", q.Order, ErrInvalid)
	}
	return q, nil
}

// CountMessages returns how many archived messages match q (paging is ignored).
func (s *Store) CountMessages(ctx context.Context, q GrepQuery) (int, error) {
	where, args := q.where()
	var n int
	if err := s.pool.QueryRow(ctx, "SELECT count(*) FROM messages m WHERE "+where, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count messages: %w", err)
	}
	return n, nil
}

// GrepMessages returns page q.Page of the messages matching q, in q.Order by timestamp (then
// archive order), and the number of matches over all pages.
func (s *Store) GrepMessages(ctx context.Context, q GrepQuery) (msgs []Message, total int, err error) {
	q, err = q.normalize()
	if err != nil {
		return nil, 0, err
	}
	total, err = s.CountMessages(ctx, q)
	if err != nil {
		return nil, 0, err
	}
	if total <= (q.Page-1)*q.Rows {
		return []Message{}, total, nil
	}
	where, args := q.where()
	dir := "DESC"
	if q.Order == "asc" {
		dir = "ASC"
	}
	args = append(args, q.Rows, (q.Page-1)*q.Rows)
	sql := `
		SELECT m.msg_id, m.i, m.topic, m.timestamp, coalesce(m.category, ''), coalesce(m.username, ''),
			coalesce(m.crypto, ''), coalesce(m.certificate, ''), coalesce(m.signature, ''),
			coalesce(m.source_name, ''), coalesce(m.source_version, ''), m.msg::text, coalesce(m.headers::text, ''),
			ARRAY(SELECT u.name FROM users_messages um JOIN users u ON u.id = um.user_id WHERE um.msg_id = m.id ORDER BY u.name),
			ARRAY(SELECT p.name FROM packages_messages pm JOIN packages p ON p.id = pm.package_id WHERE pm.msg_id = m.id ORDER BY p.name)
		FROM messages m
		WHERE ` + where + `
		ORDER BY m.timestamp ` + dir + `, m.id ` + dir + `
		LIMIT $` + strconv.Itoa(len(args)-1) + ` OFFSET $` + strconv.Itoa(len(args))
	rows, err := s.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, 0, fmt.Errorf("grep messages: %w", err)
	}
	msgs, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Message, error) {
		var m Message
		var msg, headers string
		err := r.Scan(&m.MsgID, &m.I, &m.Topic, &m.Timestamp, &m.Category, &m.Username, &m.Crypto, &m.Certificate,
			&m.Signature, &m.SourceName, &m.SourceVersion, &msg, &headers, &m.Usernames, &m.Packages)
		m.Msg = json.RawMessage(msg)
		if headers != "" {
			m.Headers = json.RawMessage(headers)
		}
		return m, err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("grep messages: %w", err)
	}
	return msgs, total, nil
}
