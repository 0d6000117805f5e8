// Package slack reads Slack-style status APIs: https://slack-status.com/api/v2.0.0/current, a
// status word ("ok" or "active") and the events in progress, each an incident, an outage or a
// maintenance with the services it touches and a trail of notes.
package slack

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/paywatch/paywatch/internal/wording"
	"github.com/paywatch/paywatch/monitor"
)

const platform = "slack"

// CurrentPath is the API path under a status site.
const CurrentPath = "/api/v2.0.0/current"

// New returns a checker for the status site at u ("https://slack-status.com"), polling
// u + CurrentPath. An address that already names an API path (".../api/...") is polled as it is.
func New(u string, f *monitor.Fetcher) *monitor.PageChecker {
	u = strings.TrimRight(strings.TrimSpace(u), "/")
	p := monitor.Page{URL: u + CurrentPath, PageURL: u, Parse: Parse}
	if i := strings.Index(u, "/api/"); i >= 0 {
		p.URL, p.PageURL = u, u[:i]
	}
	return monitor.NewPageChecker(p, f)
}

// id accepts both spellings Slack has used for an event id: a number (878) and a string ("546").
type id = monitor.JSONID

// stamp is a time that may be missing or malformed; both read as the zero time, since a bad date
// must not hide an incident.
type stamp struct{ time.Time }

func (s *stamp) UnmarshalJSON(b []byte) error {
	var v string
	if json.Unmarshal(b, &v) != nil {
		return nil
	}
	if t := monitor.ParseTime(v, "2006-01-02 15:04:05"); !t.IsZero() {
		s.Time = t
	}
	return nil
}

type note struct {
	DateCreated stamp  `json:"date_created"`
	Body        string `json:"body"`
}

type event struct {
	ID          id       `json:"id"`
	DateCreated stamp    `json:"date_created"`
	DateUpdated stamp    `json:"date_updated"`
	Title       string   `json:"title"`
	Type        string   `json:"type"`
	Status      string   `json:"status"`
	URL         string   `json:"url"`
	Services    []string `json:"services"`
	Notes       []note   `json:"notes"`
}

type current struct {
	Status          *string `json:"status"`
	ActiveIncidents []event `json:"active_incidents"`
}

// Parse reads the document the current endpoint returns.
//
// Mapping (PLATFORMS.md §12, Slack's Status API reference): type outage → major outage, Slack's
// word for Slack being unavailable; type incident → what its title and newest note say
// (wording.Impact): an incident is anything from a slow feature to one failing for some
// customers, so it is degraded unless the words name an outage, partial when they also limit it
// ("failing for some customers", "some users can't upload files"); type notice → information,
// not an incident, unless its title names maintenance; type maintenance, or status scheduled →
// maintenance, in progress while the event is active; status resolved, completed or cancelled →
// over. Events of an unknown type count as
// degraded: something is declared open but not how bad. The newest note is the latest update.
// The page declares no components, only the services each event touches, which become the
// event's components.
func Parse(r io.Reader) (monitor.Report, error) {
	var cur current
	if err := json.NewDecoder(r).Decode(&cur); err != nil {
		return monitor.Report{}, &monitor.PayloadError{Platform: platform, Detail: "it is not a Slack-style status", Err: err}
	}
	if cur.Status == nil {
		return monitor.Report{}, &monitor.PayloadError{Platform: platform, Detail: "it has no status field"}
	}
	rep := monitor.Report{PageName: "Slack"}
	switch strings.ToLower(strings.TrimSpace(*cur.Status)) {
	case "ok":
		rep.Indicator = monitor.StateOperational
	case "active":
		// Something is open; the events say what. A page that says active but lists nothing
		// falls back to operational in the rollup.
		rep.Indicator = monitor.StateUnknown
	default:
		return monitor.Report{}, &monitor.PayloadError{Platform: platform, Detail: fmt.Sprintf("unknown status %q", *cur.Status)}
	}
	for _, ev := range cur.ActiveIncidents {
		kind := strings.ToLower(strings.TrimSpace(ev.Type))
		status := strings.ToLower(strings.TrimSpace(ev.Status))
		// Planned work: Slack's "maintenance" type, anything "scheduled", and a notice about
		// maintenance. Other notices are information: nothing is broken.
		maint := kind == "maintenance" || status == "scheduled" ||
			(kind == "notice" && wording.IsMaintenance(ev.Title))
		if maint || kind == "notice" {
			if maint && !closed(status) {
				rep.Maintenances = append(rep.Maintenances, toMaintenance(ev, status))
			}
			continue
		}
		in := toIncident(ev, monitor.StateDegraded)
		in.Impact = typeState(kind, in.Title+". "+in.LatestUpdate)
		if closed(status) {
			in.ResolvedAt = in.UpdatedAt
			rep.Resolved = append(rep.Resolved, in)
			continue
		}
		rep.Incidents = append(rep.Incidents, in)
	}
	return rep, nil
}

func typeState(kind, text string) monitor.State {
	switch kind {
	case "outage":
		return monitor.StateMajorOutage
	case "incident":
		return wording.Impact(text)
	}
	return monitor.StateDegraded
}

func closed(status string) bool {
	switch status {
	case "resolved", "completed", "closed", "ok", "cancelled", "canceled":
		return true
	}
	return false
}

func toIncident(ev event, impact monitor.State) monitor.Incident {
	in := monitor.Incident{
		ID: string(ev.ID), Title: title(ev), Impact: impact, Status: ev.Status, URL: ev.URL,
		CreatedAt: ev.DateCreated.Time, UpdatedAt: ev.DateUpdated.Time,
		Components: ev.Services,
	}
	if in.Status == "" {
		in.Status = "active"
	}
	if n := latest(ev.Notes); n != nil {
		in.LatestUpdate = text(n.Body)
		if n.DateCreated.After(in.UpdatedAt) {
			in.UpdatedAt = n.DateCreated.Time
		}
	}
	if in.UpdatedAt.IsZero() {
		in.UpdatedAt = in.CreatedAt
	}
	return in
}

func toMaintenance(ev event, status string) monitor.Maintenance {
	m := monitor.Maintenance{
		ID: string(ev.ID), Title: title(ev), Status: ev.Status, URL: ev.URL, Components: ev.Services,
		StartsAt: ev.DateCreated.Time,
	}
	switch status {
	case "scheduled", "upcoming", "planned":
	default:
		m.InProgress = true
		if m.Status == "" {
			m.Status = "active"
		}
	}
	return m
}

func title(ev event) string {
	if t := text(ev.Title); t != "" {
		return t
	}
	switch strings.ToLower(ev.Type) {
	case "outage":
		return "Slack outage"
	case "maintenance":
		return "Slack maintenance"
	}
	return "Slack incident"
}

// latest returns the newest note; Slack lists them newest first, but we do not rely on it.
func latest(ns []note) *note {
	var best *note
	for i := range ns {
		n := &ns[i]
		if strings.TrimSpace(n.Body) == "" {
			continue
		}
		if best == nil || n.DateCreated.After(best.DateCreated.Time) {
			best = n
		}
	}
	return best
}

// text collapses the whitespace (Slack's notes carry \r\n) of a plain-text field.
func text(s string) string { return strings.Join(strings.Fields(s), " ") }
