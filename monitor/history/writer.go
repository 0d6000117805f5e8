package history

import (
	"cmp"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/paywatch/paywatch/monitor"
)

// NotWatched is the state recorded for a service or source while Paywatch did not watch it:
// before it was first checked, or after it left the watchlist.
const NotWatched monitor.State = -1

// Kinds of incident record.
const (
	KindIncident    = "incident"
	KindMaintenance = "maintenance"
)

// lastSeenEvery is how often an open incident's "last seen" is written while nothing about it
// changes; the exact time is written when it ends.
const lastSeenEvery = time.Minute

// recentIncidents is how long a closed incident is remembered by the writer, so that a page
// listing it as recently resolved, poll after poll, costs nothing.
const recentIncidents = 30 * 24 * time.Hour

// drainMax bounds the records taken from the queue into one transaction.
const drainMax = 256

type gapRec struct {
	kind     GapKind
	from, to time.Time
	reason   string
}

// Hash is the hex SHA-256 of text's UTF-8 bytes, exactly as given: no newline added, nothing
// trimmed or normalised. It is the hash the history and the evidence report give for each
// update's text.
func Hash(text string) string {
	sum := sha256.Sum256([]byte(text))
	return hex.EncodeToString(sum[:])
}

// seenInc is an incident or a maintenance as one snapshot showed it.
type seenInc struct {
	kind, key                                string
	title, status, url, text                 string
	impact                                   monitor.State
	created, updated, resolved, starts, ends time.Time
	components                               []string
	filtered                                 bool
}

func (a seenInc) equal(b seenInc) bool {
	return a.kind == b.kind && a.key == b.key && a.title == b.title && a.status == b.status && a.url == b.url &&
		a.text == b.text && a.impact == b.impact && a.created.Equal(b.created) && a.updated.Equal(b.updated) &&
		a.resolved.Equal(b.resolved) && a.starts.Equal(b.starts) && a.ends.Equal(b.ends) &&
		a.filtered == b.filtered && slices.Equal(a.components, b.components)
}

// updateText is the text an update row keeps: the update as published, or the title when the
// page published no text.
func (a seenInc) updateText() string {
	if a.text != "" {
		return a.text
	}
	return a.title
}

func fromIncident(serviceID string, in monitor.Incident) seenInc {
	return seenInc{kind: KindIncident, key: strings.TrimPrefix(monitor.IncidentKey(serviceID, in), serviceID+"/"),
		title: in.Title, status: in.Status, url: in.URL, text: cmp.Or(in.Published, in.LatestUpdate), impact: in.Impact,
		created: in.CreatedAt, updated: in.UpdatedAt, resolved: in.ResolvedAt, components: in.Components, filtered: in.Filtered}
}

func fromMaintenance(m monitor.Maintenance) seenInc {
	key := m.ID
	if key == "" {
		key = m.Title + "|" + m.StartsAt.UTC().Format(time.RFC3339)
	}
	status := m.Status
	if status == "" {
		status = "scheduled"
		if m.InProgress {
			status = "in progress"
		}
	}
	return seenInc{kind: KindMaintenance, key: key, title: m.Title, status: status, url: m.URL, impact: monitor.StateMaintenance,
		starts: m.StartsAt, ends: m.EndsAt, components: m.Components, filtered: m.Filtered}
}

type incKey struct{ service, kind, key string }

type incMem struct {
	open        bool
	last        seenInc
	sig         string // the latest update row's hash, status and title
	lastSeen    int64
	lastWritten int64
	round       uint64
}

type srcMem struct {
	id    string
	state monitor.State
	kind  string // "page" or "probe"
	at    int64
	round uint64
}

// svcMem is what the writer remembers of one service, for the whole run: kept small, as there
// is one per watched service.
type svcMem struct {
	name    string
	state   monitor.State
	at      int64
	round   uint64
	sources []*srcMem          // one to three: looked through, not hashed
	open    map[incKey]*incMem // nil while none is open
}

// source returns the service's source id, nil if it has none.
func (m *svcMem) source(id string) *srcMem {
	for _, sm := range m.sources {
		if sm.id == id {
			return sm
		}
	}
	return nil
}

// opened notes an open incident of the service.
func (m *svcMem) opened(k incKey, im *incMem) {
	if m.open == nil {
		m.open = map[incKey]*incMem{}
	}
	m.open[k] = im
}

// The writer's statements, prepared once (SQLite spends more time parsing a statement than
// running these).
const (
	qCloseAll   = "UPDATE gaps SET to_at = max(from_at, ?) WHERE to_at IS NULL"
	qGap        = "INSERT INTO gaps (kind, from_at, to_at, reason) VALUES (?, ?, ?, ?)"
	qOpenGap    = "INSERT INTO gaps (kind, from_at, to_at, reason) VALUES (?, ?, NULL, ?)"
	qCloseGap   = "UPDATE gaps SET to_at = max(from_at, ?) WHERE kind = ? AND to_at IS NULL"
	qMessage    = "INSERT INTO messages (at, service, channel, outcome, title, body, state, severity, attempts, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
	qChange     = "INSERT INTO changes (at, service, source, source_kind, from_state, to_state, reason) VALUES (?, ?, ?, ?, ?, ?, ?)"
	qService    = "INSERT INTO services (id, name) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET name = excluded.name"
	qEnd        = "UPDATE incidents SET ended_at = ?, last_seen = max(last_seen, ?) WHERE service = ? AND kind = ? AND key = ? AND ended_at = 0"
	qHeartbeat  = "INSERT INTO meta (key, value) VALUES ('heartbeat', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value"
	qGeneration = "SELECT coalesce((SELECT value FROM meta WHERE key = 'generation'), '')"
)

var writerQueries = []string{qCloseAll, qGap, qOpenGap, qCloseGap, qMessage, qChange, qService, qEnd, qHeartbeat, qGeneration, upsertIncident, insertUpdate}

// prepare prepares the writer's statements. It must run outside a transaction (the writer has
// one connection); a statement that fails to prepare is run unprepared.
func (w *writer) prepare(ctx context.Context) {
	for _, q := range writerQueries {
		if w.stmts[q] != nil {
			continue
		}
		if st, err := w.s.w.PrepareContext(ctx, q); err == nil {
			w.stmts[q] = st
		}
	}
}

func (w *writer) close() {
	for q, st := range w.stmts {
		st.Close()
		delete(w.stmts, q)
	}
}

func (w *writer) exec(ctx context.Context, tx *sql.Tx, q string, args ...any) (sql.Result, error) {
	if st := w.stmts[q]; st != nil {
		return tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return tx.ExecContext(ctx, q, args...)
}

// op is one write, run in order inside the round's transaction.
type op func(ctx context.Context, tx *sql.Tx) error

// writer is Run's state: what was last written, so that only changes are.
type writer struct {
	s          *Store
	svcs       map[string]*svcMem
	incs       map[incKey]*incMem
	offline    bool
	shown      []monitor.ServiceStatus // the services of the last update recorded in full
	round      uint64
	generation string
	pending    []op
	lastBeat   time.Time // the heartbeat last written
	lastLook   time.Time // the generation last read
	failing    bool
	stmts      map[string]*sql.Stmt
}

func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}

func newWriter(s *Store) *writer {
	return &writer{s: s, svcs: map[string]*svcMem{}, incs: map[incKey]*incMem{}, stmts: map[string]*sql.Stmt{}}
}

// load reads what the last run left: each service's and source's last state and the open and
// recent incidents, so that a restart records only what really changed.
func (w *writer) load(ctx context.Context, now time.Time) error {
	w.svcs, w.incs, w.offline = map[string]*svcMem{}, map[incKey]*incMem{}, false
	db := w.s.w
	if err := db.QueryRowContext(ctx, "SELECT coalesce((SELECT value FROM meta WHERE key = 'generation'), '')").Scan(&w.generation); err != nil {
		return fmt.Errorf("history: load: %w", err)
	}
	rows, err := db.QueryContext(ctx, "SELECT id, name FROM services")
	if err != nil {
		return fmt.Errorf("history: load services: %w", err)
	}
	for rows.Next() {
		var id, name string
		if err := rows.Scan(&id, &name); err != nil {
			rows.Close()
			return fmt.Errorf("history: load services: %w", err)
		}
		w.svcs[id] = &svcMem{name: name, state: NotWatched}
	}
	rows.Close()
	rows, err = db.QueryContext(ctx, `SELECT service, source, source_kind, to_state, at FROM changes
		WHERE id IN (SELECT max(id) FROM changes GROUP BY service, source)`)
	if err != nil {
		return fmt.Errorf("history: load states: %w", err)
	}
	for rows.Next() {
		var svc, src, kind string
		var state monitor.State
		var at int64
		if err := rows.Scan(&svc, &src, &kind, &state, &at); err != nil {
			rows.Close()
			return fmt.Errorf("history: load states: %w", err)
		}
		m := w.svcs[svc]
		if m == nil {
			m = &svcMem{name: svc, state: NotWatched}
			w.svcs[svc] = m
		}
		if src == "" {
			m.state, m.at = state, at
		} else if sm := m.source(src); sm != nil {
			sm.state, sm.kind, sm.at = state, kind, at
		} else {
			m.sources = append(m.sources, &srcMem{id: src, state: state, kind: kind, at: at})
		}
	}
	rows.Close()
	rows, err = db.QueryContext(ctx, `SELECT i.service, i.kind, i.key, i.ended_at, i.last_seen,
			coalesce(u.sha256 || char(0) || u.status || char(0) || u.title, '')
		FROM incidents i LEFT JOIN incident_updates u ON u.id = (SELECT max(id) FROM incident_updates WHERE incident = i.id)
		WHERE i.ended_at = 0 OR i.last_seen >= ?`, ms(now.Add(-recentIncidents)))
	if err != nil {
		return fmt.Errorf("history: load incidents: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k incKey
		var ended, lastSeen int64
		var sig string
		if err := rows.Scan(&k.service, &k.kind, &k.key, &ended, &lastSeen, &sig); err != nil {
			return fmt.Errorf("history: load incidents: %w", err)
		}
		// last stays empty: the first sighting after a restart rewrites the row once.
		m := &incMem{open: ended == 0, sig: sig, lastSeen: lastSeen, lastWritten: lastSeen}
		w.incs[k] = m
		if sv := w.svcs[k.service]; sv != nil && m.open {
			sv.opened(k, m)
		}
	}
	return rows.Err()
}

// start records the time since the last heartbeat as "not running" and closes the spells that
// were open then.
func (w *writer) start(ctx context.Context, now time.Time) error {
	var hb sql.NullString
	err := w.s.w.QueryRowContext(ctx, "SELECT value FROM meta WHERE key = 'heartbeat'").Scan(&hb)
	if err != nil && err != sql.ErrNoRows {
		return fmt.Errorf("history: read heartbeat: %w", err)
	}
	if hb.Valid {
		last, perr := strconv.ParseInt(hb.String, 10, 64)
		if perr == nil {
			w.pending = append(w.pending, func(ctx context.Context, tx *sql.Tx) error {
				_, err := w.exec(ctx, tx, qCloseAll, last)
				return err
			})
			if now.UnixMilli() > last {
				w.addGap(gapRec{kind: GapNotRunning, from: fromMS(last), to: now})
			}
		}
	}
	w.lastBeat = time.Time{}
	return nil
}

func (w *writer) addGap(g gapRec) {
	from, to, kind, reason := ms(g.from), ms(g.to), string(g.kind), g.reason
	w.pending = append(w.pending, func(ctx context.Context, tx *sql.Tx) error {
		_, err := w.exec(ctx, tx, qGap, kind, from, to, reason)
		return err
	})
}

func (w *writer) addMessage(at int64, service, channel string, outcome Outcome, title, body string, state, sev monitor.State, attempts int, errText string) {
	w.pending = append(w.pending, func(ctx context.Context, tx *sql.Tx) error {
		_, err := w.exec(ctx, tx, qMessage, at, service, channel, string(outcome), title, body, int(state), int(sev), attempts, errText)
		return err
	})
}

func (w *writer) addChange(at int64, service, source, kind string, from, to monitor.State, reason string) {
	w.pending = append(w.pending, func(ctx context.Context, tx *sql.Tx) error {
		_, err := w.exec(ctx, tx, qChange, at, service, source, kind, int(from), int(to), reason)
		return err
	})
}

// apply turns one queued item into writes.
func (w *writer) apply(it item, now time.Time) {
	switch {
	case it.update != nil:
		w.update(*it.update, now)
	case it.delivery != nil:
		d := it.delivery
		at := d.At
		if at.IsZero() {
			at = now
		}
		w.addMessage(ms(at), d.ServiceID, d.Channel, d.Outcome, d.Title, d.Body, d.State, d.Severity, d.Attempts, d.Error)
	case it.gap != nil:
		w.addGap(*it.gap)
	}
}

// update records what changed since the last snapshot.
func (w *writer) update(u monitor.Update, now time.Time) {
	w.round++
	snap := u.Snapshot
	atT := snap.At
	if atT.IsZero() {
		atT = now
	}
	at := atT.UnixMilli()
	if sameServices(snap.Services, w.shown) && snap.Offline == w.offline {
		// The very same picture as the last update (the watcher shares it while only check
		// times move): nothing changed but that every open incident was seen again now.
		for _, im := range w.incs {
			if im.open {
				im.lastSeen = at
			}
		}
		w.notifications(u.Notifications, at)
		return
	}
	w.shown = snap.Services
	if snap.Offline != w.offline {
		w.offline = snap.Offline
		if snap.Offline {
			reason := snap.OfflineReason
			w.pending = append(w.pending, func(ctx context.Context, tx *sql.Tx) error {
				_, err := w.exec(ctx, tx, qOpenGap, string(GapOffline), at, reason)
				return err
			})
		} else {
			w.pending = append(w.pending, func(ctx context.Context, tx *sql.Tx) error {
				_, err := w.exec(ctx, tx, qCloseGap, at, string(GapOffline))
				return err
			})
		}
	}
	for i := range snap.Services {
		w.service(&snap.Services[i], at, snap.Offline)
	}
	for id, m := range w.svcs {
		if m.round == w.round {
			continue
		}
		if m.state != NotWatched {
			w.addChange(max(at, m.at), id, "", "service", m.state, NotWatched, "no longer watched")
			m.state, m.at = NotWatched, max(at, m.at)
		}
		for _, sm := range m.sources {
			if sm.state != NotWatched {
				w.addChange(max(at, sm.at), id, sm.id, sm.kind, sm.state, NotWatched, "no longer watched")
				sm.state, sm.at = NotWatched, max(at, sm.at)
			}
		}
	}
	w.notifications(u.Notifications, at)
	w.forget(at)
}

// notifications records an update's notifications.
func (w *writer) notifications(ns []monitor.Notification, at int64) {
	for _, n := range ns {
		nat := ms(n.At)
		if nat == 0 {
			nat = at
		}
		w.addMessage(nat, n.ServiceID, "", OutcomeNotified, n.Title, n.Body, n.State, n.Severity, 0, "")
	}
}

// sameServices reports whether a and b are the very same slice (not merely equal).
func sameServices(a, b []monitor.ServiceStatus) bool {
	return len(a) == len(b) && len(a) > 0 && &a[0] == &b[0]
}

// forget drops closed incidents the writer no longer needs to remember.
func (w *writer) forget(at int64) {
	if w.round%1024 != 0 {
		return
	}
	cut := at - recentIncidents.Milliseconds()
	for k, m := range w.incs {
		if !m.open && m.lastSeen < cut {
			delete(w.incs, k)
		}
	}
}

// when is the time a change happened: the given time when it is known and not later than the
// round, never earlier than the previous change (so a service's rows stay in order).
func when(t time.Time, at, prev int64) int64 {
	v := at
	if !t.IsZero() && t.UnixMilli() <= at {
		v = t.UnixMilli()
	}
	return max(v, prev)
}

func (w *writer) service(sv *monitor.ServiceStatus, at int64, offline bool) {
	m := w.svcs[sv.ID]
	if m == nil {
		m = &svcMem{state: NotWatched}
		w.svcs[sv.ID] = m
	}
	m.round = w.round
	if m.name != sv.Name {
		m.name = sv.Name
		id, name := sv.ID, sv.Name
		w.pending = append(w.pending, func(ctx context.Context, tx *sql.Tx) error {
			_, err := w.exec(ctx, tx, qService, id, name)
			return err
		})
	}
	if m.state != sv.State {
		t := when(sv.Since, at, m.at)
		w.addChange(t, sv.ID, "", "service", m.state, sv.State, sv.Reason)
		m.state, m.at = sv.State, t
	}
	fresh := false
	for _, src := range sv.Sources {
		sm := m.source(src.ID)
		if sm == nil {
			sm = &srcMem{id: src.ID, state: NotWatched}
			m.sources = append(m.sources, sm)
		}
		sm.round, sm.kind = w.round, src.Kind
		if sm.state != src.State {
			t := when(src.CheckedAt, at, sm.at)
			reason := src.Reason
			if src.Verdict != "" && !strings.Contains(reason, src.Verdict) {
				reason = strings.TrimSuffix(src.Verdict+": "+reason, ": ")
			}
			w.addChange(t, sv.ID, src.ID, src.Kind, sm.state, src.State, reason)
			sm.state, sm.at = src.State, t
		}
		if src.Kind == monitor.KindPage.String() && src.State != monitor.StateUnknown && !src.Stale {
			fresh = true
		}
	}
	for _, sm := range m.sources {
		if sm.round != w.round && sm.state != NotWatched {
			w.addChange(max(at, sm.at), sv.ID, sm.id, sm.kind, sm.state, NotWatched, "no longer watched")
			sm.state, sm.at = NotWatched, max(at, sm.at)
		}
	}
	for _, in := range sv.Incidents {
		w.incident(m, sv, fromIncident(sv.ID, in), true, at)
	}
	for _, mt := range sv.Maintenances {
		w.incident(m, sv, fromMaintenance(mt), true, at)
	}
	for _, in := range sv.Resolved {
		si := fromIncident(sv.ID, in)
		if om := m.open[incKey{sv.ID, si.kind, si.key}]; om != nil && om.round == w.round {
			continue // listed as open too: open wins
		}
		w.incident(m, sv, si, false, at)
	}
	if !fresh || offline {
		// What the page lists could not be read this round: nothing is taken to have ended.
		return
	}
	for k, im := range m.open {
		if im.round == w.round {
			continue
		}
		im.open = false
		delete(m.open, k)
		lastSeen := im.lastSeen
		w.pending = append(w.pending, func(ctx context.Context, tx *sql.Tx) error {
			_, err := w.exec(ctx, tx, qEnd, at, lastSeen, k.service, k.kind, k.key)
			return err
		})
	}
}

const upsertIncident = `INSERT INTO incidents (service, kind, key, title, url, page_url, impact, status, components, filtered,
		created_at, updated_at, resolved_at, starts_at, ends_at, first_seen, last_seen, ended_at)
	VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?18, ?17)
	ON CONFLICT (service, kind, key) DO UPDATE SET
		title = excluded.title, url = excluded.url, page_url = excluded.page_url,
		impact = CASE WHEN (CASE excluded.impact WHEN 1 THEN 0 WHEN 0 THEN 1 ELSE excluded.impact END) >
			(CASE impact WHEN 1 THEN 0 WHEN 0 THEN 1 ELSE impact END) THEN excluded.impact ELSE impact END,
		status = excluded.status, components = excluded.components, filtered = excluded.filtered,
		created_at = CASE WHEN excluded.created_at <> 0 THEN excluded.created_at ELSE created_at END,
		updated_at = CASE WHEN excluded.updated_at <> 0 THEN excluded.updated_at ELSE updated_at END,
		resolved_at = CASE WHEN excluded.resolved_at <> 0 THEN excluded.resolved_at ELSE resolved_at END,
		starts_at = CASE WHEN excluded.starts_at <> 0 THEN excluded.starts_at ELSE starts_at END,
		ends_at = CASE WHEN excluded.ends_at <> 0 THEN excluded.ends_at ELSE ends_at END,
		last_seen = max(last_seen, excluded.last_seen),
		ended_at = CASE WHEN excluded.ended_at = 0 THEN 0 WHEN ended_at = 0 THEN excluded.ended_at ELSE ended_at END`

const insertUpdate = `INSERT INTO incident_updates (incident, seen_at, published_at, status, impact, title, text, sha256)
	SELECT i.id, ?4, ?5, ?6, ?7, ?8, ?9, ?10 FROM incidents i
	WHERE i.service = ?1 AND i.kind = ?2 AND i.key = ?3 AND NOT EXISTS (
		SELECT 1 FROM incident_updates u WHERE u.id = (SELECT max(id) FROM incident_updates WHERE incident = i.id)
			AND u.sha256 = ?10 AND u.status = ?6 AND u.title = ?8)`

// incident records an incident or maintenance a page listed: open, or recently resolved.
func (w *writer) incident(m *svcMem, sv *monitor.ServiceStatus, in seenInc, open bool, at int64) {
	k := incKey{sv.ID, in.kind, in.key}
	im := w.incs[k]
	if im == nil {
		im = &incMem{}
		w.incs[k] = im
	}
	if open {
		m.opened(k, im)
	}
	im.round = w.round
	if im.open == open && im.last.equal(in) && im.last.kind != "" {
		if open {
			im.lastSeen = at
			if at-im.lastWritten < lastSeenEvery.Milliseconds() {
				return
			}
		} else {
			return // a resolved incident listed again
		}
	}
	ended := int64(0)
	if !open {
		ended = at
		delete(m.open, k)
	}
	comps, _ := json.Marshal(in.components)
	if in.components == nil {
		comps = []byte("[]")
	}
	filtered := 0
	if in.filtered {
		filtered = 1
	}
	// Last seen is the last sighting in the open list; one seen only as resolved, now.
	lastSeen := at
	if !open && im.lastSeen != 0 {
		lastSeen = im.lastSeen
	}
	pageURL := sv.URL
	args := []any{k.service, k.kind, k.key, in.title, in.url, pageURL, int(in.impact), in.status, string(comps), filtered,
		ms(in.created), ms(in.updated), ms(in.resolved), ms(in.starts), ms(in.ends), at, ended, lastSeen}
	w.pending = append(w.pending, func(ctx context.Context, tx *sql.Tx) error {
		_, err := w.exec(ctx, tx, upsertIncident, args...)
		return err
	})
	text := in.updateText()
	hash := Hash(text)
	sig := hash + "\x00" + in.status + "\x00" + in.title
	if sig != im.sig {
		published := in.updated
		if published.IsZero() {
			published = in.created
		}
		if !open && !in.resolved.IsZero() {
			published = in.resolved
		}
		uargs := []any{k.service, k.kind, k.key, at, ms(published), in.status, int(in.impact), in.title, text, hash}
		w.pending = append(w.pending, func(ctx context.Context, tx *sql.Tx) error {
			_, err := w.exec(ctx, tx, insertUpdate, uargs...)
			return err
		})
		im.sig = sig
	}
	im.open, im.last, im.lastSeen, im.lastWritten = open, in, lastSeen, at
}

// commit writes what is pending, and the heartbeat, in one transaction. On failure everything
// stays pending for the next try (up to maxPending; older writes are dropped beyond that).
// keptPending is the most room for pending writes kept between rounds.
const keptPending = 256

// lookEvery is how often the writer reads the generation (a Clear from another process) while
// it has nothing to write.
const lookEvery = 10 * time.Second

func (w *writer) commit(ctx context.Context, now time.Time) error {
	// A round that changed nothing is not written unless the heartbeat is due: idle, the file
	// is written once a heartbeat (30 s), not at every look at the generation (10 s), which is
	// a read.
	if len(w.pending) == 0 && now.Sub(w.lastBeat) < w.s.opt.Heartbeat && !w.lastBeat.IsZero() {
		if now.Sub(w.lastLook) >= lookEvery {
			w.look(ctx, now)
		}
		return w.s.Err()
	}
	err := w.tx(ctx, now)
	if err != nil {
		if over := len(w.pending) - maxPending; over > 0 {
			w.pending = slices.Delete(w.pending, 0, over)
			w.s.dropped.Add(uint64(over))
		}
		if !w.failing {
			w.s.log.Warn("history write failed; will retry", "err", err, "pending", len(w.pending))
		}
		w.failing = true
		w.s.setWriteResult(err, len(w.pending), now)
		return err
	}
	if w.failing {
		w.s.log.Info("history writes work again")
	}
	w.failing = false
	// What was written is let go: a slot kept would keep its write, and what it holds, alive.
	clear(w.pending)
	w.pending = w.pending[:0]
	if cap(w.pending) > keptPending {
		w.pending = nil // a burst (every service's first state at start-up) is not kept for good
	}
	w.lastBeat, w.lastLook = now, now
	w.s.setWriteResult(nil, 0, now)
	return nil
}

// look reads the generation outside a write. A failed read is tried again at the next round.
func (w *writer) look(ctx context.Context, now time.Time) {
	row := func() *sql.Row { return w.s.w.QueryRowContext(ctx, qGeneration) }
	if st := w.stmts[qGeneration]; st != nil {
		row = func() *sql.Row { return st.QueryRowContext(ctx) }
	}
	var gen string
	if err := row().Scan(&gen); err != nil {
		return
	}
	w.lastLook = now
	w.saw(gen)
}

// saw takes the generation read: a new one means the history was cleared (perhaps by
// `paywatch history --clear` in another process), so the writer starts again from nothing and
// the next round records every current state.
func (w *writer) saw(gen string) {
	if gen != w.generation {
		w.generation = gen
		w.svcs, w.incs, w.offline = map[string]*svcMem{}, map[incKey]*incMem{}, false
	}
}

func (w *writer) tx(ctx context.Context, now time.Time) error {
	tx, err := w.s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("history: write: %w", err)
	}
	defer tx.Rollback()
	for _, o := range w.pending {
		if err := o(ctx, tx); err != nil {
			return fmt.Errorf("history: write: %w", err)
		}
	}
	if _, err := w.exec(ctx, tx, qHeartbeat, strconv.FormatInt(now.UnixMilli(), 10)); err != nil {
		return fmt.Errorf("history: write heartbeat: %w", err)
	}
	var gen string
	row := func() *sql.Row { return tx.QueryRowContext(ctx, qGeneration) }
	if st := w.stmts[qGeneration]; st != nil {
		row = func() *sql.Row { return tx.StmtContext(ctx, st).QueryRowContext(ctx) }
	}
	if err := row().Scan(&gen); err != nil {
		return fmt.Errorf("history: write: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("history: write: %w", err)
	}
	w.saw(gen)
	return nil
}
