// Package monitor is Paywatch's engine: the state scale, the values that flow from status pages
// to the tray, the scheduler that polls them, the tracker that turns observations into confirmed
// changes, and the alert policy. It has no user interface and never imports Fyne.
package monitor

import (
	"fmt"
	"strings"
)

// State is one service's condition on a single scale shared by every source.
// The zero value is StateUnknown: we could not tell.
type State int

// The states, in the order of DESIGN.md §3.
const (
	StateUnknown State = iota
	StateOperational
	StateMaintenance
	StateDegraded
	StatePartialOutage
	StateMajorOutage
)

var stateNames = [...]string{"unknown", "operational", "maintenance", "degraded", "partial_outage", "major_outage"}

var stateLabels = [...]string{"Unknown", "Operational", "Maintenance", "Degraded", "Partial outage", "Major outage"}

// String returns the machine name used in JSON and config ("partial_outage").
func (s State) String() string {
	if s < 0 || int(s) >= len(stateNames) {
		return fmt.Sprintf("state(%d)", int(s))
	}
	return stateNames[s]
}

// Label returns the words shown to people ("Partial outage").
func (s State) Label() string {
	if s < 0 || int(s) >= len(stateLabels) {
		return "Unknown"
	}
	return stateLabels[s]
}

// ParseState reads a machine name; it accepts the label spelling and spaces too.
func ParseState(v string) (State, error) {
	n := strings.ReplaceAll(strings.ToLower(strings.TrimSpace(v)), " ", "_")
	n = strings.ReplaceAll(n, "-", "_")
	for i, name := range stateNames {
		if n == name {
			return State(i), nil
		}
	}
	return StateUnknown, fmt.Errorf("unknown state %q (want one of %s)", v, strings.Join(stateNames[:], ", "))
}

// MarshalText implements encoding.TextMarshaler.
func (s State) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (s *State) UnmarshalText(b []byte) error {
	v, err := ParseState(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// severity ranks states for "worst of": unknown sits just above operational, so an
// unreadable page never hides a real problem elsewhere and never counts as one.
func (s State) severity() int {
	switch s {
	case StateOperational:
		return 0
	case StateUnknown:
		return 1
	default:
		return int(s)
	}
}

// Worse reports whether s is more severe than t.
func (s State) Worse(t State) bool { return s.severity() > t.severity() }

// IsProblem reports whether the state is degraded or worse.
func (s State) IsProblem() bool { return s >= StateDegraded }

// IsOutage reports whether the state is a partial or major outage.
func (s State) IsOutage() bool { return s >= StatePartialOutage }

// Worst returns the most severe of states, or StateOperational for none.
func Worst(states ...State) State {
	w := StateOperational
	for _, s := range states {
		if s.Worse(w) {
			w = s
		}
	}
	return w
}

// worstKnown is Worst over the states that carry information; unknown ones are skipped.
// It returns StateUnknown when every state is unknown (or there are none).
func worstKnown(states ...State) State {
	w, any := StateOperational, false
	for _, s := range states {
		if s == StateUnknown {
			continue
		}
		any = true
		if s.Worse(w) {
			w = s
		}
	}
	if !any {
		return StateUnknown
	}
	return w
}
