package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
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
	// One round trip: the statements of a batch run in one implicit transaction. The names
	// go in first, with DO NOTHING; then one statement inserts the message and its links.
	// Under READ COMMITTED that second statement sees the names another archiver committed
	// meanwhile (the first waits for an insert of the same name in progress), which one
	// statement inserting names and links together would miss. A message archived already
	// inserts nothing, and so no link: the archive is idempotent on msg_id.
	b := &pgx.Batch{}
	if len(m.Usernames) > 0 {
		b.Queue(`INSERT INTO users (name) SELECT DISTINCT unnest($1::text[]) ON CONFLICT (name) DO NOTHING`, m.Usernames)
	}
	if len(m.Packages) > 0 {
		b.Queue(`INSERT INTO packages (name) SELECT DISTINCT unnest($1::text[]) ON CONFLICT (name) DO NOTHING`, m.Packages)
	}
	b.Queue(`
		WITH m AS (
			INSERT INTO messages (msg_id, i, topic, timestamp, category, username, crypto, certificate,
				signature, source_name, source_version, msg, headers)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
			ON CONFLICT (msg_id) DO NOTHING
			RETURNING id
		), users_linked AS (
			INSERT INTO users_messages (user_id, msg_id, timestamp, category)
			SELECT u.id, m.id, $4, $5 FROM m, users u WHERE u.name = ANY($14::text[])
			ON CONFLICT DO NOTHING
		), packages_linked AS (
			INSERT INTO packages_messages (package_id, msg_id, timestamp, category)
			SELECT p.id, m.id, $4, $5 FROM m, packages p WHERE p.name = ANY($15::text[])
			ON CONFLICT DO NOTHING
		)
		SELECT count(*) FROM m`,
		m.MsgID, m.I, m.Topic, m.Timestamp, nullable(m.Category), nullable(m.Username), nullable(m.Crypto),
		nullable(m.Certificate), nullable(m.Signature), nullable(m.SourceName), nullable(m.SourceVersion),
		msg, headers, m.Usernames, m.Packages,
	).QueryRow(func(r pgx.Row) error {
		var n int
		err := r.Scan(&n)
		inserted = n == 1
		return err
	})
	err = s.pool.SendBatch(ctx, b).Close()
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
	// Names asks GrepMessages for each message's usernames and packages too: two more
	// lookups per row, which a widget's grep (datagrepper's raw_messages carry neither)
	// does not need.
	Names bool
}

// Grep paging limits, as datagrepper's.
const (
	DefaultGrepRows = 25
	MaxGrepRows     = 100
)

// selection is the FROM and WHERE of a query over what q matches, and the columns that
// order its rows in time (then archive order).
type selection struct {
	from, where string
	args        []any
	time, id    string
	category    string // the messages' category column: the link's when messages is not in from
}

// link is the link table a query walks in time order, with the column naming its people
// (or packages), the table of their names and the table of their counts.
type link struct{ table, key, names, counts string }

var (
	userLinks    = link{"users_messages", "user_id", "users", "users_message_counts"}
	packageLinks = link{"packages_messages", "package_id", "packages", "packages_message_counts"}
)

// drive picks the link table q can walk newest first, through its (name id, timestamp,
// msg_id) index: when q names one person, or no person and one package. A page of their
// messages then reads as many index entries as it shows (plus the offset), however long
// their history; several names could name one message twice, and keep the plain form.
func (q GrepQuery) drive() (link, string, bool) {
	switch {
	case len(q.Usernames) == 1:
		return userLinks, q.Usernames[0], true
	case len(q.Usernames) == 0 && len(q.Packages) == 1:
		return packageLinks, q.Packages[0], true
	}
	return link{}, "", false
}

// selection renders q's filters. withMessages false leaves messages out of FROM when no
// filter needs its columns (a count by one person in a time window reads their link
// index alone).
func (q GrepQuery) selection(withMessages bool) selection {
	var conds []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	sel := selection{from: "messages m", time: "m.timestamp", id: "m.id", category: "m.category"}
	l, name, driven := q.drive()
	var onMessages []string // the conditions that read messages' columns
	if driven {
		sel.time, sel.id = "l.timestamp", "l.msg_id"
		conds = append(conds, "l."+l.key+" = (SELECT id FROM "+l.names+" WHERE name = "+arg(name)+")")
	}
	if len(q.Topics) > 0 {
		onMessages = append(onMessages, "m.topic = ANY("+arg(q.Topics)+")")
	}
	if len(q.Categories) > 0 {
		onMessages = append(onMessages, "m.category = ANY("+arg(q.Categories)+")")
	}
	for _, f := range []struct {
		l     link
		names []string
	}{{userLinks, q.Usernames}, {packageLinks, q.Packages}} {
		if len(f.names) > 0 && !(driven && l == f.l) {
			onMessages = append(onMessages, "m.id IN (SELECT x.msg_id FROM "+f.l.table+" x JOIN "+f.l.names+
				" n ON n.id = x."+f.l.key+" WHERE n.name = ANY("+arg(f.names)+"))")
		}
	}
	if len(q.Contains) > 0 {
		onMessages = append(onMessages, "EXISTS (SELECT 1 FROM unnest("+arg(q.Contains)+"::text[]) c WHERE strpos(m.msg::text, c) > 0)")
	}
	if !q.Start.IsZero() {
		conds = append(conds, sel.time+" >= "+arg(q.Start))
	}
	if !q.End.IsZero() {
		conds = append(conds, sel.time+" < "+arg(q.End))
	}
	if driven {
		sel.from, sel.category = l.table+" l", "l.category"
		if withMessages || len(onMessages) > 0 {
			sel.from += " JOIN messages m ON m.id = l.msg_id"
		}
	}
	conds = append(conds, onMessages...)
	sel.where, sel.args = "TRUE", args
	if len(conds) > 0 {
		sel.where = strings.Join(conds, " AND ")
	}
	return sel
}

// countSQL is the query counting what q matches. Filtered by one person alone (or one
// package alone), as a person's feed and activity counts are, it reads the count the link
// triggers keep (migration 0003): one row, however long their history. Several names count
// the distinct messages of their links, which the link table's primary key holds in order,
// without visiting each message.
func (q GrepQuery) countSQL() (string, []any) {
	others := len(q.Topics) + len(q.Categories) + len(q.Contains)
	if others > 0 || !q.Start.IsZero() || !q.End.IsZero() || (len(q.Usernames) > 0) == (len(q.Packages) > 0) {
		sel := q.selection(false)
		return "SELECT count(*) FROM " + sel.from + " WHERE " + sel.where, sel.args
	}
	l, list := userLinks, q.Usernames
	if len(q.Packages) > 0 {
		l, list = packageLinks, q.Packages
	}
	if len(list) == 1 {
		return "SELECT coalesce((SELECT c.n FROM " + l.counts + " c JOIN " + l.names + " n ON n.id = c." + l.key +
			" WHERE n.name = $1), 0)", []any{list[0]}
	}
	return "SELECT count(DISTINCT l.msg_id) FROM " + l.table + " l JOIN " + l.names + " n ON n.id = l." + l.key + " WHERE n.name = ANY($1)", []any{list}
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
	sql, args := q.countSQL()
	var n int
	if err := s.pool.QueryRow(ctx, sql, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count messages: %w", err)
	}
	return n, nil
}

// GrepMessages returns page q.Page of the messages matching q, in q.Order by timestamp (then
// archive order), and the number of matches over all pages. The count and the page go to
// the server in one round trip: a widget's rebuild waits for the archive once.
func (s *Store) GrepMessages(ctx context.Context, q GrepQuery) (msgs []Message, total int, err error) {
	q, err = q.normalize()
	if err != nil {
		return nil, 0, err
	}
	sel := q.selection(true)
	dir := "DESC"
	if q.Order == "asc" {
		dir = "ASC"
	}
	pageArgs := append(slices.Clip(sel.args), q.Rows, (q.Page-1)*q.Rows)
	names := `NULL::text[], NULL::text[]`
	if q.Names {
		names = `ARRAY(SELECT u.name FROM users_messages um JOIN users u ON u.id = um.user_id WHERE um.msg_id = m.id ORDER BY u.name),
			ARRAY(SELECT p.name FROM packages_messages pm JOIN packages p ON p.id = pm.package_id WHERE pm.msg_id = m.id ORDER BY p.name)`
	}
	sql := `
		SELECT m.msg_id, m.i, m.topic, m.timestamp, coalesce(m.category, ''), coalesce(m.username, ''),
			coalesce(m.crypto, ''), coalesce(m.certificate, ''), coalesce(m.signature, ''),
			coalesce(m.source_name, ''), coalesce(m.source_version, ''), m.msg::text, coalesce(m.headers::text, ''),
			` + names + `
		FROM ` + sel.from + `
		WHERE ` + sel.where + `
		ORDER BY ` + sel.time + ` ` + dir + `, ` + sel.id + ` ` + dir + `
		LIMIT $` + strconv.Itoa(len(pageArgs)-1) + ` OFFSET $` + strconv.Itoa(len(pageArgs))
	b := &pgx.Batch{}
	countSQL, countArgs := q.countSQL()
	b.Queue(countSQL, countArgs...).QueryRow(func(r pgx.Row) error {
		return r.Scan(&total)
	})
	b.Queue(sql, pageArgs...).Query(func(rows pgx.Rows) error {
		// The count came first: the page's room at once (grown by appending, a page of
		// 60 was allocated about twice over).
		msgs = make([]Message, 0, min(q.Rows, max(total-(q.Page-1)*q.Rows, 0)))
		var err error
		msgs, err = pgx.AppendRows(msgs, rows, scanMessage)
		return err
	})
	if err := s.pool.SendBatch(ctx, b).Close(); err != nil {
		return nil, 0, fmt.Errorf("grep messages: %w", err)
	}
	return msgs, total, nil
}

// scanMessage reads one row of GrepMessages' page query.
func scanMessage(r pgx.CollectableRow) (Message, error) {
	var m Message
	// Straight into the RawMessages: through a string, each body was copied twice.
	err := r.Scan(&m.MsgID, &m.I, &m.Topic, &m.Timestamp, &m.Category, &m.Username, &m.Crypto, &m.Certificate,
		&m.Signature, &m.SourceName, &m.SourceVersion, (*[]byte)(&m.Msg), (*[]byte)(&m.Headers), &m.Usernames, &m.Packages)
	if len(m.Headers) == 0 {
		m.Headers = nil
	}
	return m, err
}

// MaxHistogramBuckets bounds how many intervals one HistogramMessages call counts.
const MaxHistogramBuckets = 1000

// HistogramBucket is how many messages of one interval matched, in all and by category.
type HistogramBucket struct {
	Start      time.Time
	Total      int
	Categories map[string]int // a message without a category counts under ""
}

// HistogramMessages counts the messages matching q in the consecutive intervals of length
// step from q.Start to q.End (the last one may be shorter), in all and by category: one
// query for what would otherwise be one count per interval and category (a weekly
// activity chart asked the archive 60 times per rebuild). q.Start and q.End are required;
// paging and order are ignored.
func (s *Store) HistogramMessages(ctx context.Context, q GrepQuery, step time.Duration) ([]HistogramBucket, error) {
	if q.Start.IsZero() || q.End.IsZero() || !q.End.After(q.Start) {
		return nil, fmt.Errorf("histogram: start and end are required, end after start: %w", ErrInvalid)
	}
	if step < time.Second {
		return nil, fmt.Errorf("histogram: step %v is under a second: %w", step, ErrInvalid)
	}
	// Whole microseconds, timestamptz's precision and what PostgreSQL receives: the
	// intervals it bins by and the ones counted here must be the same.
	step = step.Truncate(time.Microsecond)
	span := q.End.Sub(q.Start)
	n := int(span / step)
	if span%step != 0 {
		n++
	}
	if n > MaxHistogramBuckets {
		return nil, fmt.Errorf("histogram: %d intervals, at most %d: %w", n, MaxHistogramBuckets, ErrInvalid)
	}
	// One person (or package) alone is counted from their links, which keep each message's
	// time and category: a histogram of their twelve weeks reads a range of their time index
	// and the small link rows, not every message row.
	sel := q.selection(false)
	// date_bin counts in timestamptz's microseconds from start, as sent (pgx drops the rest
	// of a nanosecond start): an interval's start falls inside it whatever its fraction.
	origin := q.Start.Truncate(time.Microsecond)
	args := append(sel.args, origin, step)
	sql := `SELECT date_bin($` + strconv.Itoa(len(args)) + `::interval, ` + sel.time + `, $` + strconv.Itoa(len(args)-1) + `),
		coalesce(` + sel.category + `, ''), count(*)
		FROM ` + sel.from + ` WHERE ` + sel.where + ` GROUP BY 1, 2`
	buckets := make([]HistogramBucket, n)
	for i := range buckets {
		buckets[i] = HistogramBucket{Start: q.Start.Add(time.Duration(i) * step), Categories: map[string]int{}}
	}
	rows, err := s.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("histogram: %w", err)
	}
	var (
		bin      time.Time
		count    int
		category string
	)
	_, err = pgx.ForEachRow(rows, []any{&bin, &category, &count}, func() error {
		// The WHERE keeps rows in [start, end): a bucket is in range.
		bucket := min(max(int(bin.Sub(origin)/step), 0), n-1)
		buckets[bucket].Total += count
		buckets[bucket].Categories[category] += count
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("histogram: %w", err)
	}
	return buckets, nil
}
