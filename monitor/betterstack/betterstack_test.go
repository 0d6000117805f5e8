package betterstack_test

import (
	"bytes"
	"path/filepath"
	"testing"
	"time"

	"github.com/paywatch/paywatch/monitor"
	"github.com/paywatch/paywatch/monitor/betterstack"
	"github.com/paywatch/paywatch/monitor/sourcetest"
)

// now is the moment the testdata pages are read at.
var now = time.Date(2026, 6, 1, 2, 0, 0, 0, time.UTC)

func TestParse(t *testing.T) {
	for _, tt := range []sourcetest.Scenario{
		// A resolved report and a finished maintenance are history, not news.
		{File: "operational.json", State: monitor.StateOperational},
		{File: "degraded.json", State: monitor.StateDegraded, Incident: "Payouts delayed", Update: "We found the cause: a slow bank link."},
		// One resource of three down: a partial outage, even though Better Stack says "downtime".
		{File: "partial_outage.json", State: monitor.StatePartialOutage, Incident: "Card payments failing", Update: "Card payments are failing. We are on it."},
		{File: "major_outage.json", State: monitor.StateMajorOutage, Incident: "Everything is down", Update: "Our data centre lost power."},
		{
			File: "maintenance_in_progress.json", State: monitor.StateMaintenance,
			Maint: "Payout system upgrade", InProgress: true, Starts: "2026-06-01T01:00:00Z", Ends: "2026-06-01T03:00:00Z",
		},
		{
			File: "maintenance_ahead.json", State: monitor.StateOperational,
			Maint: "Network maintenance", Starts: "2026-06-10T22:00:00Z", Ends: "2026-06-11T00:00:00Z",
		},
	} {
		t.Run(tt.File, func(t *testing.T) {
			r, err := betterstack.ParseAt(bytes.NewReader(sourcetest.ReadFile(t, filepath.Join("testdata", tt.File))), now)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if r.PageName != "Acme Pay" || r.PageURL != "https://status.acmepay.example" {
				t.Errorf("page = %q %q, want Acme Pay at https://status.acmepay.example", r.PageName, r.PageURL)
			}
			if len(r.Components) != 3 {
				t.Errorf("got %d components, want 3", len(r.Components))
			}
			tt.Check(t, r)
		})
	}
}

func TestParseComponents(t *testing.T) {
	r, err := betterstack.ParseAt(bytes.NewReader(sourcetest.ReadFile(t, "testdata/partial_outage.json")), now)
	if err != nil {
		t.Fatal(err)
	}
	want := []monitor.Component{
		{ID: "7100001", Name: "Card payments", Group: "Payments", State: monitor.StatePartialOutage},
		{ID: "7100002", Name: "Payouts", Group: "Payments", State: monitor.StateOperational},
		{ID: "7100003", Name: "Dashboard", Group: "Tools", State: monitor.StateOperational},
	}
	for i := range want {
		if r.Components[i] != want[i] {
			t.Errorf("component %d = %+v, want %+v", i, r.Components[i], want[i])
		}
	}
	if got, _, _ := monitor.Rollup(r, monitor.ComponentFilter{Include: []string{"Dashboard"}}); got != monitor.StateOperational {
		t.Errorf("Rollup filtered to Dashboard = %v, want operational", got)
	}
}

// TestParseWithoutClock: Parse cannot tell a maintenance ahead from one that is over, so it leaves
// both out, but still sees one the page shows in progress.
func TestParseWithoutClock(t *testing.T) {
	for file, want := range map[string]int{"maintenance_ahead.json": 0, "maintenance_in_progress.json": 1, "operational.json": 0} {
		r, err := betterstack.Parse(bytes.NewReader(sourcetest.ReadFile(t, filepath.Join("testdata", file))))
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Maintenances) != want {
			t.Errorf("%s: %d maintenances, want %d", file, len(r.Maintenances), want)
		}
	}
}

func TestParseRejects(t *testing.T) {
	sourcetest.Rejects(t, betterstack.Parse, map[string]string{
		"another JSON:API document": `{"data":{"id":"1","type":"monitor","attributes":{"aggregate_state":"operational"}}}`,
		"cState index.json":         `{"summaryStatus":"ok","systems":[{"name":"API","status":"ok"}]}`,
		"no data":                   `{"included":[]}`,
		"array data":                `{"data":[{"type":"status_page"}]}`,
		"malformed resource":        `{"data":{"id":"1","type":"status_page","attributes":{}},"included":[{"id":"2","type":"status_page_resource","attributes":{"public_name":5}}]}`,
	})
}

func TestIndexURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://status.latitude.so":                "https://status.latitude.so/index.json",
		"https://status.latitude.so/":               "https://status.latitude.so/index.json",
		"https://status.latitude.so/index.json":     "https://status.latitude.so/index.json",
		"https://acme.betteruptime.com/index.json/": "https://acme.betteruptime.com/index.json",
	} {
		if got := betterstack.New(in, nil).URL(); got != want {
			t.Errorf("New(%q).URL() = %q, want %q", in, got, want)
		}
	}
}

func TestContract(t *testing.T) {
	sourcetest.Contract(t,
		func(base string, f *monitor.Fetcher) monitor.Checker { return betterstack.New(base, f) },
		map[string][]byte{betterstack.IndexPath: sourcetest.ReadFile(t, "testdata/partial_outage.json")},
		monitor.StatePartialOutage)
}

func TestSharedFixtures(t *testing.T) {
	b := sourcetest.SharedFixture(t, "betterstack__latitude-index-json-trimmed.json")
	r, err := betterstack.ParseAt(bytes.NewReader(b), time.Date(2025, 6, 1, 6, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	sourcetest.CheckReport(t, r)
	// Operational now; a downtime day in the history must not count.
	if got, _, _ := monitor.Rollup(r, monitor.ComponentFilter{}); got != monitor.StateOperational {
		t.Errorf("Rollup = %v, want operational", got)
	}
	if r.PageName != "Latitude" || r.PageURL != "https://status.latitude.so" {
		t.Errorf("page = %q %q", r.PageName, r.PageURL)
	}
}

func FuzzParse(f *testing.F) {
	sourcetest.FuzzSeeds(f, "testdata", ".json")
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, at := range []time.Time{{}, now} {
			r, err := betterstack.ParseAt(bytes.NewReader(b), at)
			sourcetest.CheckParsed(t, r, err)
		}
	})
}
