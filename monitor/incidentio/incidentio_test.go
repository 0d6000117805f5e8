package incidentio_test

import (
	"bytes"
	"path/filepath"
	"slices"
	"testing"

	"github.com/paywatch/paywatch/monitor"
	"github.com/paywatch/paywatch/monitor/incidentio"
	"github.com/paywatch/paywatch/monitor/sourcetest"
)

func TestParse(t *testing.T) {
	for _, tt := range []sourcetest.Scenario{
		{File: "operational.json", State: monitor.StateOperational},
		{
			File: "degraded.json", State: monitor.StateDegraded,
			Incident: "Slow payouts to some banks", Update: "Payouts are taking longer than usual. We are looking into it.",
		},
		{
			File: "partial_outage.json", State: monitor.StatePartialOutage,
			Incident: "Card payments failing in Europe", Update: "We found the cause and are rolling out a fix.",
		},
		{
			File: "major_outage.json", State: monitor.StateMajorOutage, Incidents: 2,
			Incident: "All payments are down", Update: "No payments can be taken right now. Everyone is on it.",
		},
		{
			File: "maintenance_in_progress.json", State: monitor.StateMaintenance,
			Maint: "Database upgrade", InProgress: true, Starts: "2026-03-04T02:00:00Z", Ends: "2026-03-04T04:00:00Z",
		},
		{
			File: "maintenance_ahead.json", State: monitor.StateOperational,
			Maint: "Network maintenance", Starts: "2026-03-10T01:00:00Z", Ends: "2026-03-10T03:30:00Z",
		},
	} {
		t.Run(tt.File, func(t *testing.T) {
			r, err := incidentio.Parse(bytes.NewReader(sourcetest.ReadFile(t, filepath.Join("testdata", tt.File))))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if r.PageName != "Acme Payments" {
				t.Errorf("PageName = %q, want %q", r.PageName, "Acme Payments")
			}
			tt.Check(t, r)
		})
	}
}

func TestParseDetails(t *testing.T) {
	r, err := incidentio.Parse(bytes.NewReader(sourcetest.ReadFile(t, "testdata/major_outage.json")))
	if err != nil {
		t.Fatal(err)
	}
	// The second incident names no impact and no components: it still counts as a problem.
	if got := r.Incidents[1].Impact; got != monitor.StateDegraded {
		t.Errorf("impact of an incident with no impact = %v, want degraded", got)
	}
	if got, want := r.Incidents[0].Components, []string{"01J8Z3AAAAAAAAAAAAAAAAAAA2", "Card payments"}; !slices.Equal(got, want) {
		t.Errorf("components = %q, want %q", got, want)
	}
	// A filter on a component the incident touches keeps it; the rest of the page does not count.
	if got, _, _ := monitor.Rollup(r, monitor.ComponentFilter{Include: []string{"Card payments"}}); got != monitor.StateMajorOutage {
		t.Errorf("filtered Rollup = %v, want major_outage", got)
	}
}

func TestParseRejects(t *testing.T) {
	sourcetest.Rejects(t, incidentio.Parse, map[string]string{
		"another platform": `{"page":{"id":"kctbh9vrtdwd","name":"GitHub"},"status":{"indicator":"none"}}`,
		"empty object":     `{}`,
		"array":            `[]`,
		"null":             `null`,
		"wrong list type":  `{"page_title":"x","ongoing_incidents":{"id":"1"}}`,
		"truncated":        `{"page_title":"Acme","ongoing_incidents":[{"id":"1","name":"Do`,
	})
}

func TestParseByteOrderMark(t *testing.T) {
	b := append([]byte("\xef\xbb\xbf"), sourcetest.ReadFile(t, "testdata/degraded.json")...)
	if _, err := incidentio.Parse(bytes.NewReader(b)); err != nil {
		t.Fatalf("Parse with a byte-order mark: %v", err)
	}
}

func TestNewURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://status.flyio.net":                  "https://status.flyio.net/api/v1/summary",
		"https://status.flyio.net/":                 "https://status.flyio.net/api/v1/summary",
		"https://status.flyio.net/api/v1/summary":   "https://status.flyio.net/api/v1/summary",
		" https://www.replicatestatus.com/api/v1/ ": "https://www.replicatestatus.com/api/v1/summary",
	} {
		if got := incidentio.New(in, nil).URL(); got != want {
			t.Errorf("New(%q).URL() = %q, want %q", in, got, want)
		}
	}
}

func TestContract(t *testing.T) {
	sourcetest.Contract(t,
		func(base string, f *monitor.Fetcher) monitor.Checker { return incidentio.New(base, f) },
		map[string][]byte{incidentio.SummaryPath: sourcetest.ReadFile(t, "testdata/partial_outage.json")},
		monitor.StatePartialOutage)
}

// TestSharedFixtures parses the real payloads kept next to the repository, when they are there.
func TestSharedFixtures(t *testing.T) {
	b := sourcetest.SharedFixture(t, "incidentio__fitnudge-widget-api-v1-summary.json")
	r, err := incidentio.Parse(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	sourcetest.CheckReport(t, r)
	if got, _, _ := monitor.Rollup(r, monitor.ComponentFilter{}); got != monitor.StatePartialOutage {
		t.Errorf("Rollup = %v, want partial_outage", got)
	}
	if len(r.Maintenances) != 2 || !r.Maintenances[0].InProgress || r.Maintenances[1].InProgress {
		t.Errorf("maintenances = %+v, want one in progress and one ahead", r.Maintenances)
	}
}

func FuzzParse(f *testing.F) {
	sourcetest.FuzzSeeds(f, "testdata", ".json")
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := incidentio.Parse(bytes.NewReader(b))
		sourcetest.CheckParsed(t, r, err)
	})
}
