package monitor

import (
	"fmt"
	"maps"
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

// PruneAfter is how long a closed incident or a past maintenance is remembered.
const PruneAfter = 7 * 24 * time.Hour

// maxRemembered is how many incident keys the state keeps per service.
const maxRemembered = 100

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
	for _, n := range notes {
		// One service adds a few notifications to a burst at most; the rest are counted, and
		// the summary says "and N more".
		if n.ServiceID != "" && countFor(st.Pending, n.ServiceID) >= maxPendingPerService {
			st.PendingMore++
			continue
		}
		st.Pending = append(st.Pending, n)
	}
	st.PendingLast = now
	return out
}

// maxPendingPerService is how many notifications one service can add to one burst.
const maxPendingPerService = 5

func countFor(ns []Notification, id string) int {
	c := 0
	for _, n := range ns {
		if n.ServiceID == id {
			c++
		}
	}
	return c
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
	pending, more := st.Pending, st.PendingMore
	st.Pending, st.PendingSince, st.PendingLast, st.PendingMore = nil, time.Time{}, time.Time{}, 0
	if len(pending)+more >= StormCount {
		return []Notification{stormSummary(pending, more, now)}
	}
	return pending
}

// summarise makes one notification of several; it keeps them as its parts.
func summarise(ns []Notification, now time.Time, kind SummaryKind, title string) Notification {
	return summariseMore(ns, 0, now, kind, title)
}

// summariseMore is summarise with `more` notifications left out of ns, counted in its last line.
func summariseMore(ns []Notification, more int, now time.Time, kind SummaryKind, title string) Notification {
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
	if len(lines) > maxLines || more > 0 {
		keep := min(len(lines), maxLines-1)
		more += len(lines) - keep
		lines = append(lines[:keep], fmt.Sprintf("…and %d more.", more))
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
