package statuspal_test

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paywatch/paywatch/monitor"
	"github.com/paywatch/paywatch/monitor/sourcetest"
	"github.com/paywatch/paywatch/monitor/statuspal"
)

func TestParse(t *testing.T) {
	for _, tt := range []sourcetest.Scenario{
		{File: "operational.json", State: monitor.StateOperational},
		{File: "degraded.json", State: monitor.StateDegraded, Incident: "Payouts delayed", Update: "Delays are down to about an hour.", Status: "open"},
		// Statuspal has no "partial": a major incident on one service of several is still "major",
		// which the mapping makes a major outage. A filter narrows it (see TestParseFilter).
		{File: "partial_outage.json", State: monitor.StateMajorOutage, Incident: "Card payments failing in one region", Update: "Fewer failures now; still working on it.", Status: "open"},
		// The resolved incident is left out.
		{File: "major_outage.json", State: monitor.StateMajorOutage, Incident: "Payments down", Update: "No payments go through.", Status: "investigating"},
		{
			File: "maintenance_in_progress.json", State: monitor.StateMaintenance,
			Maint: "Payout engine upgrade", InProgress: true, Starts: "2026-08-01T01:00:00Z", Ends: "2026-08-01T03:00:00Z",
		},
		{
			File: "maintenance_ahead.json", State: monitor.StateOperational,
			Maint: "Card network maintenance", Starts: "2026-08-09T22:00:00Z", Ends: "2026-08-10T00:30:00Z",
		},
	} {
		t.Run(tt.File, func(t *testing.T) {
			r, err := statuspal.Parse(bytes.NewReader(sourcetest.ReadFile(t, filepath.Join("testdata", tt.File))))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if r.PageName != "Acme Pay" || r.PageURL != "https://status.acmepay.example" {
				t.Errorf("page = %q %q", r.PageName, r.PageURL)
			}
			tt.Check(t, r)
		})
	}
}

func TestParseFilter(t *testing.T) {
	r, err := statuspal.Parse(bytes.NewReader(sourcetest.ReadFile(t, "testdata/partial_outage.json")))
	if err != nil {
		t.Fatal(err)
	}
	want := []monitor.Component{
		{ID: "101", Name: "Card payments", State: monitor.StateMajorOutage},
		{ID: "102", Name: "Payouts", State: monitor.StateOperational},
		{ID: "103", Name: "Reports", Group: "Dashboard", State: monitor.StateOperational},
		{ID: "104", Name: "Sign-in", Group: "Dashboard", State: monitor.StateOperational},
	}
	if len(r.Components) != len(want) {
		t.Fatalf("components = %+v, want %+v", r.Components, want)
	}
	for i := range want {
		if r.Components[i] != want[i] {
			t.Errorf("component %d = %+v, want %+v", i, r.Components[i], want[i])
		}
	}
	for include, want := range map[string]monitor.State{"Card payments": monitor.StateMajorOutage, "Payouts": monitor.StateOperational, "Dashboard": monitor.StateOperational} {
		if got, _, _ := monitor.Rollup(r, monitor.ComponentFilter{Include: []string{include}}); got != want {
			t.Errorf("Rollup filtered to %q = %v, want %v", include, got, want)
		}
	}
}

// TestParseLenient: fields the summary may or may not carry.
func TestParseLenient(t *testing.T) {
	r, err := statuspal.Parse(strings.NewReader(`{"status_page":{"name":"Minimal","subdomain":"minimal"},
		"incidents":[{"name":"Login trouble","type":"minor","services":[{"name":"Login"}],"current_status":{"description":"Looking into it."}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if r.PageURL != "https://minimal.statuspal.io" {
		t.Errorf("PageURL = %q", r.PageURL)
	}
	if len(r.Incidents) != 1 || r.Incidents[0].Title != "Login trouble" || r.Incidents[0].LatestUpdate != "Looking into it." || r.Incidents[0].Impact != monitor.StateDegraded {
		t.Errorf("incidents = %+v", r.Incidents)
	}
}

func TestParseRejects(t *testing.T) {
	sourcetest.Rejects(t, statuspal.Parse, map[string]string{
		"statuspage shape":  `{"page":{"id":"x"},"status":{"indicator":"none"}}`,
		"no status_page":    `{"services":[],"incidents":[]}`,
		"status_page array": `{"status_page":[]}`,
		"services not list": `{"status_page":{"name":"x"},"services":{"id":1}}`,
	})
}

func TestSummaryURL(t *testing.T) {
	for in, want := range map[string]string{
		"acmepay":                       "https://statuspal.io/api/v2/status_pages/acmepay/summary",
		"https://acmepay.statuspal.io/": "https://statuspal.io/api/v2/status_pages/acmepay/summary",
		"https://acme.statuspal.eu":     "https://statuspal.eu/api/v2/status_pages/acme/summary",
		"https://statuspal.io/api/v2/status_pages/acmepay/summary": "https://statuspal.io/api/v2/status_pages/acmepay/summary",
		"https://statuspal.io/api/v2/status_pages/acmepay":         "https://statuspal.io/api/v2/status_pages/acmepay/summary",
		"https://statuspal.eu/api/v2/status_pages/acme/status":     "https://statuspal.eu/api/v2/status_pages/acme/summary",
	} {
		if got := statuspal.New(in, nil).URL(); got != want {
			t.Errorf("New(%q).URL() = %q, want %q", in, got, want)
		}
	}
}

func TestContract(t *testing.T) {
	const path = "/api/v2/status_pages/acmepay/summary"
	sourcetest.Contract(t,
		func(base string, f *monitor.Fetcher) monitor.Checker { return statuspal.New(base+path, f) },
		map[string][]byte{path: sourcetest.ReadFile(t, "testdata/degraded.json")},
		monitor.StateDegraded)
}

func FuzzParse(f *testing.F) {
	sourcetest.FuzzSeeds(f, "testdata", ".json")
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := statuspal.Parse(bytes.NewReader(b))
		sourcetest.CheckParsed(t, r, err)
	})
}
