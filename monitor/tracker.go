package monitor

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// ServiceSpec is what the tracker needs to know about one watched service.
type ServiceSpec struct {
	ID       string
	Name     string
	URL      string // the page a person would open
	Filter   ComponentFilter
	Targets  []Target
	Guidance string // what to do while it is down (from the catalog)
	// MinSeverity is this service's own notification threshold, if it has one.
	MinSeverity *State
	SupportURL  string
}

// Thresholds tune the tracker. Zero fields take the defaults in DefaultThresholds.
type Thresholds struct {
	ProbeFailures  int // consecutive failing probes before a probe counts as down
	ProbeSuccesses int // consecutive good probes before it counts as recovered
	PageStaleTries int // failed fetches of a page before its kept state becomes unknown
}

// DefaultThresholds are DESIGN.md §5's 2/2 probe hysteresis and 3 stale tries.
var DefaultThresholds = Thresholds{ProbeFailures: 2, ProbeSuccesses: 2, PageStaleTries: 3}

// SourceStatus is the judged state of one source of a service.
type SourceStatus struct {
	ID        string        `json:"id"`
	Kind      string        `json:"kind"` // "page" or "probe"
	Platform  string        `json:"platform"`
	URL       string        `json:"url"`
	State     State         `json:"state"`
	Verdict   string        `json:"verdict,omitempty"`
	Reason    string        `json:"reason,omitempty"`
	Stale     bool          `json:"stale"`
	CheckedAt time.Time     `json:"checked_at,omitzero"`
	Latency   time.Duration `json:"-"`
}

// ServiceStatus is one service as the user sees it.
type ServiceStatus struct {
	ID           string         `json:"id"`
	Name         string         `json:"name"`
	State        State          `json:"state"`
	Since        time.Time      `json:"since,omitzero"`
	Reason       string         `json:"reason"`
	Stale        bool           `json:"stale"`
	URL          string         `json:"url"`
	CheckedAt    time.Time      `json:"checked_at,omitzero"`
	Sources      []SourceStatus `json:"sources"`
	Components   []Component    `json:"components"`
	Incidents    []Incident     `json:"incidents"`
	Maintenances []Maintenance  `json:"maintenances"`
	Guidance     string         `json:"guidance,omitempty"`
	SupportURL   string         `json:"support_url,omitempty"`
	// Resolved holds incidents the page reports as recently resolved.
	Resolved []Incident `json:"-"`
}

// Snapshot is the whole picture at one moment.
type Snapshot struct {
	At            time.Time       `json:"at"`
	Offline       bool            `json:"offline"`
	OfflineReason string          `json:"offline_reason,omitempty"`
	Services      []ServiceStatus `json:"services"`
}

// Overall is the worst service state; offline counts as unknown.
func (s Snapshot) Overall() State {
	if len(s.Services) == 0 {
		return StateUnknown
	}
	states := make([]State, 0, len(s.Services))
	for _, sv := range s.Services {
		states = append(states, sv.State)
	}
	return Worst(states...)
}

// Problems counts services that are not operational.
func (s Snapshot) Problems() int {
	n := 0
	for _, sv := range s.Services {
		if sv.State != StateOperational {
			n++
		}
	}
	return n
}

// ChangeKind says what a Change is about.
type ChangeKind int

// Kinds of change.
const (
	ChangeState          ChangeKind = iota // the service's confirmed state moved
	ChangeNewIncident                      // a new incident opened on a service that already had a problem
	ChangeMaintenance                      // a maintenance was scheduled or started
	ChangeBaseline                         // the first known state after start-up (not news by itself)
	ChangeIncidentUpdate                   // an open incident posted an update
)

func (k ChangeKind) String() string {
	switch k {
	case ChangeState:
		return "state"
	case ChangeNewIncident:
		return "new incident"
	case ChangeMaintenance:
		return "maintenance"
	case ChangeBaseline:
		return "baseline"
	case ChangeIncidentUpdate:
		return "incident update"
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// Change is one confirmed transition, the only thing alerts are made from.
type Change struct {
	Kind        ChangeKind
	ServiceID   string
	Name        string
	From, To    State
	At          time.Time
	Lasted      time.Duration // on recovery: how long the problem lasted
	Incident    *Incident
	Maintenance *Maintenance
	Sources     []SourceStatus
}

// Tracker turns observations into service states and confirmed changes. It is pure: no clocks,
// no I/O; the time comes from the observation. It is not safe for concurrent use.
type Tracker struct {
	th       Thresholds
	services []*tracked
	byTarget map[string]*trackedSource
}

type tracked struct {
	spec      ServiceSpec
	sources   []*trackedSource
	state     State
	since     time.Time
	known     State                // last confirmed known state; StateUnknown until the baseline
	problemAt time.Time            // when the current problem began
	incidents map[string]time.Time // incident key → its latest update time
	maints    map[string]bool
	primed    bool
}

type trackedSource struct {
	svc     *tracked
	target  Target
	status  SourceStatus
	report  Report
	comps   []Component
	have    bool
	fails   int
	goodRun int
	badRun  int
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
	for _, sp := range specs {
		sv := &tracked{spec: sp, incidents: map[string]time.Time{}, maints: map[string]bool{}}
		for _, tg := range sp.Targets {
			ts := &trackedSource{svc: sv, target: tg, status: SourceStatus{
				ID: tg.SourceID, Kind: tg.Kind.String(), Platform: tg.Platform, URL: tg.URL,
				Reason: "not checked yet",
			}}
			sv.sources = append(sv.sources, ts)
			t.byTarget[tg.Key()] = ts
		}
		t.services = append(t.services, sv)
	}
	return t
}

// Observe applies one observation and returns the changes it confirms.
func (t *Tracker) Observe(o Observation) []Change {
	ts, ok := t.byTarget[o.Target]
	if !ok {
		return nil
	}
	o.Report = o.Report.cleaned() // page text is cleaned and capped once, here (pagetext.go)
	ts.status.CheckedAt = o.At
	ts.status.Latency = o.Latency
	ts.status.Stale = false // a fresh answer; a page that could not be refreshed marks it again
	if ts.target.Kind == KindProbe {
		t.observeProbe(ts, o)
	} else {
		t.observePage(ts, o)
	}
	return t.rollService(ts.svc, o.At)
}

func (t *Tracker) observePage(ts *trackedSource, o Observation) {
	if o.Err != nil {
		ts.fails++
		reason := Reason(o.Err)
		if ts.have && ts.fails < t.th.PageStaleTries {
			ts.status.Stale = true
			ts.status.Reason = "could not refresh: " + reason
			return
		}
		ts.have = false
		ts.status.State, ts.status.Stale, ts.status.Reason = StateUnknown, false, reason
		ts.comps = nil
		ts.report = Report{}
		return
	}
	ts.fails = 0
	ts.have = true
	state, comps, reason := Rollup(o.Report, ts.svc.spec.Filter)
	ts.report = markFiltered(o.Report, ts.svc.spec.Filter, comps)
	if o.Report.Platform != "" {
		ts.status.Platform = o.Report.Platform
	}
	ts.comps = comps
	ts.status.State, ts.status.Stale, ts.status.Reason = state, false, reason
	if reason == "" {
		ts.status.Reason = ts.report.summaryReason(state)
	}
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
		attempt, verdict, reason = p.State, p.Verdict, p.Reason
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
		if ts.badRun >= t.th.ProbeFailures {
			ts.status.State = attempt
		} else {
			ts.status.Reason = reason + " (checking again before saying so)"
			ts.status.Verdict = verdict
			return
		}
	case cur.IsProblem() && !attempt.IsProblem():
		if ts.goodRun >= t.th.ProbeSuccesses {
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
			for _, in := range page.report.Incidents {
				sv.incidents[incidentKey(in)] = in.UpdatedAt
			}
			for _, m := range page.report.Maintenances {
				sv.maints[maintKey(m)] = true
			}
		}
		st := t.status(sv)
		return []Change{{Kind: ChangeBaseline, ServiceID: sv.spec.ID, Name: sv.spec.Name, From: StateUnknown, To: next, At: at,
			Incident: worstIncident(st.Incidents), Sources: st.Sources}}
	}
	st := t.status(sv)
	if next != sv.known {
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
		for _, in := range page.report.Incidents {
			k := incidentKey(in)
			if in.Filtered {
				continue
			}
			if seen, ok := sv.incidents[k]; ok {
				if in.UpdatedAt.After(seen) {
					sv.incidents[k] = in.UpdatedAt
					in := in
					changes = append(changes, Change{Kind: ChangeIncidentUpdate, ServiceID: sv.spec.ID, Name: sv.spec.Name, From: next, To: next, At: at, Incident: &in, Sources: st.Sources})
				}
				continue
			}
			sv.incidents[k] = in.UpdatedAt
			if !hasStateChange(changes) {
				in := in
				changes = append(changes, Change{Kind: ChangeNewIncident, ServiceID: sv.spec.ID, Name: sv.spec.Name, From: next, To: next, At: at, Incident: &in, Sources: st.Sources})
			}
		}
		for _, m := range page.report.Maintenances {
			k := maintKey(m)
			if sv.maints[k] || m.Filtered {
				continue
			}
			sv.maints[k] = true
			m := m
			changes = append(changes, Change{Kind: ChangeMaintenance, ServiceID: sv.spec.ID, Name: sv.spec.Name, From: next, To: next, At: at, Maintenance: &m})
		}
	}
	return changes
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
		if s.target.Kind == KindPage && s.have {
			return s
		}
	}
	return nil
}

// Snapshot returns the current picture. The result shares nothing with the tracker.
func (t *Tracker) Snapshot(at time.Time) Snapshot {
	snap := Snapshot{At: at, Services: make([]ServiceStatus, 0, len(t.services))}
	for _, sv := range t.services {
		snap.Services = append(snap.Services, t.status(sv))
	}
	return snap
}

// MarkAllStale keeps every known state but marks it stale (used while offline).
func (t *Tracker) MarkAllStale(reason string) {
	for _, sv := range t.services {
		for _, s := range sv.sources {
			if s.status.CheckedAt.IsZero() {
				continue
			}
			s.status.Stale = true
			s.status.Reason = reason
		}
	}
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
		if s.target.Kind == KindPage && s.have {
			st.Components = append(st.Components, s.comps...)
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
