package betterstack_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paywatch/paywatch/monitor"
	"github.com/paywatch/paywatch/monitor/betterstack"
	"github.com/paywatch/paywatch/monitor/sourcetest"
)

// now is the moment the testdata pages are read at.
var now = time.Date(2026, 6, 1, 2, 0, 0, 0, time.UTC)

func TestParse(t *testing.T) {
	tests := []struct {
		file       string
		want       monitor.State
		incident   string
		update     string
		maint      string
		inProgress bool
		starts     string
		ends       string
	}{
		// A resolved report and a finished maintenance are history, not news.
		{file: "operational.json", want: monitor.StateOperational},
		{file: "degraded.json", want: monitor.StateDegraded, incident: "Payouts delayed", update: "We found the cause: a slow bank link."},
		// One resource of three down: a partial outage, even though Better Stack says "downtime".
		{file: "partial_outage.json", want: monitor.StatePartialOutage, incident: "Card payments failing", update: "Card payments are failing. We are on it."},
		{file: "major_outage.json", want: monitor.StateMajorOutage, incident: "Everything is down", update: "Our data centre lost power."},
		{
			file: "maintenance_in_progress.json", want: monitor.StateMaintenance,
			maint: "Payout system upgrade", inProgress: true, starts: "2026-06-01T01:00:00Z", ends: "2026-06-01T03:00:00Z",
		},
		{
			file: "maintenance_ahead.json", want: monitor.StateOperational,
			maint: "Network maintenance", starts: "2026-06-10T22:00:00Z", ends: "2026-06-11T00:00:00Z",
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			r, err := betterstack.ParseAt(bytes.NewReader(readFile(t, filepath.Join("testdata", tt.file))), now)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			sourcetest.CheckReport(t, r)
			if got, _, _ := monitor.Rollup(r, monitor.ComponentFilter{}); got != tt.want {
				t.Errorf("Rollup = %v, want %v", got, tt.want)
			}
			if r.PageName != "Acme Pay" || r.PageURL != "https://status.acmepay.example" {
				t.Errorf("page = %q %q, want Acme Pay at https://status.acmepay.example", r.PageName, r.PageURL)
			}
			if len(r.Components) != 3 {
				t.Errorf("got %d components, want 3", len(r.Components))
			}
			if tt.incident == "" {
				if len(r.Incidents) != 0 {
					t.Errorf("incidents = %+v, want none", r.Incidents)
				}
			} else {
				if len(r.Incidents) != 1 {
					t.Fatalf("got %d incidents, want 1", len(r.Incidents))
				}
				if in := r.Incidents[0]; in.Title != tt.incident || in.LatestUpdate != tt.update {
					t.Errorf("incident = %q / %q, want %q / %q", in.Title, in.LatestUpdate, tt.incident, tt.update)
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

func TestParseComponents(t *testing.T) {
	r, err := betterstack.ParseAt(bytes.NewReader(readFile(t, "testdata/partial_outage.json")), now)
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
		r, err := betterstack.Parse(bytes.NewReader(readFile(t, filepath.Join("testdata", file))))
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Maintenances) != want {
			t.Errorf("%s: %d maintenances, want %d", file, len(r.Maintenances), want)
		}
	}
}

func TestParseRejects(t *testing.T) {
	for name, body := range map[string]string{
		"another JSON:API document": `{"data":{"id":"1","type":"monitor","attributes":{"aggregate_state":"operational"}}}`,
		"cState index.json":         `{"summaryStatus":"ok","systems":[{"name":"API","status":"ok"}]}`,
		"no data":                   `{"included":[]}`,
		"array data":                `{"data":[{"type":"status_page"}]}`,
		"malformed resource":        `{"data":{"id":"1","type":"status_page","attributes":{}},"included":[{"id":"2","type":"status_page_resource","attributes":{"public_name":5}}]}`,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := betterstack.Parse(strings.NewReader(body))
			var pe *monitor.PayloadError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse error = %v, want a *monitor.PayloadError", err)
			}
		})
	}
}

func TestIndexURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://status.latitude.so":                "https://status.latitude.so/index.json",
		"https://status.latitude.so/":               "https://status.latitude.so/index.json",
		"https://status.latitude.so/index.json":     "https://status.latitude.so/index.json",
		"https://acme.betteruptime.com/index.json/": "https://acme.betteruptime.com/index.json",
	} {
		if got := betterstack.New(in, nil).IndexURL(); got != want {
			t.Errorf("New(%q).IndexURL() = %q, want %q", in, got, want)
		}
	}
}

func TestContract(t *testing.T) {
	sourcetest.Contract(t,
		func(base string, f *monitor.Fetcher) monitor.Checker { return betterstack.New(base, f) },
		map[string][]byte{betterstack.IndexPath: readFile(t, "testdata/partial_outage.json")},
		monitor.StatePartialOutage)
}

func TestSharedFixtures(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "shared", "fixtures")
	b, err := os.ReadFile(filepath.Join(dir, "betterstack__latitude-index-json-trimmed.json"))
	if errors.Is(err, os.ErrNotExist) {
		t.Skip("shared fixtures not present")
	}
	if err != nil {
		t.Fatal(err)
	}
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
		for _, at := range []time.Time{{}, now} {
			r, err := betterstack.ParseAt(bytes.NewReader(b), at)
			if err != nil {
				var pe *monitor.PayloadError
				if !errors.As(err, &pe) {
					t.Fatalf("error %v is not a *monitor.PayloadError", err)
				}
				continue
			}
			sourcetest.CheckReport(t, r)
		}
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
