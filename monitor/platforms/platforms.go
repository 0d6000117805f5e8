// Package platforms is the table of status platforms Paywatch reads. Each entry says the name
// config uses, how to build the platform's checker, which parser reads its answers, and how
// detection recognises it; the checkers Resolve builds, the candidates detection tries and the
// platform names config accepts are all derived from it. Adding a platform is one package under
// monitor/ and one entry here.
package platforms

import (
	"io"

	"github.com/paywatch/paywatch/monitor"
	"github.com/paywatch/paywatch/monitor/betterstack"
	"github.com/paywatch/paywatch/monitor/cachet"
	"github.com/paywatch/paywatch/monitor/detect"
	"github.com/paywatch/paywatch/monitor/feed"
	"github.com/paywatch/paywatch/monitor/gcp"
	"github.com/paywatch/paywatch/monitor/incidentio"
	"github.com/paywatch/paywatch/monitor/instatus"
	"github.com/paywatch/paywatch/monitor/slack"
	"github.com/paywatch/paywatch/monitor/sorry"
	"github.com/paywatch/paywatch/monitor/statusio"
	"github.com/paywatch/paywatch/monitor/statuspage"
	"github.com/paywatch/paywatch/monitor/statuspal"
	"github.com/paywatch/paywatch/monitor/stripe"
)

// Platform is one entry of the table.
type Platform struct {
	// Name is what config's platform: says ("statuspage").
	Name string
	// Label names the platform for people ("Atlassian Statuspage").
	Label string
	// New builds a checker polling the page at url (a page's address, or the endpoint detection
	// found; every checker accepts both).
	New func(url string, f *monitor.Fetcher) monitor.Checker
	// Parse reads the answer of the endpoint detection fetches.
	Parse func(io.Reader) (monitor.Report, error)
	// BigBody says the platform's answers outgrow the default body cap: its checker and its
	// detection fetch with the big fetcher.
	BigBody bool
	// Detect lists how detection finds the platform, in order: paths to try under an address and
	// the shape their answer must have, addresses to find in its home page, or host names that
	// give the platform away (hosts.go). Each becomes a detect.Candidate with this entry's
	// Platform, Label, Parse and fetcher.
	Detect []detect.Candidate
	// Example is a payload Parse must read, relative to the monitor folder.
	Example string
}

// All returns the table, in the order detection tries the platforms (PLATFORMS.md §14):
// Statuspage and incident.io's copy of its API, incident.io's widget API, Instatus, Better Stack,
// Cachet 2 and 3, a status.io page id in the home page, then RSS or Atom feeds; the platforms
// known by host name only come last. Host names are recognised before any search.
func All() []Platform {
	return []Platform{
		{Name: "statuspage", Label: "Atlassian Statuspage", New: checker(statuspage.New), Parse: statuspage.Parse,
			Detect:  []detect.Candidate{{Paths: []string{statuspage.SummaryPath}, Accept: detect.StatuspageID}},
			Example: "statuspage/testdata/operational.json"},
		{Name: "incidentio", Label: "incident.io (Statuspage-compatible API)", New: checker(statuspage.New), Parse: statuspage.Parse,
			Detect:  []detect.Candidate{{Paths: []string{statuspage.SummaryPath}, Accept: detect.IncidentioID}},
			Example: "statuspage/testdata/incidentio_compat.json"},
		{Name: "incidentio_widget", Label: "incident.io (widget API)", New: checker(incidentio.New), Parse: incidentio.Parse,
			Detect:  []detect.Candidate{{Paths: []string{incidentio.SummaryPath}, Accept: detect.HasKey("ongoing_incidents")}},
			Example: "incidentio/testdata/operational.json"},
		{Name: "instatus", Label: "Instatus", New: checker(instatus.New), Parse: instatus.Parse,
			Detect:  []detect.Candidate{{Paths: []string{instatus.SummaryPath}, Accept: detect.InstatusPage}},
			Example: "instatus/testdata/operational.json"},
		{Name: "betterstack", Label: "Better Stack", New: checker(betterstack.New), Parse: betterstack.ParseNow,
			Detect:  []detect.Candidate{{Paths: []string{betterstack.IndexPath}, Accept: detect.BetterstackPage}},
			Example: "betterstack/testdata/operational.json"},
		// Detection reads Cachet's component list, which says nothing of the page as a whole.
		{Name: "cachet", Label: "Cachet", New: checker(cachet.New), Parse: cachetComponents,
			Detect: []detect.Candidate{
				{Require: &detect.Gate{Path: "/api/v1/ping", Accept: detect.IsPong}, Paths: []string{"/api/v1/components?per_page=100"}},
				{Require: &detect.Gate{Path: "/api/ping", Accept: detect.IsPong}, Paths: []string{"/api/components?per_page=100"}},
			},
			Example: "cachet/testdata/v2/operational/components.json"},
		{Name: "statusio", Label: "status.io", New: checker(statusio.New), Parse: statusio.Parse,
			Detect:  []detect.Candidate{{Locate: detect.StatusioPages, Host: statusioHost}},
			Example: "statusio/testdata/operational.json"},
		{Name: "feed", Label: "RSS/Atom feed", New: checker(feed.New), Parse: feed.Parse,
			Detect:  []detect.Candidate{{Feed: true, Locate: detect.FeedLinks, Paths: detect.FeedPaths}},
			Example: "feed/testdata/history_operational.atom"},
		// Known by host name only.
		{Name: "stripe", Label: "Stripe's status API", New: checker(stripe.New), Parse: stripe.Parse,
			Detect:  []detect.Candidate{{Host: stripeHost}},
			Example: "stripe/testdata/operational.json"},
		{Name: "slack", Label: "Slack's status API", New: checker(slack.New), Parse: slack.Parse,
			Detect:  []detect.Candidate{{Host: slackHost}},
			Example: "slack/testdata/operational.json"},
		{Name: "gcp", Label: "Google Cloud's status dashboard", New: checker(gcp.New), Parse: gcp.Parse, BigBody: true,
			Detect:  []detect.Candidate{{Host: gcpHost}},
			Example: "gcp/testdata/operational.json"},
		{Name: "sorry", Label: "Sorry", New: checker(sorry.New), Parse: sorry.Parse,
			Detect:  []detect.Candidate{{Host: sorryHost}},
			Example: "sorry/testdata/operational.json"},
		{Name: "statuspal", Label: "Statuspal", New: checker(statuspal.New), Parse: statuspal.Parse,
			Detect:  []detect.Candidate{{Host: statuspalHost}},
			Example: "statuspal/testdata/operational.json"},
	}
}

// checker adapts a platform package's New, which returns its concrete checker type.
func checker[C monitor.Checker](build func(string, *monitor.Fetcher) C) func(string, *monitor.Fetcher) monitor.Checker {
	return func(u string, f *monitor.Fetcher) monitor.Checker { return build(u, f) }
}

func cachetComponents(r io.Reader) (monitor.Report, error) {
	c, err := cachet.ParseComponents(r)
	return monitor.Report{Indicator: monitor.StateUnknown, Components: c}, err
}

// Names lists the platform names config accepts, in table order.
func Names() []string {
	var out []string
	for _, p := range All() {
		out = append(out, p.Name)
	}
	return out
}

// Checkers maps each platform name to a function building its checker. Checkers fetch through
// f, or through big for platforms whose answers outgrow f's body cap.
func Checkers(f, big *monitor.Fetcher) map[string]func(url string) monitor.Checker {
	m := map[string]func(string) monitor.Checker{}
	for _, p := range All() {
		fetch := fetcherFor(p, f, big)
		m[p.Name] = func(u string) monitor.Checker { return p.New(u, fetch) }
	}
	return m
}

// Candidates are what detection tries, in table order. big, when not nil, fetches the endpoints
// of platforms whose answers outgrow the default body cap; nil means detection's own fetcher.
func Candidates(big *monitor.Fetcher) []detect.Candidate {
	var out []detect.Candidate
	for _, p := range All() {
		for _, c := range p.Detect {
			c.Platform, c.Label, c.Parse = p.Name, p.Label, p.Parse
			if p.BigBody {
				c.Fetcher = big
			}
			out = append(out, c)
		}
	}
	return out
}

func fetcherFor(p Platform, f, big *monitor.Fetcher) *monitor.Fetcher {
	if p.BigBody && big != nil {
		return big
	}
	return f
}
