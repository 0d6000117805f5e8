// Package betterstack reads Better Stack (formerly Better Uptime) status pages through their
// public JSON:API document at /index.json. Better Stack pages answer every path with the same web
// page, so the document must say it is a status_page before anything in it is believed.
package betterstack

import (
	"encoding/json"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/paywatch/paywatch/monitor"
)

const platform = "betterstack"

// IndexPath is where the JSON document lives under a page's address.
const IndexPath = "/index.json"

// New returns a checker for the page at base ("https://status.example.com"), polling its JSON
// document; the full .../index.json address is accepted too. Every answer is parsed at the time
// of the check, an unchanged one (304) too, because whether a maintenance has started depends on
// the time.
func New(base string, f *monitor.Fetcher) *monitor.PageChecker {
	b := BaseURL(base)
	return monitor.NewPageChecker(monitor.Page{URL: b + IndexPath, PageURL: b, Parse: ParseNow, Reparse: true}, f)
}

// ParseNow is ParseAt at the present time.
func ParseNow(r io.Reader) (monitor.Report, error) { return ParseAt(r, time.Now()) }

// BaseURL strips the JSON path from a page address.
func BaseURL(u string) string {
	u = strings.TrimRight(strings.TrimSpace(u), "/")
	return strings.TrimRight(strings.TrimSuffix(u, IndexPath), "/")
}

// id is a JSON:API id; Better Stack writes them as strings but refers to them as numbers.
type id = monitor.JSONID

type resourceAttrs struct {
	SectionID  id     `json:"status_page_section_id"`
	PublicName string `json:"public_name"`
	Status     string `json:"status"`
}

type affected struct {
	ResourceID id     `json:"status_page_resource_id"`
	Status     string `json:"status"`
}

type reportAttrs struct {
	Title          string     `json:"title"`
	ReportType     string     `json:"report_type"`
	StartsAt       string     `json:"starts_at"`
	EndsAt         string     `json:"ends_at"`
	AggregateState string     `json:"aggregate_state"`
	Affected       []affected `json:"affected_resources"`
}

type updateAttrs struct {
	Message     string     `json:"message"`
	PublishedAt string     `json:"published_at"`
	ReportID    id         `json:"status_report_id"`
	Affected    []affected `json:"affected_resources"`
}

type ref struct {
	ID   id     `json:"id"`
	Type string `json:"type"`
}

type document struct {
	Data *struct {
		ID         id     `json:"id"`
		Type       string `json:"type"`
		Attributes struct {
			CompanyName    string  `json:"company_name"`
			Subdomain      string  `json:"subdomain"`
			CustomDomain   *string `json:"custom_domain"`
			AggregateState string  `json:"aggregate_state"`
		} `json:"attributes"`
	} `json:"data"`
	Included []struct {
		ID            id              `json:"id"`
		Type          string          `json:"type"`
		Attributes    json.RawMessage `json:"attributes"`
		Relationships struct {
			StatusUpdates struct {
				Data []ref `json:"data"`
			} `json:"status_updates"`
		} `json:"relationships"`
	} `json:"included"`
}

type report struct {
	id      id
	attrs   reportAttrs
	updates []id
}

type update struct {
	id    id
	attrs updateAttrs
	at    time.Time
}

// Parse reads /index.json without a clock: a maintenance counts as in progress only when the page
// shows its resources under maintenance, and one that has not started is left out, because
// without the time it cannot be told from one that is over. Check uses ParseAt.
func Parse(r io.Reader) (monitor.Report, error) { return ParseAt(r, time.Time{}) }

// ParseAt reads /index.json, judging reports' start and end times against now.
func ParseAt(r io.Reader, now time.Time) (monitor.Report, error) {
	var d document
	if err := json.NewDecoder(monitor.SkipBOM(r)).Decode(&d); err != nil {
		return monitor.Report{}, &monitor.PayloadError{Platform: platform, Detail: "it is not a Better Stack status page", Err: err}
	}
	if d.Data == nil || d.Data.Type != "status_page" {
		return monitor.Report{}, &monitor.PayloadError{Platform: platform, Detail: "it is not a Better Stack status page (no status_page data)"}
	}
	a := d.Data.Attributes
	rep := monitor.Report{PageName: strings.TrimSpace(a.CompanyName)}
	switch {
	case a.CustomDomain != nil && strings.TrimSpace(*a.CustomDomain) != "":
		rep.PageURL = "https://" + strings.TrimSpace(*a.CustomDomain)
	case a.Subdomain != "":
		rep.PageURL = "https://" + a.Subdomain + ".betteruptime.com"
	}

	sections := map[id]string{}
	type resource struct {
		id    id
		attrs resourceAttrs
	}
	var resources []resource
	var reports []report
	updates := map[id]*update{}
	for _, inc := range d.Included {
		var err error
		switch inc.Type {
		case "status_page_section":
			var s struct {
				Name string `json:"name"`
			}
			err = unmarshal(inc.Attributes, &s)
			sections[inc.ID] = strings.TrimSpace(s.Name)
		case "status_page_resource":
			var ra resourceAttrs
			err = unmarshal(inc.Attributes, &ra)
			resources = append(resources, resource{inc.ID, ra})
		case "status_report":
			rp := report{id: inc.ID}
			err = unmarshal(inc.Attributes, &rp.attrs)
			for _, u := range inc.Relationships.StatusUpdates.Data {
				rp.updates = append(rp.updates, u.ID)
			}
			reports = append(reports, rp)
		case "status_update":
			u := &update{id: inc.ID}
			err = unmarshal(inc.Attributes, &u.attrs)
			u.at = parseTime(u.attrs.PublishedAt)
			updates[inc.ID] = u
		}
		if err != nil {
			return monitor.Report{}, &monitor.PayloadError{Platform: platform, Detail: "its " + strings.ReplaceAll(inc.Type, "_", " ") + " entries are malformed", Err: err}
		}
	}

	// Downtime on only some resources is a partial outage; on all of them (or when the page
	// names no resources) a major one.
	monitored, down := 0, 0
	current := map[id]string{}
	names := map[id]string{}
	for _, rs := range resources {
		st := strings.ToLower(strings.TrimSpace(rs.attrs.Status))
		current[rs.id], names[rs.id] = st, strings.TrimSpace(rs.attrs.PublicName)
		if st != "" && st != "not_monitored" {
			monitored++
		}
		if st == "downtime" {
			down++
		}
	}
	downState := func(n int) monitor.State {
		if monitored > 0 && n > 0 && n < monitored {
			return monitor.StatePartialOutage
		}
		return monitor.StateMajorOutage
	}

	rep.Indicator = StateOf(a.AggregateState, downState(down))
	seen := map[id]bool{}
	for _, rs := range resources {
		name := names[rs.id]
		if name == "" || (rs.id != "" && seen[rs.id]) {
			continue
		}
		seen[rs.id] = true
		rep.Components = append(rep.Components, monitor.Component{
			ID: string(rs.id), Name: name, Group: sections[rs.attrs.SectionID],
			State: StateOf(current[rs.id], downState(down)),
		})
	}

	for _, rp := range reports {
		// Updates belong to a report by its relationships or by their status_report_id.
		var us []*update
		for _, uid := range rp.updates {
			if u := updates[uid]; u != nil {
				us = append(us, u)
			}
		}
		for _, u := range updates {
			if u.attrs.ReportID == rp.id && !containsUpdate(us, u) {
				us = append(us, u)
			}
		}
		sort.SliceStable(us, func(i, j int) bool {
			if !us[i].at.Equal(us[j].at) {
				return us[i].at.Before(us[j].at)
			}
			return us[i].id < us[j].id
		})
		var newest *update
		if len(us) > 0 {
			newest = us[len(us)-1]
		}
		affectedNow := rp.attrs.Affected
		if newest != nil && len(newest.attrs.Affected) > 0 {
			affectedNow = newest.attrs.Affected
		}
		agg := strings.ToLower(strings.TrimSpace(rp.attrs.AggregateState))
		if agg == "" {
			agg = worstWord(affectedNow)
		}
		starts, ends := parseTime(rp.attrs.StartsAt), parseTime(rp.attrs.EndsAt)
		var comps []string
		downHere := 0
		for _, af := range affectedNow {
			if af.ResourceID != "" {
				comps = append(comps, string(af.ResourceID))
			}
			if n := names[af.ResourceID]; n != "" {
				comps = append(comps, n)
			}
			if strings.EqualFold(af.Status, "downtime") {
				downHere++
			}
		}
		title := strings.TrimSpace(rp.attrs.Title)

		if strings.EqualFold(rp.attrs.ReportType, "maintenance") {
			if agg == "operational" || agg == "resolved" {
				continue
			}
			if !ends.IsZero() && !now.IsZero() && !ends.After(now) {
				continue // over
			}
			var inProgress bool
			if !now.IsZero() {
				inProgress = !starts.After(now)
			} else {
				inProgress = strings.EqualFold(a.AggregateState, "maintenance")
				for _, af := range affectedNow {
					inProgress = inProgress || current[af.ResourceID] == "maintenance"
				}
				if !inProgress {
					continue // ahead or over: without a clock, we cannot say which
				}
			}
			m := monitor.Maintenance{
				ID: string(rp.id), Title: title, InProgress: inProgress, Status: "scheduled",
				StartsAt: starts, EndsAt: ends, Components: comps,
			}
			if inProgress {
				m.Status = "in progress"
			}
			if m.Title == "" {
				m.Title = "Planned maintenance"
			}
			rep.Maintenances = append(rep.Maintenances, m)
			continue
		}

		if agg != "degraded" && agg != "downtime" {
			continue // resolved
		}
		if !ends.IsZero() && (now.IsZero() || !ends.After(now)) {
			continue // closed
		}
		in := monitor.Incident{
			ID: string(rp.id), Title: title, Status: "open", Impact: StateOf(agg, downState(downHere)),
			CreatedAt: starts, UpdatedAt: starts, Components: comps,
		}
		if in.Title == "" {
			in.Title = "Incident"
		}
		if newest != nil {
			in.LatestUpdate = strings.TrimSpace(newest.attrs.Message)
			if newest.at.After(in.UpdatedAt) {
				in.UpdatedAt = newest.at
			}
		}
		rep.Incidents = append(rep.Incidents, in)
	}
	return rep, nil
}

func containsUpdate(us []*update, u *update) bool {
	for _, x := range us {
		if x == u {
			return true
		}
	}
	return false
}

// worstWord is the most severe status word among affected resources.
func worstWord(as []affected) string {
	rank := map[string]int{"resolved": 1, "operational": 1, "maintenance": 2, "degraded": 3, "downtime": 4}
	best := ""
	for _, a := range as {
		w := strings.ToLower(a.Status)
		if rank[w] > rank[best] {
			best = w
		}
	}
	return best
}

// StateOf maps a Better Stack state word to the common scale; downtime takes the state the
// caller judged from how many resources are down.
func StateOf(v string, downtime monitor.State) monitor.State {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "operational", "resolved":
		return monitor.StateOperational
	case "maintenance":
		return monitor.StateMaintenance
	case "degraded":
		return monitor.StateDegraded
	case "downtime":
		return downtime
	}
	return monitor.StateUnknown // includes not_monitored
}

func unmarshal(b json.RawMessage, v any) error {
	if len(b) == 0 || string(b) == "null" {
		return nil
	}
	return json.Unmarshal(b, v)
}

// parseTime reads RFC 3339 or Unix seconds.
func parseTime(v string) time.Time {
	if t := monitor.ParseTime(v); !t.IsZero() {
		return t
	}
	if n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil && n > 0 {
		return time.Unix(n, 0).UTC()
	}
	return time.Time{}
}
