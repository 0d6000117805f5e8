// Package gcp reads Google Cloud's incident list, https://status.cloud.google.com/incidents.json
// (Google Workspace publishes the same schema at
// https://www.google.com/appsstatus/dashboard/incidents.json): every incident since the
// dashboard began, newest first, open while it has no end.
//
// The list is large and only grows, so Parse decodes it one incident at a time and keeps only the
// open ones and those resolved recently. The body still has to arrive whole through the
// Fetcher, whose default cap (monitor.DefaultMaxBody, 4 MB) the real file can outgrow: give the
// checker a Fetcher made with MaxBody of at least RecommendedMaxBody. With a smaller cap the check
// fails with "the status page sent more data than expected", never with a state.
package gcp

import (
	"encoding/json"
	"errors"
	"io"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/paywatch/paywatch/monitor"
)

const platform = "gcp"

// RecommendedMaxBody is the body cap a Fetcher used for this package should allow
// (monitor.FetcherOptions.MaxBody).
const RecommendedMaxBody = 32 << 20

// ResolvedWindow is how far back, from the newest change in the file, a resolved incident still
// counts as recent for Report.Resolved.
const ResolvedWindow = 7 * 24 * time.Hour

// maxResolved caps Report.Resolved.
const maxResolved = 20

// New returns a checker for the dashboard at u ("https://status.cloud.google.com"), polling
// u + "/incidents.json"; an address ending in ".json" is polled as it is. See the package comment
// about the Fetcher's body cap.
func New(u string, f *monitor.Fetcher) *monitor.PageChecker {
	u = strings.TrimRight(strings.TrimSpace(u), "/")
	endpoint, page := u+"/incidents.json", u
	if strings.HasSuffix(u, ".json") {
		endpoint, page = u, u[:strings.LastIndex(u, "/")]
	}
	return monitor.NewPageChecker(monitor.Page{URL: endpoint, PageURL: page, Parse: func(body io.Reader) (monitor.Report, error) {
		r, err := Parse(body)
		if err != nil {
			return monitor.Report{}, err
		}
		r.PageName = pageName(page)
		absolute(&r, page)
		return r, nil
	}}, f)
}

func pageName(page string) string {
	u, err := url.Parse(page)
	if err != nil {
		return ""
	}
	switch {
	case u.Host == "status.cloud.google.com":
		return "Google Cloud"
	case strings.Contains(u.Path, "appsstatus"):
		return "Google Workspace"
	}
	return ""
}

// absolute turns the incident links, which the file gives relative ("incidents/abc"), into
// addresses on the dashboard.
func absolute(r *monitor.Report, page string) {
	base, err := url.Parse(page + "/")
	if err != nil {
		return
	}
	fix := func(in []monitor.Incident) {
		for i := range in {
			if ref, err := url.Parse(in[i].URL); err == nil && in[i].URL != "" && !ref.IsAbs() {
				in[i].URL = base.ResolveReference(ref).String()
			}
		}
	}
	fix(r.Incidents)
	fix(r.Resolved)
}

// stamp is a time that may be missing, empty, null or malformed; all read as the zero time.
type stamp struct{ time.Time }

func (s *stamp) UnmarshalJSON(b []byte) error {
	var v string
	if json.Unmarshal(b, &v) != nil {
		return nil
	}
	if t := monitor.ParseTime(v); !t.IsZero() {
		s.Time = t
	}
	return nil
}

type product struct {
	Title string `json:"title"`
	ID    string `json:"id"`
}

type incident struct {
	ID               string  `json:"id"`
	Number           string  `json:"number"`
	Begin            stamp   `json:"begin"`
	Created          stamp   `json:"created"`
	Modified         stamp   `json:"modified"`
	End              *string `json:"end"`
	ExternalDesc     string  `json:"external_desc"`
	StatusImpact     string  `json:"status_impact"`
	Severity         string  `json:"severity"`
	ServiceName      string  `json:"service_name"`
	URI              string  `json:"uri"`
	MostRecentUpdate *struct {
		Modified stamp  `json:"modified"`
		When     stamp  `json:"when"`
		Text     string `json:"text"`
		Status   string `json:"status"`
	} `json:"most_recent_update"`
	AffectedProducts []product `json:"affected_products"`
}

func (in *incident) open() bool { return in.End == nil || strings.TrimSpace(*in.End) == "" }

func (in *incident) ended() time.Time {
	if in.End == nil {
		return time.Time{}
	}
	return monitor.ParseTime(*in.End)
}

// latest is the newest time the incident carries.
func (in *incident) latest() time.Time {
	t := in.Modified.Time
	for _, u := range []time.Time{in.Created.Time, in.Begin.Time, in.ended()} {
		if u.After(t) {
			t = u
		}
	}
	if m := in.MostRecentUpdate; m != nil {
		for _, u := range []time.Time{m.Modified.Time, m.When.Time} {
			if u.After(t) {
				t = u
			}
		}
	}
	return t
}

var errNoID = errors.New("an incident has no id")

// Parse reads an incidents.json document.
//
// Mapping (PLATFORMS.md §12): an incident is open while "end" is absent, empty or null;
// status_impact SERVICE_INFORMATION → degraded, SERVICE_DISRUPTION → partial outage,
// SERVICE_OUTAGE → major outage. An open incident with no known status_impact falls back on
// severity (low → degraded, medium → partial outage, high → major outage), then on degraded.
// most_recent_update.text is the latest update; the affected products are the incident's
// components. Incidents that ended within ResolvedWindow of the newest change in the file go to
// Report.Resolved; measuring from the file rather than the clock keeps Parse pure.
func Parse(r io.Reader) (monitor.Report, error) {
	dec := json.NewDecoder(r)
	tok, err := dec.Token()
	if err != nil {
		return monitor.Report{}, payloadErr("it is not a Google Cloud incident list", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return monitor.Report{}, payloadErr("it is not a Google Cloud incident list (no list of incidents)", nil)
	}
	var rep monitor.Report
	var newest time.Time
	var recent []monitor.Incident // ended incidents that may still fall inside the window
	for dec.More() {
		var in incident
		if err := dec.Decode(&in); err != nil {
			return monitor.Report{}, payloadErr("an incident could not be read", err)
		}
		if strings.TrimSpace(in.ID) == "" {
			return monitor.Report{}, payloadErr(errNoID.Error(), nil)
		}
		if t := in.latest(); t.After(newest) {
			newest = t
			recent = trim(recent, newest)
		}
		if in.open() {
			rep.Incidents = append(rep.Incidents, toIncident(&in, openImpact(&in)))
			continue
		}
		end := in.ended()
		if end.IsZero() || end.Before(newest.Add(-ResolvedWindow)) {
			continue
		}
		mi := toIncident(&in, impact(in.StatusImpact))
		mi.ResolvedAt = end
		mi.Status = "resolved"
		recent = append(recent, mi)
	}
	if _, err := dec.Token(); err != nil {
		return monitor.Report{}, payloadErr("the incident list is cut short", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return monitor.Report{}, payloadErr("there is data after the incident list", err)
	}
	recent = trim(recent, newest)
	if len(recent) > maxResolved {
		recent = recent[:maxResolved]
	}
	rep.Resolved = recent
	return rep, nil
}

// trim drops resolved incidents that ended before the window of newest.
func trim(in []monitor.Incident, newest time.Time) []monitor.Incident {
	from := newest.Add(-ResolvedWindow)
	out := in[:0]
	for _, i := range in {
		if !i.ResolvedAt.Before(from) {
			out = append(out, i)
		}
	}
	return out
}

func payloadErr(detail string, err error) error {
	return &monitor.PayloadError{Platform: platform, Detail: detail, Err: err}
}

func impact(v string) monitor.State {
	switch strings.ToUpper(strings.TrimSpace(v)) {
	case "SERVICE_INFORMATION":
		return monitor.StateDegraded
	case "SERVICE_DISRUPTION":
		return monitor.StatePartialOutage
	case "SERVICE_OUTAGE":
		return monitor.StateMajorOutage
	}
	return monitor.StateUnknown
}

func openImpact(in *incident) monitor.State {
	if s := impact(in.StatusImpact); s != monitor.StateUnknown {
		return s
	}
	switch strings.ToLower(strings.TrimSpace(in.Severity)) {
	case "high":
		return monitor.StateMajorOutage
	case "medium":
		return monitor.StatePartialOutage
	}
	return monitor.StateDegraded
}

func toIncident(in *incident, st monitor.State) monitor.Incident {
	mi := monitor.Incident{
		ID: in.ID, Title: title(in), Impact: st, Status: "open", URL: in.URI,
		CreatedAt: in.Begin.Time, UpdatedAt: in.latest(),
	}
	if mi.CreatedAt.IsZero() {
		mi.CreatedAt = in.Created.Time
	}
	if u := in.MostRecentUpdate; u != nil {
		mi.LatestUpdate = plain(u.Text)
		if s := strings.TrimSpace(u.Status); s != "" {
			mi.Status = strings.ToLower(s)
		}
	}
	for _, p := range in.AffectedProducts {
		if p.ID != "" {
			mi.Components = append(mi.Components, p.ID)
		}
		if p.Title != "" {
			mi.Components = append(mi.Components, p.Title)
		}
	}
	return mi
}

func title(in *incident) string {
	t := plain(in.ExternalDesc)
	if t == "" {
		t = plain(in.ServiceName)
	}
	if t == "" {
		t = "Google Cloud incident " + in.ID
	}
	const max = 160
	if rs := []rune(t); len(rs) > max {
		t = strings.TrimSpace(string(rs[:max])) + "…"
	}
	return t
}

var (
	mdLink  = regexp.MustCompile(`\[([^\]]*)\]\([^)]*\)`)
	mdMarks = strings.NewReplacer("**", "", "__", "", "`", "")
)

// plain turns the Markdown Google writes its updates in into one line of text: links keep their
// words, emphasis and heading marks go, whitespace collapses.
func plain(s string) string {
	s = mdLink.ReplaceAllString(s, "$1")
	s = mdMarks.Replace(s)
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		l = strings.TrimSpace(l)
		l = strings.TrimLeft(l, "#")
		if strings.HasPrefix(l, "* ") || strings.HasPrefix(l, "- ") {
			l = l[2:]
		}
		lines[i] = l
	}
	return strings.Join(strings.Fields(strings.Join(lines, " ")), " ")
}
