package statusio_test

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paywatch/paywatch/monitor"
	"github.com/paywatch/paywatch/monitor/sourcetest"
	"github.com/paywatch/paywatch/monitor/statusio"
)

func TestParse(t *testing.T) {
	for _, tt := range []sourcetest.Scenario{
		{File: "operational.json", State: monitor.StateOperational},
		{
			File: "degraded.json", State: monitor.StateDegraded,
			Incident: "Payouts slower than usual", Update: "We identified a slow bank connection.", Status: "identified",
		},
		{
			File: "partial_outage.json", State: monitor.StatePartialOutage,
			Incident: "Some card payments fail", Update: "About one in ten card payments fail in the EU region.", Status: "investigating",
		},
		{
			// Messages out of order: the newest one counts.
			File: "major_outage.json", State: monitor.StateMajorOutage,
			Incident: "Payments unavailable", Update: "A fix is being deployed; we are monitoring.", Status: "monitoring",
		},
		{
			File: "maintenance_in_progress.json", State: monitor.StateMaintenance,
			Maint: "Dashboard upgrade", InProgress: true, Starts: "2026-05-01T08:00:00Z", Ends: "2026-05-01T12:00:00Z",
		},
		{
			File: "maintenance_ahead.json", State: monitor.StateOperational,
			Maint: "Payout system upgrade", Starts: "2026-05-09T01:00:00Z", Ends: "2026-05-09T03:00:00Z",
		},
		{
			File: "security.json", State: monitor.StateMajorOutage,
			Incident: "Security issue: Suspicious activity on card processing",
			Update:   "We have taken card processing offline while we investigate suspicious activity.", Status: "investigating",
		},
		{
			File: "security_no_incident.json", State: monitor.StateMajorOutage,
			Incident: "Security issue reported on the status page",
			Update:   "The status page reports a security event (Security Event).", Status: "security",
		},
	} {
		t.Run(tt.File, func(t *testing.T) {
			r, err := statusio.Parse(bytes.NewReader(sourcetest.ReadFile(t, filepath.Join("testdata", tt.File))))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if len(r.Components) != 3 {
				t.Errorf("got %d components, want 3", len(r.Components))
			}
			tt.Check(t, r)
		})
	}
}

func TestParseFilter(t *testing.T) {
	r, err := statusio.Parse(bytes.NewReader(sourcetest.ReadFile(t, "testdata/partial_outage.json")))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		include string
		want    monitor.State
	}{
		{"Card processing", monitor.StatePartialOutage},
		{"Payouts", monitor.StateOperational},
	} {
		if got, _, _ := monitor.Rollup(r, monitor.ComponentFilter{Include: []string{tt.include}}); got != tt.want {
			t.Errorf("Rollup filtered to %q = %v, want %v", tt.include, got, tt.want)
		}
	}
}

func TestParseRejects(t *testing.T) {
	sourcetest.Rejects(t, statusio.Parse, map[string]string{
		"statuspage shape":   `{"page":{"id":"kctbh9vrtdwd"},"status":{"indicator":"none"}}`,
		"no overall":         `{"result":{"status":[]}}`,
		"unknown code":       `{"result":{"status_overall":{"status":"Odd","status_code":700}}}`,
		"API error":          `{"status":{"error":"yes","code":404,"message":"Page not found"}}`,
		"code is not number": `{"result":{"status_overall":{"status_code":"hundred"}}}`,
	})
}

func TestStatusURL(t *testing.T) {
	for in, want := range map[string]string{
		"5b36dc6502d06804c08349f7":                                   "https://api.status.io/1.0/status/5b36dc6502d06804c08349f7",
		" 533C6539221AE15E3F000031 ":                                 "https://api.status.io/1.0/status/533c6539221ae15e3f000031",
		"https://api.status.io/1.0/status/5b36dc6502d06804c08349f7/": "https://api.status.io/1.0/status/5b36dc6502d06804c08349f7",
	} {
		if got := statusio.New(in, nil).URL(); got != want {
			t.Errorf("New(%q).URL() = %q, want %q", in, got, want)
		}
	}
}

func TestContract(t *testing.T) {
	const path = "/1.0/status/5b36dc6502d06804c08349f7"
	sourcetest.Contract(t,
		func(base string, f *monitor.Fetcher) monitor.Checker { return statusio.New(base+path, f) },
		map[string][]byte{path: sourcetest.ReadFile(t, "testdata/partial_outage.json")},
		monitor.StatePartialOutage)
}

func TestSharedFixtures(t *testing.T) {
	sourcetest.SharedFixtures(t) // skips when they are absent
	tests := []struct {
		file     string
		want     monitor.State
		security bool
	}{
		{"statusio__statuscheck-docker-partial.json", monitor.StatePartialOutage, false},
		// An incident is open at status 400, but its component is back to 100 and the page says
		// 200: the page's current statuses win over the incident's old message.
		{"statusio__statuscheck-gitlab-maintenance.json", monitor.StateMaintenance, false},
		{"statusio__statuscheck-gitlab-security.json", monitor.StateMajorOutage, true},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			r, err := statusio.Parse(bytes.NewReader(sourcetest.SharedFixture(t, tt.file)))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			sourcetest.CheckReport(t, r)
			if got, _, _ := monitor.Rollup(r, monitor.ComponentFilter{}); got != tt.want {
				t.Errorf("Rollup = %v, want %v", got, tt.want)
			}
			sec := false
			for _, in := range r.Incidents {
				sec = sec || strings.Contains(strings.ToLower(in.Title), "security")
			}
			if sec != tt.security {
				t.Errorf("an incident says security: %v, want %v (%+v)", sec, tt.security, r.Incidents)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	sourcetest.FuzzSeeds(f, "testdata", ".json")
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := statusio.Parse(bytes.NewReader(b))
		sourcetest.CheckParsed(t, r, err)
	})
}
