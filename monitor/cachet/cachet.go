// Package cachet reads self-hosted Cachet status pages, both 2.x (/api/v1/..., integer statuses)
// and 3.x (/api/..., JSON:API rows with status {human, value}). The checker finds out once which
// version a page runs and remembers it; a page that stops answering on that version's paths is
// asked again.
package cachet

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/paywatch/paywatch/monitor"
)

const platform = "cachet"

// Version is a Cachet API generation.
type Version int

// The API generations.
const (
	VersionUnknown Version = iota
	V2                     // Cachet 2.x: /api/v1/..., integer statuses
	V3                     // Cachet 3.x (cachethq/core): /api/..., status {human, value}
)

func (v Version) String() string {
	switch v {
	case V2:
		return "2.x"
	case V3:
		return "3.x"
	}
	return "unknown"
}

func (v Version) prefix() string {
	if v == V3 {
		return "/api"
	}
	return "/api/v1"
}

// Paths relative to a page's address, per version. The queries ask for one large page, newest
// incidents first where the version lets us choose.
func (v Version) pingPath() string       { return v.prefix() + "/ping" }
func (v Version) componentsPath() string { return v.prefix() + "/components?per_page=100" }
func (v Version) schedulesPath() string  { return v.prefix() + "/schedules?per_page=50" }
func (v Version) incidentsPath() string {
	if v == V3 {
		return v.prefix() + "/incidents?per_page=50"
	}
	return v.prefix() + "/incidents?sort=id&order=desc&per_page=50"
}

// Checker polls one Cachet page.
type Checker struct {
	base    string
	fetcher *monitor.Fetcher
	last    monitor.LastParse

	mu      sync.Mutex
	version Version
}

var _ monitor.Checker = (*Checker)(nil)

// New returns a checker for the Cachet page at base ("https://status.example.com"); an address
// with an /api/v1/... or /api/... path is accepted too.
func New(base string, f *monitor.Fetcher) *Checker {
	return &Checker{base: BaseURL(base), fetcher: f}
}

// BaseURL strips an API path from a page address.
func BaseURL(u string) string {
	u = strings.TrimRight(strings.TrimSpace(u), "/")
	if i := strings.Index(u+"/", "/api/"); i >= 0 && strings.Contains(u[:i+1], "://") {
		u = u[:i]
	}
	return u
}

// Version reports the API version found so far (VersionUnknown before the first good check).
func (c *Checker) Version() Version {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.version
}

// Check finds the version if need be, then fetches components, incidents and (where the page has
// them) schedules.
func (c *Checker) Check(ctx context.Context) (monitor.Report, error) {
	c.mu.Lock()
	v := c.version
	c.mu.Unlock()
	if v == VersionUnknown {
		var err error
		if v, err = c.detect(ctx); err != nil {
			return monitor.Report{}, err
		}
		c.mu.Lock()
		c.version = v
		c.mu.Unlock()
	}
	comps, err := c.fetcher.GetJSON(ctx, c.base+v.componentsPath())
	if err != nil {
		if notFound(err) {
			c.forget() // the page moved to another version, or stopped being Cachet
		}
		return monitor.Report{}, err
	}
	incs, err := c.fetcher.GetJSON(ctx, c.base+v.incidentsPath())
	if err != nil {
		return monitor.Report{}, err
	}
	scheds, err := c.fetcher.GetJSON(ctx, c.base+v.schedulesPath())
	if err != nil {
		if !notFound(err) { // older 2.x pages have no schedules
			return monitor.Report{}, err
		}
		scheds = nil
	}
	unchanged := comps.NotModified && incs.NotModified && (scheds == nil || scheds.NotModified)
	return c.last.Parse(unchanged, func() (monitor.Report, error) {
		var schedBody io.Reader
		if scheds != nil {
			schedBody = bytes.NewReader(scheds.Body)
		}
		r, err := Parse(bytes.NewReader(comps.Body), bytes.NewReader(incs.Body), schedBody)
		if err != nil {
			return monitor.Report{}, err
		}
		r.PageURL = c.base
		return r, nil
	})
}

func (c *Checker) forget() {
	c.mu.Lock()
	c.version = VersionUnknown
	c.mu.Unlock()
	c.last.Forget()
}

// detect asks each version's ping, then each version's component list. Failures that say nothing
// about the version (timeouts, 5xx, 429, cancellation) end the search at once.
func (c *Checker) detect(ctx context.Context) (Version, error) {
	var soft []error
	try := func(path string, ok func([]byte) bool) (bool, error) {
		resp, err := c.fetcher.GetJSON(ctx, c.base+path)
		if err != nil {
			if !softError(err) {
				return false, err
			}
			soft = append(soft, err)
			return false, nil
		}
		return ok(resp.Body), nil
	}
	for _, v := range []Version{V2, V3} {
		found, err := try(v.pingPath(), isPong)
		if err != nil {
			return VersionUnknown, err
		}
		if found {
			return v, nil
		}
	}
	for _, v := range []Version{V2, V3} {
		found, err := try(v.componentsPath(), func(b []byte) bool {
			_, err := ParseComponents(bytes.NewReader(b))
			return err == nil
		})
		if err != nil {
			return VersionUnknown, err
		}
		if found {
			return v, nil
		}
	}
	// Say the most telling thing we heard: a web page or an unreadable answer beats "not found".
	for _, err := range soft {
		if !notFound(err) {
			return VersionUnknown, err
		}
	}
	if len(soft) == 4 {
		return VersionUnknown, soft[0] // every path was missing
	}
	return VersionUnknown, &monitor.PayloadError{Platform: platform, Detail: "it does not look like a Cachet status page"}
}

func isPong(b []byte) bool {
	var p struct {
		Data any `json:"data"`
	}
	if err := json.NewDecoder(bytes.NewReader(b)).Decode(&p); err != nil {
		return false
	}
	s, ok := p.Data.(string)
	return ok && strings.Contains(strings.ToLower(s), "pong")
}

// softError reports whether err only says "not this version here".
func softError(err error) bool {
	var he *monitor.HTTPError
	if errors.As(err, &he) {
		return he.Code >= 400 && he.Code < 500 && he.Code != http.StatusTooManyRequests
	}
	var fe *monitor.FetchError
	if errors.As(err, &fe) {
		switch fe.Kind {
		case monitor.ErrHTML, monitor.ErrEmpty, monitor.ErrBadPayload:
			return true
		}
		return false
	}
	var pe *monitor.PayloadError
	return errors.As(err, &pe)
}

func notFound(err error) bool {
	var he *monitor.HTTPError
	return errors.As(err, &he) && (he.Code == http.StatusNotFound || he.Code == http.StatusGone || he.Code == http.StatusMethodNotAllowed)
}

// code is a Cachet status: an integer, a quoted integer, a name ("Major Outage"), or v3's
// {"human": ..., "value": ...}. value is -1 when only a name was given.
type code struct {
	value int
	human string
	set   bool
}

func (c *code) UnmarshalJSON(b []byte) error {
	*c = code{value: -1}
	if string(b) == "null" {
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err == nil {
		i, err := strconv.Atoi(n.String())
		if err != nil {
			return fmt.Errorf("status %s is not a whole number", n)
		}
		*c = code{value: i, set: true}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		if i, err := strconv.Atoi(strings.TrimSpace(s)); err == nil {
			*c = code{value: i, set: true}
		} else {
			*c = code{value: -1, human: strings.TrimSpace(s), set: s != ""}
		}
		return nil
	}
	var o struct {
		Human string `json:"human"`
		Value *code  `json:"value"`
	}
	if err := json.Unmarshal(b, &o); err != nil {
		return err
	}
	*c = code{value: -1, human: strings.TrimSpace(o.Human), set: true}
	if o.Value != nil && o.Value.value >= 0 {
		c.value = o.Value.value
	}
	return nil
}

// resolve returns the numeric status, looking the name up in names when no number was given.
func (c code) resolve(names map[string]int) int {
	if c.value >= 0 {
		return c.value
	}
	if v, ok := names[strings.ToLower(c.human)]; ok {
		return v
	}
	return -1
}

// ident is an id written as a number or a string.
type ident = monitor.JSONID

// flag is a boolean written as true/false, 0/1 or "0"/"1".
type flag struct{ v, set bool }

func (f *flag) UnmarshalJSON(b []byte) error {
	switch strings.Trim(strings.ToLower(string(b)), `"`) {
	case "true", "1":
		*f = flag{true, true}
	case "false", "0":
		*f = flag{false, true}
	case "null":
		*f = flag{}
	default:
		return fmt.Errorf("%s is not a yes or no", b)
	}
	return nil
}

// stamp is a time: "2015-12-30 23:46:48", ISO 8601, Unix seconds, or v3's {"human", "string"}.
// Cachet gives no zone; UTC is assumed.
type stamp time.Time

func (s *stamp) UnmarshalJSON(b []byte) error {
	*s = stamp{}
	if string(b) == "null" {
		return nil
	}
	var v string
	if err := json.Unmarshal(b, &v); err == nil {
		*s = stamp(parseTime(v))
		return nil
	}
	var n float64
	if err := json.Unmarshal(b, &n); err == nil {
		if n > 0 && n < 1e11 {
			*s = stamp(time.Unix(int64(n), 0).UTC())
		}
		return nil
	}
	var o struct {
		String    string  `json:"string"`
		Timestamp float64 `json:"timestamp"`
	}
	if err := json.Unmarshal(b, &o); err != nil {
		return err
	}
	if t := parseTime(o.String); !t.IsZero() {
		*s = stamp(t)
	} else if o.Timestamp > 0 && o.Timestamp < 1e11 {
		*s = stamp(time.Unix(int64(o.Timestamp), 0).UTC())
	}
	return nil
}

func (s stamp) time() time.Time { return time.Time(s) }

type fields struct {
	ID       ident  `json:"id"`
	Name     string `json:"name"`
	Message  string `json:"message"`
	Status   code   `json:"status"`
	StatusID code   `json:"status_id"` // pre-2.0 components
	// HumanStatus is 2.x's name for the status ("Fixed"). Pages have been seen whose number
	// lagged behind it; a name that says the incident is over wins.
	HumanStatus string `json:"human_status"`
	Enabled     flag   `json:"enabled"`
	Visible     flag   `json:"visible"`
	ComponentID ident  `json:"component_id"`
	CreatedAt   stamp  `json:"created_at"`
	UpdatedAt   stamp  `json:"updated_at"`
	OccurredAt  stamp  `json:"occurred_at"`
	ScheduledAt stamp  `json:"scheduled_at"`
	CompletedAt stamp  `json:"completed_at"`
	// v3 spells some times differently.
	Created   stamp `json:"created"`
	Updated   stamp `json:"updated"`
	Occurred  stamp `json:"occurred"`
	Scheduled stamp `json:"scheduled"`
	Completed stamp `json:"completed"`
}

type row struct {
	fields
	Attributes *fields `json:"attributes"`
}

// flat returns a row's fields whichever version wrote it.
func (r row) flat() fields {
	if r.Attributes == nil {
		return r.fields
	}
	f := *r.Attributes
	if f.ID == "" {
		f.ID = r.ID
	}
	return f
}

func decodeList(r io.Reader, what string) ([]fields, error) {
	var d struct {
		Data *[]row `json:"data"`
	}
	if err := json.NewDecoder(monitor.SkipBOM(r)).Decode(&d); err != nil {
		return nil, &monitor.PayloadError{Platform: platform, Detail: "its " + what + " list is not Cachet's", Err: err}
	}
	if d.Data == nil {
		return nil, &monitor.PayloadError{Platform: platform, Detail: "its " + what + " list is not Cachet's (no data)"}
	}
	out := make([]fields, 0, len(*d.Data))
	for _, r := range *d.Data {
		out = append(out, r.flat())
	}
	return out, nil
}

var componentNames = map[string]int{"operational": 1, "performance issues": 2, "partial outage": 3, "major outage": 4, "unknown": 5}
var incidentNames = map[string]int{"scheduled": 0, "investigating": 1, "identified": 2, "watching": 3, "fixed": 4}
var scheduleNames = map[string]int{"upcoming": 0, "in progress": 1, "in_progress": 1, "complete": 2, "completed": 2}

// Parse reads the component and incident lists and, unless schedules is nil, the schedule list.
func Parse(components, incidents, schedules io.Reader) (monitor.Report, error) {
	comps, err := ParseComponents(components)
	if err != nil {
		return monitor.Report{}, err
	}
	ins, maints, err := ParseIncidents(incidents)
	if err != nil {
		return monitor.Report{}, err
	}
	if schedules != nil {
		ms, err := ParseSchedules(schedules)
		if err != nil {
			return monitor.Report{}, err
		}
		maints = append(maints, ms...)
	}
	// Cachet incidents carry no impact of their own: the component they name shows it.
	states := map[string]monitor.State{}
	for _, c := range comps {
		states[c.ID] = c.State
	}
	for i := range ins {
		for _, id := range ins[i].Components {
			if s := states[id]; s.IsProblem() && s.Worse(ins[i].Impact) {
				ins[i].Impact = s
			}
		}
	}
	return monitor.Report{Indicator: monitor.StateUnknown, Components: comps, Incidents: ins, Maintenances: maints}, nil
}

// ParseComponents reads /api/v1/components or /api/components. Disabled components are left out.
func ParseComponents(r io.Reader) ([]monitor.Component, error) {
	rows, err := decodeList(r, "component")
	if err != nil {
		return nil, err
	}
	var out []monitor.Component
	seen := map[ident]bool{}
	for _, f := range rows {
		name := strings.TrimSpace(f.Name)
		if name == "" || (f.Enabled.set && !f.Enabled.v) || (f.ID != "" && seen[f.ID]) {
			continue
		}
		seen[f.ID] = true
		st := f.Status
		if f.StatusID.set {
			st = f.StatusID
		}
		out = append(out, monitor.Component{ID: string(f.ID), Name: name, State: ComponentState(st.resolve(componentNames))})
	}
	return out, nil
}

// ParseIncidents reads /api/v1/incidents or /api/incidents: open incidents (impact degraded until
// Parse sees the components they name) and, from 2.x pages before schedules existed, incidents
// with status Scheduled as maintenances ahead.
func ParseIncidents(r io.Reader) ([]monitor.Incident, []monitor.Maintenance, error) {
	rows, err := decodeList(r, "incident")
	if err != nil {
		return nil, nil, err
	}
	var ins []monitor.Incident
	var maints []monitor.Maintenance
	for _, f := range rows {
		if f.Visible.set && !f.Visible.v {
			continue
		}
		st := f.Status.resolve(incidentNames)
		if strings.EqualFold(strings.TrimSpace(f.HumanStatus), "fixed") || strings.EqualFold(f.Status.human, "fixed") {
			st = 4
		}
		title := strings.TrimSpace(f.Name)
		switch st {
		case 4: // Fixed
			continue
		case 0: // Scheduled (2.x before 2.4)
			if title == "" {
				title = "Planned maintenance"
			}
			maints = append(maints, monitor.Maintenance{
				ID: string(f.ID), Title: title, Status: "scheduled",
				StartsAt: first(f.ScheduledAt, f.Scheduled), Components: nonEmpty(string(f.ComponentID)),
			})
			continue
		}
		if title == "" {
			title = "Incident"
		}
		in := monitor.Incident{
			ID: string(f.ID), Title: title, Status: incidentWord(st, f.Status.human), Impact: monitor.StateDegraded,
			CreatedAt:    first(f.OccurredAt, f.Occurred, f.CreatedAt, f.Created),
			UpdatedAt:    first(f.UpdatedAt, f.Updated, f.OccurredAt, f.Occurred, f.CreatedAt, f.Created),
			LatestUpdate: strings.TrimSpace(f.Message), Components: nonEmpty(string(f.ComponentID)),
		}
		ins = append(ins, in)
	}
	return ins, maints, nil
}

// ParseSchedules reads /api/v1/schedules or /api/schedules; completed ones are left out.
func ParseSchedules(r io.Reader) ([]monitor.Maintenance, error) {
	rows, err := decodeList(r, "schedule")
	if err != nil {
		return nil, err
	}
	var out []monitor.Maintenance
	for _, f := range rows {
		st := f.Status.resolve(scheduleNames)
		if st == 2 {
			continue
		}
		m := monitor.Maintenance{
			ID: string(f.ID), Title: strings.TrimSpace(f.Name), InProgress: st == 1, Status: "upcoming",
			StartsAt: first(f.ScheduledAt, f.Scheduled), EndsAt: first(f.CompletedAt, f.Completed),
		}
		if m.InProgress {
			m.Status = "in progress"
		}
		if m.Title == "" {
			m.Title = "Planned maintenance"
		}
		out = append(out, m)
	}
	return out, nil
}

// ComponentState maps a Cachet component status: 1 operational, 2 performance issues, 3 partial
// outage, 4 major outage, 5 (and anything else) unknown.
func ComponentState(c int) monitor.State {
	switch c {
	case 1:
		return monitor.StateOperational
	case 2:
		return monitor.StateDegraded
	case 3:
		return monitor.StatePartialOutage
	case 4:
		return monitor.StateMajorOutage
	}
	return monitor.StateUnknown
}

func incidentWord(st int, human string) string {
	switch st {
	case 1:
		return "investigating"
	case 2:
		return "identified"
	case 3:
		return "watching"
	}
	if human != "" {
		return strings.ToLower(human)
	}
	return "open"
}

func first(ss ...stamp) time.Time {
	for _, s := range ss {
		if t := s.time(); !t.IsZero() {
			return t
		}
	}
	return time.Time{}
}

func nonEmpty(id string) []string {
	if id == "" || id == "0" {
		return nil
	}
	return []string{id}
}

// parseTime reads the times Cachet writes besides RFC 3339, zone-less ones as UTC.
func parseTime(v string) time.Time {
	return monitor.ParseTime(v,
		"2006-01-02 15:04:05", "2006-01-02 15:04:05 -0700", "2006-01-02T15:04:05.999999", "2006-01-02 15:04")
}
