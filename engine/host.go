package engine

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"hubs/runtime"
	"hubs/store"
)

// Host adapts the store to runtime.Host (what data() reaches through ctx.messages and
// ctx.user) and builds ctx.hub. The engine uses it for every rebuild; `hubs widget data`
// uses the same one, so a widget sees the same world from the command line and the server.
type Host struct{ Store *store.Store }

var _ runtime.Host = Host{}

func (h Host) query(q runtime.GrepQuery) store.GrepQuery {
	return store.GrepQuery{Topics: q.Topics, Categories: q.Categories, Usernames: q.Usernames, Packages: q.Packages,
		Contains: q.Contains, Start: q.Start, End: q.End, Rows: q.Rows, Page: q.Page, Order: q.Order}
}

// GrepMessages returns datagrepper's raw_messages: envelopes with the timestamp as epoch
// seconds.
func (h Host) GrepMessages(ctx context.Context, q runtime.GrepQuery) (runtime.GrepResult, error) {
	sq := h.query(q)
	msgs, total, err := h.Store.GrepMessages(ctx, sq)
	if err != nil {
		return runtime.GrepResult{}, err
	}
	rows := sq.Rows
	if rows <= 0 {
		rows = store.DefaultGrepRows
	}
	if rows > store.MaxGrepRows {
		rows = store.MaxGrepRows
	}
	res := runtime.GrepResult{Total: total, Pages: (total + rows - 1) / rows}
	res.Messages = make([]json.RawMessage, 0, len(msgs))
	// One buffer for the page; each message is a slice of it.
	size := 0
	for _, m := range msgs {
		size += rawMessageSize(m)
	}
	buf := make([]byte, 0, size)
	for _, m := range msgs {
		start := len(buf)
		buf = appendRawMessage(buf, m)
		res.Messages = append(res.Messages, json.RawMessage(buf[start:len(buf):len(buf)]))
	}
	return res, nil
}

// appendRawMessage appends m as one of datagrepper's raw_messages: the envelope as fedmsg
// sent it, the timestamp in epoch seconds, keys in alphabetical order (the order a map
// marshalled in before). The message body and headers are PostgreSQL's JSON text, copied
// as it is: encoding/json would parse and compact them, the largest part of a feed's
// rebuild outside JavaScript, for the same values.
func appendRawMessage(b []byte, m store.Message) []byte {
	headers := m.Headers
	if len(headers) == 0 {
		headers = json.RawMessage("{}")
	}
	body := m.Msg
	if len(body) == 0 {
		body = json.RawMessage("null") // as encoding/json wrote a nil RawMessage
	}
	b = append(b, `{"certificate":`...)
	b = runtime.AppendJSONString(b, m.Certificate)
	b = append(b, `,"crypto":`...)
	b = runtime.AppendJSONString(b, m.Crypto)
	b = append(b, `,"headers":`...)
	b = append(b, headers...)
	b = append(b, `,"i":`...)
	b = strconv.AppendInt(b, int64(m.I), 10)
	b = append(b, `,"msg":`...)
	b = append(b, body...)
	b = append(b, `,"msg_id":`...)
	b = runtime.AppendJSONString(b, m.MsgID)
	b = append(b, `,"signature":`...)
	b = runtime.AppendJSONString(b, m.Signature)
	b = append(b, `,"source_name":`...)
	b = runtime.AppendJSONString(b, m.SourceName)
	b = append(b, `,"source_version":`...)
	b = runtime.AppendJSONString(b, m.SourceVersion)
	b = append(b, `,"timestamp":`...)
	// As encoding/json writes a float64 of this size: shortest form, no exponent.
	b = strconv.AppendFloat(b, epochSeconds(m.Timestamp), 'f', -1, 64)
	b = append(b, `,"topic":`...)
	b = runtime.AppendJSONString(b, m.Topic)
	b = append(b, `,"username":`...)
	b = runtime.AppendJSONString(b, m.Username)
	return append(b, '}')
}

// rawMessageSize is about what appendRawMessage writes for m (escapes aside).
func rawMessageSize(m store.Message) int {
	return 192 + len(m.Certificate) + len(m.Crypto) + len(m.Headers) + len(m.Msg) + len(m.MsgID) +
		len(m.Signature) + len(m.SourceName) + len(m.SourceVersion) + len(m.Topic) + len(m.Username)
}

// CountMessages counts what GrepMessages would find.
func (h Host) CountMessages(ctx context.Context, q runtime.GrepQuery) (int, error) {
	return h.Store.CountMessages(ctx, h.query(q))
}

// HistogramMessages counts what GrepMessages would find per interval of step and category.
func (h Host) HistogramMessages(ctx context.Context, q runtime.GrepQuery, step time.Duration) ([]runtime.HistogramBucket, error) {
	bs, err := h.Store.HistogramMessages(ctx, h.query(q), step)
	if err != nil {
		return nil, err
	}
	out := make([]runtime.HistogramBucket, len(bs))
	for i, b := range bs {
		out[i] = runtime.HistogramBucket{Start: b.Start, Total: b.Total, Categories: b.Categories}
	}
	return out, nil
}

// User returns what ctx.user(name) shows, or (nil, nil) for an unknown user.
func (h Host) User(ctx context.Context, name string) (map[string]any, error) {
	u, err := h.Store.GetUser(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	hubs, err := h.Store.HubsOf(ctx, name) // hub -> roles: the subscriptions widget's data
	if err != nil {
		return nil, err
	}
	return map[string]any{"username": u.Username, "full_name": u.FullName, "created": u.Created.UTC().Format(time.RFC3339), "hubs": hubs}, nil
}

// Hub builds ctx.hub for the hub called name.
func (h Host) Hub(ctx context.Context, name string) (runtime.Hub, error) {
	hb, err := h.Store.GetHub(ctx, name)
	if err != nil {
		return runtime.Hub{}, err
	}
	people, err := h.Store.PeopleByRole(ctx, name)
	if err != nil {
		return runtime.Hub{}, err
	}
	names := func(r store.Role) []string {
		out := []string{}
		for _, u := range people[r] {
			out = append(out, u.Username)
		}
		return out
	}
	idle := 0
	if !hb.LastActivity.IsZero() {
		idle = int(time.Since(hb.LastActivity).Hours() / 24)
	}
	return runtime.Hub{Name: hb.Name, Summary: hb.Summary, UserHub: hb.UserHub, Archived: hb.Archived,
		Owners: names(store.RoleOwner), Members: names(store.RoleMember), Subscribers: names(store.RoleSubscriber),
		Stargazers: names(store.RoleStargazer), DaysIdle: idle}, nil
}

// epochSeconds is t in seconds since the epoch, as fedmsg writes timestamps. Seconds and
// the fraction are converted apart: UnixNano is past float64's 53 bits of precision, so
// converting it whole gives 1700000000.2499998 for a quarter past.
func epochSeconds(t time.Time) float64 {
	return float64(t.Unix()) + float64(t.Nanosecond())/1e9
}
