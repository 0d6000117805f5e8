package monitor

import (
	"context"
	"time"
)

// Component is one part of a service as its status page lists it ("Card payments").
type Component struct {
	ID    string `json:"id,omitempty"`
	Name  string `json:"name"`
	Group string `json:"group,omitempty"`
	State State  `json:"state"`
	// Filtered is set when the user's component filter leaves it out of the service state.
	Filtered bool `json:"filtered,omitempty"`
}

// Incident is an unresolved (or, in Report.Resolved, recently resolved) incident.
type Incident struct {
	ID           string    `json:"id,omitempty"`
	Title        string    `json:"title"`
	Impact       State     `json:"impact"`
	Status       string    `json:"status"`
	URL          string    `json:"url,omitempty"`
	CreatedAt    time.Time `json:"created_at,omitzero"`
	UpdatedAt    time.Time `json:"updated_at,omitzero"`
	ResolvedAt   time.Time `json:"resolved_at,omitzero"`
	LatestUpdate string    `json:"latest_update,omitempty"`
	// Published is LatestUpdate exactly as the page published it, before the cleaning and cap
	// every output gets (pagetext.go): the history keeps it, with its hash, as evidence. It is
	// never shown as it is. It is empty when cleaning left the text as it was: LatestUpdate is
	// then what was published (read it as cmp.Or(Published, LatestUpdate)).
	Published string `json:"-"`
	// Components holds the IDs (or, where a platform has no IDs, the names) of the components
	// the incident touches.
	Components []string `json:"components,omitempty"`
	// Filtered marks an incident that touches none of the components the user watches: it is
	// shown, but never notified, acknowledged or given as the service's reason.
	Filtered bool `json:"filtered,omitempty"`
}

// Maintenance is planned work, either ahead or in progress.
type Maintenance struct {
	ID         string    `json:"id,omitempty"`
	Title      string    `json:"title"`
	Status     string    `json:"status"`
	InProgress bool      `json:"in_progress"`
	StartsAt   time.Time `json:"starts_at,omitzero"`
	EndsAt     time.Time `json:"ends_at,omitzero"`
	URL        string    `json:"url,omitempty"`
	Components []string  `json:"components,omitempty"`
	// Filtered marks work on none of the components the user watches (see Incident.Filtered).
	Filtered bool `json:"filtered,omitempty"`
}

// Report is what one source said, parsed and mapped to our scale but not yet judged.
//
// A report is never modified once a checker has returned it, nor are its slices: the checker
// returns the very same report again while the page says the same (a 304, LastParse), and the
// tracker, the pictures it shares (Update.Snapshot) and every sink hold its slices rather than
// copies, one copy of each page's news in the whole process. Code that needs a report with
// something changed copies the slices it changes first (Report.cleaned, markFiltered, Rollup
// with a filter).
type Report struct {
	PageName string
	PageURL  string
	// Platform, when set, names the platform that answered (a page detected on first check).
	Platform string
	// Indicator is the page-wide state the page itself declares; StateUnknown if it declares none.
	Indicator    State
	Components   []Component
	Incidents    []Incident
	Maintenances []Maintenance
	// Resolved lists recently resolved incidents where a platform publishes them.
	Resolved []Incident
	// Probe is set by website probes instead of the page fields above.
	Probe *ProbeResult
}

// ProbeResult is what a plain HTTPS check of a website saw.
type ProbeResult struct {
	StatusCode int
	Latency    time.Duration
	// State is the probe's verdict for this single attempt; the tracker applies hysteresis.
	State State
	// Verdict is a short phrase: "reachable", "slow", "failing", "shows an outage page".
	Verdict string
	Reason  string
	// RetryAfter is the site's own request to wait (429/503 answers), if it sent one.
	RetryAfter time.Duration
}

// Checker fetches and parses one source. A Checker never reports a fetch or parse failure as an
// outage: it returns an error, which the tracker turns into "unknown" with a readable reason.
type Checker interface {
	Check(ctx context.Context) (Report, error)
}

// CheckerFunc adapts a function to Checker.
type CheckerFunc func(ctx context.Context) (Report, error)

// Check calls f.
func (f CheckerFunc) Check(ctx context.Context) (Report, error) { return f(ctx) }

// SourceKind says whether a source is a provider's own declaration or our own measurement.
type SourceKind int

const (
	// KindPage is an official status page: what it says counts at once.
	KindPage SourceKind = iota
	// KindProbe is a check of a website from the user's network; it needs confirmation.
	KindProbe
)

func (k SourceKind) String() string {
	if k == KindProbe {
		return "probe"
	}
	return "page"
}

// Target is one source of one service, the unit the engine schedules.
type Target struct {
	ServiceID string
	SourceID  string // unique within the service, e.g. "page" or "probe:www.americanexpress.com"
	Kind      SourceKind
	Platform  string // "statuspage", "probe", …
	URL       string // what the user would open to see it
	Interval  time.Duration
	Checker   Checker
}

// Key identifies a target across the engine.
func (t Target) Key() string { return t.ServiceID + "/" + t.SourceID }

// Observation is the result of one check of one target.
type Observation struct {
	Target  string // Target.Key()
	At      time.Time
	Latency time.Duration
	Report  Report
	Err     error
}
