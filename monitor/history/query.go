package history

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/paywatch/paywatch/monitor"
)

// StateName is a recorded state's machine name: monitor's names, and "not_watched".
func StateName(s monitor.State) string {
	if s == NotWatched {
		return "not_watched"
	}
	return s.String()
}

// StateLabel is a recorded state in words: monitor's labels, and "Not watched".
func StateLabel(s monitor.State) string {
	if s == NotWatched {
		return "Not watched"
	}
	return s.Label()
}

// Filter selects records for Timeline.
type Filter struct {
	Services []string  // none: every service
	From     time.Time // zero: from the beginning
	To       time.Time // zero: until now (exclusive)
}

// EventKind says what an Event is.
type EventKind string

// Kinds of event.
const (
	EventChange         EventKind = "change"          // a service's or a source's state changed
	EventIncident       EventKind = "incident"        // an incident or maintenance first seen
	EventIncidentUpdate EventKind = "incident_update" // it published a new text or status
	EventIncidentEnd    EventKind = "incident_end"    // Paywatch saw it end
	EventMessage        EventKind = "message"         // a notification, or a channel's delivery of one
	EventNotWatched     EventKind = "not_watched"     // a spell when Paywatch was not watching
)

// Event is one line of the timeline. Which fields are set depends on Kind.
type Event struct {
	At        time.Time
	Kind      EventKind
	ServiceID string
	Service   string // the service's name

	// Changes.
	Source     string // "" for the service as a whole, else the source's ID ("page", "probe:…")
	SourceKind string // "service", "page" or "probe"
	From, To   monitor.State
	Reason     string // also a not-watched spell's reason

	// Incidents and maintenance.
	IncidentKind string // KindIncident or KindMaintenance
	Title        string
	Status       string
	Impact       monitor.State
	Text         string // the update's text as published
	SHA256       string
	URL          string
	PublishedAt  time.Time

	// Messages.
	Channel  string // "" for the notification itself
	Outcome  Outcome
	Body     string
	Severity monitor.State
	Attempts int
	Error    string

	// Not-watched spells.
	Gap   GapKind
	Until time.Time // zero while it lasts
}

// MarshalJSON writes the fields the kind uses, states by name.
func (e Event) MarshalJSON() ([]byte, error) {
	type out struct {
		At           time.Time `json:"at"`
		Kind         EventKind `json:"kind"`
		ServiceID    string    `json:"service_id,omitempty"`
		Service      string    `json:"service,omitempty"`
		Source       string    `json:"source,omitempty"`
		SourceKind   string    `json:"source_kind,omitempty"`
		From         string    `json:"from,omitempty"`
		To           string    `json:"to,omitempty"`
		Reason       string    `json:"reason,omitempty"`
		IncidentKind string    `json:"incident_kind,omitempty"`
		Title        string    `json:"title,omitempty"`
		Status       string    `json:"status,omitempty"`
		Impact       string    `json:"impact,omitempty"`
		Text         string    `json:"text,omitempty"`
		SHA256       string    `json:"sha256,omitempty"`
		URL          string    `json:"url,omitempty"`
		PublishedAt  time.Time `json:"published_at,omitzero"`
		Channel      string    `json:"channel,omitempty"`
		Outcome      Outcome   `json:"outcome,omitempty"`
		Body         string    `json:"body,omitempty"`
		Severity     string    `json:"severity,omitempty"`
		Attempts     int       `json:"attempts,omitempty"`
		Error        string    `json:"error,omitempty"`
		Gap          GapKind   `json:"gap,omitempty"`
		Until        time.Time `json:"until,omitzero"`
	}
	o := out{At: e.At, Kind: e.Kind, ServiceID: e.ServiceID, Service: e.Service, Reason: e.Reason}
	switch e.Kind {
	case EventChange:
		o.Source, o.SourceKind, o.From, o.To = e.Source, e.SourceKind, StateName(e.From), StateName(e.To)
	case EventIncident, EventIncidentUpdate, EventIncidentEnd:
		o.IncidentKind, o.Title, o.Status, o.Impact = e.IncidentKind, e.Title, e.Status, StateName(e.Impact)
		o.Text, o.SHA256, o.URL, o.PublishedAt = e.Text, e.SHA256, e.URL, e.PublishedAt
	case EventMessage:
		o.Channel, o.Outcome, o.Title, o.Body, o.Attempts, o.Error = e.Channel, e.Outcome, e.Title, e.Body, e.Attempts, e.Error
		o.Severity = StateName(e.Severity)
	case EventNotWatched:
		o.Gap, o.Until = e.Gap, e.Until
	}
	return json.Marshal(o)
}

var kindOrder = map[EventKind]int{EventNotWatched: 0, EventChange: 1, EventIncident: 2, EventIncidentUpdate: 3, EventIncidentEnd: 4, EventMessage: 5}

// readTx runs f in a read transaction, so that every query sees the same moment.
func (s *Store) readTx(ctx context.Context, f func(tx *sql.Tx) error) error {
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("history: read: %w", err)
	}
	defer tx.Rollback()
	return f(tx)
}

// in returns " AND col IN (?, ?…)" and its arguments, or nothing for no services.
func in(col string, services []string) (string, []any) {
	if len(services) == 0 {
		return "", nil
	}
	args := make([]any, len(services))
	for i, s := range services {
		args[i] = s
	}
	return " AND " + col + " IN (" + strings.TrimSuffix(strings.Repeat("?, ", len(services)), ", ") + ")", args
}

func bounds(from, to, now time.Time) (int64, int64) {
	f, t := ms(from), ms(to)
	if to.IsZero() {
		t = now.UnixMilli() + 1
	}
	return f, t
}

// Timeline lists what happened in the filter's range, oldest first: state changes, incidents
// and their updates, notifications and deliveries, and the spells when Paywatch was not
// watching (those concern every service, so the service filter leaves them in).
func (s *Store) Timeline(ctx context.Context, f Filter) ([]Event, error) {
	now := s.opt.Now()
	from, to := bounds(f.From, f.To, now)
	var evs []Event
	err := s.readTx(ctx, func(tx *sql.Tx) error {
		cond, cargs := in("c.service", f.Services)
		rows, err := tx.QueryContext(ctx, `SELECT c.at, c.service, coalesce(s.name, c.service), c.source, c.source_kind, c.from_state, c.to_state, c.reason
			FROM changes c LEFT JOIN services s ON s.id = c.service WHERE c.at >= ? AND c.at < ?`+cond+` ORDER BY c.at, c.id`, append([]any{from, to}, cargs...)...)
		if err != nil {
			return err
		}
		for rows.Next() {
			e := Event{Kind: EventChange}
			var at int64
			if err := rows.Scan(&at, &e.ServiceID, &e.Service, &e.Source, &e.SourceKind, &e.From, &e.To, &e.Reason); err != nil {
				rows.Close()
				return err
			}
			e.At = fromMS(at)
			evs = append(evs, e)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}

		cond, cargs = in("i.service", f.Services)
		rows, err = tx.QueryContext(ctx, `SELECT u.seen_at, i.service, coalesce(s.name, i.service), i.kind, u.title, u.status, u.impact, u.text, u.sha256, i.url,
				u.published_at, u.id = (SELECT min(id) FROM incident_updates WHERE incident = u.incident)
			FROM incident_updates u JOIN incidents i ON i.id = u.incident LEFT JOIN services s ON s.id = i.service
			WHERE u.seen_at >= ? AND u.seen_at < ?`+cond+` ORDER BY u.seen_at, u.id`, append([]any{from, to}, cargs...)...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var e Event
			var at, pub int64
			var first bool
			if err := rows.Scan(&at, &e.ServiceID, &e.Service, &e.IncidentKind, &e.Title, &e.Status, &e.Impact, &e.Text, &e.SHA256, &e.URL, &pub, &first); err != nil {
				rows.Close()
				return err
			}
			e.At, e.PublishedAt, e.Kind = fromMS(at), fromMS(pub), EventIncidentUpdate
			if first {
				e.Kind = EventIncident
			}
			evs = append(evs, e)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}

		rows, err = tx.QueryContext(ctx, `SELECT i.ended_at, i.service, coalesce(s.name, i.service), i.kind, i.title, i.status, i.impact, i.url, i.resolved_at
			FROM incidents i LEFT JOIN services s ON s.id = i.service
			WHERE i.ended_at <> 0 AND i.ended_at >= ? AND i.ended_at < ?`+cond+` ORDER BY i.ended_at, i.id`, append([]any{from, to}, cargs...)...)
		if err != nil {
			return err
		}
		for rows.Next() {
			e := Event{Kind: EventIncidentEnd}
			var at, res int64
			if err := rows.Scan(&at, &e.ServiceID, &e.Service, &e.IncidentKind, &e.Title, &e.Status, &e.Impact, &e.URL, &res); err != nil {
				rows.Close()
				return err
			}
			e.At, e.PublishedAt = fromMS(at), fromMS(res)
			evs = append(evs, e)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}

		cond, cargs = in("m.service", f.Services)
		msgs, err := queryMessages(ctx, tx, `m.at >= ? AND m.at < ?`+cond, append([]any{from, to}, cargs...)...)
		if err != nil {
			return err
		}
		for _, m := range msgs {
			evs = append(evs, Event{At: m.At, Kind: EventMessage, ServiceID: m.ServiceID, Service: m.Service, Channel: m.Channel, Outcome: m.Outcome,
				Title: m.Title, Body: m.Body, To: m.State, Severity: m.Severity, Attempts: m.Attempts, Error: m.Error})
		}

		gaps, err := s.gaps(ctx, tx, from, to, now.UnixMilli())
		if err != nil {
			return err
		}
		for _, g := range gaps {
			e := Event{At: g.From, Kind: EventNotWatched, Gap: g.Kind, Reason: g.Reason}
			if !g.Ongoing {
				e.Until = g.To
			}
			evs = append(evs, e)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("history: timeline: %w", err)
	}
	slices.SortStableFunc(evs, func(a, b Event) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		return cmp.Compare(kindOrder[a.Kind], kindOrder[b.Kind])
	})
	return evs, nil
}

// Message is a notification (Channel "") or a channel's delivery of one.
type Message struct {
	At        time.Time     `json:"at"`
	ServiceID string        `json:"service_id"`
	Service   string        `json:"service"`
	Channel   string        `json:"channel,omitempty"`
	Outcome   Outcome       `json:"outcome"`
	Title     string        `json:"title"`
	Body      string        `json:"body,omitempty"`
	State     monitor.State `json:"state"`
	Severity  monitor.State `json:"severity"`
	Attempts  int           `json:"attempts,omitempty"`
	Error     string        `json:"error,omitempty"`
}

func queryMessages(ctx context.Context, tx *sql.Tx, where string, args ...any) ([]Message, error) {
	rows, err := tx.QueryContext(ctx, `SELECT m.at, m.service, coalesce(s.name, m.service), m.channel, m.outcome, m.title, m.body, m.state, m.severity, m.attempts, m.error
		FROM messages m LEFT JOIN services s ON s.id = m.service WHERE `+where+` ORDER BY m.at, m.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Message
	for rows.Next() {
		var m Message
		var at int64
		if err := rows.Scan(&at, &m.ServiceID, &m.Service, &m.Channel, &m.Outcome, &m.Title, &m.Body, &m.State, &m.Severity, &m.Attempts, &m.Error); err != nil {
			return nil, err
		}
		m.At = fromMS(at)
		out = append(out, m)
	}
	return out, rows.Err()
}

// Gap is a spell when Paywatch was not watching.
type Gap struct {
	Kind    GapKind   `json:"kind"`
	From    time.Time `json:"from"`
	To      time.Time `json:"to"` // for an ongoing spell, the time it was last known to last
	Reason  string    `json:"reason,omitempty"`
	Ongoing bool      `json:"ongoing,omitempty"`
}

// liveGrace is how old the heartbeat may be for the writer to count as running now.
func (s *Store) liveGrace() int64 { return (2*s.opt.Heartbeat + time.Minute).Milliseconds() }

func heartbeat(ctx context.Context, tx *sql.Tx) (int64, error) {
	var v sql.NullString
	err := tx.QueryRowContext(ctx, "SELECT value FROM meta WHERE key = 'heartbeat'").Scan(&v)
	if err == sql.ErrNoRows || !v.Valid {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	n, err := strconv.ParseInt(v.String, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("heartbeat %q: %w", v.String, err)
	}
	return n, nil
}

// gaps lists the not-watched spells overlapping [from, to), including, when Paywatch is not
// running now, the time since its last heartbeat.
func (s *Store) gaps(ctx context.Context, tx *sql.Tx, from, to, now int64) ([]Gap, error) {
	hb, err := heartbeat(ctx, tx)
	if err != nil {
		return nil, err
	}
	live := hb != 0 && now-hb <= s.liveGrace()
	openEnd := hb
	if live {
		openEnd = now
	}
	rows, err := tx.QueryContext(ctx, `SELECT kind, from_at, to_at, reason FROM gaps
		WHERE from_at < ? AND coalesce(to_at, ?) > ? ORDER BY from_at, id`, to, max(openEnd, now), from)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Gap
	for rows.Next() {
		var g Gap
		var f int64
		var t sql.NullInt64
		if err := rows.Scan(&g.Kind, &f, &t, &g.Reason); err != nil {
			return nil, err
		}
		g.From = fromMS(f)
		if t.Valid {
			g.To = fromMS(t.Int64)
		} else {
			g.To, g.Ongoing = fromMS(max(openEnd, f)), live
		}
		out = append(out, g)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if hb != 0 && !live && hb < to {
		out = append(out, Gap{Kind: GapNotRunning, From: fromMS(hb), To: fromMS(max(now, hb)), Ongoing: true})
	}
	return out, nil
}

type span struct{ from, to int64 }

// merged turns gaps into sorted, non-overlapping spans.
func merged(gs []Gap) []span {
	sp := make([]span, 0, len(gs))
	for _, g := range gs {
		if f, t := ms(g.From), ms(g.To); t > f {
			sp = append(sp, span{f, t})
		}
	}
	slices.SortFunc(sp, func(a, b span) int { return cmp.Compare(a.from, b.from) })
	out := sp[:0]
	for _, x := range sp {
		if n := len(out); n > 0 && x.from <= out[n-1].to {
			out[n-1].to = max(out[n-1].to, x.to)
			continue
		}
		out = append(out, x)
	}
	return out
}

// Minutes holds time in each state, in minutes.
type Minutes struct {
	Operational   float64 `json:"operational"`
	Maintenance   float64 `json:"maintenance"`
	Degraded      float64 `json:"degraded"`
	PartialOutage float64 `json:"partial_outage"`
	MajorOutage   float64 `json:"major_outage"`
	Unknown       float64 `json:"unknown"`
}

func (m *Minutes) add(s monitor.State, v float64) {
	switch s {
	case monitor.StateOperational:
		m.Operational += v
	case monitor.StateMaintenance:
		m.Maintenance += v
	case monitor.StateDegraded:
		m.Degraded += v
	case monitor.StatePartialOutage:
		m.PartialOutage += v
	case monitor.StateMajorOutage:
		m.MajorOutage += v
	default:
		m.Unknown += v
	}
}

// Of returns the minutes in one state.
func (m Minutes) Of(s monitor.State) float64 {
	switch s {
	case monitor.StateOperational:
		return m.Operational
	case monitor.StateMaintenance:
		return m.Maintenance
	case monitor.StateDegraded:
		return m.Degraded
	case monitor.StatePartialOutage:
		return m.PartialOutage
	case monitor.StateMajorOutage:
		return m.MajorOutage
	case monitor.StateUnknown:
		return m.Unknown
	}
	return 0
}

// Total is the minutes watched.
func (m Minutes) Total() float64 {
	return m.Operational + m.Maintenance + m.Degraded + m.PartialOutage + m.MajorOutage + m.Unknown
}

// Day is one service's day, in the user's time zone.
type Day struct {
	Date  string    `json:"date"` // 2006-01-02
	Start time.Time `json:"start"`
	// End is the next midnight, or now for today.
	End time.Time `json:"end"`
	// Minutes is the time watched, by state; NotWatched the rest of the day (offline, asleep,
	// not running, not yet or no longer in the watchlist). The two add up to the day's length.
	Minutes    Minutes `json:"minutes"`
	NotWatched float64 `json:"not_watched_minutes"`
}

// Worst is the day's worst state while watched; unknown only when nothing else was known, and
// NotWatched when Paywatch did not watch at all that day.
func (d Day) Worst() monitor.State {
	if d.Minutes.Total() <= 0 {
		return NotWatched
	}
	w, known := monitor.StateOperational, false
	for _, s := range []monitor.State{monitor.StateOperational, monitor.StateMaintenance, monitor.StateDegraded, monitor.StatePartialOutage, monitor.StateMajorOutage} {
		if d.Minutes.Of(s) > 0 {
			known = true
			if s.Worse(w) {
				w = s
			}
		}
	}
	if !known {
		return monitor.StateUnknown
	}
	return w
}

// ServiceUptime is one service's days, oldest first.
type ServiceUptime struct {
	ServiceID string `json:"service_id"`
	Name      string `json:"name"`
	Days      []Day  `json:"days"`
}

// dayStarts returns the midnights (in loc) that begin each of the days ending with now's day,
// and the one after.
func dayStarts(days int, now time.Time, loc *time.Location) []time.Time {
	n := now.In(loc)
	out := make([]time.Time, days+1)
	for i := range out {
		out[i] = time.Date(n.Year(), n.Month(), n.Day()-(days-1)+i, 0, 0, 0, 0, loc)
	}
	return out
}

// Uptime gives, per service and day (the last `days` days up to now, in loc), the minutes in
// each state and the minutes not watched, separately. Services with no record in the range are
// left out.
func (s *Store) Uptime(ctx context.Context, days int, now time.Time, loc *time.Location) ([]ServiceUptime, error) {
	if days <= 0 {
		return nil, nil
	}
	if loc == nil {
		loc = time.Local
	}
	starts := dayStarts(days, now, loc)
	edges := make([]int64, len(starts))
	for i, t := range starts {
		edges[i] = t.UnixMilli()
	}
	from, end := edges[0], min(now.UnixMilli(), edges[days])
	var out []ServiceUptime
	err := s.readTx(ctx, func(tx *sql.Tx) error {
		gs, err := s.gaps(ctx, tx, from, end, now.UnixMilli())
		if err != nil {
			return err
		}
		unwatched := merged(gs)
		type svc struct {
			id, name string
			first    monitor.State
			rows     []stateAt
		}
		var svcs []*svc
		byID := map[string]*svc{}
		rows, err := tx.QueryContext(ctx, "SELECT id, name FROM services ORDER BY name COLLATE NOCASE, id")
		if err != nil {
			return err
		}
		for rows.Next() {
			v := &svc{first: NotWatched}
			if err := rows.Scan(&v.id, &v.name); err != nil {
				rows.Close()
				return err
			}
			svcs = append(svcs, v)
			byID[v.id] = v
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		before, err := tx.PrepareContext(ctx, "SELECT to_state FROM changes WHERE service = ? AND source = '' AND at < ? ORDER BY at DESC, id DESC LIMIT 1")
		if err != nil {
			return err
		}
		defer before.Close()
		for _, v := range svcs {
			if err := before.QueryRowContext(ctx, v.id, from).Scan(&v.first); err != nil && err != sql.ErrNoRows {
				return err
			}
		}
		rows, err = tx.QueryContext(ctx, "SELECT service, at, to_state FROM changes WHERE source = '' AND at >= ? AND at < ? ORDER BY at, id", from, end)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id string
			var r stateAt
			if err := rows.Scan(&id, &r.at, &r.state); err != nil {
				rows.Close()
				return err
			}
			if v := byID[id]; v != nil {
				v.rows = append(v.rows, r)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, v := range svcs {
			if v.first == NotWatched && len(v.rows) == 0 {
				continue
			}
			su := ServiceUptime{ServiceID: v.id, Name: v.name, Days: make([]Day, days)}
			for i := range su.Days {
				su.Days[i] = Day{Date: starts[i].Format(time.DateOnly), Start: starts[i], End: starts[i+1]}
				if now.Before(starts[i+1]) {
					su.Days[i].End = now.In(loc)
				}
			}
			acc := dayAcc{edges: edges, days: su.Days, unwatched: unwatched}
			state, at := v.first, from
			for _, r := range v.rows {
				acc.add(at, r.at, state)
				state, at = r.state, r.at
			}
			acc.add(at, end, state)
			out = append(out, su)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("history: uptime: %w", err)
	}
	return out, nil
}

type stateAt struct {
	at    int64
	state monitor.State
}

// dayAcc spreads spans of one state over days, the not-watched spells taken out.
type dayAcc struct {
	edges     []int64
	days      []Day
	unwatched []span
}

func (a *dayAcc) add(from, to int64, state monitor.State) {
	if to <= from {
		return
	}
	if state == NotWatched {
		a.put(from, to, NotWatched)
		return
	}
	i := sort.Search(len(a.unwatched), func(i int) bool { return a.unwatched[i].to > from })
	for ; i < len(a.unwatched) && a.unwatched[i].from < to; i++ {
		g := a.unwatched[i]
		if g.from > from {
			a.put(from, g.from, state)
		}
		a.put(max(from, g.from), min(to, g.to), NotWatched)
		from = min(to, g.to)
	}
	a.put(from, to, state)
}

// put adds [from, to) in one state to the days it covers.
func (a *dayAcc) put(from, to int64, state monitor.State) {
	if to <= from {
		return
	}
	i := sort.Search(len(a.edges), func(i int) bool { return a.edges[i] > from }) - 1
	for ; i >= 0 && i < len(a.days) && from < to; i++ {
		end := min(to, a.edges[i+1])
		mins := float64(end-from) / 60000
		if state == NotWatched {
			a.days[i].NotWatched += mins
		} else {
			a.days[i].Minutes.add(state, mins)
		}
		from = end
	}
}

// DayState is one daily bar: the worst state of the day, NotWatched where Paywatch did not
// watch at all.
type DayState struct {
	Date  string        `json:"date"`
	Start time.Time     `json:"start"`
	State monitor.State `json:"-"`
}

// MarshalJSON writes the state by name.
func (d DayState) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Date  string    `json:"date"`
		Start time.Time `json:"start"`
		State string    `json:"state"`
	}{d.Date, d.Start, StateName(d.State)})
}

// ServiceDays is one service's daily bars, oldest first.
type ServiceDays struct {
	ServiceID string     `json:"service_id"`
	Name      string     `json:"name"`
	Days      []DayState `json:"days"`
}

// DailyWorst gives the status window's bars: per service, the worst state of each of the last
// `days` days (in loc).
func (s *Store) DailyWorst(ctx context.Context, days int, now time.Time, loc *time.Location) ([]ServiceDays, error) {
	up, err := s.Uptime(ctx, days, now, loc)
	if err != nil {
		return nil, err
	}
	out := make([]ServiceDays, len(up))
	for i, su := range up {
		out[i] = ServiceDays{ServiceID: su.ServiceID, Name: su.Name, Days: make([]DayState, len(su.Days))}
		for j, d := range su.Days {
			out[i].Days[j] = DayState{Date: d.Date, Start: d.Start, State: d.Worst()}
		}
	}
	return out, nil
}
