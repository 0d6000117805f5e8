package monitor

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"slices"
	"strings"
	"time"
)

// Policy knobs that are not settings.
const (
	MinReminder   = 30 * time.Minute
	StormCount    = 3                // this many notifications …
	StormWindow   = 10 * time.Second // … within this long become one summary
	stormMaxWait  = time.Minute      // a burst that never pauses is cut after this long
	snoozeMorning = 8                // "until tomorrow morning" means 08:00
)

// Policy decides which changes become notifications: severity thresholds, quiet and business
// hours, snoozes, acknowledged incidents, maintenance ahead, reminders and storm coalescing. It
// is a pure function of the changes, the snapshot, the time and a PolicyState, which the caller
// keeps on disk so nothing is said twice across restarts.
//
// It decides for all its sinks at once (the desktop and each team channel), at the most
// sensitive threshold among those that cover a service; each sink then takes what its own
// threshold wants (Sink.Filter). Snoozes, acknowledgements and quiet hours hold for every sink.
// What PolicyState remembers as told is what the most sensitive sink was told.
type Policy struct {
	cfg     AlertConfig
	desktop Sink
	sinks   []Sink // the desktop first
	loc     *time.Location
	aheadBy []time.Duration
}

// NewPolicy builds a policy; perService holds the desktop's per-service minimum severities (by
// service id); loc is the user's time zone (time.Local when nil); channels are the team
// channels' sinks (ChannelSink), each of which may be more sensitive than the desktop.
func NewPolicy(cfg AlertConfig, perService map[string]State, loc *time.Location, channels ...Sink) *Policy {
	if loc == nil {
		loc = time.Local
	}
	p := &Policy{cfg: cfg, desktop: DesktopSink(cfg, maps.Clone(perService)), loc: loc}
	p.sinks = append([]Sink{p.desktop}, channels...)
	for _, d := range cfg.MaintenanceAhead {
		p.aheadBy = append(p.aheadBy, time.Duration(d))
	}
	if len(p.aheadBy) == 0 {
		p.aheadBy = []time.Duration{24 * time.Hour, time.Hour}
	}
	slices.SortFunc(p.aheadBy, func(a, b time.Duration) int { return int(b - a) }) // longest first
	return p
}

// PolicyState is what the policy remembers; it is saved to disk after every change.
type PolicyState struct {
	Version int `json:"version"`
	// Notified is, per service, the state the user was last told about.
	Notified map[string]State `json:"notified"`
	// NotifiedAt is when, for reminders.
	NotifiedAt map[string]time.Time `json:"notified_at"`
	// Incidents are incident keys already announced, with the impact announced.
	Incidents map[string]State `json:"incidents"`
	// Acks are acknowledged incident keys with the service state when acknowledged.
	Acks map[string]State `json:"acks"`
	// Snoozes: service id (or "" for all) → until when.
	Snoozes map[string]time.Time `json:"snoozes"`
	// Maint: maintenance key → marks already sent ("24h0m0s").
	Maint map[string][]string `json:"maintenance"`
	// Held are notifications kept back during quiet hours.
	Held []Notification `json:"held"`
	// Pending notifications wait for a pause of StormWindow, so that a burst becomes one
	// summary.
	Pending      []Notification `json:"pending"`
	PendingSince time.Time      `json:"pending_since,omitzero"`
	PendingLast  time.Time      `json:"pending_last,omitzero"`
	// Seen is when each remembered incident or maintenance was last open on its page; entries
	// gone for PruneAfter are forgotten, so the file does not grow for ever.
	Seen map[string]time.Time `json:"seen"`
}

// NewPolicyState returns an empty state.
func NewPolicyState() *PolicyState {
	s := &PolicyState{Version: 1}
	s.init()
	return s
}

func (s *PolicyState) init() {
	if s.Notified == nil {
		s.Notified = map[string]State{}
	}
	if s.NotifiedAt == nil {
		s.NotifiedAt = map[string]time.Time{}
	}
	if s.Incidents == nil {
		s.Incidents = map[string]State{}
	}
	if s.Acks == nil {
		s.Acks = map[string]State{}
	}
	if s.Snoozes == nil {
		s.Snoozes = map[string]time.Time{}
	}
	if s.Maint == nil {
		s.Maint = map[string][]string{}
	}
	if s.Seen == nil {
		s.Seen = map[string]time.Time{}
	}
}

// PruneAfter is how long a closed incident or a past maintenance is remembered.
const PruneAfter = 7 * 24 * time.Hour

// prune forgets incidents and maintenances that have not been open for PruneAfter. An id never
// comes back once closed, so forgetting it cannot repeat a notification.
func (s *PolicyState) prune(snap Snapshot, now time.Time) {
	for _, sv := range snap.Services {
		for _, in := range sv.Incidents {
			s.Seen[IncidentKey(sv.ID, in)] = now
		}
		for _, m := range sv.Maintenances {
			s.Seen[sv.ID+"/"+maintKey(m)] = now
		}
	}
	stale := func(k string) bool {
		seen, ok := s.Seen[k]
		if !ok {
			s.Seen[k] = now // remembered from before this field existed: start its clock
			return false
		}
		return now.Sub(seen) > PruneAfter
	}
	for k := range s.Incidents {
		if stale(k) {
			delete(s.Incidents, k)
		}
	}
	for k := range s.Acks {
		if stale(k) {
			delete(s.Acks, k)
		}
	}
	for k := range s.Maint {
		if stale(k) {
			delete(s.Maint, k)
		}
	}
	for k, seen := range s.Seen {
		_, a := s.Incidents[k]
		_, b := s.Acks[k]
		_, c := s.Maint[k]
		if !a && !b && !c && now.Sub(seen) > PruneAfter {
			delete(s.Seen, k)
		}
	}
}

// LoadPolicyState reads the state file. A missing file is an empty state; an unreadable one is
// moved aside (path + ".bad") and an empty state returned with the error, so a corrupt file
// never stops Paywatch.
func LoadPolicyState(path string) (*PolicyState, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return NewPolicyState(), nil
	}
	if err != nil {
		return NewPolicyState(), fmt.Errorf("alert state: %w", err)
	}
	var s PolicyState
	if err := json.Unmarshal(b, &s); err != nil {
		os.Rename(path, path+".bad")
		return NewPolicyState(), fmt.Errorf("alert state: %s was unreadable and was set aside: %w", path, err)
	}
	s.init()
	return &s, nil
}

// Save writes the state atomically (a temporary file renamed over the old one).
func (s *PolicyState) Save(path string) error {
	b, err := json.MarshalIndent(s, "", " ")
	if err != nil {
		return err
	}
	if err := WriteFileAtomic(path, b, 0o600); err != nil {
		return fmt.Errorf("alert state: %w", err)
	}
	return nil
}

// Snooze silences one service (or all, with id "") until the given time.
func (s *PolicyState) Snooze(id string, until time.Time) { s.Snoozes[id] = until }

// Unsnooze ends a snooze at once. The snooze is left to run out rather than deleted, so that
// the next Tick tells about problems still going on, as it does when a snooze ends by itself.
func (s *PolicyState) Unsnooze(id string) {
	if _, ok := s.Snoozes[id]; ok {
		s.Snoozes[id] = time.Time{}
	}
}

// Acknowledge silences an incident unless its service gets worse than it is now.
func (s *PolicyState) Acknowledge(key string, now State) { s.Acks[key] = now }

// SnoozedUntil reports until when a service is snoozed (by itself or with all), or zero.
func (s *PolicyState) SnoozedUntil(id string, now time.Time) time.Time {
	var until time.Time
	for _, k := range []string{"", id} {
		if u, ok := s.Snoozes[k]; ok && u.After(now) && u.After(until) {
			until = u
		}
	}
	return until
}

// UntilTomorrowMorning is the end of a "until tomorrow morning" snooze: 08:00 the next day.
// Asked in the small hours, "tomorrow morning" is this morning.
func UntilTomorrowMorning(now time.Time) time.Time {
	d := now.AddDate(0, 0, 1)
	if now.Hour() < snoozeMorning-3 {
		d = now
	}
	return time.Date(d.Year(), d.Month(), d.Day(), snoozeMorning, 0, 0, 0, now.Location())
}

// Desktop is the desktop's sink: what the desktop (tray or headless) is to show of what the
// policy decides.
func (p *Policy) Desktop() Sink { return p.desktop }

// minSeverity is the most sensitive threshold among the sinks that cover a service.
func (p *Policy) minSeverity(id string) State {
	least := p.desktop.Threshold(id)
	for _, s := range p.sinks {
		if t := s.Threshold(id); s.Covers(id) && least.Worse(t) {
			least = t
		}
	}
	return least
}

// heard reports whether any sink is to be told a notification.
func (p *Policy) heard(n Notification) bool {
	for _, s := range p.sinks {
		if s.Wants(n) {
			return true
		}
	}
	return false
}

func (p *Policy) quiet(now time.Time) bool {
	t := now.In(p.loc)
	if p.cfg.QuietHours != nil && p.cfg.QuietHours.Contains(t) {
		return true
	}
	return p.cfg.BusinessHours != nil && !p.cfg.BusinessHours.Contains(t)
}

func (p *Policy) quietMin() State {
	if p.cfg.QuietMinSeverity != nil {
		return *p.cfg.QuietMinSeverity
	}
	return StateMajorOutage
}

// Apply turns confirmed changes into notifications to send now. Some may be held (quiet
// hours) or kept pending for a moment (storms); Tick releases them.
func (p *Policy) Apply(st *PolicyState, changes []Change, now time.Time) []Notification {
	var out []Notification
	for _, c := range changes {
		if n, ok := p.decide(st, c, now); ok {
			out = append(out, n)
		}
	}
	return p.route(st, out, now)
}

// decide says what one change would tell the user, and records it as told.
func (p *Policy) decide(st *PolicyState, c Change, now time.Time) (Notification, bool) {
	told, known := st.Notified[c.ServiceID]
	minSev := p.minSeverity(c.ServiceID)
	snoozed := !st.SnoozedUntil(c.ServiceID, now).IsZero()
	switch c.Kind {
	case ChangeBaseline:
		switch {
		case !known:
			// First run for this service: the icon shows it; nothing was "news".
			st.Notified[c.ServiceID] = c.To
			st.NotifiedAt[c.ServiceID] = now
			if c.Incident != nil {
				st.Incidents[IncidentKey(c.ServiceID, *c.Incident)] = c.Incident.Impact
			}
			return Notification{}, false
		case c.To == told:
			return Notification{}, false // what we said before the restart still holds
		}
		// It changed while Paywatch was not running: say so, once.
		c = Change{Kind: ChangeState, ServiceID: c.ServiceID, Name: c.Name, From: told, To: c.To, At: c.At, Incident: c.Incident, Sources: c.Sources}
		return p.decide(st, c, now)

	case ChangeState:
		switch {
		case c.To == StateUnknown || c.To == told:
			return Notification{}, false
		case told.Worse(c.To):
			// Better than what the user heard. Only the end of a problem they were told
			// about is news; a problem easing (major → degraded) is not, and "told" stays at
			// its worst so that it easing and worsening again does not notify twice.
			if !told.IsProblem() && told != StateMaintenance {
				st.Notified[c.ServiceID] = c.To // e.g. "could not tell" before: nothing was said
				return Notification{}, false
			}
			if c.To != StateOperational {
				return Notification{}, false
			}
			st.Notified[c.ServiceID], st.NotifiedAt[c.ServiceID] = c.To, now
			if snoozed || told != StateMaintenance && minSev.Worse(told) {
				// A problem below the threshold was never told (only seen at start-up).
				return Notification{}, false
			}
			if told == StateMaintenance {
				n := Notification{ServiceID: c.ServiceID, State: c.To, Severity: told, At: now,
					Title: fmt.Sprintf("%s: maintenance finished", c.Name), Body: "Working normally again."}
				return n, p.cfg.MaintenanceChanges && p.heard(n)
			}
			return Notification{ServiceID: c.ServiceID, State: c.To, Severity: told, At: now,
				Title: fmt.Sprintf("%s is back to normal", c.Name), Body: recoveryBody(c)}, true
		case c.To == StateMaintenance:
			st.Notified[c.ServiceID] = c.To
			n := Notification{ServiceID: c.ServiceID, State: c.To, Severity: c.To, At: now,
				Title: fmt.Sprintf("%s: maintenance started", c.Name), Body: problemBody(c)}
			return n, p.cfg.MaintenanceChanges && !snoozed && p.heard(n)
		}
		// Worse than what the user heard. Suppressed problems leave "told" alone, so that a
		// snooze ending during the problem still tells, and its recovery does not.
		if minSev.Worse(c.To) || snoozed {
			return Notification{}, false
		}
		if c.Incident != nil {
			if ackAt, ok := st.Acks[IncidentKey(c.ServiceID, *c.Incident)]; ok && !c.To.Worse(ackAt) {
				return Notification{}, false
			}
		}
		st.Notified[c.ServiceID], st.NotifiedAt[c.ServiceID] = c.To, now
		if c.Incident != nil {
			st.Incidents[IncidentKey(c.ServiceID, *c.Incident)] = c.Incident.Impact
		}
		return Notification{ServiceID: c.ServiceID, State: c.To, Severity: c.To, At: now,
			Title: fmt.Sprintf("%s: %s", c.Name, c.To.Label()), Body: problemBody(c)}, true

	case ChangeNewIncident:
		if c.Incident == nil || snoozed {
			return Notification{}, false
		}
		key := IncidentKey(c.ServiceID, *c.Incident)
		if _, done := st.Incidents[key]; done {
			return Notification{}, false
		}
		sev := Worst(c.Incident.Impact, c.To)
		if minSev.Worse(sev) || !c.To.IsProblem() {
			return Notification{}, false
		}
		st.Incidents[key] = c.Incident.Impact
		return Notification{ServiceID: c.ServiceID, State: c.To, Severity: sev, At: now,
			Title: fmt.Sprintf("%s: new incident", c.Name), Body: incidentText(c.Incident) + sourcesSuffix(c.Sources)}, true

	case ChangeIncidentUpdate:
		if !p.cfg.IncidentUpdates || c.Incident == nil || snoozed || minSev.Worse(c.To) {
			return Notification{}, false
		}
		if _, acked := st.Acks[IncidentKey(c.ServiceID, *c.Incident)]; acked {
			return Notification{}, false
		}
		return Notification{ServiceID: c.ServiceID, State: c.To, Severity: c.To, At: now,
			Title: fmt.Sprintf("%s: incident update", c.Name), Body: incidentText(c.Incident) + sourcesSuffix(c.Sources)}, true

	case ChangeMaintenance:
		// Newly announced work: said as soon as it is seen when a mark (24 h, 1 h before) has
		// already passed; Tick says the marks still to come.
		if c.Maintenance == nil || c.Maintenance.Filtered || !p.wantsMaintenance(st, c.ServiceID, now) {
			return Notification{}, false
		}
		return p.ahead(st, c.ServiceID, c.Name, *c.Maintenance, now)
	}
	return Notification{}, false
}

// wantsMaintenance reports whether planned work on a service is worth a notification: unless
// switched off, snoozed, or no sink hears of planned work on it (see Sink.PlannedWork).
func (p *Policy) wantsMaintenance(st *PolicyState, id string, now time.Time) bool {
	return p.cfg.maintenance() && st.SnoozedUntil(id, now).IsZero() &&
		p.heard(Notification{ServiceID: id, Severity: StateMaintenance})
}

// Absorb records changes as told without notifying: used when one summary replaces them
// (after a sleep), so later changes are measured against what the summary said.
func (p *Policy) Absorb(st *PolicyState, changes []Change, now time.Time) {
	for _, c := range changes {
		if c.Kind == ChangeMaintenance {
			continue // the summary does not mention planned work: Tick still gives notice of it
		}
		p.decide(st, c, now)
	}
}

// Away turns what changed while the machine slept into at most one "While you were away"
// notification, under the same rules as any other: services that are snoozed, or whose worst
// state in the gap is below their minimum severity, are left out; quiet hours and storm
// folding apply. What the changes would have notified one by one is absorbed, never sent.
func (p *Policy) Away(st *PolicyState, gapStart, gapEnd time.Time, changes []Change, snap Snapshot, now time.Time) []Notification {
	worst := map[string]State{}
	for _, c := range changes {
		if c.Kind == ChangeState {
			worst[c.ServiceID] = Worst(worst[c.ServiceID], c.From, c.To)
		}
	}
	keep := func(id string) bool {
		return st.SnoozedUntil(id, now).IsZero()
	}
	var kept []Change
	for _, c := range changes {
		if keep(c.ServiceID) && !p.minSeverity(c.ServiceID).Worse(worst[c.ServiceID]) {
			kept = append(kept, c)
		}
	}
	snap.Services = slices.DeleteFunc(slices.Clone(snap.Services), func(sv ServiceStatus) bool { return !keep(sv.ID) })
	p.Absorb(st, changes, now)
	n, ok := AwaySummary(gapStart, gapEnd, kept, snap)
	if !ok {
		return p.route(st, nil, now)
	}
	return p.route(st, []Notification{n}, now)
}

// View is what the menu needs to show about snoozes and acknowledgements.
func (st *PolicyState) View(now time.Time) AlertView {
	v := AlertView{Snoozed: map[string]time.Time{}, Acked: map[string]bool{}}
	for id, u := range st.Snoozes {
		if !u.After(now) {
			continue
		}
		if id == "" {
			v.SnoozedAll = u
		} else {
			v.Snoozed[id] = u
		}
	}
	for k := range st.Acks {
		v.Acked[k] = true
	}
	return v
}

// AlertView is the part of the policy state the desktop shows.
type AlertView struct {
	SnoozedAll time.Time
	Snoozed    map[string]time.Time
	Acked      map[string]bool
}

// route applies quiet hours and storm coalescing to what is about to be sent. A burst that is
// already over goes out first (its timer and this change may fall due together); the new
// notifications then start or join a burst.
func (p *Policy) route(st *PolicyState, notes []Notification, now time.Time) []Notification {
	out := p.flush(st, now)
	if p.quiet(now) {
		var keep []Notification
		for _, n := range notes {
			if p.quietMin().Worse(n.Severity) {
				st.Held = append(st.Held, n)
			} else {
				keep = append(keep, n)
			}
		}
		notes = keep
	}
	if len(notes) == 0 {
		return out
	}
	if len(st.Pending) == 0 {
		st.PendingSince = now
	}
	st.Pending = append(st.Pending, notes...)
	st.PendingLast = now
	return out
}

// flush releases pending notifications once the burst they belong to is over: when StormWindow
// has passed without another (or the burst has gone on for stormMaxWait). StormCount or more
// become one summary. Waiting for the pause is what makes the rule hold for any three changes
// within StormWindow of each other, however they fall: each is within StormWindow of the one
// before, so all three are in one burst. The price is that a lone notification goes out
// StormWindow after its change, which is nothing next to how late status pages post.
func (p *Policy) flush(st *PolicyState, now time.Time) []Notification {
	if len(st.Pending) == 0 || now.Before(st.burstEnd()) {
		return nil
	}
	pending := st.Pending
	st.Pending, st.PendingSince, st.PendingLast = nil, time.Time{}, time.Time{}
	if len(pending) >= StormCount {
		return []Notification{stormSummary(pending, now)}
	}
	return pending
}

// burstEnd is when the pending burst is over: StormWindow after its latest change, and no
// later than stormMaxWait after its first.
func (st *PolicyState) burstEnd() time.Time {
	end := st.PendingLast.Add(StormWindow)
	if limit := st.PendingSince.Add(stormMaxWait); limit.Before(end) {
		end = limit
	}
	return end
}

// summarise makes one notification of several; it keeps them as its parts.
func summarise(ns []Notification, now time.Time, kind SummaryKind, title string) Notification {
	sev, state := StateOperational, StateOperational
	var lines []string
	ids := map[string]bool{}
	for _, n := range ns {
		if n.Severity.Worse(sev) {
			sev = n.Severity
		}
		if n.State.Worse(state) {
			state = n.State
		}
		ids[n.ServiceID] = true
		lines = append(lines, n.Title+".")
	}
	const maxLines = 6
	if len(lines) > maxLines {
		more := len(lines) - (maxLines - 1)
		lines = append(lines[:maxLines-1], fmt.Sprintf("…and %d more.", more))
	}
	id := ""
	if len(ids) == 1 {
		id = ns[0].ServiceID
	}
	return Notification{ServiceID: id, Title: "Paywatch: " + title, Body: strings.Join(lines, "\n"), State: state, Severity: sev, At: now,
		Summary: kind, Parts: slices.Clone(ns)}
}

// Tick handles what time alone brings: settled storms, the end of quiet hours, snoozes that
// end during a problem, maintenance coming up, and reminders.
func (p *Policy) Tick(st *PolicyState, snap Snapshot, now time.Time) []Notification {
	st.prune(snap, now)
	var out []Notification
	if len(st.Held) > 0 && !p.quiet(now) {
		held := st.Held
		st.Held = nil
		if len(held) == 1 {
			out = append(out, held[0])
		} else {
			out = append(out, heldSummary(held, now))
		}
	}
	for id, until := range st.Snoozes {
		if until.After(now) {
			continue
		}
		delete(st.Snoozes, id)
		for _, sv := range snap.Services {
			if (id != "" && sv.ID != id) || !sv.State.IsProblem() || !sv.State.Worse(st.Notified[sv.ID]) || p.minSeverity(sv.ID).Worse(sv.State) ||
				!st.SnoozedUntil(sv.ID, now).IsZero() || p.allAcked(st, sv) {
				continue
			}
			st.Notified[sv.ID], st.NotifiedAt[sv.ID] = sv.State, now
			out = append(out, Notification{ServiceID: sv.ID, State: sv.State, Severity: sv.State, At: now,
				Title: fmt.Sprintf("%s: %s", sv.Name, sv.State.Label()),
				Body:  "Still going on now that the snooze has ended." + reasonLine(sv)})
		}
	}
	for _, sv := range snap.Services {
		if !p.wantsMaintenance(st, sv.ID, now) {
			continue
		}
		for _, m := range sv.Maintenances {
			if m.Filtered {
				continue // work on parts of the service the user does not watch
			}
			if n, ok := p.ahead(st, sv.ID, sv.Name, m, now); ok {
				out = append(out, n)
			}
		}
	}
	if r := time.Duration(p.cfg.Reminders); r > 0 {
		r = max(r, MinReminder)
		for _, sv := range snap.Services {
			told := st.Notified[sv.ID]
			if !told.IsProblem() || sv.State != told || !st.SnoozedUntil(sv.ID, now).IsZero() || now.Sub(st.NotifiedAt[sv.ID]) < r || p.allAcked(st, sv) {
				continue
			}
			st.NotifiedAt[sv.ID] = now
			out = append(out, Notification{ServiceID: sv.ID, State: sv.State, Severity: sv.State, At: now,
				Title: fmt.Sprintf("%s: still %s", sv.Name, strings.ToLower(sv.State.Label())),
				Body:  fmt.Sprintf("It has lasted %s so far.", HumanDuration(now.Sub(sv.Since))) + reasonLine(sv)})
		}
	}
	return p.route(st, out, now)
}

// reasonLine is what a service's own status adds to a notification: its worst incident, and
// which source says what when it has probes.
func reasonLine(sv ServiceStatus) string {
	var s string
	if in := worstIncident(sv.Incidents); in != nil {
		s = "\n" + incidentText(in)
	}
	return s + sourcesSuffix(sv.Sources)
}

// allAcked reports whether every open incident of the service is acknowledged and the service
// is no worse than when it was.
func (p *Policy) allAcked(st *PolicyState, sv ServiceStatus) bool {
	if len(sv.Incidents) == 0 {
		return false
	}
	for _, in := range sv.Incidents {
		if at, ok := st.Acks[IncidentKey(sv.ID, in)]; !ok || sv.State.Worse(at) {
			return false
		}
	}
	return true
}

// ahead sends the most specific due "maintenance ahead" mark, once each.
func (p *Policy) ahead(st *PolicyState, id, name string, m Maintenance, now time.Time) (Notification, bool) {
	if m.InProgress || m.StartsAt.IsZero() || !m.StartsAt.After(now) {
		return Notification{}, false
	}
	key := id + "/" + maintKey(m)
	sent := st.Maint[key]
	due := false
	for _, d := range p.aheadBy {
		mark := d.String()
		if now.Before(m.StartsAt.Add(-d)) || slices.Contains(sent, mark) {
			continue
		}
		sent = append(sent, mark)
		due = true
	}
	if !due {
		return Notification{}, false
	}
	st.Maint[key] = sent
	in := m.StartsAt.Sub(now)
	return Notification{ServiceID: id, State: StateMaintenance, Severity: StateMaintenance, At: now,
		Title: fmt.Sprintf("%s: maintenance in %s", name, HumanDuration(in.Round(time.Minute))),
		Body:  maintenanceText(&m)}, true
}

// NextDue is when Tick should next run: soon while notifications are pending, else within a
// minute (maintenance marks, reminders, quiet hours and snoozes are minute-grained).
func (p *Policy) NextDue(st *PolicyState, now time.Time) time.Time {
	if len(st.Pending) > 0 {
		return st.burstEnd()
	}
	next := now.Add(time.Minute)
	for _, u := range st.Snoozes {
		if u.After(now) && u.Before(next) {
			next = u
		}
	}
	return next
}
