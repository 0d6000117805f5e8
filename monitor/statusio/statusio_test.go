package statusio_test

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
	"github.com/paywatch/paywatch/monitor/statusio"
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
		{
			file: "degraded.json", want: monitor.StateDegraded,
			incident: "Payouts slower than usual", update: "We identified a slow bank connection.", status: "identified",
		},
		{
			file: "partial_outage.json", want: monitor.StatePartialOutage,
			incident: "Some card payments fail", update: "About one in ten card payments fail in the EU region.", status: "investigating",
		},
		{
			// Messages out of order: the newest one counts.
			file: "major_outage.json", want: monitor.StateMajorOutage,
			incident: "Payments unavailable", update: "A fix is being deployed; we are monitoring.", status: "monitoring",
		},
		{
			file: "maintenance_in_progress.json", want: monitor.StateMaintenance,
			maint: "Dashboard upgrade", inProgress: true, starts: "2026-05-01T08:00:00Z", ends: "2026-05-01T12:00:00Z",
		},
		{
			file: "maintenance_ahead.json", want: monitor.StateOperational,
			maint: "Payout system upgrade", starts: "2026-05-09T01:00:00Z", ends: "2026-05-09T03:00:00Z",
		},
		{
			file: "security.json", want: monitor.StateMajorOutage,
			incident: "Security issue: Suspicious activity on card processing",
			update:   "We have taken card processing offline while we investigate suspicious activity.", status: "investigating",
		},
		{
			file: "security_no_incident.json", want: monitor.StateMajorOutage,
			incident: "Security issue reported on the status page",
			update:   "The status page reports a security event (Security Event).", status: "security",
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			r, err := statusio.Parse(bytes.NewReader(readFile(t, filepath.Join("testdata", tt.file))))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			sourcetest.CheckReport(t, r)
			if got, _, _ := monitor.Rollup(r, monitor.ComponentFilter{}); got != tt.want {
				t.Errorf("Rollup = %v, want %v", got, tt.want)
			}
			if len(r.Components) != 3 {
				t.Errorf("got %d components, want 3", len(r.Components))
			}
			if tt.incident == "" {
				if len(r.Incidents) != 0 {
					t.Errorf("got %d incidents, want none", len(r.Incidents))
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
					t.Errorf("got %d maintenances, want none", len(r.Maintenances))
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
	r, err := statusio.Parse(bytes.NewReader(readFile(t, "testdata/partial_outage.json")))
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
	for name, body := range map[string]string{
		"statuspage shape":   `{"page":{"id":"kctbh9vrtdwd"},"status":{"indicator":"none"}}`,
		"no overall":         `{"result":{"status":[]}}`,
		"unknown code":       `{"result":{"status_overall":{"status":"Odd","status_code":700}}}`,
		"API error":          `{"status":{"error":"yes","code":404,"message":"Page not found"}}`,
		"code is not number": `{"result":{"status_overall":{"status_code":"hundred"}}}`,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := statusio.Parse(strings.NewReader(body))
			var pe *monitor.PayloadError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse error = %v, want a *monitor.PayloadError", err)
			}
		})
	}
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
		map[string][]byte{path: readFile(t, "testdata/partial_outage.json")},
		monitor.StatePartialOutage)
}

func TestSharedFixtures(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "shared", "fixtures")
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		t.Skip("shared fixtures not present")
	}
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
			b, err := os.ReadFile(filepath.Join(dir, tt.file))
			if errors.Is(err, os.ErrNotExist) {
				t.Skip("fixture not present")
			}
			if err != nil {
				t.Fatal(err)
			}
			r, err := statusio.Parse(bytes.NewReader(b))
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
		r, err := statusio.Parse(bytes.NewReader(b))
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
