// Package statuspal reads Statuspal status pages through the public API
// (GET https://statuspal.io/api/v2/status_pages/<subdomain>/summary). The exact JSON was not seen
// in a real capture, so the parser is lenient about optional fields and spellings but insists on
// a status_page section.
package statuspal

import (
	"encoding/json"
	"io"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/paywatch/paywatch/monitor"
)

const platform = "statuspal"

// APIBase is where status pages are addressed by subdomain; EU pages live on statuspal.eu.
const APIBase = "https://statuspal.io/api/v2/status_pages/"

var subdomain = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]*$`)

// New returns a checker for a Statuspal page given as its subdomain ("acme"), its hosted address
// ("https://acme.statuspal.io"), or the full API address (".../status_pages/acme/summary").
func New(page string, f *monitor.Fetcher) *monitor.PageChecker {
	return monitor.NewPageChecker(monitor.Page{URL: SummaryURL(page), Parse: Parse}, f)
}

// SummaryURL turns any of the forms New accepts into the summary endpoint.
func SummaryURL(page string) string {
	p := strings.TrimRight(strings.TrimSpace(page), "/")
	if subdomain.MatchString(p) {
		return APIBase + strings.ToLower(p) + "/summary"
	}
	if i := strings.Index(p, "/status_pages/"); i >= 0 {
		rest := strings.Trim(p[i+len("/status_pages/"):], "/")
		sub, _, _ := strings.Cut(rest, "/")
		return p[:i] + "/status_pages/" + sub + "/summary"
	}
	if u, err := url.Parse(p); err == nil && u.Host != "" {
		host := strings.ToLower(u.Hostname())
		for _, apex := range []string{".statuspal.io", ".statuspal.eu"} {
			if sub, ok := strings.CutSuffix(host, apex); ok && subdomain.MatchString(sub) {
				return "https://" + strings.TrimPrefix(apex, ".") + "/api/v2/status_pages/" + sub + "/summary"
			}
		}
	}
	return p
}

// ident is an id written as a number or a string.
type ident = monitor.JSONID

// words is text that may be a string or an object holding a description ("current_status").
type words string

func (w *words) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*w = words(s)
		return nil
	}
	var o map[string]json.RawMessage
	if err := json.Unmarshal(b, &o); err != nil {
		return nil // a shape we do not know: no words, but no reason to refuse the page
	}
	for _, k := range []string{"description", "body", "message", "text"} {
		if v, ok := o[k]; ok {
			var s string
			if json.Unmarshal(v, &s) == nil {
				*w = words(s)
				return nil
			}
		}
	}
	return nil
}

type service struct {
	ID                  ident     `json:"id"`
	Name                string    `json:"name"`
	ParentID            ident     `json:"parent_id"`
	CurrentIncidentType *string   `json:"current_incident_type"`
	Status              *string   `json:"status"`
	Children            []service `json:"children"`
}

type update struct {
	Type        string `json:"type"`
	Description words  `json:"description"`
	Body        words  `json:"body"`
	PostedAt    string `json:"posted_at"`
	InsertedAt  string `json:"inserted_at"`
	CreatedAt   string `json:"created_at"`
}

type incident struct {
	ID            ident     `json:"id"`
	Title         string    `json:"title"`
	Name          string    `json:"name"`
	Type          string    `json:"type"`
	URL           string    `json:"url"`
	InsertedAt    string    `json:"inserted_at"`
	UpdatedAt     string    `json:"updated_at"`
	StartsAt      string    `json:"starts_at"`
	EndsAt        string    `json:"ends_at"`
	ResolvedAt    string    `json:"resolved_at"`
	Services      []service `json:"services"`
	Updates       []update  `json:"updates"`
	CurrentStatus words     `json:"current_status"`
}

type summary struct {
	StatusPage *struct {
		Name                string  `json:"name"`
		URL                 string  `json:"url"`
		Subdomain           string  `json:"subdomain"`
		CurrentIncidentType *string `json:"current_incident_type"`
		CurrentStatusType   *string `json:"current_status_type"`
	} `json:"status_page"`
	CurrentStatusType    *string    `json:"current_status_type"`
	Services             []service  `json:"services"`
	Incidents            []incident `json:"incidents"`
	Maintenances         []incident `json:"maintenances"`
	UpcomingMaintenances []incident `json:"upcoming_maintenances"`
}

// Parse reads a summary. Only the status_page section is required.
func Parse(r io.Reader) (monitor.Report, error) {
	var s summary
	if err := json.NewDecoder(monitor.SkipBOM(r)).Decode(&s); err != nil {
		return monitor.Report{}, &monitor.PayloadError{Platform: platform, Detail: "it is not a Statuspal summary", Err: err}
	}
	if s.StatusPage == nil {
		return monitor.Report{}, &monitor.PayloadError{Platform: platform, Detail: "it is not a Statuspal summary (it has no status_page section)"}
	}
	sp := s.StatusPage
	rep := monitor.Report{PageName: strings.TrimSpace(sp.Name), PageURL: pageURL(sp.URL, sp.Subdomain), Indicator: monitor.StateUnknown}
	for _, v := range []*string{s.CurrentStatusType, sp.CurrentStatusType, sp.CurrentIncidentType} {
		if v != nil {
			rep.Indicator = TypeState(*v)
			break
		}
	}

	seen := map[ident]bool{}
	var walk func(ss []service, group string)
	walk = func(ss []service, group string) {
		for _, sv := range ss {
			name := strings.TrimSpace(sv.Name)
			if len(sv.Children) > 0 {
				walk(sv.Children, name) // a parent's children speak for it
				continue
			}
			if name == "" || (sv.ID != "" && seen[sv.ID]) {
				continue
			}
			seen[sv.ID] = sv.ID != ""
			rep.Components = append(rep.Components, monitor.Component{ID: string(sv.ID), Name: name, Group: group, State: serviceState(sv)})
		}
	}
	walk(s.Services, "")

	for _, in := range s.Incidents {
		if strings.TrimSpace(in.ResolvedAt) != "" || lastUpdateType(in) == "resolve" || lastUpdateType(in) == "resolved" {
			continue
		}
		if TypeState(in.Type) == monitor.StateMaintenance {
			rep.Maintenances = append(rep.Maintenances, toMaintenance(in, true))
			continue
		}
		rep.Incidents = append(rep.Incidents, toIncident(in))
	}
	for _, m := range s.Maintenances {
		if strings.TrimSpace(m.ResolvedAt) != "" {
			continue
		}
		rep.Maintenances = append(rep.Maintenances, toMaintenance(m, true))
	}
	for _, m := range s.UpcomingMaintenances {
		rep.Maintenances = append(rep.Maintenances, toMaintenance(m, false))
	}
	return rep, nil
}

func serviceState(sv service) monitor.State {
	if sv.CurrentIncidentType != nil {
		return TypeState(*sv.CurrentIncidentType)
	}
	if sv.Status != nil {
		return TypeState(*sv.Status)
	}
	return monitor.StateOperational // no incident type: nothing is going on
}

func toIncident(in incident) monitor.Incident {
	mi := monitor.Incident{
		ID: string(in.ID), Title: title(in, "Incident"), URL: in.URL, Status: "open", Impact: TypeState(in.Type),
		Components: serviceRefs(in.Services),
		CreatedAt:  monitor.FirstTime(parseTime(in.StartsAt), parseTime(in.InsertedAt)),
		UpdatedAt:  monitor.FirstTime(parseTime(in.UpdatedAt), parseTime(in.InsertedAt), parseTime(in.StartsAt)),
	}
	if mi.Impact == monitor.StateUnknown || mi.Impact == monitor.StateOperational {
		mi.Impact = monitor.StateDegraded // an open incident of no known type is still a problem
	}
	us := sortedUpdates(in.Updates)
	if len(us) > 0 {
		u := us[len(us)-1]
		mi.LatestUpdate = strings.TrimSpace(string(u.Description))
		if mi.LatestUpdate == "" {
			mi.LatestUpdate = strings.TrimSpace(string(u.Body))
		}
		if u.Type != "" {
			mi.Status = statusWord(u.Type)
		}
		if at := updateTime(u); at.After(mi.UpdatedAt) {
			mi.UpdatedAt = at
		}
	}
	if mi.LatestUpdate == "" {
		mi.LatestUpdate = strings.TrimSpace(string(in.CurrentStatus))
	}
	return mi
}

func toMaintenance(m incident, inProgress bool) monitor.Maintenance {
	mm := monitor.Maintenance{
		ID: string(m.ID), Title: title(m, "Planned maintenance"), URL: m.URL, InProgress: inProgress, Status: "scheduled",
		StartsAt: parseTime(m.StartsAt), EndsAt: parseTime(m.EndsAt), Components: serviceRefs(m.Services),
	}
	if inProgress {
		mm.Status = "in progress"
	}
	return mm
}

func title(in incident, fallback string) string {
	for _, v := range []string{in.Title, in.Name} {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return fallback
}

func serviceRefs(ss []service) []string {
	var out []string
	for _, s := range ss {
		if s.ID != "" {
			out = append(out, string(s.ID))
		}
		if n := strings.TrimSpace(s.Name); n != "" {
			out = append(out, n)
		}
	}
	return out
}

func lastUpdateType(in incident) string {
	us := sortedUpdates(in.Updates)
	if len(us) == 0 {
		return ""
	}
	return strings.ToLower(strings.TrimSpace(us[len(us)-1].Type))
}

// sortedUpdates orders updates oldest first; updates without a time keep their place.
func sortedUpdates(us []update) []update {
	out := append([]update(nil), us...)
	sort.SliceStable(out, func(i, j int) bool { return updateTime(out[i]).Before(updateTime(out[j])) })
	return out
}

func updateTime(u update) time.Time {
	return monitor.FirstTime(parseTime(u.PostedAt), parseTime(u.InsertedAt), parseTime(u.CreatedAt))
}

// statusWord names an incident's state from its newest update's type ("issue", "update", …).
func statusWord(t string) string {
	switch t = strings.ToLower(strings.TrimSpace(t)); t {
	case "issue":
		return "investigating"
	case "investigating", "identified", "monitoring":
		return t
	}
	return "open"
}

// TypeState maps Statuspal's status types: none → operational, minor → degraded, major → major
// outage, scheduled → maintenance.
func TypeState(v string) monitor.State {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "none", "", "operational":
		return monitor.StateOperational
	case "minor":
		return monitor.StateDegraded
	case "major":
		return monitor.StateMajorOutage
	case "scheduled", "maintenance":
		return monitor.StateMaintenance
	}
	return monitor.StateUnknown
}

func pageURL(u, sub string) string {
	u = strings.TrimSpace(u)
	if u != "" && !strings.Contains(u, "://") {
		u = "https://" + u // Statuspal gives bare hosts ("google.com")
	}
	if u == "" && sub != "" {
		u = "https://" + sub + ".statuspal.io"
	}
	return u
}

// parseTime reads ISO 8601 with or without a zone; Statuspal's are UTC.
func parseTime(v string) time.Time {
	return monitor.ParseTime(v, "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05")
}
