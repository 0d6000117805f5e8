// Package incidentio reads incident.io status pages through their Widget API
// (/api/v1/summary): ongoing incidents and maintenances, with no full component list. Pages that
// only offer incident.io's Statuspage-compatible API are read by package statuspage instead.
package incidentio

import (
	"encoding/json"
	"io"
	"strings"

	"github.com/paywatch/paywatch/monitor"
)

const platform = "incident.io"

// SummaryPath is where the Widget API lives under a page's address.
const SummaryPath = "/api/v1/summary"

// New returns a checker for the page at base ("https://status.example.com"), polling its Widget
// API; the full .../api/v1/summary address is accepted too.
func New(base string, f *monitor.Fetcher) *monitor.PageChecker {
	b := BaseURL(base)
	return monitor.NewPageChecker(monitor.Page{URL: b + SummaryPath, PageURL: b, Parse: Parse}, f)
}

// BaseURL strips the Widget API path from a page address.
func BaseURL(u string) string {
	u = strings.TrimRight(strings.TrimSpace(u), "/")
	if i := strings.Index(u+"/", "/api/v1/"); i >= 0 {
		u = u[:i]
	}
	return u
}

type component struct {
	ID            string `json:"id"`
	Name          string `json:"name"`
	GroupName     string `json:"group_name"`
	CurrentStatus string `json:"current_status"`
}

type entry struct {
	ID                 string      `json:"id"`
	Name               string      `json:"name"`
	Status             string      `json:"status"`
	URL                string      `json:"url"`
	LastUpdateAt       string      `json:"last_update_at"`
	LastUpdateMessage  string      `json:"last_update_message"`
	CurrentWorstImpact string      `json:"current_worst_impact"`
	AffectedComponents []component `json:"affected_components"`
	// Maintenances: started_at/scheduled_end_at while in progress, starts_at/ends_at ahead.
	StartedAt      string `json:"started_at"`
	ScheduledEndAt string `json:"scheduled_end_at"`
	StartsAt       string `json:"starts_at"`
	EndsAt         string `json:"ends_at"`
}

type summary struct {
	PageTitle              *string `json:"page_title"`
	PageURL                string  `json:"page_url"`
	OngoingIncidents       []entry `json:"ongoing_incidents"`
	InProgressMaintenances []entry `json:"in_progress_maintenances"`
	ScheduledMaintenances  []entry `json:"scheduled_maintenances"`
}

// Parse reads a Widget API summary. The lists are optional, but a document with none of the
// summary's fields is not a summary.
func Parse(r io.Reader) (monitor.Report, error) {
	b, err := io.ReadAll(monitor.SkipBOM(r))
	if err != nil {
		return monitor.Report{}, &monitor.PayloadError{Platform: platform, Detail: "it could not be read", Err: err}
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return monitor.Report{}, &monitor.PayloadError{Platform: platform, Detail: "it is not an incident.io summary", Err: err}
	}
	known := false
	for _, k := range []string{"page_title", "ongoing_incidents", "in_progress_maintenances", "scheduled_maintenances"} {
		if _, ok := raw[k]; ok {
			known = true
		}
	}
	if !known {
		return monitor.Report{}, &monitor.PayloadError{Platform: platform, Detail: "it is not an incident.io summary (it has no incidents or maintenances)"}
	}
	var s summary
	if err := json.Unmarshal(b, &s); err != nil {
		return monitor.Report{}, &monitor.PayloadError{Platform: platform, Detail: "its incidents or maintenances are malformed", Err: err}
	}
	rep := monitor.Report{PageURL: s.PageURL, Indicator: monitor.StateUnknown}
	if s.PageTitle != nil {
		rep.PageName = *s.PageTitle
	}
	for _, in := range s.OngoingIncidents {
		rep.Incidents = append(rep.Incidents, toIncident(in))
	}
	for _, m := range s.InProgressMaintenances {
		rep.Maintenances = append(rep.Maintenances, toMaintenance(m, true))
	}
	for _, m := range s.ScheduledMaintenances {
		rep.Maintenances = append(rep.Maintenances, toMaintenance(m, m.Status == "maintenance_in_progress"))
	}
	return rep, nil
}

func toIncident(in entry) monitor.Incident {
	mi := monitor.Incident{
		ID: in.ID, Title: title(in.Name, "Incident"), Status: in.Status, URL: in.URL,
		UpdatedAt: monitor.ParseTime(in.LastUpdateAt), LatestUpdate: strings.TrimSpace(in.LastUpdateMessage),
		Impact: ComponentState(in.CurrentWorstImpact),
	}
	worst := monitor.StateUnknown
	for _, c := range in.AffectedComponents {
		if c.ID != "" {
			mi.Components = append(mi.Components, c.ID)
		}
		if c.Name != "" {
			mi.Components = append(mi.Components, c.Name)
		}
		if s := ComponentState(c.CurrentStatus); s != monitor.StateUnknown && (worst == monitor.StateUnknown || s.Worse(worst)) {
			worst = s
		}
	}
	if mi.Impact == monitor.StateUnknown {
		mi.Impact = worst
	}
	if mi.Impact == monitor.StateUnknown {
		// An ongoing incident that names no impact is still something going on.
		mi.Impact = monitor.StateDegraded
	}
	return mi
}

func toMaintenance(m entry, inProgress bool) monitor.Maintenance {
	mm := monitor.Maintenance{
		ID: m.ID, Title: title(m.Name, "Planned maintenance"), Status: m.Status, URL: m.URL, InProgress: inProgress,
	}
	if mm.Status == "" {
		mm.Status = "maintenance_scheduled"
		if inProgress {
			mm.Status = "maintenance_in_progress"
		}
	}
	mm.StartsAt = monitor.FirstTime(monitor.ParseTime(m.StartedAt), monitor.ParseTime(m.StartsAt))
	mm.EndsAt = monitor.FirstTime(monitor.ParseTime(m.ScheduledEndAt), monitor.ParseTime(m.EndsAt))
	for _, c := range m.AffectedComponents {
		if c.ID != "" {
			mm.Components = append(mm.Components, c.ID)
		}
		if c.Name != "" {
			mm.Components = append(mm.Components, c.Name)
		}
	}
	return mm
}

// ComponentState maps incident.io's component statuses (and incident impacts, which use the same
// words) to the common scale.
func ComponentState(v string) monitor.State {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "operational":
		return monitor.StateOperational
	case "under_maintenance", "maintenance_in_progress":
		return monitor.StateMaintenance
	case "degraded_performance":
		return monitor.StateDegraded
	case "partial_outage":
		return monitor.StatePartialOutage
	case "full_outage":
		return monitor.StateMajorOutage
	}
	return monitor.StateUnknown
}

func title(v, fallback string) string {
	if v = strings.TrimSpace(v); v != "" {
		return v
	}
	return fallback
}
