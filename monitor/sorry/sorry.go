// Package sorry reads Sorry™ (sorryapp.com) status pages through the public read API:
// https://api.sorryapp.com/v1/pages/<page id>, with /components and /notices under it. Sorry
// marks a component "degraded" while a notice about it is open, and "partially-degraded" when
// only part of it is; those are a major and a partial outage on our scale.
package sorry

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/paywatch/paywatch/monitor"
)

const platform = "sorry"

// APIBase is where pages are addressed by id.
const APIBase = "https://api.sorryapp.com/v1/pages/"

var pageID = regexp.MustCompile(`^[A-Za-z0-9]+$`)

// Checker polls one page.
type Checker struct {
	base    string
	fetcher *monitor.Fetcher
	last    monitor.LastParse
}

var _ monitor.Checker = (*Checker)(nil)

// New returns a checker for a page given as its id ("946f5b28", found in the status page's
// source) or its API address ("https://api.sorryapp.com/v1/pages/946f5b28", with or without
// /components or /notices).
func New(page string, f *monitor.Fetcher) *Checker {
	return &Checker{base: PageURL(page), fetcher: f}
}

// PageURL turns any of the forms New accepts into the page's API address.
func PageURL(page string) string {
	p := strings.TrimRight(strings.TrimSpace(page), "/")
	if pageID.MatchString(p) {
		return APIBase + p
	}
	if i := strings.Index(p, "/v1/pages/"); i >= 0 {
		rest := p[i+len("/v1/pages/"):]
		id, _, _ := strings.Cut(rest, "/")
		id, _, _ = strings.Cut(id, "?")
		return p[:i] + "/v1/pages/" + id
	}
	return p
}

// URL is the page endpoint; ComponentsURL and NoticesURL sit under it.
func (c *Checker) URL() string { return c.base }

// ComponentsURL is the component list.
func (c *Checker) ComponentsURL() string { return c.base + "/components" }

// NoticesURL is the notice list, with each notice's components and updates embedded.
func (c *Checker) NoticesURL() string { return c.base + "/notices?include=components,updates" }

// Check fetches the page, its components and its notices. A page that keeps its components or
// notices private (401, 403) or has none (404) is read from what it does share.
func (c *Checker) Check(ctx context.Context) (monitor.Report, error) {
	page, err := c.fetcher.GetJSON(ctx, c.base)
	if err != nil {
		return monitor.Report{}, err
	}
	comps, err := c.optional(ctx, c.ComponentsURL())
	if err != nil {
		return monitor.Report{}, err
	}
	notices, err := c.optional(ctx, c.NoticesURL())
	if err != nil {
		return monitor.Report{}, err
	}
	unchanged := page.NotModified && (comps == nil || comps.NotModified) && (notices == nil || notices.NotModified)
	return c.last.Parse(unchanged, func() (monitor.Report, error) {
		return ParseAll(bytes.NewReader(page.Body), body(comps), body(notices))
	})
}

func (c *Checker) optional(ctx context.Context, u string) (*monitor.Response, error) {
	resp, err := c.fetcher.GetJSON(ctx, u)
	var he *monitor.HTTPError
	if errors.As(err, &he) {
		switch he.Code {
		case http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound:
			return nil, nil
		}
	}
	return resp, err
}

func body(r *monitor.Response) io.Reader {
	if r == nil {
		return nil
	}
	return bytes.NewReader(r.Body)
}

// ident is an id written as a number or a string.
type ident = monitor.JSONID

type component struct {
	ID       ident  `json:"id"`
	Name     string `json:"name"`
	State    string `json:"state"`
	ParentID ident  `json:"parent_id"`
}

type update struct {
	Content   string `json:"content"`
	Body      string `json:"body"`
	Comment   string `json:"comment"`
	Message   string `json:"message"`
	CreatedAt string `json:"created_at"`
}

func (u update) text() string {
	for _, v := range []string{u.Content, u.Body, u.Comment, u.Message} {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}

type notice struct {
	ID            ident       `json:"id"`
	Type          string      `json:"type"`
	State         string      `json:"state"`
	TimelineState string      `json:"timeline_state"`
	Subject       string      `json:"subject"`
	Synopsis      string      `json:"synopsis"`
	Link          string      `json:"link"`
	BeganAt       string      `json:"began_at"`
	EndedAt       string      `json:"ended_at"`
	BeginsAt      string      `json:"begins_at"`
	EndsAt        string      `json:"ends_at"`
	CreatedAt     string      `json:"created_at"`
	UpdatedAt     string      `json:"updated_at"`
	Components    []component `json:"components"`
	ComponentIDs  []ident     `json:"component_ids"`
	Updates       []update    `json:"updates"`
}

type page struct {
	ID         ident       `json:"id"`
	Name       string      `json:"name"`
	State      string      `json:"state"`
	URL        string      `json:"url"`
	Components []component `json:"components"`
	Notices    []notice    `json:"notices"`
}

// Parse reads the page document alone, with any components and notices embedded in it.
func Parse(r io.Reader) (monitor.Report, error) { return ParseAll(r, nil, nil) }

// ParseAll reads the page document and, where not nil, the component and notice lists; lists
// fetched separately replace any embedded in the page.
func ParseAll(pageBody, components, notices io.Reader) (monitor.Report, error) {
	var d struct {
		Response *page `json:"response"`
	}
	if err := json.NewDecoder(monitor.SkipBOM(pageBody)).Decode(&d); err != nil {
		return monitor.Report{}, &monitor.PayloadError{Platform: platform, Detail: "it is not a Sorry status page", Err: err}
	}
	if d.Response == nil || (d.Response.ID == "" && strings.TrimSpace(d.Response.Name) == "") {
		return monitor.Report{}, &monitor.PayloadError{Platform: platform, Detail: "it is not a Sorry status page (it has no page)"}
	}
	p := d.Response
	rep := monitor.Report{PageName: strings.TrimSpace(p.Name), PageURL: strings.TrimSpace(p.URL), Indicator: StateOf(p.State)}
	rep.Components = toComponents(p.Components)
	if components != nil {
		cs, err := ParseComponents(components)
		if err != nil {
			return monitor.Report{}, err
		}
		rep.Components = cs
	}
	ns := p.Notices
	if notices != nil {
		var err error
		if ns, err = decodeNotices(notices); err != nil {
			return monitor.Report{}, err
		}
	}
	states := map[string]monitor.State{}
	for _, c := range rep.Components {
		states[c.ID] = c.State
	}
	for _, n := range ns {
		in, m, ok := toEntry(n, states, rep.Indicator)
		switch {
		case !ok:
		case m != nil:
			rep.Maintenances = append(rep.Maintenances, *m)
		default:
			rep.Incidents = append(rep.Incidents, in)
		}
	}
	return rep, nil
}

// ParseComponents reads /components. Parents are kept: Sorry sets their state from their
// children, and a user may choose a parent by name.
func ParseComponents(r io.Reader) ([]monitor.Component, error) {
	var d struct {
		Response   *[]component `json:"response"`
		Components *[]component `json:"components"`
	}
	if err := json.NewDecoder(monitor.SkipBOM(r)).Decode(&d); err != nil {
		return nil, &monitor.PayloadError{Platform: platform, Detail: "its component list is not Sorry's", Err: err}
	}
	list := d.Response
	if list == nil {
		list = d.Components
	}
	if list == nil {
		return nil, &monitor.PayloadError{Platform: platform, Detail: "its component list is not Sorry's (no components)"}
	}
	return toComponents(*list), nil
}

// ParseNotices reads /notices into open incidents and maintenances that are underway or ahead.
// Without the component list an incident's impact comes from the components it embeds.
func ParseNotices(r io.Reader) ([]monitor.Incident, []monitor.Maintenance, error) {
	ns, err := decodeNotices(r)
	if err != nil {
		return nil, nil, err
	}
	var ins []monitor.Incident
	var ms []monitor.Maintenance
	for _, n := range ns {
		in, m, ok := toEntry(n, nil, monitor.StateUnknown)
		switch {
		case !ok:
		case m != nil:
			ms = append(ms, *m)
		default:
			ins = append(ins, in)
		}
	}
	return ins, ms, nil
}

func decodeNotices(r io.Reader) ([]notice, error) {
	var d struct {
		Response *[]notice `json:"response"`
		Notices  *[]notice `json:"notices"`
	}
	if err := json.NewDecoder(monitor.SkipBOM(r)).Decode(&d); err != nil {
		return nil, &monitor.PayloadError{Platform: platform, Detail: "its notice list is not Sorry's", Err: err}
	}
	list := d.Response
	if list == nil {
		list = d.Notices
	}
	if list == nil {
		return nil, &monitor.PayloadError{Platform: platform, Detail: "its notice list is not Sorry's (no notices)"}
	}
	return *list, nil
}

func toComponents(cs []component) []monitor.Component {
	names := map[ident]string{}
	for _, c := range cs {
		names[c.ID] = strings.TrimSpace(c.Name)
	}
	var out []monitor.Component
	seen := map[ident]bool{}
	for _, c := range cs {
		name := strings.TrimSpace(c.Name)
		if name == "" || (c.ID != "" && seen[c.ID]) {
			continue
		}
		seen[c.ID] = true
		mc := monitor.Component{ID: string(c.ID), Name: name, State: StateOf(c.State)}
		if c.ParentID != "" {
			mc.Group = names[c.ParentID]
		}
		out = append(out, mc)
	}
	return out
}

// toEntry turns a notice into an incident or a maintenance; ok is false for notices that are over
// or only informational.
func toEntry(n notice, states map[string]monitor.State, page monitor.State) (monitor.Incident, *monitor.Maintenance, bool) {
	typ, state := strings.ToLower(n.Type), strings.ToLower(strings.TrimSpace(n.State))
	timeline := strings.ToLower(n.TimelineState)
	if strings.HasPrefix(timeline, "past") {
		return monitor.Incident{}, nil, false
	}
	var refs []string
	impact := monitor.StateUnknown
	worse := func(s monitor.State) {
		if s.IsProblem() && (impact == monitor.StateUnknown || s.Worse(impact)) {
			impact = s
		}
	}
	for _, c := range n.Components {
		refs = appendRef(refs, string(c.ID), c.Name)
		if c.State != "" {
			worse(StateOf(c.State))
		} else {
			worse(states[string(c.ID)])
		}
	}
	for _, id := range n.ComponentIDs {
		refs = appendRef(refs, string(id), "")
		worse(states[string(id)])
	}
	title := strings.TrimSpace(n.Subject)

	switch typ {
	case "planned":
		inProgress := state == "underway"
		switch state {
		case "complete", "completed", "cancelled", "canceled":
			return monitor.Incident{}, nil, false
		case "underway", "scheduled":
		default:
			inProgress = timeline == "present"
		}
		if title == "" {
			title = "Planned maintenance"
		}
		m := &monitor.Maintenance{
			ID: string(n.ID), Title: title, Status: state, InProgress: inProgress, URL: n.Link, Components: refs,
			StartsAt: monitor.FirstTime(parseTime(n.BeginsAt), parseTime(n.BeganAt)),
			EndsAt:   monitor.FirstTime(parseTime(n.EndsAt), parseTime(n.EndedAt)),
		}
		if m.Status == "" {
			m.Status = "scheduled"
			if inProgress {
				m.Status = "underway"
			}
		}
		return monitor.Incident{}, m, true
	case "unplanned":
		switch state {
		case "resolved", "false_alarm":
			return monitor.Incident{}, nil, false
		}
	default:
		return monitor.Incident{}, nil, false // "general" notices are news, not incidents
	}
	if impact == monitor.StateUnknown && page.IsProblem() {
		impact = page
	}
	if impact == monitor.StateUnknown {
		impact = monitor.StateDegraded // an open incident that names nothing is still a problem
	}
	if title == "" {
		title = "Incident"
	}
	in := monitor.Incident{
		ID: string(n.ID), Title: title, Status: state, URL: n.Link, Impact: impact, Components: refs,
		LatestUpdate: strings.TrimSpace(n.Synopsis),
		CreatedAt:    monitor.FirstTime(parseTime(n.BeganAt), parseTime(n.CreatedAt)),
		UpdatedAt:    monitor.FirstTime(parseTime(n.UpdatedAt), parseTime(n.BeganAt), parseTime(n.CreatedAt)),
	}
	if in.Status == "" {
		in.Status = "open"
	}
	us := append([]update(nil), n.Updates...)
	sort.SliceStable(us, func(i, j int) bool { return parseTime(us[i].CreatedAt).Before(parseTime(us[j].CreatedAt)) })
	for i := len(us) - 1; i >= 0; i-- {
		if t := us[i].text(); t != "" {
			in.LatestUpdate = t
			if at := parseTime(us[i].CreatedAt); at.After(in.UpdatedAt) {
				in.UpdatedAt = at
			}
			break
		}
	}
	return in, nil, true
}

func appendRef(refs []string, id, name string) []string {
	if id != "" {
		refs = append(refs, id)
	}
	if name = strings.TrimSpace(name); name != "" {
		refs = append(refs, name)
	}
	return refs
}

// StateOf maps a Sorry state: operational; partially-degraded → partial outage; degraded → major
// outage (Sorry's worst); under maintenance → maintenance.
func StateOf(v string) monitor.State {
	switch strings.ReplaceAll(strings.ToLower(strings.TrimSpace(v)), "_", "-") {
	case "operational":
		return monitor.StateOperational
	case "partially-degraded":
		return monitor.StatePartialOutage
	case "degraded":
		return monitor.StateMajorOutage
	case "under-maintenance", "maintenance":
		return monitor.StateMaintenance
	}
	return monitor.StateUnknown
}

func parseTime(v string) time.Time {
	return monitor.ParseTime(v, "2006-01-02 15:04:05 -0700", "2006-01-02 15:04:05")
}
