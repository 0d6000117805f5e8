package monitor

import (
	"fmt"
	"strings"
	"time"
)

// AlertConfig is the user's notification settings.
type AlertConfig struct {
	// MinSeverity is the least severe state that notifies (default degraded).
	MinSeverity *State `yaml:"min_severity,omitempty"`
	// Maintenance notifies ahead of planned maintenance (default true).
	Maintenance *bool `yaml:"maintenance,omitempty"`
	// MaintenanceAhead says how long before a maintenance to notify, each once
	// (default 24h and 1h).
	MaintenanceAhead []Duration `yaml:"maintenance_ahead,omitempty"`
	// MaintenanceChanges notifies when maintenance starts and ends (default off).
	MaintenanceChanges bool `yaml:"maintenance_changes,omitempty"`
	// IncidentUpdates notifies each update an open incident posts (default off).
	IncidentUpdates bool `yaml:"incident_updates,omitempty"`
	// QuietHours hold back everything below QuietMinSeverity; what was held is summarised
	// once when they end.
	QuietHours *TimeWindow `yaml:"quiet_hours,omitempty"`
	// BusinessHours, when set, make every other time quiet.
	BusinessHours *TimeWindow `yaml:"business_hours,omitempty"`
	// QuietMinSeverity is what still notifies during quiet hours (default major_outage).
	QuietMinSeverity *State `yaml:"quiet_min_severity,omitempty"`
	// Reminders repeats a notification while a problem lasts (off by default; at least 30m).
	Reminders Duration `yaml:"reminders,omitempty"`
}

func (a AlertConfig) validate() []error {
	var errs []error
	if a.MinSeverity != nil && (*a.MinSeverity == StateUnknown || *a.MinSeverity == StateOperational) {
		errs = append(errs, fmt.Errorf("alerts.min_severity: %q would notify about everything; use maintenance, degraded, partial_outage or major_outage", a.MinSeverity.String()))
	}
	if a.QuietMinSeverity != nil && (*a.QuietMinSeverity == StateUnknown || *a.QuietMinSeverity == StateOperational) {
		errs = append(errs, fmt.Errorf("alerts.quiet_min_severity: use maintenance, degraded, partial_outage or major_outage"))
	}
	if a.Reminders != 0 && time.Duration(a.Reminders) < MinReminder {
		errs = append(errs, fmt.Errorf("alerts.reminders: %s is too often; the minimum is %s", time.Duration(a.Reminders), MinReminder))
	}
	for i, d := range a.MaintenanceAhead {
		if d <= 0 || time.Duration(d) > 14*24*time.Hour {
			errs = append(errs, fmt.Errorf("alerts.maintenance_ahead[%d]: %s must be between 1m and 14 days", i+1, time.Duration(d)))
		}
	}
	for name, w := range map[string]*TimeWindow{"alerts.quiet_hours": a.QuietHours, "alerts.business_hours": a.BusinessHours} {
		if w != nil {
			errs = append(errs, w.validate(name)...)
		}
	}
	return errs
}

func (a AlertConfig) minSeverity() State {
	if a.MinSeverity == nil {
		return StateDegraded
	}
	return *a.MinSeverity
}

// Notification is one message for the sinks: the desktop and the team channels.
type Notification struct {
	ServiceID string
	Title     string
	Body      string
	// State is the service's state now (operational on a recovery).
	State State
	// Severity is what the news is about: the problem's worst state, also on its recovery, so
	// a sink that heard of a problem also hears that it ended, and one that did not, does not.
	Severity State
	At       time.Time
	// Summary, when set, says this notification sums up Parts (a storm, what quiet hours held,
	// what happened while away), so that each sink can sum up only the parts it wants.
	Summary SummaryKind    `json:",omitempty"`
	Parts   []Notification `json:",omitempty"`
}

// SummaryKind says how a summary was made, so that it can be made again from fewer parts.
type SummaryKind string

// Kinds of summary.
const (
	SummaryStorm SummaryKind = "storm" // StormCount or more notifications close together
	SummaryHeld  SummaryKind = "held"  // what quiet hours held back
	SummaryAway  SummaryKind = "away"  // what changed while the machine slept; one line a part
)

func (a AlertConfig) maintenance() bool { return a.Maintenance == nil || *a.Maintenance }

func problemBody(c Change) string {
	var parts []string
	if c.Incident != nil {
		parts = append(parts, incidentText(c.Incident))
	}
	if src := SourcesLine(c.Sources); src != "" {
		parts = append(parts, src)
	}
	if len(parts) == 0 {
		return fmt.Sprintf("%s now reports: %s.", c.Name, strings.ToLower(c.To.Label()))
	}
	return strings.Join(parts, "\n")
}

func recoveryBody(c Change) string {
	body := "Working normally again."
	if c.Lasted >= time.Second { // not "0 seconds"
		body = fmt.Sprintf("Working normally again. The problem lasted %s.", HumanDuration(c.Lasted))
	}
	return body + sourcesSuffix(c.Sources)
}

// sourcesSuffix is "\nOfficial status: … · From your network: …" for a service with probes,
// so every notification about it says which source says what; "" otherwise.
func sourcesSuffix(ss []SourceStatus) string {
	if line := SourcesLine(ss); line != "" {
		return "\n" + line
	}
	return ""
}

func incidentText(in *Incident) string {
	t := Sanitize(in.Title, 120)
	if u := Sanitize(in.LatestUpdate, 240); u != "" {
		return t + " — " + u
	}
	return t
}

func maintenanceText(m *Maintenance) string {
	t := Sanitize(m.Title, 120)
	if m.StartsAt.IsZero() {
		return t
	}
	when := m.StartsAt.Local().Format("Mon 2 Jan 15:04")
	if !m.EndsAt.IsZero() {
		when += "–" + m.EndsAt.Local().Format("15:04")
	}
	return t + " (" + when + ")"
}

// SourcesLine says which source says what, when a service has more than one kind:
// "Official status: operational · From your network: failing".
func SourcesLine(ss []SourceStatus) string {
	var page, probe []string
	for _, s := range ss {
		if s.CheckedAt.IsZero() {
			continue
		}
		if s.Kind == "probe" {
			v := s.Verdict
			if v == "" {
				v = strings.ToLower(s.State.Label())
			}
			probe = append(probe, v)
		} else {
			page = append(page, strings.ToLower(s.State.Label()))
		}
	}
	if len(probe) == 0 {
		return ""
	}
	var parts []string
	if len(page) > 0 {
		parts = append(parts, "Official status: "+strings.Join(page, ", "))
	} else {
		parts = append(parts, "No official status page")
	}
	parts = append(parts, "From your network: "+strings.Join(probe, ", "))
	return strings.Join(parts, " · ")
}

// HumanDuration says a duration the way people do: "45 seconds", "12 minutes", "2 hours 5 minutes".
func HumanDuration(d time.Duration) string {
	// Round before choosing the unit, so that 59.7 s reads "1 minute", not "60 seconds".
	if s := d.Round(time.Second); s < time.Minute {
		return plural(int(s/time.Second), "second")
	}
	d = d.Round(time.Minute)
	switch {
	case d < time.Hour:
		return plural(int(d/time.Minute), "minute")
	case d < 48*time.Hour:
		h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
		if m == 0 {
			return plural(h, "hour")
		}
		return plural(h, "hour") + " " + plural(m, "minute")
	}
	return plural(int(d.Round(time.Hour)/(24*time.Hour)), "day")
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}
