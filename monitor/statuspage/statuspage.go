// Package statuspage reads Atlassian Statuspage pages and incident.io's Statuspage-compatible
// copy through /api/v2/summary.json (and /api/v2/incidents.json for recently resolved ones).
package statuspage

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/paywatch/paywatch/monitor"
)

// Checker polls one page: its summary through the generic page checker, and now and then its
// recently resolved incidents.
type Checker struct {
	base    string
	fetcher *monitor.Fetcher
	summary *monitor.PageChecker

	mu         sync.Mutex
	recent     []monitor.Incident
	resolvedAt time.Time
}

var _ monitor.Checker = (*Checker)(nil)

// New returns a checker for the page at base ("https://status.example.com"); a full
// .../api/v2/summary.json address is accepted too.
func New(base string, f *monitor.Fetcher) *Checker {
	b := BaseURL(base)
	return &Checker{base: b, fetcher: f, summary: monitor.NewPageChecker(monitor.Page{URL: b + SummaryPath, PageURL: b, Parse: Parse}, f)}
}

// BaseURL strips a known API path from a page address.
func BaseURL(u string) string {
	u = strings.TrimRight(strings.TrimSpace(u), "/")
	if i := strings.Index(u, "/api/v2/"); i >= 0 {
		u = u[:i]
	}
	return u
}

// SummaryPath is where the summary lives under a page's address.
const SummaryPath = "/api/v2/summary.json"

// SummaryURL is the endpoint the checker polls.
func (c *Checker) SummaryURL() string { return c.summary.URL() }

// Check fetches and parses the summary. An unchanged page (304) reuses the last parse. At most
// every ResolvedEvery it also reads /api/v2/incidents.json for recently resolved incidents (what
// happened while the laptop slept); that list is a bonus: its failures never fail the check.
func (c *Checker) Check(ctx context.Context) (monitor.Report, error) {
	r, err := c.summary.Check(ctx)
	if err != nil {
		return monitor.Report{}, err
	}
	r.Resolved = c.resolved(ctx)
	return r, nil
}

// ResolvedEvery is how often the recently resolved incidents are read.
const ResolvedEvery = 5 * time.Minute

func (c *Checker) resolved(ctx context.Context) []monitor.Incident {
	c.mu.Lock()
	due := time.Since(c.resolvedAt) >= ResolvedEvery
	kept := c.recent
	if due {
		c.resolvedAt = time.Now()
	}
	c.mu.Unlock()
	if !due {
		return kept
	}
	resp, err := c.fetcher.GetJSON(ctx, c.base+"/api/v2/incidents.json")
	if err != nil {
		return kept
	}
	in, err := ParseIncidents(bytes.NewReader(resp.Body))
	if err != nil {
		return kept
	}
	c.mu.Lock()
	c.recent = in
	c.mu.Unlock()
	return in
}

type page struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	URL  string `json:"url"`
}

type component struct {
	ID         string   `json:"id"`
	Name       string   `json:"name"`
	Status     string   `json:"status"`
	GroupID    *string  `json:"group_id"`
	Group      bool     `json:"group"`
	Components []string `json:"components"`
	Position   int      `json:"position"`
}

type update struct {
	Status    string    `json:"status"`
	Body      string    `json:"body"`
	DisplayAt time.Time `json:"display_at"`
	CreatedAt time.Time `json:"created_at"`
}

type incident struct {
	ID              string      `json:"id"`
	Name            string      `json:"name"`
	Status          string      `json:"status"`
	Impact          string      `json:"impact"`
	Shortlink       string      `json:"shortlink"`
	CreatedAt       time.Time   `json:"created_at"`
	UpdatedAt       *time.Time  `json:"updated_at"`
	ResolvedAt      *time.Time  `json:"resolved_at"`
	ScheduledFor    *time.Time  `json:"scheduled_for"`
	ScheduledUntil  *time.Time  `json:"scheduled_until"`
	Components      []component `json:"components"`
	IncidentUpdates []update    `json:"incident_updates"`
}

type summary struct {
	Page   *page `json:"page"`
	Status *struct {
		Indicator   string `json:"indicator"`
		Description string `json:"description"`
	} `json:"status"`
	Components            []component `json:"components"`
	Incidents             []incident  `json:"incidents"`
	ScheduledMaintenances []incident  `json:"scheduled_maintenances"`
}

// Parse reads a summary.json document (or status.json / components.json, which are subsets).
// Every array is optional, as incident.io leaves some out. A summary without its page section is
// read from its status and components; without both it could be anything, and is refused.
func Parse(r io.Reader) (monitor.Report, error) {
	var s summary
	dec := json.NewDecoder(r)
	if err := dec.Decode(&s); err != nil {
		return monitor.Report{}, &monitor.PayloadError{Platform: "statuspage", Detail: "it is not a Statuspage summary", Err: err}
	}
	switch {
	case s.Page != nil && (s.Status != nil || s.Components != nil):
	case s.Page == nil && s.Status != nil && s.Components != nil:
		// A summary whose page section was left out (mirrors and proxies do): its status and
		// components say all that is needed.
	default:
		return monitor.Report{}, &monitor.PayloadError{Platform: "statuspage", Detail: "it has no page or status section"}
	}
	rep := monitor.Report{Indicator: monitor.StateUnknown}
	if s.Page != nil {
		rep.PageName, rep.PageURL = s.Page.Name, s.Page.URL
	}
	if s.Status != nil {
		st, ok := indicatorState(s.Status.Indicator)
		if !ok {
			return monitor.Report{}, &monitor.PayloadError{Platform: "statuspage", Detail: fmt.Sprintf("unknown status indicator %q", s.Status.Indicator)}
		}
		rep.Indicator = st
	}
	groups := map[string]string{}
	n := 0
	for _, c := range s.Components {
		if c.Group {
			groups[c.ID] = monitor.Intern(c.Name)
		} else {
			n++
		}
	}
	if n > 0 {
		// The report is kept for as long as the page says the same: no room to spare in it.
		rep.Components = make([]monitor.Component, 0, n)
	}
	for _, c := range s.Components {
		if c.Group {
			continue // a container: its children speak for it
		}
		mc := monitor.Component{ID: c.ID, Name: monitor.Intern(c.Name), State: ComponentState(c.Status)}
		if c.GroupID != nil {
			mc.Group = groups[*c.GroupID]
		}
		rep.Components = append(rep.Components, mc)
	}
	for _, in := range s.Incidents {
		if in.Status == "resolved" || in.Status == "postmortem" {
			continue
		}
		rep.Incidents = append(rep.Incidents, toIncident(in))
	}
	for _, m := range s.ScheduledMaintenances {
		if m.Status == "completed" {
			continue
		}
		rep.Maintenances = append(rep.Maintenances, toMaintenance(m))
	}
	return rep, nil
}

// ParseIncidents reads /api/v2/incidents.json and returns the resolved incidents in it.
func ParseIncidents(r io.Reader) ([]monitor.Incident, error) {
	var s struct {
		Incidents []incident `json:"incidents"`
	}
	if err := json.NewDecoder(r).Decode(&s); err != nil {
		return nil, &monitor.PayloadError{Platform: "statuspage", Detail: "it is not a Statuspage incident list", Err: err}
	}
	var out []monitor.Incident
	for _, in := range s.Incidents {
		if in.Status == "resolved" || in.Status == "postmortem" {
			out = append(out, toIncident(in))
		}
	}
	return out, nil
}

func toIncident(in incident) monitor.Incident {
	mi := monitor.Incident{
		ID: in.ID, Title: in.Name, Status: in.Status, Impact: ImpactState(in.Impact),
		URL: in.Shortlink, CreatedAt: in.CreatedAt, UpdatedAt: in.CreatedAt,
	}
	if in.UpdatedAt != nil {
		mi.UpdatedAt = *in.UpdatedAt
	}
	if in.ResolvedAt != nil {
		mi.ResolvedAt = *in.ResolvedAt
	}
	if u := latest(in.IncidentUpdates); u != nil {
		mi.LatestUpdate = u.Body
		if at := u.DisplayAt; at.After(mi.UpdatedAt) {
			mi.UpdatedAt = at
		}
	}
	for _, c := range in.Components {
		mi.Components = append(mi.Components, c.ID, c.Name)
	}
	return mi
}

func toMaintenance(m incident) monitor.Maintenance {
	mm := monitor.Maintenance{
		ID: m.ID, Title: m.Name, Status: m.Status, URL: m.Shortlink,
		InProgress: m.Status == "in_progress" || m.Status == "verifying",
	}
	if m.ScheduledFor != nil {
		mm.StartsAt = *m.ScheduledFor
	}
	if m.ScheduledUntil != nil {
		mm.EndsAt = *m.ScheduledUntil
	}
	for _, c := range m.Components {
		mm.Components = append(mm.Components, c.ID, c.Name)
	}
	return mm
}

// latest returns the newest update; Statuspage lists them newest first, but we do not rely on it.
func latest(us []update) *update {
	var best *update
	for i := range us {
		u := &us[i]
		if u.DisplayAt.IsZero() {
			u.DisplayAt = u.CreatedAt
		}
		if best == nil || u.DisplayAt.After(best.DisplayAt) {
			best = u
		}
	}
	return best
}

func indicatorState(v string) (monitor.State, bool) {
	switch v {
	case "none":
		return monitor.StateOperational, true
	case "minor":
		return monitor.StateDegraded, true
	case "major":
		return monitor.StatePartialOutage, true
	case "critical":
		return monitor.StateMajorOutage, true
	case "maintenance":
		return monitor.StateMaintenance, true
	case "":
		return monitor.StateUnknown, true
	}
	return monitor.StateUnknown, false
}

// ComponentState maps a Statuspage component status to the common scale.
func ComponentState(v string) monitor.State {
	switch v {
	case "operational":
		return monitor.StateOperational
	case "under_maintenance":
		return monitor.StateMaintenance
	case "degraded_performance":
		return monitor.StateDegraded
	case "partial_outage":
		return monitor.StatePartialOutage
	case "major_outage":
		return monitor.StateMajorOutage
	}
	return monitor.StateUnknown
}

// ImpactState maps an incident impact to the common scale.
func ImpactState(v string) monitor.State {
	switch v {
	case "none":
		return monitor.StateOperational
	case "minor":
		return monitor.StateDegraded
	case "major":
		return monitor.StatePartialOutage
	case "critical":
		return monitor.StateMajorOutage
	case "maintenance":
		return monitor.StateMaintenance
	}
	return monitor.StateUnknown
}
