package statuspal_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paywatch/paywatch/monitor"
	"github.com/paywatch/paywatch/monitor/sourcetest"
	"github.com/paywatch/paywatch/monitor/statuspal"
)

func TestParse(t *testing.T) {
	tests := []struct {
		file       string
		want       monitor.State
		incident   string
		update     string
		status     string
		maint      string
		inProgress bool
		starts     string
		ends       string
	}{
		{file: "operational.json", want: monitor.StateOperational},
		{file: "degraded.json", want: monitor.StateDegraded, incident: "Payouts delayed", update: "Delays are down to about an hour.", status: "open"},
		// Statuspal has no "partial": a major incident on one service of several is still "major",
		// which the mapping makes a major outage. A filter narrows it (see TestParseFilter).
		{file: "partial_outage.json", want: monitor.StateMajorOutage, incident: "Card payments failing in one region", update: "Fewer failures now; still working on it.", status: "open"},
		// The resolved incident is left out.
		{file: "major_outage.json", want: monitor.StateMajorOutage, incident: "Payments down", update: "No payments go through.", status: "investigating"},
		{
			file: "maintenance_in_progress.json", want: monitor.StateMaintenance,
			maint: "Payout engine upgrade", inProgress: true, starts: "2026-08-01T01:00:00Z", ends: "2026-08-01T03:00:00Z",
		},
		{
			file: "maintenance_ahead.json", want: monitor.StateOperational,
			maint: "Card network maintenance", starts: "2026-08-09T22:00:00Z", ends: "2026-08-10T00:30:00Z",
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			r, err := statuspal.Parse(bytes.NewReader(readFile(t, filepath.Join("testdata", tt.file))))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			sourcetest.CheckReport(t, r)
			if got, _, _ := monitor.Rollup(r, monitor.ComponentFilter{}); got != tt.want {
				t.Errorf("Rollup = %v, want %v", got, tt.want)
			}
			if r.PageName != "Acme Pay" || r.PageURL != "https://status.acmepay.example" {
				t.Errorf("page = %q %q", r.PageName, r.PageURL)
			}
			if tt.incident == "" {
				if len(r.Incidents) != 0 {
					t.Errorf("incidents = %+v, want none", r.Incidents)
				}
			} else {
				if len(r.Incidents) != 1 {
					t.Fatalf("got %d incidents, want 1", len(r.Incidents))
				}
				in := r.Incidents[0]
				if in.Title != tt.incident || in.LatestUpdate != tt.update || in.Status != tt.status {
					t.Errorf("incident = %q / %q / %q, want %q / %q / %q", in.Title, in.LatestUpdate, in.Status, tt.incident, tt.update, tt.status)
				}
			}
			if tt.maint == "" {
				if len(r.Maintenances) != 0 {
					t.Errorf("maintenances = %+v, want none", r.Maintenances)
				}
				return
			}
			if len(r.Maintenances) != 1 {
				t.Fatalf("got %d maintenances, want 1", len(r.Maintenances))
			}
			m := r.Maintenances[0]
			if m.Title != tt.maint || m.InProgress != tt.inProgress {
				t.Errorf("maintenance = %q in progress %v, want %q in progress %v", m.Title, m.InProgress, tt.maint, tt.inProgress)
			}
			if !m.StartsAt.Equal(mustTime(t, tt.starts)) || !m.EndsAt.Equal(mustTime(t, tt.ends)) {
				t.Errorf("maintenance times = %v – %v, want %s – %s", m.StartsAt, m.EndsAt, tt.starts, tt.ends)
			}
		})
	}
}

func TestParseFilter(t *testing.T) {
	r, err := statuspal.Parse(bytes.NewReader(readFile(t, "testdata/partial_outage.json")))
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
	for name, body := range map[string]string{
		"statuspage shape":  `{"page":{"id":"x"},"status":{"indicator":"none"}}`,
		"no status_page":    `{"services":[],"incidents":[]}`,
		"status_page array": `{"status_page":[]}`,
		"services not list": `{"status_page":{"name":"x"},"services":{"id":1}}`,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := statuspal.Parse(strings.NewReader(body))
			var pe *monitor.PayloadError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse error = %v, want a *monitor.PayloadError", err)
			}
		})
	}
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
		map[string][]byte{path: readFile(t, "testdata/degraded.json")},
		monitor.StateDegraded)
}

func FuzzParse(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no seed files: %v", err)
	}
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := statuspal.Parse(bytes.NewReader(b))
		if err != nil {
			var pe *monitor.PayloadError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is not a *monitor.PayloadError", err)
			}
			return
		}
		sourcetest.CheckReport(t, r)
	})
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustTime(t testing.TB, v string) time.Time {
	t.Helper()
	tm, err := time.Parse(time.RFC3339, v)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}
