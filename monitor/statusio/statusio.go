// Package statusio reads status.io pages through the public status API
// (https://api.status.io/1.0/status/<page id>). Status code 600 is a security event: it counts as
// a major outage and the report says "security" in an incident so people know why.
package statusio

import (
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/paywatch/paywatch/monitor"
)

const platform = "status.io"

// APIBase is the public status API; a page id follows it.
const APIBase = "https://api.status.io/1.0/status/"

// SecurityIncidentID is the ID of the incident added when the page declares a security event
// that none of its incidents explains.
const SecurityIncidentID = "statusio-security-event"

var pageID = regexp.MustCompile(`^[0-9a-fA-F]{24}$`)

// New returns a checker for a page given either as its API address
// ("https://api.status.io/1.0/status/5b36dc6502d06804c08349f7") or as the bare 24-character page
// id, which status.io pages show in their source.
func New(pageOrURL string, f *monitor.Fetcher) *monitor.PageChecker {
	return monitor.NewPageChecker(monitor.Page{URL: StatusURL(pageOrURL), Parse: Parse}, f)
}

// StatusURL turns a page id or API address into the address the checker polls.
func StatusURL(pageOrURL string) string {
	v := strings.TrimSpace(pageOrURL)
	if pageID.MatchString(v) {
		return APIBase + strings.ToLower(v)
	}
	return strings.TrimRight(v, "/")
}

// code is a status.io status code; some answers quote it.
type code int

func (c *code) UnmarshalJSON(b []byte) error {
	var n int
	if err := json.Unmarshal(b, &n); err == nil {
		*c = code(n)
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return fmt.Errorf("status code %q is not a number", s)
	}
	*c = code(n)
	return nil
}

type container struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Status     string `json:"status"`
	StatusCode code   `json:"status_code"`
}

type entry struct {
	ID         string      `json:"id"`
	Name       string      `json:"name"`
	Status     string      `json:"status"`
	StatusCode code        `json:"status_code"`
	Containers []container `json:"containers"`
}

type ref struct {
	ID   string `json:"_id"`
	Name string `json:"name"`
}

type message struct {
	Details  string `json:"details"`
	State    code   `json:"state"`
	Status   code   `json:"status"`
	Datetime string `json:"datetime"`
}

type event struct {
	ID                   string    `json:"_id"`
	Name                 string    `json:"name"`
	DatetimeOpen         string    `json:"datetime_open"`
	DatetimePlannedStart string    `json:"datetime_planned_start"`
	DatetimePlannedEnd   string    `json:"datetime_planned_end"`
	Messages             []message `json:"messages"`
	ComponentsAffected   []ref     `json:"components_affected"`
	ContainersAffected   []ref     `json:"containers_affected"`
}

type document struct {
	Result *struct {
		StatusOverall *struct {
			Updated    string `json:"updated"`
			Status     string `json:"status"`
			StatusCode code   `json:"status_code"`
		} `json:"status_overall"`
		Status      []entry `json:"status"`
		Incidents   []event `json:"incidents"`
		Maintenance struct {
			Active   []event `json:"active"`
			Upcoming []event `json:"upcoming"`
		} `json:"maintenance"`
	} `json:"result"`
}

// Parse reads the public status API's answer.
func Parse(r io.Reader) (monitor.Report, error) {
	var d document
	if err := json.NewDecoder(monitor.SkipBOM(r)).Decode(&d); err != nil {
		return monitor.Report{}, &monitor.PayloadError{Platform: platform, Detail: "it is not a status.io status answer", Err: err}
	}
	if d.Result == nil || d.Result.StatusOverall == nil {
		return monitor.Report{}, &monitor.PayloadError{Platform: platform, Detail: "it is not a status.io status answer (it has no overall status)"}
	}
	res := d.Result
	overall := int(res.StatusOverall.StatusCode)
	ind := CodeState(overall)
	if ind == monitor.StateUnknown {
		return monitor.Report{}, &monitor.PayloadError{Platform: platform, Detail: fmt.Sprintf("its overall status code %d is not one status.io uses", overall)}
	}
	rep := monitor.Report{Indicator: ind}

	states := map[string]monitor.State{}
	codes := map[string]int{}
	seen := map[string]bool{}
	for _, e := range res.Status {
		st, worstCode := CodeState(int(e.StatusCode)), int(e.StatusCode)
		for _, c := range e.Containers {
			if cs := CodeState(int(c.StatusCode)); cs != monitor.StateUnknown && (st == monitor.StateUnknown || cs.Worse(st)) {
				st = cs
			}
			worstCode = max(worstCode, int(c.StatusCode))
		}
		name := strings.TrimSpace(e.Name)
		if name == "" || seen[e.ID] {
			continue // nameless, or a repeat of an id already listed
		}
		if e.ID != "" {
			seen[e.ID] = true
			states[e.ID], codes[e.ID] = st, worstCode
		}
		rep.Components = append(rep.Components, monitor.Component{ID: e.ID, Name: name, State: st})
	}

	security := false
	for _, ev := range res.Incidents {
		in, sec := toIncident(ev, states, codes)
		security = security || sec
		rep.Incidents = append(rep.Incidents, in)
	}
	if overall == 600 && !security {
		rep.Incidents = append(rep.Incidents, monitor.Incident{
			ID: SecurityIncidentID, Title: "Security issue reported on the status page", Status: "security",
			Impact: monitor.StateMajorOutage, UpdatedAt: monitor.ParseTime(res.StatusOverall.Updated),
			LatestUpdate: "The status page reports a security event (" + strings.TrimSpace(res.StatusOverall.Status) + ").",
		})
	}
	for _, ev := range res.Maintenance.Active {
		rep.Maintenances = append(rep.Maintenances, toMaintenance(ev, true))
	}
	for _, ev := range res.Maintenance.Upcoming {
		rep.Maintenances = append(rep.Maintenances, toMaintenance(ev, false))
	}
	return rep, nil
}

// toIncident maps one open incident. Its impact is what its components show now; status.io keeps
// an incident listed after its components recover, so the status in its last message can be stale.
func toIncident(ev event, states map[string]monitor.State, codes map[string]int) (monitor.Incident, bool) {
	mi := monitor.Incident{
		ID: ev.ID, Title: strings.TrimSpace(ev.Name), Status: "open",
		CreatedAt: monitor.ParseTime(ev.DatetimeOpen), Impact: monitor.StateUnknown,
	}
	mi.UpdatedAt = mi.CreatedAt
	security := false
	for _, c := range ev.ComponentsAffected {
		if c.ID != "" {
			mi.Components = append(mi.Components, c.ID)
		}
		if c.Name != "" {
			mi.Components = append(mi.Components, c.Name)
		}
		if st, ok := states[c.ID]; ok && st != monitor.StateUnknown && (mi.Impact == monitor.StateUnknown || st.Worse(mi.Impact)) {
			mi.Impact = st
		}
		if codes[c.ID] == 600 {
			security = true
		}
	}
	if m := latest(ev.Messages); m != nil {
		mi.LatestUpdate = strings.TrimSpace(m.Details)
		mi.Status = stateWord(int(m.State))
		if at := monitor.ParseTime(m.Datetime); at.After(mi.UpdatedAt) {
			mi.UpdatedAt = at
		}
		if mi.Impact == monitor.StateUnknown {
			mi.Impact = CodeState(int(m.Status))
		}
		if m.Status == 600 {
			security = true
		}
	}
	if mi.Title == "" {
		mi.Title = "Incident"
	}
	if security {
		mi.Impact = monitor.StateMajorOutage
		if !strings.Contains(strings.ToLower(mi.Title), "security") {
			mi.Title = "Security issue: " + mi.Title
		}
	}
	if mi.Impact == monitor.StateUnknown {
		mi.Impact = monitor.StateDegraded
	}
	return mi, security
}

func toMaintenance(ev event, inProgress bool) monitor.Maintenance {
	mm := monitor.Maintenance{
		ID: ev.ID, Title: strings.TrimSpace(ev.Name), InProgress: inProgress, Status: "scheduled",
		StartsAt: monitor.ParseTime(ev.DatetimePlannedStart), EndsAt: monitor.ParseTime(ev.DatetimePlannedEnd),
	}
	if inProgress {
		mm.Status = "in progress"
	}
	if mm.Title == "" {
		mm.Title = "Planned maintenance"
	}
	for _, c := range ev.ComponentsAffected {
		if c.ID != "" {
			mm.Components = append(mm.Components, c.ID)
		}
		if c.Name != "" {
			mm.Components = append(mm.Components, c.Name)
		}
	}
	return mm
}

// latest returns the newest message; messages without a time count in the order given.
func latest(ms []message) *message {
	if len(ms) == 0 {
		return nil
	}
	idx := make([]int, len(ms))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool {
		return monitor.ParseTime(ms[idx[a]].Datetime).Before(monitor.ParseTime(ms[idx[b]].Datetime))
	})
	return &ms[idx[len(idx)-1]]
}

// CodeState maps a status.io status code to the common scale: 100 operational, 200 planned
// maintenance, 300 degraded performance, 400 partial service disruption, 500 service disruption,
// 600 security event.
func CodeState(c int) monitor.State {
	switch c {
	case 100:
		return monitor.StateOperational
	case 200:
		return monitor.StateMaintenance
	case 300:
		return monitor.StateDegraded
	case 400:
		return monitor.StatePartialOutage
	case 500, 600:
		return monitor.StateMajorOutage
	}
	return monitor.StateUnknown
}

// stateWord names an incident message's state.
func stateWord(c int) string {
	switch c {
	case 100:
		return "investigating"
	case 200:
		return "identified"
	case 300:
		return "monitoring"
	}
	return "open"
}
