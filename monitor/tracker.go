package monitor

import (
	"errors"
	"slices"
	"time"
)

// Thresholds tune the tracker. Zero fields take the defaults in DefaultThresholds.
type Thresholds struct {
	ProbeFailures  int // consecutive failing probes before a probe counts as down
	ProbeSuccesses int // consecutive good probes before it counts as recovered
	PageStaleTries int // failed fetches of a page before its kept state becomes unknown
}

// maxNewIncidents is how many incidents one answer of a page can announce as new.
const maxNewIncidents = 3

// DefaultThresholds are DESIGN.md §5's 2/2 probe hysteresis and 3 stale tries.
var DefaultThresholds = Thresholds{ProbeFailures: 2, ProbeSuccesses: 2, PageStaleTries: 3}

// Tracker turns observations into service states and confirmed changes. It is pure: no clocks,
// no I/O; the time comes from the observation. It is not safe for concurrent use.
//
// Its cost per observation does not grow with the number of services: an observation touches
// its own service, and the picture of all of them (view) is rebuilt only for the services that
// changed, only when someone asks for it.
type Tracker struct {
	th       Thresholds
	services []*tracked
	byTarget map[string]*trackedSource

	// shown is the last picture view built, shared read-only with whoever got it; dirty lists
	// the services changed since, by index. seen is set when something other than a check time
	// changed since then.
	shown []ServiceStatus
	dirty []int
	seen  bool
}

// tracked is one service. Its fields are ordered so that it packs tight: a tracker holds one
// per watched service for the whole run.
type tracked struct {
	idx       int // in Tracker.services
	dirty     dirt
	primed    bool
	state     State
	known     State // last confirmed known state; StateUnknown until the baseline
	spec      serviceInfo
	sources   []*trackedSource
	since     time.Time
	problemAt time.Time            // when the current problem began
	incidents map[string]time.Time // incident key → its latest update time, while listed; nil until one
	titles    map[string]bool      // titles of the incidents listed at the last answer
	maints    map[string]bool      // nil until one
}

// serviceInfo is what the tracker reads of a ServiceSpec.
type serviceInfo struct {
	ID, Name, URL        string
	Guidance, SupportURL string
	Filter               ComponentFilter
}

// dirt says what changed in a service since the tracker last built its picture.
type dirt uint8

const (
	clean     dirt = iota
	timesOnly      // only check times (and latencies) moved
	changed        // anything else: rebuild its status
)

// trackedSource is one source of a service (one per engine target), as compact as the tracker
// can keep it.
type trackedSource struct {
	svc    *tracked
	status SourceStatus
	// report is the last report judged: cleaned (pagetext.go), its components carrying Rollup's
	// Filtered marks. raw is the report as the checker gave it, to tell an unchanged page at a
	// glance; nil when that is report itself (the page's text was clean and no filter marked
	// anything: then both share the page's own slices, one copy of what the page says).
	report Report
	raw    *Report
	// goodReason is Rollup's reason for the last report ("" when the summary speaks).
	goodReason string
	have       bool
	probe      bool // a website probe (KindProbe), else a page
	fails      int32
	goodRun    int32
	badRun     int32
}

// observed is the last report as the checker gave it.
func (ts *trackedSource) observed() Report {
	if ts.raw != nil {
		return *ts.raw
	}
	return ts.report
}

// NewTracker builds a tracker for the services.
func NewTracker(specs []ServiceSpec, th Thresholds) *Tracker {
	if th.ProbeFailures <= 0 {
		th.ProbeFailures = DefaultThresholds.ProbeFailures
	}
	if th.ProbeSuccesses <= 0 {
		th.ProbeSuccesses = DefaultThresholds.ProbeSuccesses
	}
	if th.PageStaleTries <= 0 {
		th.PageStaleTries = DefaultThresholds.PageStaleTries
	}
	t := &Tracker{th: th, byTarget: map[string]*trackedSource{}}
	for i, sp := range specs {
		sv := &tracked{idx: i, dirty: changed, spec: serviceInfo{ID: sp.ID, Name: sp.Name, URL: sp.URL,
			Guidance: sp.Guidance, SupportURL: sp.SupportURL, Filter: sp.Filter}}
		for _, tg := range sp.Targets {
			ts := &trackedSource{svc: sv, probe: tg.Kind == KindProbe, status: SourceStatus{
				ID: tg.SourceID, Kind: tg.Kind.String(), Platform: tg.Platform, URL: tg.URL,
				Reason: "not checked yet",
			}}
			sv.sources = append(sv.sources, ts)
			t.byTarget[tg.Key()] = ts
		}
		t.services = append(t.services, sv)
		t.dirty = append(t.dirty, i)
	}
	t.seen = true
	return t
}

// Observe applies one observation and returns the changes it confirms.
func (t *Tracker) Observe(o Observation) []Change {
	ts, ok := t.byTarget[o.Target]
	if !ok {
		return nil
	}
	before, state, since := ts.status, ts.svc.state, ts.svc.since
	moved := t.observe(ts, o)
	changes := t.rollService(ts.svc, o.At)
	after := ts.status
	before.CheckedAt, before.Latency, after.CheckedAt, after.Latency = time.Time{}, 0, time.Time{}, 0
	switch {
	case moved || before != after || state != ts.svc.state || since != ts.svc.since || len(changes) > 0:
		t.touch(ts.svc, changed)
	default:
		t.touch(ts.svc, timesOnly)
	}
	return changes
}

// touch records that a service changed (at least) this much.
func (t *Tracker) touch(sv *tracked, d dirt) {
	if sv.dirty == clean {
		t.dirty = append(t.dirty, sv.idx)
	}
	if d > sv.dirty {
		sv.dirty = d
	}
	if d == changed {
		t.seen = true
	}
}

// observe applies an observation to its source; moved reports whether what the page says
// changed (its report, or having one).
func (t *Tracker) observe(ts *trackedSource, o Observation) (moved bool) {
	first := ts.status.CheckedAt.IsZero()
	ts.status.CheckedAt = o.At
	ts.status.Latency = o.Latency
	ts.status.Stale = false // a fresh answer; a page that could not be refreshed marks it again
	if ts.probe {
		t.observeProbe(ts, o)
		return first
	}
	return t.observePage(ts, o) || first
}

func (t *Tracker) observePage(ts *trackedSource, o Observation) (moved bool) {
	if o.Err != nil {
		moved = ts.have
		ts.fails++
		reason := Reason(o.Err)
		if ts.have && int(ts.fails) < t.th.PageStaleTries {
			ts.status.Stale = true
			ts.status.Reason = "could not refresh: " + reason
			return false
		}
		ts.have = false
		ts.status.State, ts.status.Stale, ts.status.Reason = StateUnknown, false, reason
		ts.report, ts.raw = Report{}, nil
		return moved
	}
	ts.fails = 0
	if ts.have && sameReport(o.Report, ts.observed()) {
		// The page says what it said last time (a 304, or a new body with the same news): the
		// judgement stands; only what a failed refresh left on the source is undone.
		if ts.status.Stale {
			ts.status.Stale = false
			ts.status.Reason = ts.report.summaryReasonOr(ts.status.State, ts.goodReason)
		}
		return false
	}
	ts.have = true
	rep := o.Report.cleaned() // page text is cleaned and capped once, here (pagetext.go)
	state, comps, reason := Rollup(rep, ts.svc.spec.Filter)
	ts.report = markFiltered(rep, ts.svc.spec.Filter, comps)
	ts.report.Components = comps
	// The report as the checker gave it, so that the same answer is known at a glance; kept
	// apart only when it is not the judged report itself.
	ts.raw = nil
	if !identical(o.Report, ts.report) {
		raw := o.Report
		ts.raw = &raw
	}
	if rep.Platform != "" {
		ts.status.Platform = rep.Platform
	}
	ts.goodReason = reason
	ts.status.State, ts.status.Stale, ts.status.Reason = state, false, reason
	if reason == "" {
		ts.status.Reason = ts.report.summaryReason(state)
	}
	return true
}

// summaryReasonOr is the reason observePage gives a source for report r: Rollup's own reason
// when it gave one, else the summary.
func (r Report) summaryReasonOr(s State, rollupReason string) string {
	if rollupReason != "" {
		return rollupReason
	}
	return r.summaryReason(s)
}

// markFiltered returns r with its incidents and maintenances that touch none of the kept
// components marked Filtered, the way Rollup leaves them out of the state.
func markFiltered(r Report, f ComponentFilter, comps []Component) Report {
	if !f.Active() {
		return r
	}
	r.Incidents = slices.Clone(r.Incidents)
	for i := range r.Incidents {
		r.Incidents[i].Filtered = !touchesKept(f, comps, r.Incidents[i].Components)
	}
	r.Maintenances = slices.Clone(r.Maintenances)
	for i := range r.Maintenances {
		r.Maintenances[i].Filtered = !touchesKept(f, comps, r.Maintenances[i].Components)
	}
	return r
}

func (t *Tracker) observeProbe(ts *trackedSource, o Observation) {
	var fe *FetchError
	if errors.As(o.Err, &fe) && fe.Kind == ErrDNS {
		// The name does not resolve from here while the rest of the network works (the
		// watcher's connectivity gate has ruled out being offline): that says something about
		// this network's DNS, not about the provider. "Can't tell", and the run starts over.
		ts.badRun, ts.goodRun = 0, 0
		ts.status.State, ts.status.Verdict, ts.status.Reason = StateUnknown, "cannot look up the address", Reason(o.Err)
		return
	}
	attempt, verdict, reason := StateMajorOutage, "failing", Reason(o.Err)
	if o.Err == nil && o.Report.Probe != nil {
		p := o.Report.Probe
		attempt, verdict, reason = p.State, PageLine(p.Verdict), PageLine(p.Reason)
	}
	if attempt.IsProblem() {
		ts.badRun++
		ts.goodRun = 0
	} else {
		ts.goodRun++
		ts.badRun = 0
	}
	cur := ts.status.State
	switch {
	case cur == StateUnknown && !attempt.IsProblem():
		ts.status.State = attempt // first good answer counts at once
	case !cur.IsProblem() && attempt.IsProblem():
		if int(ts.badRun) >= t.th.ProbeFailures {
			ts.status.State = attempt
		} else {
			ts.status.Reason = reason + " (checking again before saying so)"
			ts.status.Verdict = verdict
			return
		}
	case cur.IsProblem() && !attempt.IsProblem():
		if int(ts.goodRun) >= t.th.ProbeSuccesses {
			ts.status.State = attempt
		} else {
			ts.status.Reason = "answering again (confirming)"
			return
		}
	default:
		ts.status.State = attempt
	}
	ts.status.Verdict, ts.status.Reason = verdict, reason
}

// confirmingFailure reports whether a website probe has failed, but not yet often enough in a
// row to be called down.
func (t *Tracker) confirmingFailure(key string) bool {
	ts, ok := t.byTarget[key]
	return ok && ts.probe && ts.badRun > 0 && int(ts.badRun) < t.th.ProbeFailures && !ts.status.State.IsProblem()
}

func (r Report) summaryReason(s State) string {
	if worst := worstIncident(r.Incidents); worst != nil {
		return worst.Title
	}
	for _, m := range r.Maintenances {
		if m.InProgress && !m.Filtered {
			return m.Title
		}
	}
	if s == StateOperational {
		return "all systems operational"
	}
	return ""
}

// rollService recomputes a service from its sources and emits confirmed changes.
func (t *Tracker) rollService(sv *tracked, at time.Time) []Change {
	var states []State
	for _, s := range sv.sources {
		states = append(states, s.status.State)
	}
	next := worstKnown(states...)
	if next != sv.state {
		sv.state, sv.since = next, at
	}
	if next == StateUnknown {
		// "We could not tell" is never an alert, and never moves the baseline.
		return nil
	}
	var changes []Change
	page := sv.page()
	if !sv.primed {
		// The baseline is what every source says at start-up: a slower source's first answer
		// is part of it, not news.
		for _, s := range sv.sources {
			if s.status.CheckedAt.IsZero() {
				return nil
			}
		}
		sv.primed = true
		sv.known = next
		if next.IsProblem() || next == StateMaintenance {
			sv.problemAt = at
		}
		if page != nil {
			sv.titles = map[string]bool{}
			for _, in := range page.report.Incidents {
				sv.seeIncident(incidentKey(in), in.UpdatedAt)
				sv.titles[in.Title] = true
			}
			for _, m := range page.report.Maintenances {
				sv.seeMaint(maintKey(m))
			}
		}
		st := t.status(sv)
		return []Change{{Kind: ChangeBaseline, ServiceID: sv.spec.ID, Name: sv.spec.Name, From: StateUnknown, To: next, At: at,
			Incident: worstIncident(st.Incidents), Sources: st.Sources}}
	}
	// The service's status goes into changes only; most observations confirm none.
	var built *ServiceStatus
	status := func() *ServiceStatus {
		if built == nil {
			st := t.status(sv)
			built = &st
		}
		return built
	}
	if next != sv.known {
		st := status()
		c := Change{Kind: ChangeState, ServiceID: sv.spec.ID, Name: sv.spec.Name, From: sv.known, To: next, At: at, Sources: st.Sources}
		if next == StateOperational && !sv.problemAt.IsZero() {
			c.Lasted = at.Sub(sv.problemAt)
			sv.problemAt = time.Time{}
		} else if sv.known == StateOperational {
			sv.problemAt = at
		}
		c.Incident = worstIncident(st.Incidents)
		changes = append(changes, c)
		sv.known = next
	}
	if page != nil {
		var listed, titles map[string]bool // nil (nothing to allocate) for a page with no incidents
		if n := len(page.report.Incidents); n > 0 {
			listed, titles = make(map[string]bool, n), make(map[string]bool, n)
		}
		fresh := 0
		for _, in := range page.report.Incidents {
			k := incidentKey(in)
			listed[k], titles[in.Title] = true, true
			if in.Filtered {
				continue
			}
			if seen, ok := sv.incidents[k]; ok {
				if in.UpdatedAt.After(seen) {
					sv.seeIncident(k, in.UpdatedAt)
					in := in
					changes = append(changes, Change{Kind: ChangeIncidentUpdate, ServiceID: sv.spec.ID, Name: sv.spec.Name, From: next, To: next, At: at, Incident: &in, Sources: status().Sources})
				}
				continue
			}
			sv.seeIncident(k, in.UpdatedAt)
			// One answer is news about a few incidents at most; and an incident listed under a
			// new ID with the title of one listed last time is that one again (a page that
			// makes up IDs on every poll would otherwise be "new incident" every minute).
			if sv.titles[in.Title] || fresh >= maxNewIncidents {
				continue
			}
			if !hasStateChange(changes) {
				fresh++
				in := in
				changes = append(changes, Change{Kind: ChangeNewIncident, ServiceID: sv.spec.ID, Name: sv.spec.Name, From: next, To: next, At: at, Incident: &in, Sources: status().Sources})
			}
		}
		sv.titles = titles
		// Incidents no longer listed are forgotten here, so that what a page lists bounds what
		// is kept; the policy's state remembers what was told about them.
		for k := range sv.incidents {
			if !listed[k] {
				delete(sv.incidents, k)
			}
		}
		for _, m := range page.report.Maintenances {
			k := maintKey(m)
			if sv.maints[k] || m.Filtered {
				continue
			}
			sv.seeMaint(k)
			m := m
			changes = append(changes, Change{Kind: ChangeMaintenance, ServiceID: sv.spec.ID, Name: sv.spec.Name, From: next, To: next, At: at, Maintenance: &m})
		}
	}
	return changes
}

func (sv *tracked) seeIncident(k string, updated time.Time) {
	if sv.incidents == nil {
		sv.incidents = map[string]time.Time{}
	}
	sv.incidents[k] = updated
}

func (sv *tracked) seeMaint(k string) {
	if sv.maints == nil {
		sv.maints = map[string]bool{}
	}
	sv.maints[k] = true
}

func hasStateChange(cs []Change) bool {
	for _, c := range cs {
		if c.Kind == ChangeState {
			return true
		}
	}
	return false
}

// IncidentKey identifies an incident of a service across restarts (acknowledgements use it).
func IncidentKey(serviceID string, in Incident) string { return serviceID + "/" + incidentKey(in) }

func incidentKey(in Incident) string {
	if in.ID != "" {
		return in.ID
	}
	return in.Title + "|" + in.CreatedAt.String()
}

func maintKey(m Maintenance) string {
	k := m.ID
	if k == "" {
		k = m.Title + "|" + m.StartsAt.String()
	}
	if m.InProgress {
		return k + "|started"
	}
	return k
}

// worstIncident is the worst incident that is not filtered out (nil if none).
func worstIncident(in []Incident) *Incident {
	var w *Incident
	for _, i := range in {
		if !i.Filtered && (w == nil || i.Impact.Worse(w.Impact)) {
			w = &i
		}
	}
	return w
}

func (sv *tracked) page() *trackedSource {
	for _, s := range sv.sources {
		if !s.probe && s.have {
			return s
		}
	}
	return nil
}

// Snapshot returns the current picture. The result shares nothing with the tracker.
func (t *Tracker) Snapshot(at time.Time) Snapshot {
	view := t.view()
	snap := Snapshot{At: at, Services: make([]ServiceStatus, len(view))}
	for i, st := range view {
		st.Sources = slices.Clone(st.Sources)
		st.Components = slices.Clone(st.Components)
		st.Incidents = cloneIncidents(st.Incidents)
		st.Maintenances = slices.Clone(st.Maintenances)
		for j := range st.Maintenances {
			st.Maintenances[j].Components = slices.Clone(st.Maintenances[j].Components)
		}
		st.Resolved = cloneIncidents(st.Resolved)
		snap.Services[i] = st
	}
	return snap
}

func cloneIncidents(in []Incident) []Incident {
	out := slices.Clone(in)
	for i := range out {
		out[i].Components = slices.Clone(out[i].Components)
	}
	return out
}

// view returns the current picture of every service, shared: neither the caller nor the
// tracker ever modifies it (the tracker builds a new one when something changed). Only the
// services that changed since the last view are rebuilt, and only the check times of those
// whose news did not change.
func (t *Tracker) view() []ServiceStatus {
	if len(t.dirty) == 0 && t.shown != nil {
		return t.shown
	}
	next := make([]ServiceStatus, len(t.services))
	copy(next, t.shown)
	for _, i := range t.dirty {
		sv := t.services[i]
		if sv.dirty == timesOnly && t.shown != nil {
			next[i] = t.retimed(sv, next[i])
		} else {
			next[i] = t.status(sv)
		}
		sv.dirty = clean
	}
	t.dirty = t.dirty[:0]
	t.shown, t.seen = next, false
	return next
}

// retimed is st, the last status built for sv, with its sources' check times brought up to
// date: all that moved when a service's news did not.
func (t *Tracker) retimed(sv *tracked, st ServiceStatus) ServiceStatus {
	st.Sources = make([]SourceStatus, len(sv.sources))
	for i, s := range sv.sources {
		st.Sources[i] = s.status
		if s.status.CheckedAt.After(st.CheckedAt) {
			st.CheckedAt = s.status.CheckedAt
		}
	}
	return st
}

// Changed reports whether anything besides check times changed since the last view.
func (t *Tracker) Changed() bool { return t.seen }

// Pending reports whether anything at all, check times included, changed since the last view.
func (t *Tracker) Pending() bool { return len(t.dirty) > 0 }

// MarkAllStale keeps every known state but marks it stale (used while offline).
func (t *Tracker) MarkAllStale(reason string) {
	for _, sv := range t.services {
		for _, s := range sv.sources {
			if s.status.CheckedAt.IsZero() {
				continue
			}
			s.status.Stale = true
			s.status.Reason = reason
			t.touch(sv, changed)
		}
	}
}

// sameReport reports whether a page's new report says exactly what the old one did. A 304
// gives back the very report parsed before, which is seen without looking inside.
func sameReport(a, b Report) bool {
	if a.PageName != b.PageName || a.PageURL != b.PageURL || a.Platform != b.Platform || a.Indicator != b.Indicator {
		return false
	}
	if (a.Probe == nil) != (b.Probe == nil) || (a.Probe != nil && *a.Probe != *b.Probe) {
		return false
	}
	return (same(a.Components, b.Components) || slices.Equal(a.Components, b.Components)) &&
		(same(a.Incidents, b.Incidents) || slices.EqualFunc(a.Incidents, b.Incidents, equalIncident)) &&
		(same(a.Maintenances, b.Maintenances) || slices.EqualFunc(a.Maintenances, b.Maintenances, equalMaintenance)) &&
		(same(a.Resolved, b.Resolved) || slices.EqualFunc(a.Resolved, b.Resolved, equalIncident))
}

// identical reports whether a and b are the very same report: equal fields, the same Probe and
// the same slices (not merely equal ones). sameReport then judges any report against either
// alike.
func identical(a, b Report) bool {
	return a.PageName == b.PageName && a.PageURL == b.PageURL && a.Platform == b.Platform && a.Indicator == b.Indicator &&
		a.Probe == b.Probe && same(a.Components, b.Components) && same(a.Incidents, b.Incidents) &&
		same(a.Maintenances, b.Maintenances) && same(a.Resolved, b.Resolved)
}

// same reports whether two slices are the same one (same elements in the same memory).
func same[T any](a, b []T) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}

func equalIncident(a, b Incident) bool {
	return a.ID == b.ID && a.Title == b.Title && a.Impact == b.Impact && a.Status == b.Status && a.URL == b.URL &&
		a.CreatedAt.Equal(b.CreatedAt) && a.UpdatedAt.Equal(b.UpdatedAt) && a.ResolvedAt.Equal(b.ResolvedAt) &&
		a.LatestUpdate == b.LatestUpdate && a.Filtered == b.Filtered && slices.Equal(a.Components, b.Components)
}

func equalMaintenance(a, b Maintenance) bool {
	return a.ID == b.ID && a.Title == b.Title && a.Status == b.Status && a.InProgress == b.InProgress &&
		a.StartsAt.Equal(b.StartsAt) && a.EndsAt.Equal(b.EndsAt) && a.URL == b.URL && a.Filtered == b.Filtered &&
		slices.Equal(a.Components, b.Components)
}

func (t *Tracker) status(sv *tracked) ServiceStatus {
	st := ServiceStatus{
		ID: sv.spec.ID, Name: sv.spec.Name, URL: sv.spec.URL, State: sv.state, Since: sv.since,
		Guidance: sv.spec.Guidance, SupportURL: sv.spec.SupportURL,
		Components: []Component{}, Incidents: []Incident{}, Maintenances: []Maintenance{},
	}
	var reasons []string
	for _, s := range sv.sources {
		src := s.status
		src.Reason = PageLine(src.Reason) // reasons quote pages and their errors
		st.Sources = append(st.Sources, src)
		if s.status.CheckedAt.After(st.CheckedAt) {
			st.CheckedAt = s.status.CheckedAt
		}
		if s.status.Stale {
			st.Stale = true
		}
		if s.status.State == sv.state && src.Reason != "" {
			reasons = append(reasons, src.Reason)
		}
		if !s.probe && s.have {
			switch {
			case len(s.report.Components) == 0:
			case len(st.Components) == 0:
				// Statuses are read-only: one page's components are shared, not copied.
				st.Components = slices.Clip(s.report.Components)
			default:
				st.Components = append(slices.Clip(st.Components), s.report.Components...)
			}
			st.Incidents = append(st.Incidents, s.report.Incidents...)
			st.Maintenances = append(st.Maintenances, s.report.Maintenances...)
			st.Resolved = append(st.Resolved, s.report.Resolved...)
			if st.URL == "" {
				st.URL = s.report.PageURL
			}
		}
	}
	if len(reasons) > 0 {
		st.Reason = reasons[0]
	}
	slices.SortStableFunc(st.Incidents, func(a, b Incident) int { return int(b.Impact.severity() - a.Impact.severity()) })
	return st
}
