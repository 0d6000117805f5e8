package feed

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paywatch/paywatch/monitor"
	"github.com/paywatch/paywatch/monitor/sourcetest"
)

func parseFile(t testing.TB, path string, fl Flavor) (monitor.Report, error) {
	t.Helper()
	return ParseAs(bytes.NewReader(sourcetest.ReadFile(t, path)), fl)
}

func TestParse(t *testing.T) {
	tests := []struct {
		file   string
		flavor Flavor
		want   monitor.State
		// The first open incident, or else the first maintenance.
		title, update string
		incidents     int
		maintenances  int
		inProgress    bool
		resolved      []string
	}{
		{file: "paypal_operational.atom", flavor: PayPal, want: monitor.StateOperational,
			resolved: []string{"Delayed payout notifications for some merchants"}},
		{file: "paypal_incident.atom", flavor: PayPal, want: monitor.StatePartialOutage, incidents: 1,
			title:    "Braintree - some merchants are unable to process card payments",
			update:   "We are aware that some Braintree merchants are unable to process card payments & refunds. Our teams are investigating.",
			resolved: []string{"Delayed payout notifications for some merchants"}},
		{file: "paypal_maintenance_ahead.atom", flavor: PayPal, want: monitor.StateOperational, maintenances: 1,
			title: "Planned maintenance for PayPal Here card readers"},
		{file: "paypal_maintenance.atom", flavor: PayPal, want: monitor.StateMaintenance, maintenances: 1, inProgress: true,
			title: "Scheduled maintenance for PayPal Here card readers"},
		{file: "aws_empty.rss", flavor: AWS, want: monitor.StateOperational},
		{file: "aws_disruption.rss", flavor: AWS, want: monitor.StateMajorOutage, incidents: 1,
			title:    "Increased API Error Rates",
			update:   "We continue to work on recovering DynamoDB in EU-WEST-1. Requests to the service are failing.",
			resolved: []string{"Delayed CloudWatch metrics"}},
		{file: "aws_impact.rss", flavor: AWS, want: monitor.StatePartialOutage, incidents: 2,
			title: "Delayed billing data", update: "Billing data in the console may be delayed by up to 6 hours."},
		{file: "azure_empty.rss", flavor: Azure, want: monitor.StateOperational},
		{file: "azure_active.rss", flavor: Azure, want: monitor.StateDegraded, incidents: 1,
			title:  "Azure SQL Database - Degraded performance in West Europe",
			update: "Impact Statement: Starting at 08:12 UTC on 21 May 2026, a subset of customers using Azure SQL Database in West Europe may experience slow queries and intermittent connection timeouts. Current Status: We are investigating. The next update will be provided in 60 minutes."},
		{file: "history_operational.atom", flavor: History, want: monitor.StateOperational,
			resolved: []string{"Card authorisations failing for some issuers"}},
		{file: "history_degraded.atom", flavor: History, want: monitor.StateDegraded, incidents: 1,
			title: "Delayed webhooks", update: "A fix has been applied and webhook deliveries are catching up.",
			resolved: []string{"Card authorisations failing for some issuers"}},
		{file: "history_partial.rss", flavor: History, want: monitor.StatePartialOutage, incidents: 1,
			title:  "Payouts to some banks are down",
			update: "Payouts to a subset of European banks fail. We have identified the cause and are working on a fix."},
		{file: "history_major.atom", flavor: History, want: monitor.StateMajorOutage, incidents: 1,
			title:  "Payments API unavailable",
			update: "All requests to the Payments API are failing. We are restoring the database <primary>."},
		{file: "history_maintenance.atom", flavor: History, want: monitor.StateMaintenance, maintenances: 1, inProgress: true,
			title: "Database upgrade for reporting", update: "Scheduled maintenance is currently in progress. Reports may be out of date."},
		{file: "history_scheduled.atom", flavor: History, want: monitor.StateOperational, maintenances: 1,
			title: "Database upgrade for reporting"},
	}
	for _, tt := range tests {
		for _, fl := range []Flavor{tt.flavor, Auto} {
			t.Run(tt.file+"/"+fl.String(), func(t *testing.T) {
				r, err := parseFile(t, filepath.Join("testdata", tt.file), fl)
				if err != nil {
					t.Fatalf("Parse: %v", err)
				}
				sourcetest.CheckReport(t, r)
				if got, _, _ := monitor.Rollup(r, monitor.ComponentFilter{}); got != tt.want {
					t.Errorf("state: got %v, want %v", got, tt.want)
				}
				if len(r.Incidents) != tt.incidents {
					t.Fatalf("incidents: got %d, want %d: %+v", len(r.Incidents), tt.incidents, r.Incidents)
				}
				if len(r.Maintenances) != tt.maintenances {
					t.Fatalf("maintenances: got %d, want %d: %+v", len(r.Maintenances), tt.maintenances, r.Maintenances)
				}
				switch {
				case tt.incidents > 0:
					in := r.Incidents[0]
					if in.Title != tt.title {
						t.Errorf("title: got %q, want %q", in.Title, tt.title)
					}
					if in.LatestUpdate != tt.update {
						t.Errorf("latest update: got %q, want %q", in.LatestUpdate, tt.update)
					}
				case tt.maintenances > 0:
					m := r.Maintenances[0]
					if m.Title != tt.title {
						t.Errorf("maintenance title: got %q, want %q", m.Title, tt.title)
					}
					if m.InProgress != tt.inProgress {
						t.Errorf("in progress: got %v, want %v", m.InProgress, tt.inProgress)
					}
				}
				var resolved []string
				for _, in := range r.Resolved {
					resolved = append(resolved, in.Title)
				}
				if got, want := strings.Join(resolved, "|"), strings.Join(tt.resolved, "|"); got != want {
					t.Errorf("resolved: got %q, want %q", got, want)
				}
			})
		}
	}
}

func TestParseDetails(t *testing.T) {
	r, err := parseFile(t, filepath.Join("testdata", "aws_disruption.rss"), Auto)
	if err != nil {
		t.Fatal(err)
	}
	in := r.Incidents[0]
	if got := strings.Join(in.Components, ","); got != "dynamodb-eu-west-1" {
		t.Errorf("components: got %q", got)
	}
	if in.Status != "service disruption" {
		t.Errorf("status: got %q", in.Status)
	}
	if want := time.Date(2026, 5, 12, 17, 15, 0, 0, time.UTC); !in.UpdatedAt.Equal(want) {
		t.Errorf("updated: got %v, want %v", in.UpdatedAt, want)
	}
	if r.PageName != "Amazon Web Services Service Status" || r.PageURL != "https://status.aws.amazon.com/" {
		t.Errorf("page: got %q %q", r.PageName, r.PageURL)
	}

	r, err = parseFile(t, filepath.Join("testdata", "history_degraded.atom"), Auto)
	if err != nil {
		t.Fatal(err)
	}
	in = r.Incidents[0]
	if r.PageName != "Example Pay Status" {
		t.Errorf("page name: got %q", r.PageName)
	}
	if in.Status != "monitoring (severity read from its words)" || in.URL != "https://status.example-pay.com/incidents/z9x8c7v6b5n4" {
		t.Errorf("status, url: got %q, %q", in.Status, in.URL)
	}
	if r.Resolved[0].ResolvedAt.IsZero() || r.Resolved[0].Status != "resolved" {
		t.Errorf("resolved: got %+v", r.Resolved[0])
	}

	r, err = parseFile(t, filepath.Join("testdata", "azure_active.rss"), Azure)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(r.Incidents[0].Components, ","); got != "Azure SQL Database,West Europe" {
		t.Errorf("azure components: got %q", got)
	}
}

func TestParseErrors(t *testing.T) {
	for _, file := range []string{"webpage.html", "not_a_feed.xml"} {
		t.Run(file, func(t *testing.T) {
			_, err := parseFile(t, filepath.Join("testdata", file), Auto)
			sourcetest.ExpectPayloadError(t, err)
		})
	}
	sourcetest.Rejects(t, Parse, map[string]string{
		"empty":     "",
		"json":      `{"version":"https://jsonfeed.org/version/1.1","title":"x","items":[]}`,
		"truncated": `<?xml version="1.0"?><rss version="2.0"><channel><title>x</title><item><title>Outage</ti`,
		"text":      "all good",
		"xhtml":     `<?xml version="1.0"?><!-- page --><html xmlns="http://www.w3.org/1999/xhtml"><body/></html>`,
	})
}

func TestKeywordImpact(t *testing.T) {
	tests := map[string]monitor.State{
		"Payments API is down":                              monitor.StateMajorOutage,
		"Checkout unavailable for some customers":           monitor.StatePartialOutage,
		"Partial outage of card payments":                   monitor.StatePartialOutage,
		"Major outage: all payments failing":                monitor.StateMajorOutage,
		"Intermittently unavailable dashboard":              monitor.StatePartialOutage,
		"Delayed payouts":                                   monitor.StateDegraded,
		"Elevated errors on the API":                        monitor.StateDegraded,
		"Slowdown in the dashboard":                         monitor.StateDegraded,
		"Downloads of reports are slow":                     monitor.StateDegraded,
		"We are looking into reports from merchants":        monitor.StateDegraded,
		"Users can’t log in: login is not working for some": monitor.StatePartialOutage,
	}
	for text, want := range tests {
		if got := keywordImpact(text); got != want {
			t.Errorf("keywordImpact(%q): got %v, want %v", text, got, want)
		}
	}
}

func TestTitleStatus(t *testing.T) {
	tests := []struct{ in, status, rest string }{
		{"Resolved: Card payments failing", "Resolved", "Card payments failing"},
		{"[Resolved] Card payments failing", "Resolved", "Card payments failing"},
		{"Initial Notification: Braintree - errors", "Initial Notification", "Braintree - errors"},
		{"Service is operating normally: [RESOLVED] Delayed metrics", "Service is operating normally", "Delayed metrics"},
		{"Mitigated - Azure Front Door errors", "Mitigated", "Azure Front Door errors"},
		{"Azure SQL Database - Degraded performance", "", "Azure SQL Database - Degraded performance"},
		{"Note: nothing", "", "Note: nothing"},
	}
	for _, tt := range tests {
		s, r := titleStatus(tt.in)
		if s != tt.status || r != tt.rest {
			t.Errorf("titleStatus(%q): got %q, %q, want %q, %q", tt.in, s, r, tt.status, tt.rest)
		}
	}
}

func TestPlainText(t *testing.T) {
	tests := map[string]string{
		"plain   text\n here":                           "plain text here",
		"<p>a</p><p>b</p>":                              "a b",
		"x &amp; y &lt;z&gt; &#39;q&#39; &nbsp;end":     "x & y <z> 'q' end",
		"<script>alert(1)</script><style>p{}</style>ok": "ok",
		"<a href=\"javascript:x\">link</a> text":        "link text",
		"unclosed <b>bold":                              "unclosed bold",
		"a<br>b":                                        "a b",
		"5 < 6 and 7 > 3":                               "5 < 6 and 7 > 3",
	}
	for in, want := range tests {
		if got := PlainText(in); got != want {
			t.Errorf("PlainText(%q): got %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string][2]string{
		"<p><small>May 1</small><br><strong>Resolved</strong> - Fixed.</p><p><strong>Investigating</strong> - Looking.</p>": {"Resolved", "Fixed."},
		"<p><strong>Resolved</strong></p><p>All good again.</p><p><strong>Identified</strong></p><p>Cause found.</p>":       {"Resolved", "All good again."},
		"<p><strong>Impact:</strong> slow</p><p><strong>Monitoring</strong>: fix applied</p>":                               {"Monitoring", "fix applied"},
		"<p>No status here &amp; there</p>": {"", "No status here & there"},
	} {
		st, text := statusAndText(in, knownStatus)
		if st != want[0] || text != want[1] {
			t.Errorf("statusAndText(%q): got %q, %q, want %q, %q", in, st, text, want[0], want[1])
		}
	}
	if got := PlainText(strings.Repeat("word ", 500)); len([]rune(got)) > maxUpdate+1 {
		t.Errorf("PlainText did not clip: %d runes", len([]rune(got)))
	}
}

func TestDetectFlavor(t *testing.T) {
	tests := map[string]Flavor{
		"https://www.paypal-status.com/feed/atom":                   PayPal,
		"https://status.aws.amazon.com/rss/all.rss":                 AWS,
		"https://status.aws.amazon.com/rss/ec2-us-east-1.rss":       AWS,
		"https://azure.status.microsoft/en-us/status/feed/":         Azure,
		"https://rssfeed.azure.status.microsoft/en-us/status/feed/": Azure,
		"https://www.githubstatus.com/history.atom":                 History,
		"https://status.example.com/feed.atom":                      Auto,
		"https://paypal-status.com.evil.example/feed":               Auto,
	}
	for u, want := range tests {
		if got := DetectFlavor(u); got != want {
			t.Errorf("DetectFlavor(%q): got %v, want %v", u, got, want)
		}
	}
	var f Flavor
	if err := f.UnmarshalText([]byte("AWS")); err != nil || f != AWS {
		t.Errorf("UnmarshalText(AWS): got %v, %v", f, err)
	}
	if err := f.UnmarshalText([]byte("rss")); err == nil {
		t.Error("UnmarshalText(rss): want an error")
	}
	if c := NewFlavor("https://status.example.com/events.xml", nil, AWS); c.Flavor() != AWS {
		t.Errorf("NewFlavor: got %v", c.Flavor())
	}
}

func TestCheck(t *testing.T) {
	body := sourcetest.ReadFile(t, "testdata/history_degraded.atom")
	mux := http.NewServeMux()
	mux.HandleFunc("/history.atom", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/atom+xml")
		w.Write(body)
	})
	mux.HandleFunc("/page.atom", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("\n<!DOCTYPE html><html><body>Status</body></html>"))
	})
	mux.HandleFunc("/empty.atom", func(w http.ResponseWriter, r *http.Request) {})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	f := monitor.NewFetcher(monitor.FetcherOptions{})

	r, err := NewWith(srv.URL+"/history.atom", f, noAgeLimit).Check(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got, _, _ := monitor.Rollup(r, monitor.ComponentFilter{}); got != monitor.StateDegraded {
		t.Errorf("state: got %v, want degraded", got)
	}
	for path, kind := range map[string]monitor.ErrKind{"/page.atom": monitor.ErrHTML, "/empty.atom": monitor.ErrEmpty} {
		_, err := New(srv.URL+path, f).Check(context.Background())
		var fe *monitor.FetchError
		if !errors.As(err, &fe) || fe.Kind != kind {
			t.Errorf("%s: got %v, want fetch error kind %v", path, err, kind)
		}
	}
}

func TestContract(t *testing.T) {
	for _, tt := range []struct {
		file, path string
		want       monitor.State
	}{
		{"paypal_incident.atom", "/feed/atom", monitor.StatePartialOutage},
		{"aws_disruption.rss", "/rss/all.rss", monitor.StateMajorOutage},
		{"history_maintenance.atom", "/history.atom", monitor.StateMaintenance},
	} {
		t.Run(tt.file, func(t *testing.T) {
			sourcetest.Contract(t, func(base string, f *monitor.Fetcher) monitor.Checker { return NewWith(base+tt.path, f, noAgeLimit) },
				map[string][]byte{tt.path: sourcetest.ReadFile(t, filepath.Join("testdata", tt.file))}, tt.want)
		})
	}
}

// TestCorpus parses the shared real payloads when they are present (../../../shared/fixtures).
func TestCorpus(t *testing.T) {
	// From INDEX.md.
	want := map[string]struct {
		state               monitor.State
		incidents, resolved int
	}{
		// "Service disruption (ME-CENTRAL-1) + Service impact (ME-SOUTH-1)"; ME-CENTRAL-1's two
		// items are one event.
		"aws__tuip-all-rss-fixture.xml": {monitor.StateMajorOutage, 2, 0},
		// "history only (Resolved entries)"; one of the two ended within a week of the feed's
		// last update.
		"statuspage__githubstatus-history-atom-fixture.xml": {monitor.StateOperational, 0, 1},
	}
	patterns := []string{"aws__*.xml", "statuspage__githubstatus-history-atom-fixture.xml"}
	sourcetest.Corpus(t, patterns, func(t *testing.T, name string, b []byte) {
		r, err := Parse(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("Parse: %v", err)
		}
		sourcetest.CheckReport(t, r)
		w, ok := want[name]
		if !ok {
			t.Skipf("no expectation recorded for %s", name)
		}
		if got, _, _ := monitor.Rollup(r, monitor.ComponentFilter{}); got != w.state {
			t.Errorf("state: got %v, want %v", got, w.state)
		}
		if len(r.Incidents) != w.incidents || len(r.Resolved) != w.resolved {
			t.Errorf("incidents, resolved: got %d, %d, want %d, %d", len(r.Incidents), len(r.Resolved), w.incidents, w.resolved)
		}
	})
}

func FuzzParse(f *testing.F) {
	sourcetest.FuzzSeeds(f, "testdata", "")
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, fl := range []Flavor{Auto, AWS} {
			r, err := ParseAs(bytes.NewReader(b), fl)
			if !sourcetest.CheckParsed(t, r, err) {
				continue
			}
			if got, _, _ := monitor.Rollup(r, monitor.ComponentFilter{}); got < monitor.StateUnknown || got > monitor.StateMajorOutage {
				t.Fatalf("rollup %v out of range", got)
			}
		}
	})
}

// noAgeLimit reads the testdata feeds, whose items are months or years old, as open.
var noAgeLimit = Options{MaxAge: -1}

// A polling checker applies the age limit: the testdata incident, left without an update for
// far longer than a week, no longer counts as open, and a 304 is read again at its own time.
func TestCheckerAgesOutStaleIncidents(t *testing.T) {
	body := sourcetest.ReadFile(t, "testdata/history_degraded.atom")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/atom+xml")
		w.Write(body)
	}))
	defer srv.Close()
	f := monitor.NewFetcher(monitor.FetcherOptions{})
	for _, tt := range []struct {
		name string
		c    *Checker
		want monitor.State
	}{
		{"default limit", New(srv.URL+"/history.atom", f), monitor.StateOperational},
		{"limit off", NewWith(srv.URL+"/history.atom", f, noAgeLimit), monitor.StateDegraded},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r, err := tt.c.Check(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if got, _, _ := monitor.Rollup(r, monitor.ComponentFilter{}); got != tt.want {
				t.Errorf("state: got %v, want %v", got, tt.want)
			}
		})
	}
}

// Cachet 1.x feeds put an incident's status, text, component and times in elements of their
// own; they are read like the standard ones.
func TestCachetOwnElements(t *testing.T) {
	item := func(status string) string {
		return `<?xml version="1.0"?><rss version="2.0"><channel><title>Status</title><item><title>Paiements par carte</title>` +
			`<message>Les paiements échouent pour certains clients.</message><component>Paiements</component>` +
			`<status>` + status + `</status><created_at>2026-12-01 09:00:00</created_at><updated_at>2026-12-01 09:30:00</updated_at></item></channel></rss>`
	}
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		status string
		open   bool
	}{{"Corrigé", false}, {"Investigating", true}} {
		r, err := ParseWith(strings.NewReader(item(tt.status)), Options{Now: now})
		if err != nil {
			t.Fatal(err)
		}
		if got := len(r.Incidents) == 1; got != tt.open {
			t.Errorf("status %q: open incidents %+v, want open %v", tt.status, r.Incidents, tt.open)
		}
		all := append(r.Incidents, r.Resolved...)
		if len(all) != 1 || !all[0].UpdatedAt.Equal(time.Date(2026, 12, 1, 9, 30, 0, 0, time.UTC)) || !strings.Contains(all[0].LatestUpdate, "échouent") {
			t.Errorf("status %q: incident %+v, want its <updated_at> time and its <message> text", tt.status, all)
		}
	}
}
