package monitor

import (
	"fmt"
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

// AllChecked reports whether every service has been checked at least once (the first round of
// checks after start-up is over); false when there are no services.
func (s Snapshot) AllChecked() bool {
	for _, sv := range s.Services {
		if sv.CheckedAt.IsZero() {
			return false
		}
	}
	return len(s.Services) > 0
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
