// Package instatus reads Instatus status pages through /summary.json and /v2/components.json.
// Checkly's status pages publish the same summary shape (with HAS_ISSUES spelled with
// underscores) and parse here too. The page's own status is not trusted alone: Instatus has been
// seen saying UP with an incident open, so incidents and components decide.
package instatus

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/paywatch/paywatch/monitor"
)

const platform = "instatus"

// Paths of the two public endpoints under a page's address.
const (
	SummaryPath    = "/summary.json"
	ComponentsPath = "/v2/components.json"
)

// Checker polls one page.
type Checker struct {
	base    string
	fetcher *monitor.Fetcher
	last    monitor.LastParse

	mu sync.Mutex
	// noComponents is set once the page shows it has no components endpoint (Checkly, old pages).
	noComponents bool
}

var _ monitor.Checker = (*Checker)(nil)

// New returns a checker for the page at base ("https://status.example.com"); an address ending in
// /summary.json or /v2/components.json is accepted too.
func New(base string, f *monitor.Fetcher) *Checker {
	return &Checker{base: BaseURL(base), fetcher: f}
}

// BaseURL strips a known endpoint from a page address.
func BaseURL(u string) string {
	u = strings.TrimRight(strings.TrimSpace(u), "/")
	for _, p := range []string{ComponentsPath, "/v3/summary.json", SummaryPath} {
		u = strings.TrimSuffix(u, p)
	}
	return u
}

// SummaryURL is the main endpoint the checker polls.
func (c *Checker) SummaryURL() string { return c.base + SummaryPath }

// ComponentsURL is the endpoint with the full component list.
func (c *Checker) ComponentsURL() string { return c.base + ComponentsPath }

// Check fetches the summary and, where the page has one, the component list. A page without a
// components endpoint (404 or a web page) is remembered and read from its summary alone.
func (c *Checker) Check(ctx context.Context) (monitor.Report, error) {
	sum, err := c.fetcher.GetJSON(ctx, c.SummaryURL())
	if err != nil {
		return monitor.Report{}, err
	}
	c.mu.Lock()
	noComps := c.noComponents
	c.mu.Unlock()

	var comps *monitor.Response
	if !noComps {
		comps, err = c.fetcher.GetJSON(ctx, c.ComponentsURL())
		if err != nil {
			if !missing(err) {
				return monitor.Report{}, err
			}
			c.mu.Lock()
			c.noComponents = true
			c.mu.Unlock()
			comps = nil
		}
	}
	return c.last.Parse(sum.NotModified && (comps == nil || comps.NotModified), func() (monitor.Report, error) {
		var compBody io.Reader
		if comps != nil {
			compBody = bytes.NewReader(comps.Body)
		}
		r, err := ParseWithComponents(bytes.NewReader(sum.Body), compBody)
		if err == nil && r.PageURL == "" {
			r.PageURL = c.base
		}
		return r, err
	})
}

// missing reports whether err says an endpoint does not exist rather than that it failed.
func missing(err error) bool {
	var he *monitor.HTTPError
	if errors.As(err, &he) {
		return he.Code == http.StatusNotFound || he.Code == http.StatusGone
	}
	var fe *monitor.FetchError
	return errors.As(err, &fe) && fe.Kind == monitor.ErrHTML
}

// text is a name that may be a plain string or a localised object {"default": "..."}.
type text string

func (t *text) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*t = text(s)
		return nil
	}
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	for _, k := range []string{"default", "en", "en-us", "en-US"} {
		if m[k] != "" {
			*t = text(m[k])
			return nil
		}
	}
	for _, v := range m {
		if v != "" && (*t == "" || v < string(*t)) {
			*t = text(v) // any translation, chosen the same way every time
		}
	}
	return nil
}

// number is a count that may arrive as a JSON number or a string.
type number float64

func (n *number) UnmarshalJSON(b []byte) error {
	var f float64
	if err := json.Unmarshal(b, &f); err == nil {
		*n = number(f)
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	f, _ = strconv.ParseFloat(strings.TrimSpace(s), 64) // an unreadable duration is no duration
	*n = number(f)
	return nil
}

// stamp is a time given as ISO 8601, a JavaScript Date string or milliseconds since 1970.
type stamp time.Time

func (s *stamp) UnmarshalJSON(b []byte) error {
	var v string
	if err := json.Unmarshal(b, &v); err == nil {
		*s = stamp(parseTime(v))
		return nil
	}
	var n float64
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	if n > 1e11 && n < 1e14 {
		*s = stamp(time.UnixMilli(int64(n)).UTC())
	}
	return nil
}

func (s stamp) time() time.Time { return time.Time(s) }

type incident struct {
	ID        string `json:"id"`
	Name      text   `json:"name"`
	Started   stamp  `json:"started"`
	UpdatedAt stamp  `json:"updatedAt"`
	Status    string `json:"status"`
	Impact    string `json:"impact"`
	URL       string `json:"url"`
	Updates   []struct {
		Body      text  `json:"body"`
		Message   text  `json:"message"`
		CreatedAt stamp `json:"createdAt"`
	} `json:"updates"`
}

type maintenance struct {
	ID       string `json:"id"`
	Name     text   `json:"name"`
	Start    stamp  `json:"start"`
	Status   string `json:"status"`
	Duration number `json:"duration"` // minutes
	URL      string `json:"url"`
}

type summary struct {
	Page *struct {
		Name   text   `json:"name"`
		URL    string `json:"url"`
		Status string `json:"status"`
	} `json:"page"`
	ActiveIncidents    []incident    `json:"activeIncidents"`
	ActiveMaintenances []maintenance `json:"activeMaintenances"`
	// Some pages embed their components in the summary.
	Components []component `json:"components"`
}

type component struct {
	ID       string      `json:"id"`
	Name     text        `json:"name"`
	Status   string      `json:"status"`
	Group    *group      `json:"group"`
	Children []component `json:"children"`
}

type group struct {
	ID   string `json:"id"`
	Name text   `json:"name"`
}

// Parse reads /summary.json alone.
func Parse(r io.Reader) (monitor.Report, error) { return ParseWithComponents(r, nil) }

// ParseWithComponents reads /summary.json and, when components is not nil, /v2/components.json.
func ParseWithComponents(summaryBody, components io.Reader) (monitor.Report, error) {
	var s summary
	if err := json.NewDecoder(monitor.SkipBOM(summaryBody)).Decode(&s); err != nil {
		return monitor.Report{}, &monitor.PayloadError{Platform: platform, Detail: "it is not an Instatus summary", Err: err}
	}
	if s.Page == nil || (s.Page.Status == "" && s.Page.Name == "") {
		return monitor.Report{}, &monitor.PayloadError{Platform: platform, Detail: "it is not an Instatus summary (it has no page section)"}
	}
	rep := monitor.Report{PageName: strings.TrimSpace(string(s.Page.Name)), PageURL: s.Page.URL, Indicator: monitor.StateUnknown}
	rep.Components = flatten(s.Components, "")
	if components != nil {
		comps, err := ParseComponents(components)
		if err != nil {
			return monitor.Report{}, err
		}
		rep.Components = comps
	}
	for _, in := range s.ActiveIncidents {
		if word(in.Status) == "RESOLVED" {
			continue
		}
		rep.Incidents = append(rep.Incidents, toIncident(in))
	}
	for _, m := range s.ActiveMaintenances {
		if st := word(m.Status); st == "COMPLETED" || st == "CANCELLED" || st == "CANCELED" {
			continue
		}
		rep.Maintenances = append(rep.Maintenances, toMaintenance(m))
	}

	switch word(s.Page.Status) {
	case "UP":
		rep.Indicator = monitor.StateOperational
	case "UNDERMAINTENANCE":
		rep.Indicator = monitor.StateMaintenance
	case "HASISSUES":
		// Only a bare "has issues" speaks for itself; with details, the details decide.
		if !hasDetail(rep) {
			rep.Indicator = monitor.StateDegraded
		}
	}
	return rep, nil
}

// ParseComponents reads /v2/components.json. Parents of nested components are left out: their
// children speak for them and carry the parent's name as their group.
func ParseComponents(r io.Reader) ([]monitor.Component, error) {
	var s struct {
		Components *[]component `json:"components"`
	}
	if err := json.NewDecoder(monitor.SkipBOM(r)).Decode(&s); err != nil {
		return nil, &monitor.PayloadError{Platform: platform, Detail: "its component list is not Instatus's", Err: err}
	}
	if s.Components == nil {
		return nil, &monitor.PayloadError{Platform: platform, Detail: "its component list has no components section"}
	}
	return flatten(*s.Components, ""), nil
}

func flatten(cs []component, parent string) []monitor.Component {
	var out []monitor.Component
	seen := map[string]bool{}
	var walk func(cs []component, parent string)
	walk = func(cs []component, parent string) {
		for _, c := range cs {
			name := strings.TrimSpace(string(c.Name))
			if len(c.Children) > 0 {
				walk(c.Children, name)
				continue
			}
			if name == "" || (c.ID != "" && seen[c.ID]) {
				continue
			}
			seen[c.ID] = c.ID != ""
			mc := monitor.Component{ID: c.ID, Name: name, Group: parent, State: ComponentState(c.Status)}
			if c.Group != nil && strings.TrimSpace(string(c.Group.Name)) != "" {
				mc.Group = strings.TrimSpace(string(c.Group.Name))
			}
			out = append(out, mc)
		}
	}
	walk(cs, parent)
	return out
}

func hasDetail(r monitor.Report) bool {
	if len(r.Incidents) > 0 {
		return true
	}
	for _, c := range r.Components {
		if c.State != monitor.StateOperational && c.State != monitor.StateUnknown {
			return true
		}
	}
	for _, m := range r.Maintenances {
		if m.InProgress {
			return true
		}
	}
	return false
}

func toIncident(in incident) monitor.Incident {
	mi := monitor.Incident{
		ID: in.ID, Title: strings.TrimSpace(string(in.Name)), Status: strings.ToLower(in.Status), URL: in.URL,
		Impact: ComponentState(in.Impact), CreatedAt: in.Started.time(), UpdatedAt: in.UpdatedAt.time(),
	}
	if mi.ID == "" {
		mi.ID = lastSegment(in.URL)
	}
	if mi.Title == "" {
		mi.Title = "Incident"
	}
	if mi.Impact == monitor.StateUnknown {
		// An open incident with no impact given is still a problem the page owns up to.
		mi.Impact = monitor.StateDegraded
	}
	var newest time.Time
	for _, u := range in.Updates {
		at := u.CreatedAt.time()
		body := strings.TrimSpace(string(u.Body))
		if body == "" {
			body = strings.TrimSpace(string(u.Message))
		}
		if body != "" && (mi.LatestUpdate == "" || at.After(newest)) {
			mi.LatestUpdate, newest = body, at
		}
	}
	if newest.After(mi.UpdatedAt) {
		mi.UpdatedAt = newest
	}
	if mi.UpdatedAt.IsZero() {
		mi.UpdatedAt = mi.CreatedAt
	}
	return mi
}

func toMaintenance(m maintenance) monitor.Maintenance {
	mm := monitor.Maintenance{
		ID: m.ID, Title: strings.TrimSpace(string(m.Name)), Status: strings.ToLower(m.Status), URL: m.URL,
		InProgress: word(m.Status) == "INPROGRESS", StartsAt: m.Start.time(),
	}
	if mm.ID == "" {
		mm.ID = lastSegment(m.URL)
	}
	if mm.Title == "" {
		mm.Title = "Planned maintenance"
	}
	if mm.Status == "" {
		mm.Status = "scheduled"
		if mm.InProgress {
			mm.Status = "inprogress"
		}
	}
	if d := float64(m.Duration); d > 0 && d < 60*24*366 && !mm.StartsAt.IsZero() {
		mm.EndsAt = mm.StartsAt.Add(time.Duration(d * float64(time.Minute)))
	}
	return mm
}

// ComponentState maps Instatus's component statuses (and incident impacts, which use the same
// words) to the common scale. Checkly's underscored spellings are accepted.
func ComponentState(v string) monitor.State {
	switch word(v) {
	case "OPERATIONAL", "UP":
		return monitor.StateOperational
	case "UNDERMAINTENANCE", "MAINTENANCE":
		return monitor.StateMaintenance
	case "DEGRADEDPERFORMANCE", "DEGRADED":
		return monitor.StateDegraded
	case "PARTIALOUTAGE", "MINOROUTAGE":
		return monitor.StatePartialOutage
	case "MAJOROUTAGE":
		return monitor.StateMajorOutage
	}
	return monitor.StateUnknown
}

// word normalises Instatus and Checkly status words: "HAS_ISSUES", "has-issues" → "HASISSUES".
func word(v string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '_', '-', ' ':
			return -1
		}
		return r
	}, strings.ToUpper(strings.TrimSpace(v)))
}

func lastSegment(u string) string {
	u = strings.TrimRight(u, "/")
	if u == "" || !strings.Contains(u, "/") {
		return ""
	}
	return path.Base(u)
}

// parseTime reads ISO 8601 and the JavaScript Date strings Instatus puts in its summary
// ("Sat Jun 11 2022 18:55:50 GMT+0000 (Coordinated Universal Time)").
func parseTime(v string) time.Time {
	v = strings.TrimSpace(v)
	if i := strings.Index(v, " ("); i > 0 {
		v = v[:i]
	}
	return monitor.ParseTime(v, "Mon Jan 02 2006 15:04:05 GMT-0700", "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05")
}
