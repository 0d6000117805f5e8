package history

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/paywatch/paywatch/monitor"
)

// around is how far before an incident's start and after its end the notifications and the
// sources' changes about its service are taken to belong to it.
const around = 30 * time.Minute

// IncidentQuery selects incidents and maintenance.
type IncidentQuery struct {
	From, To time.Time // those overlapping [From, To); a zero To means now
	Services []string  // none: every service
	// Now ends what is still going on (default: the store's clock).
	Now time.Time
	// InBusinessHours, when set, gives each record's part inside business hours (see
	// BusinessHours).
	InBusinessHours func(time.Time) bool
}

// Update is one version of an incident's text as the page published it.
type Update struct {
	SeenAt      time.Time     `json:"seen_at"`               // when Paywatch first saw this version
	PublishedAt time.Time     `json:"published_at,omitzero"` // the page's own time for it
	Status      string        `json:"status"`
	Impact      monitor.State `json:"impact"`
	Title       string        `json:"title"`
	// Text is the update as published, or the title when the page published no text.
	Text string `json:"text"`
	// SHA256 is the hex SHA-256 of Text's UTF-8 bytes (see Hash).
	SHA256 string `json:"sha256"`
}

// IncidentRecord is an incident or maintenance with everything the history knows about it.
type IncidentRecord struct {
	ServiceID  string        `json:"service_id"`
	Service    string        `json:"service"`
	Kind       string        `json:"kind"` // KindIncident or KindMaintenance
	Key        string        `json:"key"`
	Title      string        `json:"title"`
	Status     string        `json:"status"` // the latest seen
	Impact     monitor.State `json:"impact"` // the worst seen
	URL        string        `json:"url,omitempty"`
	PageURL    string        `json:"page_url,omitempty"`
	Components []string      `json:"components,omitempty"`
	// Filtered: it touches none of the components the user watches.
	Filtered bool `json:"filtered,omitempty"`

	// The publisher's timestamps.
	CreatedAt  time.Time `json:"created_at,omitzero"`
	UpdatedAt  time.Time `json:"updated_at,omitzero"`
	ResolvedAt time.Time `json:"resolved_at,omitzero"`
	StartsAt   time.Time `json:"starts_at,omitzero"` // maintenance
	EndsAt     time.Time `json:"ends_at,omitzero"`

	// What Paywatch saw: first and last listed, and when it saw it end (zero while open).
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
	EndedAt   time.Time `json:"ended_at,omitzero"`

	// Start is the publisher's start (created, or a maintenance's scheduled start), or when
	// Paywatch first saw it if earlier or not given; End the publisher's resolution, else when
	// Paywatch saw it end, else now (Ongoing).
	Start    time.Time     `json:"start"`
	End      time.Time     `json:"end"`
	Ongoing  bool          `json:"ongoing,omitempty"`
	Duration time.Duration `json:"-"`
	// BusinessDuration is the part of Duration inside business hours (zero without them).
	BusinessDuration time.Duration `json:"-"`
	DurationMinutes  float64       `json:"duration_minutes"`
	BusinessMinutes  float64       `json:"business_hours_minutes"`

	Updates []Update `json:"updates"`
	// Sources are the changes of the service's own sources (official page, probes from the
	// user's network) from 30 minutes before Start to 30 minutes after End, with each source's
	// state just before.
	Sources []Event `json:"sources,omitempty"`
	// NotWatched are the spells inside [Start, End] when Paywatch was not watching.
	NotWatched []Gap `json:"not_watched,omitempty"`
	// Messages are the notifications and deliveries about the service from 30 minutes before
	// Start to 30 minutes after End.
	Messages []Message `json:"messages,omitempty"`
}

// BusinessHours turns the alert settings' business hours into a test of a moment, in loc
// (time.Local when nil). No window gives nil: nothing is business hours.
func BusinessHours(w *monitor.TimeWindow, loc *time.Location) func(time.Time) bool {
	if w == nil {
		return nil
	}
	if loc == nil {
		loc = time.Local
	}
	win := *w
	return func(t time.Time) bool { return win.Contains(t.In(loc)) }
}

// businessPart is how much of [from, to) in falls inside. in is taken to change only at whole
// minutes (business hours are written to the minute), so it is asked once a minute.
func businessPart(from, to time.Time, in func(time.Time) bool) time.Duration {
	if in == nil || !to.After(from) {
		return 0
	}
	var d time.Duration
	for t := from; t.Before(to); {
		next := t.Truncate(time.Minute).Add(time.Minute)
		if next.After(to) {
			next = to
		}
		if in(t) {
			d += next.Sub(t)
		}
		t = next
	}
	return d
}

// Incidents lists the incidents and maintenance overlapping the query's range, oldest first,
// each with every version of its text, the sources' view, the spells not watched and the
// messages sent.
func (s *Store) Incidents(ctx context.Context, q IncidentQuery) ([]IncidentRecord, error) {
	now := q.Now
	if now.IsZero() {
		now = s.opt.Now()
	}
	from, to := bounds(q.From, q.To, now)
	var out []IncidentRecord
	err := s.readTx(ctx, func(tx *sql.Tx) error {
		cond, cargs := in("x.service", q.Services)
		rows, err := tx.QueryContext(ctx, `WITH x AS (SELECT i.*,
				CASE WHEN i.kind = 'maintenance' AND i.starts_at <> 0 THEN i.starts_at
					WHEN i.kind = 'incident' AND i.created_at <> 0 THEN min(i.created_at, i.first_seen)
					ELSE i.first_seen END AS s,
				CASE WHEN i.resolved_at <> 0 THEN i.resolved_at WHEN i.ended_at <> 0 THEN i.ended_at ELSE ?1 END AS e
				FROM incidents i)
			SELECT x.id, x.service, coalesce(sv.name, x.service), x.kind, x.key, x.title, x.status, x.impact, x.url, x.page_url,
				x.components, x.filtered, x.created_at, x.updated_at, x.resolved_at, x.starts_at, x.ends_at,
				x.first_seen, x.last_seen, x.ended_at, x.s, x.e
			FROM x LEFT JOIN services sv ON sv.id = x.service
			WHERE x.s < ?2 AND max(x.e, x.s) >= ?3`+cond+` ORDER BY x.s, x.id`,
			append([]any{now.UnixMilli(), to, from}, cargs...)...)
		if err != nil {
			return err
		}
		var ids []int64
		for rows.Next() {
			var r IncidentRecord
			var id int64
			var comps string
			var created, updated, resolved, starts, ends, first, last, ended, start, end int64
			if err := rows.Scan(&id, &r.ServiceID, &r.Service, &r.Kind, &r.Key, &r.Title, &r.Status, &r.Impact, &r.URL, &r.PageURL,
				&comps, &r.Filtered, &created, &updated, &resolved, &starts, &ends, &first, &last, &ended, &start, &end); err != nil {
				rows.Close()
				return err
			}
			_ = json.Unmarshal([]byte(comps), &r.Components)
			r.CreatedAt, r.UpdatedAt, r.ResolvedAt = fromMS(created), fromMS(updated), fromMS(resolved)
			r.StartsAt, r.EndsAt = fromMS(starts), fromMS(ends)
			r.FirstSeen, r.LastSeen, r.EndedAt = fromMS(first), fromMS(last), fromMS(ended)
			r.Start, r.End = fromMS(start), fromMS(max(end, start))
			r.Ongoing = resolved == 0 && ended == 0
			r.Duration = r.End.Sub(r.Start)
			r.BusinessDuration = businessPart(r.Start, r.End, q.InBusinessHours)
			r.DurationMinutes, r.BusinessMinutes = r.Duration.Minutes(), r.BusinessDuration.Minutes()
			out = append(out, r)
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(out) == 0 {
			return nil
		}
		f, err := s.newFiller(ctx, tx, out, now)
		if err != nil {
			return err
		}
		defer f.close()
		for i := range out {
			if err := f.fill(ctx, &out[i], ids[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("history: incidents: %w", err)
	}
	return out, nil
}

// filler adds to incidents their updates, sources, not-watched spells and messages, with
// statements prepared once for them all.
type filler struct {
	updates, sources, before, window, messages *sql.Stmt
	sourcesOf                                  map[string][]string
	gaps                                       []Gap
}

func (s *Store) newFiller(ctx context.Context, tx *sql.Tx, recs []IncidentRecord, now time.Time) (*filler, error) {
	f := &filler{sourcesOf: map[string][]string{}}
	for _, p := range []struct {
		st **sql.Stmt
		q  string
	}{
		{&f.updates, "SELECT seen_at, published_at, status, impact, title, text, sha256 FROM incident_updates WHERE incident = ? ORDER BY id"},
		{&f.sources, "SELECT DISTINCT source FROM changes WHERE service = ? AND source <> ''"},
		{&f.before, "SELECT at, source, source_kind, from_state, to_state, reason FROM changes WHERE service = ? AND source = ? AND at < ? ORDER BY at DESC, id DESC LIMIT 1"},
		{&f.window, "SELECT at, source, source_kind, from_state, to_state, reason FROM changes WHERE service = ? AND source <> '' AND at >= ? AND at <= ? ORDER BY at, id"},
		{&f.messages, `SELECT m.at, m.service, coalesce(s.name, m.service), m.channel, m.outcome, m.title, m.body, m.state, m.severity, m.attempts, m.error
			FROM messages m LEFT JOIN services s ON s.id = m.service WHERE m.service = ? AND m.at >= ? AND m.at <= ? ORDER BY m.at, m.id`},
	} {
		st, err := tx.PrepareContext(ctx, p.q)
		if err != nil {
			f.close()
			return nil, err
		}
		*p.st = st
	}
	from, to := recs[0].Start, recs[0].End
	for _, r := range recs {
		from, to = minTime(from, r.Start), maxTime(to, r.End)
	}
	gs, err := s.gaps(ctx, tx, from.UnixMilli(), to.UnixMilli()+1, now.UnixMilli())
	if err != nil {
		f.close()
		return nil, err
	}
	f.gaps = gs
	return f, nil
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func (f *filler) close() {
	for _, st := range []*sql.Stmt{f.updates, f.sources, f.before, f.window, f.messages} {
		if st != nil {
			st.Close()
		}
	}
}

func scanChange(rows interface{ Scan(...any) error }, r *IncidentRecord) (Event, error) {
	e := Event{Kind: EventChange, ServiceID: r.ServiceID, Service: r.Service}
	var at int64
	err := rows.Scan(&at, &e.Source, &e.SourceKind, &e.From, &e.To, &e.Reason)
	e.At = fromMS(at)
	return e, err
}

func (f *filler) fill(ctx context.Context, r *IncidentRecord, id int64) error {
	rows, err := f.updates.QueryContext(ctx, id)
	if err != nil {
		return err
	}
	for rows.Next() {
		var u Update
		var seen, pub int64
		if err := rows.Scan(&seen, &pub, &u.Status, &u.Impact, &u.Title, &u.Text, &u.SHA256); err != nil {
			rows.Close()
			return err
		}
		u.SeenAt, u.PublishedAt = fromMS(seen), fromMS(pub)
		r.Updates = append(r.Updates, u)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}

	wfrom, wto := r.Start.Add(-around).UnixMilli(), r.End.Add(around).UnixMilli()
	// Each source's state just before the window, then its changes inside it.
	srcs, ok := f.sourcesOf[r.ServiceID]
	if !ok {
		rows, err := f.sources.QueryContext(ctx, r.ServiceID)
		if err != nil {
			return err
		}
		for rows.Next() {
			var src string
			if err := rows.Scan(&src); err != nil {
				rows.Close()
				return err
			}
			srcs = append(srcs, src)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		f.sourcesOf[r.ServiceID] = srcs
	}
	for _, src := range srcs {
		e, err := scanChange(f.before.QueryRowContext(ctx, r.ServiceID, src, wfrom), r)
		if err == sql.ErrNoRows {
			continue
		}
		if err != nil {
			return err
		}
		r.Sources = append(r.Sources, e)
	}
	rows, err = f.window.QueryContext(ctx, r.ServiceID, wfrom, wto)
	if err != nil {
		return err
	}
	for rows.Next() {
		e, err := scanChange(rows, r)
		if err != nil {
			rows.Close()
			return err
		}
		r.Sources = append(r.Sources, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	slices.SortStableFunc(r.Sources, func(a, b Event) int { return a.At.Compare(b.At) })

	for _, g := range f.gaps {
		if g.From.Before(r.End) && g.To.After(r.Start) {
			r.NotWatched = append(r.NotWatched, g)
		}
	}

	rows, err = f.messages.QueryContext(ctx, r.ServiceID, wfrom, wto)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var m Message
		var at int64
		if err := rows.Scan(&at, &m.ServiceID, &m.Service, &m.Channel, &m.Outcome, &m.Title, &m.Body, &m.State, &m.Severity, &m.Attempts, &m.Error); err != nil {
			return err
		}
		m.At = fromMS(at)
		r.Messages = append(r.Messages, m)
	}
	return rows.Err()
}
